import csv

import pytest

from crlso_core.bench.grid import RESULT_COLUMNS
from crlso_core.bench.report import markdown_table, summarise


def test_summary_statistics(tmp_path):
    rows = [
        dict(method="rea", dataset="cifar10", seed=s, budget=100, best_arch="x", best_valid_acc=v,
             best_test_acc=t, found_valid_optimum=f, queries_to_best=q, labelled=0, wall_s=1)
        for s, (v, t, f, q) in enumerate([(91.0, 94.0, 0, 10), (91.6, 94.4, 1, 30), (91.3, 94.1, 0, 90)])
    ]
    path = tmp_path / "results.csv"
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=RESULT_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    (cell,) = summarise(path)
    assert cell.seeds == 3 and cell.valid_mean == pytest.approx(91.3)
    assert cell.valid_se == pytest.approx(0.3 / 3**0.5)  # sample std 0.3 over sqrt(3)
    assert cell.found_share == pytest.approx(1 / 3) and cell.median_queries_to_best == 30
    assert "| 100 | rea | 3 | 91.30 ± 0.17 | 94.17 ± 0.12 | 33 % | 30 |" in markdown_table([cell])
