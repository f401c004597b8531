"""The product default's decision rule: a challenger replaces the default only when it is
ahead by more than two paired standard errors, and only development seeds are read."""

import json

import pytest

from crlso_core.bench.results import RESULT_FILE, Produced, append_rows, result_cells
from experiments.default_choice import choose, main


def _values(base: float, step: float):
    return {(d, s): base + step * s + (0.01 if d == "cifar100" else 0.0) for d in ("cifar10", "cifar100") for s in (101, 102, 103)}


def test_a_challenger_ahead_by_noise_leaves_the_default():
    default = _values(91.0, 0.1)
    noisy = {k: v + (0.3 if k[1] == 101 else -0.2) for k, v in default.items()}  # mean +0.03, spread wide
    result = choose({"crlso:authors": default, "lso:authors": noisy}, "crlso:authors")
    assert result["chosen"] == "crlso:authors" and result["kept_default"]
    assert result["settings"]["lso:authors"]["paired_runs"] == 6


def test_a_challenger_clearly_ahead_on_every_run_is_chosen():
    default = _values(91.0, 0.1)
    better = {k: v + 0.2 + 0.01 * (k[1] % 3) for k, v in default.items()}
    result = choose({"crlso:authors": default, "crlso:ranked": better}, "crlso:authors")
    assert result["chosen"] == "crlso:ranked" and not result["kept_default"]
    assert result["settings"]["crlso:ranked"]["minus_default"] > 0.2


CELL = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|"


def _bench(folder, seeds, lead=0.0):
    """crlso and lso on the seeds; lso ahead by `lead` (plus a little noise)."""
    rows = [result_cells(Produced(m, "demo", "authors", "abc123"), dataset="cifar10", seed=s, budget=500, best_arch=CELL,
                         best_valid_acc=91.0 + s / 1000 + (lead + (0.01 if s % 2 else -0.01) if m == "lso" else 0.0), best_test_acc=None,
                         found_valid_optimum=0, queries_to_best=400, labelled=300, wall_s=60.0)
            for m in ("crlso", "lso") for s in seeds]
    append_rows(RESULT_FILE, folder / "results.csv", rows)


def test_rows_of_the_bench_seeds_are_refused(tmp_path):
    _bench(tmp_path, [3, 101])
    with pytest.raises(SystemExit, match="development seeds only"):
        main([str(tmp_path), "--out", str(tmp_path / "c.json")])


def test_a_dev_bench_is_read_and_the_choice_written(tmp_path, capsys):
    _bench(tmp_path, [101, 102, 103])
    assert main([str(tmp_path), "--out", str(tmp_path / "c.json")]) == 0
    assert "adopted: crlso:authors" in capsys.readouterr().out and (tmp_path / "c.json").exists()


@pytest.mark.parametrize("fresh_lead, adopted", [(0.3, "lso:authors"), (0.0, "crlso:authors")])
def test_a_pick_is_adopted_only_when_fresh_seeds_confirm_it(tmp_path, capsys, fresh_lead, adopted):
    first, fresh = tmp_path / "first", tmp_path / "fresh"
    first.mkdir(), fresh.mkdir()
    _bench(first, [101, 102, 103], lead=0.3)
    _bench(fresh, [104, 105, 106], lead=fresh_lead)
    out = tmp_path / "c.json"
    assert main([str(first), "--out", str(out)]) == 0
    assert json.loads(out.read_text())["adopted"] == "crlso:authors"  # picked, not confirmed: the default stays
    assert main([str(first), "--confirm", str(fresh), "--out", str(out)]) == 0
    result = json.loads(out.read_text())
    assert result["chosen"] == "lso:authors" and result["confirmation"]["seeds"] == [104, 105, 106]
    assert result["adopted"] == adopted and f"adopted: {adopted}" in capsys.readouterr().out
