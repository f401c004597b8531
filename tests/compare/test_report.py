import csv

import pytest

from crlso_core.compare.grid import RESULT_COLUMNS
from crlso_core.compare.report import markdown_table, summarise


def _write(path, values):
    rows = [
        dict(method="rea", dataset="cifar10", seed=s, budget=100, best_arch="x", best_valid_acc=v,
             best_test_acc=t, found_valid_optimum=f, queries_to_best=q, labelled=0, wall_s=1)
        for s, (v, t, f, q) in enumerate(values)
    ]
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=RESULT_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return path


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
    line = next(l for l in markdown_table([row]).splitlines() if l.startswith("| 100 |"))
    assert "no test accuracy in this benchmark" in line and "optimum not known" in line
    assert "nan" not in line.lower() and " 0 %" not in line
