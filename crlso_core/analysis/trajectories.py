"""A searched run's trajectories: the proposals of each start, grouped into moves (points
along one ray that decoded to one cell are one move), each with its origin and a sentence
that says what happened."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Optional, Sequence, Union

import numpy as np

from crlso_core.catalog.config import AUTHORS_RULES
from crlso_core.search.origins import STEP, origin
from crlso_core.store import folder as run_files
from crlso_core.store.folder import RunFolder
from crlso_core.store.records import TrajectoryStep, read_trajectory


@dataclass
class Move:
    """Consecutive proposals of one round from one start that decoded to the same cell: the
    ray and step rules go further until the decoded cell is new, so most points land back on
    a known cell (often the start itself); a move shows them as one."""

    round: int
    arch: str
    steps: list[TrajectoryStep]
    kind: str  # an origin (search/origins.py): "step", "nearest", "mutation", "fallback" or "random"
    ends_only: bool = False  # the steps are a run's first and last point (ray and step rules)

    @property
    def queried(self) -> bool:
        return any(s.queried for s in self.steps)

    @property
    def latent(self) -> bool:
        """A move in the latent space (a decoded point), not a neighbour or a random cell."""
        return self.kind in ("step", "nearest")

    @property
    def valid_acc(self) -> Optional[float]:
        return next((s.valid_acc for s in self.steps if s.queried), None)

    @property
    def etas(self) -> tuple[float, float]:
        """The shortest and longest step of the move (the ranked rule's noisy proposals
        repeat the plain ones' lengths, so its steps are not in order of length)."""
        lengths = [s.eta for s in self.steps]
        return min(lengths), max(lengths)

    def describe(self, start_arch: str) -> str:
        """What happened, in words a class can follow; a move that was not a latent step is
        never called one."""
        if self.kind == "fallback":
            return (f"Round {self.round}: not a latent move. No start's move reached a new cell, so the "
                    "best-predicted unseen one-mutation neighbour of the start was queried (a fallback)")
        if self.kind == "mutation":
            return (f"Round {self.round}: not a latent move. A one-mutation neighbour of the start, predicted "
                    "better than the latent steps' cells, was queried (mixed rule)")
        if self.kind == "random":
            return f"Round {self.round}: not a latent move. Nothing near the known cells was left, so a random unseen cell was queried"
        low, high = self.etas
        # the ray and step rules record only the ends of a run of points that decode to one cell
        sizes = self.steps[-1].attempt - self.steps[0].attempt + 1 if self.ends_only else len(self.steps)
        eta = f"η = {low:.2f}" if sizes == 1 else f"η = {low:.2f} to {high:.2f} ({sizes} step lengths)"
        if self.kind == "nearest":
            return (f"Round {self.round}: latent step, {eta}, decoded a cell the benchmark cannot answer; the nearest "
                    "answerable unseen cell to that point was queried")
        where = (
            "back to the start cell"
            if self.arch == start_arch
            else ("to a new cell, queried" if self.queried else "to a cell already known")
        )
        return f"Round {self.round}: latent step, {eta}, decoded {where}"


@dataclass
class Trajectory:
    start_arch: str
    steps: list[TrajectoryStep]  # the proposals stepped from this start, in search order
    ends_only: bool = False  # searched by the ray or step rule, which record a run of points by its ends

    @cached_property
    def moves(self) -> list[Move]:
        moves: list[Move] = []
        for step in self.steps:
            kind = origin(step.source)
            last = moves[-1] if moves else None
            if last is not None and last.kind == kind == STEP and last.round == step.round and last.arch == step.arch:
                last.steps.append(step)
            else:
                moves.append(Move(step.round, step.arch, [step], kind, self.ends_only))
        return moves

    @property
    def found(self) -> list[Move]:
        return [m for m in self.moves if m.queried]

    @cached_property
    def walk(self) -> list[Union[Move, "Folded"]]:
        """The moves worth walking one by one: each run of moves that queried nothing (they
        decoded to a cell already known, most often the start itself) is one Folded entry."""
        out: list[Union[Move, Folded]] = []
        for move in self.moves:
            if move.queried:
                out.append(move)
            elif out and isinstance(out[-1], Folded):
                out[-1].moves.append(move)
            else:
                out.append(Folded([move]))
        return out


@dataclass
class Folded:
    """Consecutive moves that found nothing new (each decoded to a known cell): one entry
    of a walk, opened on demand, so a class is not walked through 40 of them."""

    moves: list[Move]

    @property
    def queried(self) -> bool:
        return False

    def describe(self, start_arch: str) -> str:
        k, back = len(self.moves), sum(m.arch == start_arch for m in self.moves)
        rounds = sorted({m.round for m in self.moves})
        when = f"round {rounds[0]}" if len(rounds) == 1 else f"rounds {rounds[0]}–{rounds[-1]}"
        what = f"{k} move{'s' if k > 1 else ''} decoded to known cells" if k > 1 else "1 move decoded to a known cell"
        return f"{what} ({when}; {back} back to the start cell), nothing queried"


def default_trajectory(paths: Sequence[Trajectory]) -> int:
    """The trajectory to open on: the one that found the most new cells, then the best
    cell, then the shortest walk; a start's index order says nothing about its walk."""
    if not paths:
        return 0

    def worth(i: int) -> tuple:
        t = paths[i]
        best = max((m.valid_acc for m in t.found if m.valid_acc is not None), default=-np.inf)
        return (len(t.found), best, -len(t.walk), -i)

    return max(range(len(paths)), key=worth)


def label_keep(points: np.ndarray, spans: Sequence[float], order: Sequence[int], gap: tuple[float, float] = (0.07, 0.06)) -> list[int]:
    """Which points get a printed label so that no two labels overprint: in `order`
    (most important first), a point is labelled when its label box (`gap`, as fractions of
    the chart's `spans` in x and y) meets no label kept before it. The rest are left to the
    hover text."""
    points = np.asarray(points, dtype=np.float64).reshape(-1, 2) / np.maximum(np.asarray(spans, dtype=np.float64), 1e-12)
    kept: list[int] = []
    for i in order:
        if not np.isfinite(points[i]).all():
            continue
        if all(abs(points[i, 0] - points[j, 0]) >= gap[0] or abs(points[i, 1] - points[j, 1]) >= gap[1] for j in kept):
            kept.append(i)
    return sorted(kept)


def trajectories(run_dir: Path) -> list[Trajectory]:
    """The search's proposals grouped by the start they stepped from, in search order."""
    folder = RunFolder(run_dir)
    if not folder.has(run_files.TRAJECTORIES):
        return []
    path = folder.file(run_files.TRAJECTORIES)
    ends_only = folder.config().search.rule in ("ray", "step", *AUTHORS_RULES)
    grouped: dict[str, list[TrajectoryStep]] = {}
    for step in read_trajectory(path):
        grouped.setdefault(step.start_arch, []).append(step)
    return [Trajectory(start, steps, ends_only) for start, steps in grouped.items()]
