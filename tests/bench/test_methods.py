"""A method added in one place, its record in catalog/methods.py (and, for a baseline, its
runner), appears in the bench, the CLI's --methods, the Search page's picker and the
progress panel; a method the bench cannot run is an error, never a bench without its rows."""

import csv
import dataclasses

import numpy as np
import pytest

from crlso_core.bench.methods import expand_runs, method_config, run_group
from crlso_core.catalog.methods import BASELINE_LABELS, METHOD_TABLE, LatentMethod, method_colour, runner_ref
from crlso_core.common.errors import CRLSOError
from crlso_core.search import baselines


def first_cell_then_random(space, oracle, rng: np.random.Generator) -> None:
    baselines.random_search(space, oracle, rng)


@pytest.fixture
def extra_baseline(monkeypatch):
    """One more baseline: its runner and its record, nothing else."""
    ref = runner_ref(first_cell_then_random)
    monkeypatch.setitem(baselines._RUNNERS, ref, first_cell_then_random)
    record = dataclasses.replace(METHOD_TABLE["rs"], id="extra", label="extra search", about="an extra baseline",
                                 colour="#123456", runner=ref, words="the extra search")
    monkeypatch.setitem(METHOD_TABLE, "extra", record)


def test_a_baseline_added_in_one_place_is_in_the_bench_the_cli_the_picker_and_the_panel(extra_baseline, tmp_path):
    from crlso_app.jobs_panel import stage_label
    from crlso_core.cli import main

    assert expand_runs(["extra", "rs"], [], "demo", "nb201") == [("extra", ""), ("rs", "")]
    out = tmp_path / "bench"
    assert main(["bench", "--space", "nb201", "--datasets", "cifar10", "--methods", "extra", "--seeds", "0",
                 "--budgets", "20", "--out", str(out), "--quiet"]) == 0
    with open(out / "results.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [(r["method"], r["budget"]) for r in rows] == [("extra", "20")]
    assert "`extra`: an extra baseline" in (out / "summary.md").read_text()
    # the Search page's picker: options=list(BASELINES), format_func=BASELINE_LABELS.get
    assert "extra" in list(baselines.BASELINES) and BASELINE_LABELS.get("extra") == "extra search"
    assert stage_label("crls:extra") == "CR-LS · the extra search"  # the job panel, while the baseline runs
    assert method_colour("pair-crls: extra search") == "#123456"  # its curve on every chart


def test_a_latent_method_added_in_one_place_is_expanded_and_configured_from_its_record(monkeypatch):
    spec = LatentMethod(None, False, "icnn", "ranked")
    monkeypatch.setitem(METHOD_TABLE, "ls-icnn-ranked", dataclasses.replace(
        METHOD_TABLE["ls-icnn"], id="ls-icnn-ranked", label="ls-icnn-ranked", latent=spec))
    assert expand_runs(["ls-icnn-ranked"], ["ray", "step"], "demo", "nb201") == [("ls-icnn-ranked", "ranked")]
    config = method_config("ls-icnn-ranked", "", "smoke", "nb201", "cifar10", 0, 40)
    assert (config.gvae.icnn, config.search.predictor, config.search.rule) == (False, "icnn", "ranked")


def test_a_record_whose_runner_is_gone_fails_where_the_bench_reads_it_not_with_no_rows(monkeypatch, benchmark):
    monkeypatch.setitem(METHOD_TABLE, "extra", dataclasses.replace(
        METHOD_TABLE["rs"], id="extra", label="extra", runner="crlso_core.search.baselines:gone"))
    with pytest.raises(ImportError, match="Method 'extra' .* names the runner 'crlso_core.search.baselines:gone'"):
        run_group(benchmark, "nb201", "cifar10", 0, ["extra"], 20)


def test_an_unknown_method_is_refused_by_the_group_not_dropped(benchmark):
    with pytest.raises(CRLSOError, match="Unknown method.*'bogo'"):
        run_group(benchmark, "nb201", "cifar10", 0, [("bogo", "")], 20)
