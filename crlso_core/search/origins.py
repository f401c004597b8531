"""Where each query of a latent search came from, and the shares that say whether the
search was latent at all.

A query's source is "labelled" (the paid-for training set), "<method>" (a cell decoded
from a latent step), or "<method>-<kind>" for the other ways the loop can pick a cell:

- nearest: a decoded cell the benchmark cannot answer (NB101's partial table) replaced by
  the nearest answerable unseen pool cell to the decoded point, still a latent move;
- mutation: a one-mutation neighbour of a start (the mixed rule), not a latent move;
- fallback: every start's steps decoded to known cells, so the best-predicted unseen
  neighbour of a start was queried: local search, not a latent move;
- random: nothing near the known cells was left: a random unseen cell.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Optional

LABELLED = "labelled"
STEP = "step"
KINDS = ("nearest", "mutation", "fallback", "random")  # suffixes the loop adds to its method's name
ORIGINS = (STEP, *KINDS)  # every origin of a search query, latent ones first
LATENT = (STEP, "nearest")  # the origins that are moves in the latent space
ABOUT = {
    STEP: "decoded latent step",
    "nearest": "nearest answerable cell to a decoded point",
    "mutation": "one-mutation neighbour of a start (mixed rule)",
    "fallback": "fallback: best-predicted neighbour of a start",
    "random": "random unseen cell",
}
SHORT = {STEP: "decoded steps", "nearest": "nearest answerable cells", "mutation": "mutations",
         "fallback": "fallback neighbours", "random": "random cells"}
COLOURS = {STEP: "#1f63b4", "nearest": "#6baed6", "mutation": "#b07aa1", "fallback": "#e8710a", "random": "#7f7f7f"}


def origin(source: str) -> str:
    """The origin of one query from its source: "labelled" or one of ORIGINS."""
    if source == LABELLED:
        return LABELLED
    return next((kind for kind in KINDS if source.endswith("-" + kind)), STEP)


def with_kind(method: str, kind: str) -> str:
    """The source the loop writes for a query of this origin."""
    return method if kind == STEP else f"{method}-{kind}"


@dataclass(frozen=True)
class Origins:
    """How many of a search's queries (the labelled set left out) came from each origin."""

    counts: dict[str, int]

    @classmethod
    def of(cls, sources: Iterable[str]) -> "Origins":
        counts = dict.fromkeys(ORIGINS, 0)
        for source in sources:
            kind = origin(source)
            if kind != LABELLED:
                counts[kind] += 1
        return cls(counts)

    @classmethod
    def from_counts(cls, counts: dict[str, int]) -> "Origins":
        """From stored counts (a summary, a bench row); origins they lack count 0."""
        return cls({k: int(counts.get(k) or 0) for k in ORIGINS})

    @property
    def searched(self) -> int:
        return sum(self.counts.values())

    @property
    def latent(self) -> int:
        return sum(self.counts[k] for k in LATENT)

    @property
    def latent_share(self) -> Optional[float]:
        """Share of search queries that were latent moves; None before any search query."""
        return self.latent / self.searched if self.searched else None

    def describe(self) -> str:
        """One line, e.g. '190 of 200 search queries (95 %) were latent moves: 180 decoded
        steps, 10 nearest answerable cells; 10 fallback neighbours'."""
        if not self.searched:
            return "no search queries yet"
        parts = [f"{n} {SHORT[k]}" for k, n in self.counts.items() if n and k in LATENT]
        other = [f"{n} {SHORT[k]}" for k, n in self.counts.items() if n and k not in LATENT]
        text = f"{self.latent} of {self.searched} search queries ({100 * self.latent_share:.0f} %) were latent moves"
        if parts:
            text += ": " + ", ".join(parts)
        return text + ("; " + ", ".join(other) if other else "")
