import json

import pytest

from crlso_core.common.errors import CRLSOError
from crlso_core.common.files import read_csv, write_csv
from tools import make_report

RESULT = ["method", "dataset", "seed", "budget", "best_valid_acc"]
CURVE = ["method", "dataset", "seed", "queries", "best_valid_acc"]


def _rows(methods, value):
    return [{"method": m, "dataset": "cifar10", "seed": s, "budget": 100, "best_valid_acc": value}
            for m in methods for s in (0, 1)]


@pytest.fixture
def committed(tmp_path, monkeypatch):
    results = tmp_path / "results"
    results.mkdir()
    monkeypatch.setattr(make_report, "RESULTS", results)
    write_csv(results / "nb301.csv", _rows(["crlso", "lso", "rea"], 90), RESULT)
    write_csv(results / "nb301_curves.csv", [{**r, "queries": 10} for r in _rows(["crlso", "rea"], 90)], CURVE)
    (results / "nb301_meta.json").write_text(json.dumps({"command": "old bench", "machine": "old machine"}))
    bench = tmp_path / "bench"
    bench.mkdir()
    write_csv(bench / "results.csv", _rows(["crlso"], 95), RESULT + ["latent_share"])
    write_csv(bench / "curves.csv", [{**r, "queries": 10} for r in _rows(["crlso"], 95)], CURVE)
    _plan(bench, 1)
    return results, bench


def test_a_partial_rerun_keeps_the_baselines_and_moves_the_rest_apart(committed):
    results, bench = committed
    make_report.store_bench(bench, "nb301", keep=("rea",), earlier="the step rule changed")
    now = read_csv(results / "nb301.csv")
    assert sorted({(r["method"], r["best_valid_acc"]) for r in now}) == [("crlso", "95"), ("rea", "90")]
    assert {r["method"] for r in read_csv(results / "nb301_curves.csv")} == {"crlso", "rea"}
    earlier = read_csv(results / "nb301_earlier.csv")
    assert sorted({r["method"] for r in earlier}) == ["crlso", "lso"] and len(earlier) == 4  # every old row not kept
    meta = json.loads((results / "nb301_earlier_meta.json").read_text())
    assert meta["command"] == "old bench" and meta["changed"] == "the step rule changed"
    assert json.loads((results / "nb301_meta.json").read_text())["command"] == "crlso bench --space nb301 --note 'two words'"


def test_keeping_a_method_the_bench_reran_is_refused_before_anything_is_written(committed):
    results, bench = committed
    before = (results / "nb301.csv").read_bytes()
    with pytest.raises(SystemExit, match="reran crlso"):
        make_report.store_bench(bench, "nb301", keep=("crlso", "rea"), earlier="why")
    assert (results / "nb301.csv").read_bytes() == before and not (results / "nb301_earlier.csv").exists()


def test_an_earlier_file_already_there_is_not_overwritten(committed):
    results, bench = committed
    write_csv(results / "nb301_earlier.csv", _rows(["crlso50"], 80), RESULT)
    with pytest.raises(SystemExit, match="exists"):
        make_report.store_bench(bench, "nb301", keep=("rea",), earlier="why")
    assert {r["method"] for r in read_csv(results / "nb301_earlier.csv")} == {"crlso50"}


def test_interaction_times_show_a_baseline_and_the_ratio_beside_each():
    now = {"cells": 100, "timings_s": {"click": [0.4, 0.6], "new": [0.2]}, "median_s": {"click": 0.5, "new": 0.2}}
    before = {"median_s": {"click": 1.0}, "pair_note": "baseline: commit abc"}
    text = make_report.app_section(now, before)
    assert "| click | 0.50 | 1.00 | 0.50 | 2 |" in text and "| new | 0.20 | - | - | 1 |" in text
    assert "Beside it, baseline: commit abc." in text
    assert "| click | 0.50 | 2 |" in make_report.app_section(now)  # no baseline: the plain table


def test_interaction_times_with_a_baseline_keep_the_cold_start_table():
    cold = {"repeat": 2, "machine": "M", "what": "first minutes",
            "runs": {"this": {"commit": "abc", "median_s": {"first page": 1.5}}}}
    now = {"cells": 100, "timings_s": {"click": [0.5]}, "median_s": {"click": 0.5}, "cold_start": cold}
    text = make_report.app_section(now, {"median_s": {"click": 1.0}})
    assert "| first page | 1.50 |" in text  # the cold start is not dropped when a baseline is shown


def _plan(bench, sessions):
    machine = {"cpu": "Plan CPU 9000", "cpus": 64, "platform": "Linux-x86_64", "python": "3.12.1", "torch": "2.9.0"}
    argv = ["/opt/venv/bin/crlso", "bench", "--space", "nb301", "--note", "two words"]
    entries = [{"argv": argv, "commit": {"sha": "a" * 40, "dirty": i > 0},
                "machine": machine, "device": "NVIDIA H200", "started": f"2025-01-0{i + 1}T00:00:00+00:00",
                "finished": f"2025-01-0{i + 1}T01:00:00+00:00", "outcome": "finished"} for i in range(sessions)]
    (bench / "plan.json").write_text(json.dumps({"space": "nb301", "preset": "demo", "sessions": entries}))


def test_the_bench_says_what_produced_it_through_its_plan(committed, capsys):
    results, bench = committed
    _plan(bench, 2)
    make_report.store_bench(bench, "nb301", keep=("rea",), earlier="why")
    meta = json.loads((results / "nb301_meta.json").read_text())
    assert meta["command"] == "crlso bench --space nb301 --note 'two words'"  # one line: both sessions ran it
    assert meta["machine"] == "Plan CPU 9000, 64 cores, Linux-x86_64, Python 3.12.1, torch 2.9.0" and meta["device"] == "NVIDIA H200"
    assert meta["commit"] == f"{'a' * 40}; {'a' * 40} with uncommitted changes" and meta["sessions"] == 2
    assert (meta["started"], meta["finished"]) == ("2025-01-01T00:00:00+00:00", "2025-01-02T01:00:00+00:00")
    assert (results / "nb301_plan.json").read_bytes() == (bench / "plan.json").read_bytes()
    assert capsys.readouterr().err == ""
    assert make_report._space(bench, None) == "nb301"
    with pytest.raises(SystemExit, match="a bench of nb301"):
        make_report._space(bench, "nb201")


def test_a_bench_without_a_plan_is_refused_and_nothing_is_written(committed):
    results, bench = committed
    (bench / "plan.json").unlink()
    before = {p.name: p.read_bytes() for p in results.iterdir()}
    with pytest.raises(SystemExit, match="no plan.json"):
        make_report.store_bench(bench, "nb301", keep=("rea",), earlier="why")
    assert {p.name: p.read_bytes() for p in results.iterdir()} == before


def test_a_damaged_bench_file_is_refused_before_anything_is_written(committed):
    results, bench = committed
    write_csv(bench / "results.csv", [{**r, "seed": "x"} for r in _rows(["crlso"], 95)], RESULT)
    before = {p.name: p.read_bytes() for p in results.iterdir()}
    with pytest.raises(Exception, match="line 2, column 'seed'"):
        make_report.store_bench(bench, "nb301", keep=("rea",), earlier="why")
    assert {p.name: p.read_bytes() for p in results.iterdir()} == before


def _toy_bench(folder, preset, values, started, baseline="rea", baseline_values=(80.0, 81.0)):
    """A bench folder of the toy space written through the bench's own writer: crlso of one
    preset (one value per seed) and REA (a baseline: no preset), and its plan.json."""
    from crlso_core.bench.results import CURVE_FILE, RESULT_FILE, Produced, append_rows, curve_cells, result_cells

    folder.mkdir()
    runs = [(Produced("crlso", preset, "ranked", f"{preset:0>10}"[:10]), values),
            (Produced(baseline, "", "", "r" * 10), list(baseline_values))]
    append_rows(RESULT_FILE, folder / RESULT_FILE.name, [
        result_cells(p, dataset="synthetic", seed=s, budget=100, best_arch="x", best_valid_acc=v, best_test_acc=None,
                     found_valid_optimum=None, queries_to_best=50, labelled=10, wall_s=1.0)
        for p, vs in runs for s, v in enumerate(vs)])
    append_rows(CURVE_FILE, folder / CURVE_FILE.name, [
        curve_cells(p, dataset="synthetic", seed=s, queries=q, best_valid_acc=v - 100 + q, best_test_acc=None)
        for p, vs in runs for s, v in enumerate(vs) for q in (10, 100)])
    machine = {"cpu": f"CPU of {preset}", "cpus": 2, "platform": "Linux", "python": "3.11", "torch": "2"}
    session = {"argv": ["crlso", "bench", "--space", "toy", "--preset", preset], "commit": None, "machine": machine,
               "device": "cpu", "started": started, "finished": started, "outcome": "finished", "preset": preset}
    (folder / "plan.json").write_text(json.dumps({"space": "toy", "preset": preset, "sessions": [session]}))
    return folder


def test_two_benches_of_different_presets_in_one_report_stay_apart(tmp_path, monkeypatch):
    results = tmp_path / "results"
    results.mkdir()
    monkeypatch.setattr(make_report, "RESULTS", results)
    demo = _toy_bench(tmp_path / "demo", "demo", [90.0, 91.0], "2026-01-01T00:00:00+00:00")
    paper = _toy_bench(tmp_path / "paper", "paper", [95.0, 96.0], "2026-01-02T00:00:00+00:00", baseline="local")
    make_report.store_bench([demo, paper], "toy")
    from crlso_core.bench import results as bench_results

    reads, real = [], bench_results.read_own
    monkeypatch.setattr(bench_results, "read_own", lambda path, limit: reads.append(path.name) or real(path, limit))
    text = make_report.quality_section("toy")
    assert sorted(reads) == ["toy.csv", "toy_curves.csv", "toy_reconstruction.csv"]  # each committed file read once
    # each preset its own row, over its own two seeds: never one crlso row averaging 90-96
    assert "| 100 | crlso [demo, ranked] | 2 | 90.50 ± 0.50 |" in text
    assert "| 100 | crlso [paper, ranked] | 2 | 95.50 ± 0.50 |" in text
    assert "| 100 | crlso | " not in text and "93.00" not in text
    # the command and machine of each bench, as its own plan.json recorded them: none typed here
    assert "crlso bench --space toy --preset demo\ncrlso bench --space toy --preset paper" in text
    assert "Machine: CPU of demo, 2 cores, Linux, Python 3.11, torch 2; CPU of paper, 2 cores" in text
    plan = json.loads((results / "toy_plan.json").read_text())
    assert [s["preset"] for s in plan["sessions"]] == ["demo", "paper"]
    assert (results / "toy_curves.png").stat().st_size > 1000


def test_two_benches_holding_the_same_run_with_different_outcomes_are_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(make_report, "RESULTS", tmp_path)
    one = _toy_bench(tmp_path / "one", "demo", [90.0], "2026-01-01T00:00:00+00:00")
    two = _toy_bench(tmp_path / "two", "paper", [95.0], "2026-01-02T00:00:00+00:00", baseline_values=(82.0, 81.0))
    with pytest.raises(CRLSOError, match=r"one and .*two both hold rea synthetic seed 0 at budget 100 .* different outcomes"):
        make_report.store_bench([one, two], "toy")
    assert not (tmp_path / "toy.csv").exists()


def test_a_baseline_run_two_benches_hold_with_one_outcome_is_stored_once(tmp_path, monkeypatch):
    """REA depends on its seed alone: a paper bench and a demo bench each run it on the same
    seeds and find the same cells; the report holds each of those runs once, not twice."""
    from crlso_core.bench.results import CURVE_FILE, RESULT_FILE, read

    monkeypatch.setattr(make_report, "RESULTS", tmp_path)
    one = _toy_bench(tmp_path / "one", "demo", [90.0, 91.0], "2026-01-01T00:00:00+00:00")
    two = _toy_bench(tmp_path / "two", "paper", [95.0, 96.0], "2026-01-02T00:00:00+00:00")
    text = (two / "results.csv").read_text()
    (two / "results.csv").write_text(text.replace(",1.0,", ",7.5,"))  # another clock
    assert text.count(",1.0,") == 4
    make_report.store_bench([one, two], "toy")
    rows = read(RESULT_FILE, tmp_path / "toy.csv")
    assert sorted((r.method, r.preset, r.seed) for r in rows) == [
        ("crlso", "demo", 0), ("crlso", "demo", 1), ("crlso", "paper", 0), ("crlso", "paper", 1), ("rea", "", 0), ("rea", "", 1)]
    assert len([r for r in read(CURVE_FILE, tmp_path / "toy_curves.csv") if r.method == "rea"]) == 4  # 2 seeds x 2 points


def test_two_development_benches_are_stored_side_by_side_and_shown_apart(tmp_path, monkeypatch):
    """The default's choice reads a first development bench and a confirming one on fresh
    seeds: both are kept, in one file apart from the reported results."""
    from crlso_core.bench.results import RESULT_FILE, read

    monkeypatch.setattr(make_report, "RESULTS", tmp_path)
    first = _toy_bench(tmp_path / "first", "demo", [90.0, 91.0], "2026-01-01T00:00:00+00:00")
    fresh = _toy_bench(tmp_path / "fresh", "paper", [92.0, 93.0], "2026-01-02T00:00:00+00:00")
    make_report.store_dev([first, fresh], "toy", "chosen on first, confirmed on fresh")
    rows = read(RESULT_FILE, tmp_path / "toy_dev.csv")
    assert sorted(r.best_valid_acc for r in rows if r.method == "crlso") == [90.0, 91.0, 92.0, 93.0]
    assert not (tmp_path / "toy.csv").exists()
    meta = json.loads((tmp_path / "toy_dev_meta.json").read_text())
    assert meta["note"] == "chosen on first, confirmed on fresh" and meta["sessions"] == 2


def test_the_teacher_head_section_shows_every_pair_and_the_verdict(tmp_path, monkeypatch):
    monkeypatch.setattr(make_report, "RESULTS", tmp_path)
    run = {"command": "python -m experiments.teacher_head --preset paper", "labelled": 300, "cells": 3000, "machine": "M",
           "rows": [{"dataset": "cifar10", "seed": 101, "pooled_tau": 0.4269, "reference_tau": 0.6379}],
           "reference_minus_pooled": {"mean": 0.211, "se": None, "verdict": "one pair: no claim"}}
    (tmp_path / "nb201_teacher_head.json").write_text(json.dumps({"paper": run}))
    text = "\n".join(make_report.teacher_head_section("nb201"))
    assert "| CIFAR-10 | 101 | 0.427 | 0.638 |" in text
    assert "paper preset, 300 labelled, 3,000 pool cells, M: reference - pooled +0.211 (one pair: no claim)." in text
    assert make_report.teacher_head_section("nb301") == []  # no file: no section
