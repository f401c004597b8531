import numpy as np
import pytest

from crlso_core.bench.figure_stats import COLUMNS, FigurePlan, compare, in_words, markdown, measure, run_figures
from crlso_core.common.files import read_csv


def test_figure_statistics_over_seeds_are_measured_as_the_pages_do_and_resume(tmp_path):
    plan = FigurePlan("toy", "synthetic", ["smoke"], [0, 1], device="cpu")
    calls = []
    path = run_figures(plan, tmp_path, progress=lambda done, total, what: calls.append(done))
    rows = read_csv(path, COLUMNS)
    assert sorted((r["seed"], r["side"]) for r in rows) == [("0", "crls"), ("0", "ls"), ("1", "crls"), ("1", "ls")]
    again = measure(tmp_path / "runs" / "smoke-s1-crls")  # the same numbers when measured again
    row = next(r for r in rows if r["seed"] == "1" and r["side"] == "crls")
    assert all(float(row[f"top_top_{k}"]) == pytest.approx(again[f"top_top_{k}"]) for k in (50,))
    assert float(row["jensen_predicted"]) == 0.0  # CR-LS's ICNN is convex by construction
    before = path.read_bytes()
    run_figures(plan, tmp_path)
    assert path.read_bytes() == before  # nothing left to train

    comparisons = compare(path)
    measured = {c.statistic for c in comparisons}
    assert measured >= {"top_top_50", "top_worst_50", "jensen_true", "jensen_predicted"}
    assert not measured & {"top_top_200", "top_worst_200"}  # a pool of about 160 cells has no 200 best and 200 worst
    assert {row["top_top_200"] for row in rows} == {""}
    jensen = next(c for c in comparisons if c.statistic == "jensen_predicted")
    assert jensen.seeds == 2 and jensen.crls == (0.0, 0.0)
    diff = np.array([float(r["jensen_predicted"]) for r in rows if r["side"] == "crls"]) - \
        np.array([float(r["jensen_predicted"]) for r in rows if r["side"] == "ls"])
    assert jensen.difference[0] == pytest.approx(diff.mean())
    text = markdown(comparisons)
    assert "| Jensen violations of the predicted error" in text and "paper's claim for CR-LS" in text
    assert in_words(jensen).startswith("Over 2 seeds of the `smoke` preset")


def test_verdicts_are_worded_by_the_one_rule():
    from crlso_core.bench.figure_stats import Comparison

    noise = Comparison("demo", "top_worst_100", 5, (-0.095, 0.018), (-0.157, 0.042), (-0.062, 0.042), 2, "lower")
    one = Comparison("paper", "jensen_true", 1, (0.48, float("nan")), (0.49, float("nan")), (0.01, float("nan")), 1, "lower")
    opposite = Comparison("demo", "jensen_true", 5, (0.476, 0.003), (0.487, 0.005), (0.011, 0.004), 5, "lower")
    assert (noise.verdict, one.verdict, opposite.verdict) == ("not shown: within noise", "no claim from one seed", "opposite")
    assert noise.reproduced is False and one.reproduced is None
    assert in_words(noise).endswith("the paper's direction is not shown: the difference is within noise (under 2 s.e.).")
    assert "CR-LS − LS -0.062 ± 0.042" in in_words(noise)
    assert in_words(one).startswith("Over 1 seed of") and "no claim from one seed" in in_words(one)
    table = markdown([noise, one, opposite])
    assert "| verdict |" in table and "| not shown: within noise |" in table and "| opposite |" in table
    assert "|mean| > 2 s.e." in table
