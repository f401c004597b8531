import csv

import pytest

from crlso_core.bench.grid import RESULT_COLUMNS
from crlso_core.bench.report import markdown_table, summarise


def _write(path, values):
    rows = [
        dict(method="rea", dataset="cifar10", seed=s, budget=100, best_arch="x", best_valid_acc=v,
             best_test_acc=t, found_valid_optimum=f, queries_to_best=q, labelled=0, wall_s=1)
        for s, (v, t, f, q) in enumerate(values)
    ]
    return _rows_csv(path, RESULT_COLUMNS, rows)


def test_summary_statistics(tmp_path):
    path = _write(tmp_path / "results.csv", [(91.0, 94.0, 0, 10), (91.6, 94.4, 1, 30), (91.3, 94.1, 0, 90)])
    (cell,) = summarise(path)
    assert cell.seeds == 3 and cell.valid_mean == pytest.approx(91.3)
    assert cell.valid_se == pytest.approx(0.3 / 3**0.5)  # sample std 0.3 over sqrt(3)
    assert cell.found_share == pytest.approx(1 / 3) and cell.median_queries_to_best == 30
    assert "| 100 | rea | 3 | 91.30 ± 0.17 | 94.17 ± 0.12 | 33 % | 30 |" in markdown_table([cell])


def test_without_test_accuracy_or_a_known_optimum_the_table_says_so_in_words(tmp_path):
    path = _write(tmp_path / "results.csv", [(71.0, "", "", 10), (72.0, "", "", 30)])
    (row,) = summarise(path)
    assert row.test_mean is None and row.found_share is None and row.valid_mean == pytest.approx(71.5)
    line = next(t for t in markdown_table([row]).splitlines() if t.startswith("| 100 |"))
    assert "no test accuracy in this benchmark" in line and "optimum not known" in line
    assert "nan" not in line.lower() and " 0 %" not in line


def _rows_csv(path, columns, rows):
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_ablation_table_pairs_crlso_and_lso_by_seed(tmp_path):
    from crlso_core.bench.report import ablation_table

    acc = {"lso": [95.0, 95.2, 95.4], "ls-icnn": [95.1, 95.1, 95.1], "crls-mlp": [95.3, 95.3, 95.3], "crlso": [95.5, 95.5]}
    rows = [dict(method=m, dataset="cifar10", seed=s, budget=200, best_arch="x", best_valid_acc=v, best_test_acc="",
                 found_valid_optimum="", queries_to_best=1, labelled=100, wall_s=1)
            for m, values in acc.items() for s, v in enumerate(values)]
    text = ablation_table(_rows_csv(tmp_path / "r.csv", RESULT_COLUMNS, rows))
    line = text.splitlines()[2]
    assert line.startswith("| CIFAR-10 | 200 | 95.20 ± 0.12 (n=3) | 95.10 ± 0.00 (n=3) |")
    # paired over seeds 0 and 1 only: differences 0.5 and 0.3
    assert line.endswith("| 0.40 ± 0.10 (n=2) |")
    assert ablation_table(_rows_csv(tmp_path / "s.csv", RESULT_COLUMNS, [r for r in rows if r["method"] != "ls-icnn"])) == ""


def test_reconstruction_table_says_when_nothing_is_held_out(tmp_path):
    from crlso_core.bench.grid import RECON_COLUMNS
    from crlso_core.bench.report import reconstruction_table, summarise_reconstruction

    rows = [dict(method="crlso", dataset="cifar10", seed=s, recon_pool=1.0, recon_heldout=h) for s, h in enumerate([0.99, 0.97])]
    rows += [dict(method="lso", dataset="cifar10", seed=0, recon_pool=0.5, recon_heldout="")]
    crlso, lso = summarise_reconstruction(_rows_csv(tmp_path / "r.csv", RECON_COLUMNS, rows))
    assert crlso.heldout_mean == pytest.approx(98.0) and crlso.heldout_min == pytest.approx(97.0) and crlso.seeds == 2
    assert lso.heldout_mean is None and lso.pool_mean == pytest.approx(50.0)
    text = reconstruction_table([crlso, lso])
    assert "| CIFAR-10 | crlso | 2 | 100.00 ± 0.00 | 98.00 ± 1.00 | 97.00 |" in text
    assert "none held out (the pool is the space)" in text


def test_paired_table_subtracts_rea_seed_by_seed(tmp_path):
    from crlso_core.bench.report import paired_table

    acc = {"rea": [96.0, 96.2, 96.4], "crlso": [96.1, 96.1], "rs": [95.0, 95.0, 95.0]}
    rows = [dict(method=m, dataset="cifar10", seed=s, budget=200, best_arch="x", best_valid_acc=v, best_test_acc="",
                 found_valid_optimum="", queries_to_best=1, labelled=0, wall_s=1)
            for m, values in acc.items() for s, v in enumerate(values)]
    text = paired_table(_rows_csv(tmp_path / "r.csv", RESULT_COLUMNS, rows))
    header, _, line = text.splitlines()
    assert header == "| dataset | budget | `crlso` - `rea` | `rs` - `rea` |"
    # crlso over seeds 0 and 1 only: +0.1 and -0.1; rs: -1.0, -1.2, -1.4
    assert line == "| CIFAR-10 | 200 | 0.00 ± 0.10 (n=2) | -1.20 ± 0.12 (n=3) |"
    assert paired_table(_rows_csv(tmp_path / "s.csv", RESULT_COLUMNS, [r for r in rows if r["method"] != "rea"])) == ""
