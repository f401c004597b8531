"""The teacher-network comparison applies its rule as written and never measures on the bench's seeds."""

import pytest

from experiments.teacher_head import main, verdict


@pytest.mark.parametrize("diffs, word", [
    ([0.14, 0.15, 0.13, 0.16], "reference ahead by more than 2 s.e."),
    ([-0.02, -0.021, -0.019, -0.02], "pooled ahead by more than 2 s.e."),
    ([0.05, -0.04, 0.01, -0.03], "within 2 s.e.: no difference shown"),
    ([0.3], "one pair: no claim"),
])
def test_the_rule_written_before_the_numbers(diffs, word):
    assert verdict(diffs)["verdict"] == word


def test_the_bench_seeds_are_refused(tmp_path):
    with pytest.raises(SystemExit, match="seeds 0-9 are the bench's"):
        main(["--seeds", "101,3", "--out", str(tmp_path / "x.json")])
    assert not (tmp_path / "x.json").exists()
