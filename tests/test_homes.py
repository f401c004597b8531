"""The top level's homes outside the library: measurements/, experiments/ and checks/ are
packages of commands run from the root, results/ holds every committed output, and nothing
there is called "benchmarks" (that word names crlso_core/benchmarks/, the NAS oracles)."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

from results import RESULTS

ROOT = Path(__file__).resolve().parents[1]
HOMES = ("measurements", "experiments", "checks")
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")), RESULTS / "README.md"]
SPACES = ("nb201", "nb301", "nb101")


def scripts(suffix: str) -> list[Path]:
    return [p for home in HOMES for p in sorted((ROOT / home).glob(f"*{suffix}")) if p.name != "__init__.py"]


def test_nothing_at_the_top_level_is_called_benchmarks_and_each_home_is_a_package():
    assert not (ROOT / "benchmarks").exists()
    for home in HOMES:
        assert (ROOT / home / "__init__.py").is_file(), home
    assert RESULTS == ROOT / "results" and (RESULTS / "speed.json").is_file() and (RESULTS / "nb201.csv").is_file()


@pytest.mark.parametrize("script", scripts(".py"), ids=lambda p: f"{p.parent.name}.{p.stem}")
def test_each_script_says_how_to_run_it_from_its_home_and_writes_only_under_results(script):
    source = script.read_text()
    assert f"python -m {script.parent.name}.{script.stem}" in ast.get_docstring(ast.parse(source))
    assert "benchmarks/results" not in source and '"benchmarks"' not in source and "-m benchmarks." not in source
    if re.search(r"\bRESULTS\b", source):
        assert "from results import RESULTS" in source  # the folder has one owner


@pytest.mark.parametrize("script", scripts(".sh"), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_each_shell_script_says_how_to_run_it_from_its_home(script):
    source = script.read_text()
    assert f"{script.parent.name}/{script.name} OUT" in source and "-m benchmarks." not in source


def test_a_home_runs_as_a_module_from_the_root():
    done = subprocess.run([sys.executable, "-m", "measurements.page_scripts", "--help"], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0 and "--pair" in done.stdout, done.stderr


def _cited(pattern: str) -> set[str]:
    return {m for doc in DOCS for m in re.findall(pattern, doc.read_text())}


def test_every_command_the_docs_give_names_a_script_that_exists():
    commands = _cited(r"python -m ((?:measurements|experiments|checks)\.\w+)")
    assert "measurements.speed" in commands and "experiments.search_settings" in commands
    for command in commands:
        assert (ROOT / (command.replace(".", "/") + ".py")).is_file(), command
    moved = "|".join(p.stem for p in scripts(".py") + scripts(".sh"))  # once under benchmarks/
    for doc in DOCS:
        assert not re.search(rf"python -m benchmarks\.|(?<![\w/])benchmarks/(results|({moved})\.(py|sh))", doc.read_text()), doc


def _exists(name: str) -> bool:
    return any((RESULTS / name.replace("<space>", space)).is_file() for space in SPACES)


def test_every_result_the_docs_cite_exists():
    cited = _cited(r"(?<![\w/])results/([\w<>.-]+\.(?:json|csv|png))")
    assert "nb301_lesson_settings.json" in cited and "<space>_teacher_scale.json" in cited
    assert [name for name in cited if not _exists(name)] == []


def test_results_readme_says_which_command_wrote_every_committed_file():
    described = re.findall(r"`([\w<>.-]+\.(?:json|csv|png))`", (RESULTS / "README.md").read_text())
    patterns = [re.compile(re.escape(name).replace(re.escape("<space>"), "nb[0-9]{3}")) for name in described]
    files = [p.name for p in RESULTS.iterdir() if p.suffix in (".json", ".csv", ".png")]
    assert files and [f for f in files if not any(p.fullmatch(f) for p in patterns)] == []
