"""Shared fixtures: the NB201 benchmark (the team's data folder when it is there, else the
copy shipped in the package), the toy space registered beside NB201, and smoke runs and
pairs, trained once per session, that many tests inspect."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from crlso_core.catalog.presets import preset
from crlso_core.catalog.registry import load_benchmark, register
from crlso_core.pipeline.run import full_run
from crlso_core.store.folder import RunFolder
from tests.toy_space import TOY

torch.set_num_threads(2)
register(TOY)  # adding a space: one module (tests/toy_space.py) and this line

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.fixture(autouse=True)
def _only_the_runs_a_test_makes(monkeypatch, tmp_path_factory):
    """Pages and pair lists see only the runs a test makes; the shipped examples have tests of
    their own, which turn them back on (monkeypatch.delenv). The default run store is a fresh
    folder, never the checkout's ./runs: a test's run indexed there (a toy space's) was the
    first pair `make run` then showed, after `make test`."""
    monkeypatch.setenv("CRLSO_EXAMPLES", "off")
    monkeypatch.setenv("CRLSO_RUNS", str(tmp_path_factory.mktemp("default-runs")))


@pytest.fixture(scope="session")
def benchmark():
    return load_benchmark("nb201")


@pytest.fixture(scope="session")
def space(benchmark):
    return benchmark.space


@pytest.fixture(scope="session")
def smoke_run(tmp_path_factory) -> tuple[Path, object]:
    out = tmp_path_factory.mktemp("runs") / "smoke"
    summary = full_run(preset("smoke", seed=3, device="cpu"), out)
    return out, summary


def _searched_pair(root: Path, config, name: str) -> Path:
    """A run store holding one LS/CR-LS pair, both searched, with REA beside CR-LS: what
    the app's pages read."""
    from crlso_core.pipeline.pair import baseline_run, train_pair
    from crlso_core.pipeline.run import search_run

    train_pair(config, root, name)
    for side in ("ls", "crls"):
        search_run(root / f"{name}-{side}")
    baseline_run(root / f"{name}-crls", "rea", config.budget)
    return root


@pytest.fixture(scope="session")
def smoke_pair(tmp_path_factory) -> Path:
    return _searched_pair(tmp_path_factory.mktemp("store"), preset("smoke", seed=5, device="cpu"), "pair")


@pytest.fixture(scope="session")
def toy_pair(tmp_path_factory) -> Path:
    """The same on the toy space: a sampled pool, a surrogate, no test accuracy."""
    config = preset("smoke", space="toy", dataset="synthetic", seed=2, device="cpu")
    return _searched_pair(tmp_path_factory.mktemp("toy-store"), config, "toy")


@pytest.fixture(scope="session")
def nb301_pair(tmp_path_factory) -> Path:
    """The same on NAS-Bench-301: a sampled pool of genotypes, the ONNX surrogate."""
    config = preset("smoke", space="nb301", seed=1, device="cpu")
    return _searched_pair(tmp_path_factory.mktemp("nb301-store"), config, "darts")


@pytest.fixture(scope="session")
def nb101_pair(tmp_path_factory) -> Path:
    """The same on NAS-Bench-101: a pool of 1,000 cells of the offline 30,001-cell table
    (best-of-3 validation accuracy, no test accuracy); the search queries only table cells."""
    config = preset("smoke", space="nb101", seed=1, device="cpu")
    return _searched_pair(tmp_path_factory.mktemp("nb101-store"), config, "nb101")


@pytest.fixture(scope="session")
def legacy_pair(smoke_pair, tmp_path_factory) -> Path:
    """The smoke pair as the code before run format 2 wrote it (commit 7dbc1db): no pool,
    benchmark or run_format in the summary, no pool in the config, and local search stored
    under its old name 'ls'. latent.npz and the model files did not change."""
    import shutil

    from crlso_core.common.files import read_json, write_json
    from crlso_core.pipeline.pair import baseline_run
    from crlso_core.store.index import index_run

    root = tmp_path_factory.mktemp("legacy-store")
    for side in ("ls", "crls"):
        shutil.copytree(smoke_pair / f"pair-{side}", root / f"pair-{side}")
    baseline_run(root / "pair-crls", "local", 60)
    (root / "pair-crls" / "baselines" / "local.csv").rename(root / "pair-crls" / "baselines" / "ls.csv")
    (root / "index.sqlite").unlink()
    for side in ("ls", "crls"):
        run = root / f"pair-{side}"
        summary = {k: v for k, v in read_json(run / "summary.json").items() if k not in ("benchmark", "pool_size", "run_format")}
        summary["baselines"] = {("ls" if k == "local" else k): v for k, v in summary.get("baselines", {}).items()}
        write_json(run / "summary.json", summary)
        write_json(run / "config.json", {k: v for k, v in read_json(run / "config.json").items() if k != "pool"})
        index_run(run, RunFolder(run).summary())
    return root
