import csv

import pytest

from crlso_core.bench.results import RESULT_COLUMNS, baseline_settings_id, read_reconstruction, read_results
from crlso_core.bench.tables import markdown_table, summarise


def _produced(method):
    """What a bench of today writes beside a row: a baseline has no preset or rule."""
    if method in ("rea", "rs", "local"):
        return dict(preset="", rule="", settings=baseline_settings_id(method))
    return dict(preset="demo", rule="ranked", settings=baseline_settings_id(f"demo {method}"))  # any fixed id


def _write(path, values):
    rows = [
        dict(method="rea", dataset="cifar10", seed=s, budget=100, best_arch="x", best_valid_acc=v,
             best_test_acc=t, found_valid_optimum=f, queries_to_best=q, labelled=0, wall_s=1, **_produced("rea"))
        for s, (v, t, f, q) in enumerate(values)
    ]
    return _rows_csv(path, RESULT_COLUMNS, rows)


def test_summary_statistics(tmp_path):
    rows = _write(tmp_path / "results.csv", [(91.0, 94.0, 0, 10), (91.6, 94.4, 1, 30), (91.3, 94.1, 0, 90)])
    (cell,) = summarise(rows)
    assert cell.seeds == 3 and cell.valid_mean == pytest.approx(91.3)
    assert cell.valid_se == pytest.approx(0.3 / 3**0.5)  # sample std 0.3 over sqrt(3)
    assert cell.found_share == pytest.approx(1 / 3) and cell.median_queries_to_best == 30
    assert "| 100 | rea | 3 | 91.30 ± 0.17 | 94.17 ± 0.12 | 33 % | 30 |" in markdown_table([cell])


def test_without_test_accuracy_or_a_known_optimum_the_table_says_so_in_words(tmp_path):
    rows = _write(tmp_path / "results.csv", [(71.0, "", "", 10), (72.0, "", "", 30)])
    (row,) = summarise(rows)
    assert row.test_mean is None and row.found_share is None and row.valid_mean == pytest.approx(71.5)
    line = next(t for t in markdown_table([row]).splitlines() if t.startswith("| 100 |"))
    assert "no test accuracy in this benchmark" in line and "optimum not known" in line
    assert "nan" not in line.lower() and " 0 %" not in line


def _rows_csv(path, columns, rows):
    """The rows written as a bench file, and read back through the bench's own reader."""
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    return (read_results if "budget" in columns else read_reconstruction)(path)


def test_ablation_table_pairs_crlso_and_lso_by_seed(tmp_path):
    from crlso_core.bench.tables import ablation_table

    acc = {"lso": [95.0, 95.2, 95.4], "ls-icnn": [95.1, 95.1, 95.1], "crls-mlp": [95.3, 95.3, 95.3], "crlso": [95.5, 95.5]}
    rows = [dict(method=m, dataset="cifar10", seed=s, budget=200, best_arch="x", best_valid_acc=v, best_test_acc="",
                 found_valid_optimum="", queries_to_best=1, labelled=100, wall_s=1, **_produced(m))
            for m, values in acc.items() for s, v in enumerate(values)]
    text = ablation_table(_rows_csv(tmp_path / "r.csv", RESULT_COLUMNS, rows))
    line = text.splitlines()[2]
    assert line.startswith("| CIFAR-10 [demo, ranked] | 200 | 95.20 ± 0.12 (n=3) | 95.10 ± 0.00 (n=3) |")
    # paired over seeds 0 and 1 only: differences 0.5 and 0.3
    assert line.endswith("| 0.40 ± 0.10 (n=2) |")
    assert ablation_table(_rows_csv(tmp_path / "s.csv", RESULT_COLUMNS, [r for r in rows if r["method"] != "ls-icnn"])) == ""


def test_reconstruction_table_says_when_nothing_is_held_out(tmp_path):
    from crlso_core.bench.results import RECON_COLUMNS
    from crlso_core.bench.tables import reconstruction_table, summarise_reconstruction

    rows = [dict(method="crlso", dataset="cifar10", seed=s, recon_pool=1.0, recon_heldout=h, **_produced("crlso"))
            for s, h in enumerate([0.99, 0.97])]
    rows += [dict(method="lso", dataset="cifar10", seed=0, recon_pool=0.5, recon_heldout="", **_produced("lso"))]
    crlso, lso = summarise_reconstruction(_rows_csv(tmp_path / "r.csv", RECON_COLUMNS, rows))
    assert crlso.heldout_mean == pytest.approx(98.0) and crlso.heldout_min == pytest.approx(97.0) and crlso.seeds == 2
    assert lso.heldout_mean is None and lso.pool_mean == pytest.approx(50.0)
    text = reconstruction_table([crlso, lso])
    assert "| CIFAR-10 | crlso [demo, ranked] | 2 | 100.00 ± 0.00 | 98.00 ± 1.00 | 97.00 |" in text
    assert "none held out (the pool is the space)" in text


def test_paired_table_subtracts_rea_seed_by_seed(tmp_path):
    from crlso_core.bench.tables import paired_table

    acc = {"rea": [96.0, 96.2, 96.4], "crlso": [96.1, 96.1], "rs": [95.0, 95.0, 95.0]}
    rows = [dict(method=m, dataset="cifar10", seed=s, budget=200, best_arch="x", best_valid_acc=v, best_test_acc="",
                 found_valid_optimum="", queries_to_best=1, labelled=0, wall_s=1, **_produced(m))
            for m, values in acc.items() for s, v in enumerate(values)]
    text = paired_table(_rows_csv(tmp_path / "r.csv", RESULT_COLUMNS, rows))
    header, _, line = text.splitlines()
    assert header == "| dataset | budget | `crlso [demo, ranked]` - `rea` | `rs` - `rea` |"
    # crlso over seeds 0 and 1 only: +0.1 and -0.1; rs: -1.0, -1.2, -1.4
    assert line == "| CIFAR-10 | 200 | 0.00 ± 0.10 (n=2) | -1.20 ± 0.12 (n=3) |"
    assert paired_table(_rows_csv(tmp_path / "s.csv", RESULT_COLUMNS, [r for r in rows if r["method"] != "rea"])) == ""


def _result(method, seed, value, preset="", rule="", settings=""):
    return dict(method=method, dataset="cifar10", seed=seed, budget=200, best_arch="x", best_valid_acc=value, best_test_acc="",
                found_valid_optimum="", queries_to_best=1, labelled=0, wall_s=1, preset=preset, rule=rule, settings=settings)


def test_rows_of_two_presets_rules_or_settings_are_never_averaged(tmp_path):
    rows = [_result("crlso", s, 90.0 + s, "demo", "ranked", "aaaaaaaaaa") for s in range(2)]
    rows += [_result("crlso", s, 95.0, "paper", "ranked", "bbbbbbbbbb") for s in range(3)]
    rows += [_result("crlso", s, 80.0, "paper", "authors", "cccccccccc") for s in range(2)]
    rows += [_result("crlso", 0, 70.0, "paper", "authors", "dddddddddd")]  # the same preset and rule, other settings
    summary = summarise(_rows_csv(tmp_path / "r.csv", RESULT_COLUMNS, rows))
    assert [(r.label, r.seeds, r.valid_mean) for r in summary] == [
        ("crlso [demo, ranked]", 2, pytest.approx(90.5)), ("crlso [paper, authors, cccccccccc]", 2, 80.0),
        ("crlso [paper, authors, dddddddddd]", 1, 70.0), ("crlso [paper, ranked]", 3, 95.0)]
    assert "| 200 | crlso [paper, ranked] | 3 | 95.00 ± 0.00 |" in markdown_table(summary)


def test_rows_of_a_file_from_before_settings_were_recorded_read_as_earlier(tmp_path):
    old = ["method", "dataset", "seed", "budget", "best_arch", "best_valid_acc", "labelled"]  # no preset, rule, settings
    read = _rows_csv(tmp_path / "old.csv", old, [dict(method="crlso", dataset="cifar10", seed=s, budget=100, best_arch="x",
                                                      best_valid_acc=90, labelled=30) for s in range(2)])
    (row,) = summarise(read)
    assert row.label == "crlso [earlier settings]" and row.seeds == 2 and row.test_mean is None


def test_paired_tables_pair_only_rows_of_one_preset_and_rule(tmp_path):
    from crlso_core.bench.tables import ablation_table, paired_table

    rows = [_result(m, s, v + s, p, "ranked", baseline_settings_id(p + m))
            for p, base in (("demo", 90.0), ("paper", 95.0))
            for m, v in (("lso", base), ("ls-icnn", base), ("crls-mlp", base), ("crlso", base + 1))
            for s in range(2)]
    rows += [_result("rea", s, 91.0, settings=baseline_settings_id("rea")) for s in range(2)]
    read = _rows_csv(tmp_path / "r.csv", RESULT_COLUMNS, rows)
    lines = ablation_table(read).splitlines()
    assert lines[2] == "| CIFAR-10 [demo, ranked] | 200 | 90.50 ± 0.50 (n=2) | 90.50 ± 0.50 (n=2) | 90.50 ± 0.50 (n=2) " \
                       "| 91.50 ± 0.50 (n=2) | 1.00 ± 0.00 (n=2) |"
    assert lines[3].startswith("| CIFAR-10 [paper, ranked] | 200 | 95.50 ± 0.50 (n=2) |") and len(lines) == 4
    header, _, line = paired_table(read).splitlines()
    assert "`crlso [demo, ranked]` - `rea`" in header and "`crlso [paper, ranked]` - `rea`" in header
    assert line.count("(n=2)") == 8


def test_rules_table_pairs_each_methods_rules_by_seed_and_never_across_presets(tmp_path):
    from crlso_core.bench.tables import rules_table

    def row(method, preset, rule, seed, value, budget=500):
        return dict(method=method, dataset="cifar10", seed=seed, budget=budget, best_arch="x", best_valid_acc=value,
                    best_test_acc="", found_valid_optimum="", queries_to_best=1, labelled=300, wall_s=1, preset=preset,
                    rule=rule, settings=baseline_settings_id(f"{preset} {rule} {method}"))

    rows = [row("crlso", "paper", "ranked", s, v) for s, v in enumerate([91.0, 91.2, 91.4])]
    rows += [row("crlso", "paper", "authors", s, v) for s, v in enumerate([91.5, 91.5, 91.5])]
    rows += [row("crlso", "paper", "authors-uphill", s, v) for s, v in enumerate([91.5, 91.6])]
    rows += [row("crlso", "demo", "authors", s, 80.0) for s in range(3)]  # another preset: never paired with paper's
    # at the budget of the labelled set every rule holds the same cells: nothing to compare, no row
    rows += [row("crlso", "paper", rule, s, 90.0, budget=300) for rule in ("ranked", "authors") for s in range(3)]
    text = rules_table(_rows_csv(tmp_path / "r.csv", RESULT_COLUMNS, rows))
    header, _, line = text.splitlines()
    assert header == "| dataset | budget | method | `authors` - `ranked` | `authors-uphill` - `ranked` | `authors-uphill` - `authors` |"
    # authors - ranked: 0.5, 0.3, 0.1 -> 0.30 +- 0.12; uphill - ranked over seeds 0-1: 0.5, 0.4; uphill - authors: 0.0, 0.1
    assert line == "| CIFAR-10 | 500 | `crlso` [paper] | 0.30 ± 0.12 (n=3) | 0.45 ± 0.05 (n=2) | 0.05 ± 0.05 (n=2) |"
    assert "80.00" not in text and "[demo]" not in text  # the demo preset ran one rule: nothing to pair
    assert "| 300 |" not in text


def test_one_setting_under_two_settings_ids_is_paired_later_minus_earlier_with_what_differs(tmp_path):
    from crlso_core.bench.tables import config_differences, settings_table

    def row(settings, seed, value, method="crlso", budget=500):
        return dict(method=method, dataset="cifar10", seed=seed, budget=budget, best_arch="x", best_valid_acc=value,
                    best_test_acc="", found_valid_optimum="", queries_to_best=1, labelled=300, wall_s=1, preset="demo",
                    rule="authors", settings=settings)

    rows = [row("bbbbbbbbbb", s, v) for s, v in enumerate([91.5, 91.7])]  # the later settings, written first
    rows += [row("aaaaaaaaaa", s, v) for s, v in enumerate([91.0, 91.4])]
    rows += [row("cccccccccc", s, 90.0, method="lso") for s in range(2)]  # one id only: nothing to pair
    rows += [row(sid, s, 90.0, budget=300) for sid in ("aaaaaaaaaa", "bbbbbbbbbb") for s in range(2)]  # the labelled set
    config = {"seed": 0, "version": 2, "teacher": {"head": "pooled", "epochs": 60}}
    configs = {"aaaaaaaaaa": config, "cccccccccc": config,
               "bbbbbbbbbb": {**config, "seed": 5, "version": 3, "teacher": {"head": "reference", "epochs": 60}}}
    text = settings_table(_rows_csv(tmp_path / "r.csv", RESULT_COLUMNS, rows), configs)
    header, _, line = text.splitlines()
    assert line == ("| CIFAR-10 | 500 | `crlso` [demo, authors] | `bbbbbbbbbb` - `aaaaaaaaaa`: 0.40 ± 0.10 (n=2) "
                    "| teacher.head pooled -> reference, version 2 -> 3 |")  # the seed is no setting
    assert config_differences(config, config) == ""
    assert settings_table(_rows_csv(tmp_path / "r.csv", RESULT_COLUMNS, rows), {}) == ""  # no plan: no claim


def test_what_the_change_did_pairs_only_the_earlier_preset_and_each_methods_latest_settings(tmp_path):
    from crlso_core.bench.tables import changed_table

    def row(preset, settings, seed, value):
        return dict(method="crlso", dataset="cifar10", seed=seed, budget=500, best_arch="x", best_valid_acc=value,
                    best_test_acc="", found_valid_optimum="", queries_to_best=1, labelled=300, wall_s=1, preset=preset,
                    rule="authors" if preset else "", settings=settings)

    now = [row("demo", "old0000000", s, 91.0) for s in range(2)] + [row("demo", "new0000000", s, 91.5) for s in range(2)]
    now += [row("paper", "ppp0000000", s, 92.0) for s in range(2)]  # another preset: not paired with demo rows
    earlier = [row("", "", s, 91.2) for s in range(2)]  # from before settings ids
    read = lambda rows, name: _rows_csv(tmp_path / name, RESULT_COLUMNS, rows)  # noqa: E731
    text = changed_table(read(now, "now.csv"), read(earlier, "earlier.csv"), "demo", {"old0000000": {}, "new0000000": {}})
    header, _, line = text.splitlines()
    assert header == "| dataset | budget | `crlso [demo, authors]` |"
    assert line == "| CIFAR-10 | 500 | 0.30 ± 0.00 (n=2) |"  # the latest id, 91.5 - 91.2
    unfiltered = changed_table(read(now, "now.csv"), read(earlier, "earlier.csv")).splitlines()[0]
    assert unfiltered.count("- `crlso [earlier settings]`") == 3  # without preset and order: every setting
