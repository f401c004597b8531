"""The one rule by which every page and report words a verdict on one of the paper's claims
(docs/explorer.md, "How a verdict is worded").

A claim is a direction for the paired difference CR-LS − LS of a statistic over seeds
("higher": CR-LS's value is larger; "lower": smaller). From that difference's mean over n
seeds and its standard error (s.e.):
- n < 2 (or no s.e.): "no claim from one seed" — one pair says nothing about the spread;
- |mean| > 2 s.e. in the claimed direction: "holds";
- |mean| > 2 s.e. the other way: "opposite";
- otherwise: "not shown: within noise" — the mean may point either way, the seeds do not
  tell it from chance.
A statistic for which the paper claims no direction gets "no direction claimed"."""

from __future__ import annotations

import math
from typing import Optional

SE_MULTIPLE = 2.0  # |mean| must exceed this many standard errors of the paired difference
MIN_SEEDS = 2

HOLDS = "holds"
OPPOSITE = "opposite"
WITHIN_NOISE = "not shown: within noise"
ONE_SEED = "no claim from one seed"
NO_DIRECTION = "no direction claimed"
VERDICTS = (HOLDS, OPPOSITE, WITHIN_NOISE, ONE_SEED, NO_DIRECTION)

SENTENCES = {  # a verdict as the end of a sentence on a page
    HOLDS: "the paper's direction holds (beyond 2 s.e.)",
    OPPOSITE: "the opposite of the paper's direction (beyond 2 s.e.)",
    WITHIN_NOISE: "the paper's direction is not shown: the difference is within noise (under 2 s.e.)",
    ONE_SEED: "no claim from one seed: one pair says nothing about the spread over seeds",
    NO_DIRECTION: "the paper claims no direction for it",
}


def verdict(mean: float, se: float, n: int, direction: Optional[str]) -> str:
    """One of VERDICTS for a paired difference CR-LS − LS with `mean` and standard error `se`
    over `n` seeds, against the paper's `direction` for CR-LS ("higher", "lower" or None)."""
    if direction not in ("higher", "lower", None):
        raise ValueError(f"direction must be 'higher', 'lower' or None, not {direction!r}")
    if direction is None:
        return NO_DIRECTION
    if n < MIN_SEEDS or se is None or not math.isfinite(se) or not math.isfinite(mean):
        return ONE_SEED
    if abs(mean) <= SE_MULTIPLE * se:
        return WITHIN_NOISE
    return HOLDS if (mean > 0) == (direction == "higher") else OPPOSITE


def in_a_sentence(word: str) -> str:
    """A verdict as a page words it after a semicolon."""
    return SENTENCES[word]
