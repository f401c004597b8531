import pytest

from crlso_core.analysis.verdict import HOLDS, NO_DIRECTION, ONE_SEED, OPPOSITE, VERDICTS, WITHIN_NOISE, in_a_sentence, verdict


@pytest.mark.parametrize("mean, se, n, direction, expected", [
    (-0.062, 0.020, 5, "lower", HOLDS),  # beyond 2 s.e., the claimed way
    (0.062, 0.020, 5, "higher", HOLDS),
    (0.062, 0.020, 5, "lower", OPPOSITE),  # beyond 2 s.e., the other way
    (-0.062, 0.020, 5, "higher", OPPOSITE),
    (-0.062, 0.046, 5, "lower", WITHIN_NOISE),  # the lesson trial's top × worst: the claimed way, but within noise
    (0.011, 0.006, 5, "lower", WITHIN_NOISE),  # the other way, within noise: not "does not hold"
    (0.040, 0.020, 5, "higher", WITHIN_NOISE),  # exactly 2 s.e. is not beyond it
    (0.0, 0.0, 3, "higher", WITHIN_NOISE),  # no difference at all
    (-0.5, 0.0, 3, "lower", HOLDS),  # every seed the same difference
    (0.010, float("nan"), 1, "higher", ONE_SEED),  # one seed: no spread, no claim either way
    (5.0, 0.1, 1, "lower", ONE_SEED),  # even a large difference from one pair
    (0.01, None, 4, "lower", ONE_SEED),
    (0.3, 0.01, 5, None, NO_DIRECTION),  # a statistic the paper makes no claim about
])
def test_the_verdict_follows_the_two_standard_error_rule(mean, se, n, direction, expected):
    assert verdict(mean, se, n, direction) == expected


def test_every_verdict_has_a_sentence_and_a_wrong_direction_is_refused():
    assert all(in_a_sentence(v) for v in VERDICTS)
    assert "within noise" in in_a_sentence(WITHIN_NOISE) and "one seed" in in_a_sentence(ONE_SEED)
    with pytest.raises(ValueError):
        verdict(0.1, 0.01, 3, "up")
