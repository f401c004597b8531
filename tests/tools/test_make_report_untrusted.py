"""tools/make_report.py reads a bench folder through the bench's own checked reader: a link
among its files is refused, a bad value is one message before anything is written, and a
repeated row is committed once."""

import json

import pytest

from crlso_core.common.errors import CRLSOError
from crlso_core.common.files import read_csv, write_csv
from tools import make_report

SESSION = {"argv": ["crlso", "bench"], "commit": None, "device": "cpu", "started": "2026-12-07T10:00:00+00:00",
           "machine": {"cpu": "a CPU", "cpus": 2, "platform": "Linux", "python": "3.11", "torch": "2"}}
PLAN = {"space": "nb301", "sessions": [SESSION]}
RESULT = ["method", "dataset", "seed", "budget", "best_valid_acc"]
CURVE = ["method", "dataset", "seed", "queries", "best_valid_acc"]


@pytest.fixture
def bench(tmp_path, monkeypatch):
    results = tmp_path / "results"
    results.mkdir()
    monkeypatch.setattr(make_report, "RESULTS", results)
    folder = tmp_path / "bench"
    folder.mkdir()
    rows = [{"method": "rs", "dataset": "cifar10", "seed": s, "budget": 100, "best_valid_acc": 90} for s in (0, 1)]
    write_csv(folder / "results.csv", rows, RESULT)
    write_csv(folder / "curves.csv", [{**r, "queries": 10} for r in rows], CURVE)
    (folder / "plan.json").write_text(json.dumps(PLAN))
    return results, folder


def test_a_plan_json_that_is_a_link_is_refused_and_nothing_is_committed(bench, tmp_path):
    results, folder = bench
    outside = tmp_path / "someone_elses.json"
    outside.write_text(json.dumps({**PLAN, "secret": "theirs"}))
    (folder / "plan.json").unlink()
    (folder / "plan.json").symlink_to(outside)
    with pytest.raises(CRLSOError, match="plan.json is a link"):
        make_report.store_bench(folder, "nb301")
    assert list(results.iterdir()) == []


def test_a_bad_value_in_reconstruction_csv_is_refused_before_anything_is_written(bench):
    results, folder = bench
    (folder / "reconstruction.csv").write_text("method,dataset,seed,recon_pool\nrs,cifar10,0,abc\n")
    with pytest.raises(CRLSOError, match=r"reconstruction.csv, line 2, column 'recon_pool': 'abc' is not a number"):
        make_report.store_bench(folder, "nb301")
    assert list(results.iterdir()) == []


def test_a_repeated_row_is_committed_once(bench):
    results, folder = bench
    lines = (folder / "results.csv").read_bytes().splitlines(keepends=True)
    (folder / "results.csv").write_bytes(b"".join(lines + lines[1:2]))
    make_report.store_bench(folder, "nb301")
    assert sorted(r["seed"] for r in read_csv(results / "nb301.csv")) == ["0", "1"]
    assert json.loads((results / "nb301_plan.json").read_text()) == PLAN
