"""A resume is checked against the folder's plan.json: another space, preset or method
settings is refused in one line naming the setting and both values; new datasets, seeds,
budgets and methods add rows; a folder of an earlier version (no plan.json) still resumes."""

import json

import pytest

from crlso_core.bench.grid import BenchPlan, run_bench
from crlso_core.bench.methods import method_config, method_rules
from crlso_core.common.errors import CRLSOError


def _files(out):
    return {p.name: p.read_bytes() for p in out.iterdir()}


def _refused(out, plan, message):
    before = _files(out)
    with pytest.raises(CRLSOError) as caught:
        run_bench(plan, out)
    assert message in str(caught.value) and "\n" not in str(caught.value)
    assert _files(out) == before  # refused before anything was read, run or written


def test_a_resume_with_another_preset_is_refused_naming_both(tmp_path):
    run_bench(BenchPlan("nb201", ["cifar10"], ["rs"], [0], [400], preset="smoke"), tmp_path)
    _refused(tmp_path, BenchPlan("nb201", ["cifar10"], ["crlso"], [0], [400], preset="lesson"),
             "holds a bench whose preset is 'smoke', not 'lesson'")


def test_baselines_alone_take_any_preset(tmp_path):
    """The preset shapes latent methods only: a folder of baselines resumes under any."""
    run_bench(BenchPlan("toy", ["synthetic"], ["rs"], [0], [20], preset="smoke"), tmp_path)
    run_bench(BenchPlan("toy", ["synthetic"], ["rs", "rea"], [0], [20], preset="demo"), tmp_path)
    assert len((tmp_path / "results.csv").read_text().splitlines()) == 3


def test_a_resume_with_other_method_settings_is_refused_naming_the_setting(tmp_path):
    run_bench(BenchPlan("toy", ["synthetic"], ["rs"], [0], [40], preset="smoke"), tmp_path)
    # as an earlier version of the code recorded crlso in this folder: two G-VAE epochs, not one
    (rule,) = method_rules("crlso", [], "smoke", "toy")
    config = json.loads(json.dumps(method_config("crlso", rule, "smoke", "toy", "synthetic", 0, 40).to_dict()))
    now = config["gvae"]["epochs"]
    config["gvae"]["epochs"] = now + 1
    data = json.loads((tmp_path / "plan.json").read_text())
    data["sessions"].append({**data["sessions"][0], "settings": [{"method": "crlso", "rule": rule, "settings": "0123456789",
                                                                  "config": config}]})
    (tmp_path / "plan.json").write_text(json.dumps(data))
    _refused(tmp_path, BenchPlan("toy", ["synthetic"], ["crlso"], [0], [40], preset="smoke"),
             f"holds a bench whose crlso (rule {rule}) setting gvae.epochs is {now + 1}, not {now}")


def test_new_datasets_seeds_budgets_and_methods_are_a_resume(tmp_path):
    run_bench(BenchPlan("nb201", ["cifar10"], ["rs"], [0], [20]), tmp_path)
    run_bench(BenchPlan("nb201", ["cifar10", "cifar100"], ["rs", "rea"], [0, 1], [20, 30]), tmp_path)
    assert len((tmp_path / "results.csv").read_text().splitlines()) == 1 + 2 * 2 * 2 * 2


def test_a_folder_without_plan_json_resumes_and_is_checked_by_its_cells(tmp_path):
    run_bench(BenchPlan("nb201", ["cifar10"], ["rs"], [0], [20]), tmp_path)
    (tmp_path / "plan.json").unlink()  # a bench of an earlier version
    run_bench(BenchPlan("nb201", ["cifar10"], ["rs"], [0, 1], [20]), tmp_path)
    assert len((tmp_path / "results.csv").read_text().splitlines()) == 3
    (tmp_path / "plan.json").unlink()
    _refused(tmp_path, BenchPlan("toy", ["synthetic"], ["rs"], [0], [20]), "holds a bench of another space")


def _session(started, sha, dirty=False, cpu="CPU A", argv=("/venv/bin/crlso", "bench", "--preset", "paper")):
    machine = {"cpu": cpu, "cpus": 2, "platform": "Linux", "python": "3.11", "torch": "2"}
    return {"argv": list(argv), "commit": {"sha": sha, "dirty": dirty}, "machine": machine, "device": "cpu",
            "started": started, "finished": started.replace("T00", "T01"), "outcome": "finished"}


def test_provenance_says_each_sessions_command_commit_and_machine_once():
    from crlso_core.bench.plan import joined, provenance

    one = {"space": "nb201", "sessions": [_session("2026-01-01T00:00:00+00:00", "a"), _session("2026-01-03T00:00:00+00:00", "a", True)]}
    two = {"space": "nb201", "sessions": [_session("2026-01-02T00:00:00+00:00", "b", cpu="CPU B", argv=("crlso", "bench", "--x", "a b"))]}
    meta = provenance(one)
    assert meta["command"] == "crlso bench --preset paper" and meta["commit"] == "a; a with uncommitted changes"
    assert meta["machine"] == "CPU A, 2 cores, Linux, Python 3.11, torch 2" and meta["sessions"] == 2
    both = provenance(joined([one, two]))  # two benches in one report: their sessions in the order they ran
    assert both["command"] == "crlso bench --preset paper\ncrlso bench --x 'a b'"
    assert both["machine"] == "CPU A, 2 cores, Linux, Python 3.11, torch 2; CPU B, 2 cores, Linux, Python 3.11, torch 2"
    assert (both["started"], both["finished"], both["sessions"]) == ("2026-01-01T00:00:00+00:00", "2026-01-03T01:00:00+00:00", 3)
    assert joined([one]) is one


def test_settings_configs_lists_each_id_in_the_order_it_first_ran():
    from crlso_core.bench.plan import settings_configs

    def session(started, *ids):
        return {"started": started, "settings": [{"method": "crlso", "rule": "authors", "settings": i, "config": {"id": i}}
                                                 for i in ids]}

    plan = {"sessions": [session("2026-12-08T03:00:00", "new", "old"), session("2026-12-07T03:00:00", "old")]}
    assert list(settings_configs(plan)) == ["old", "new"]
    assert settings_configs(plan)["new"] == {"id": "new"} and settings_configs(None) == {}
