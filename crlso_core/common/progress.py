"""Progress reporting shared by the CLI (progress bars) and the app (st.progress)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Optional


@dataclass
class ProgressEvent:
    stage: str  # "teacher", "gvae", "search", ...
    step: int  # done so far, in the stage's own unit (epochs, queries)
    total: int
    metrics: dict[str, float] = field(default_factory=dict)


ProgressFn = Callable[[ProgressEvent], None]


def report(progress: Optional[ProgressFn], stage: str, step: int, total: int, **metrics: float) -> None:
    if progress is not None:
        progress(ProgressEvent(stage, step, total, metrics))


# Each stage kind's share of a job, in seconds of a lesson pair on NB201 (results/
# lesson_time_nb201.json, medians of the Train page's job on an idle 2-core machine: G-VAE 15 s
# a side, the checks about 5 s, the teachers 1-4 s, about 1 s for "start": Python, PyTorch and
# the benchmark loading). Only the shares matter: the pace is the job's own. A stage kind not
# listed counts as the mean of those that are.
STAGE_WEIGHTS = {"start": 1.0, "teacher": 2.4, "gvae": 15.2, "check": 4.8}


def _weight(stage: str, weights: dict[str, float]) -> float:
    kind = stage.rpartition(":")[2]
    return weights.get(kind, sum(weights.values()) / len(weights))


def job_fraction(plan: list[str], index: int, step: int, total: int, weights: Optional[dict[str, float]] = None) -> float:
    """How much of the whole job is done (0 to 1), by the stages' weights: the stages before
    `index` whole, the one at `index` by its steps. The job's bar and its ETA share it."""
    weights = weights or STAGE_WEIGHTS
    shares = [weights["start"], *(_weight(s, weights) for s in plan)]
    done = shares[0] + sum(shares[1:index + 1]) + shares[index + 1] * min(1.0, step / max(1, total))
    return done / sum(shares)


MEASURED = 0.10  # the share of a job done before its pace says anything: Python's start and the teacher's seconds
# vary too much (on a lesson pair, by the weights above, start and teacher are 7 % and the first G-VAE epoch ends at 12 %)


def job_left(plan: list[str], index: Optional[int], step: int, total: int, seconds: float,
             weights: Optional[dict[str, float]] = None) -> Optional[float]:
    """Seconds left in the whole job, estimated from the `seconds` it has run so far and the
    share of it done (job_fraction): the whole job at the pace measured so far, so the
    estimate does not jump when a stage ends. None ("estimating…") until MEASURED of the job
    is done (on a lesson pair: the first G-VAE epoch); never 0 before the last step of the
    last stage (at least 1 s)."""
    if not plan or index is None or not 0 <= index < len(plan) or seconds <= 0:
        return None
    if index == len(plan) - 1 and step >= total:
        return 0.0
    done = job_fraction(plan, index, step, total, weights)
    if done < MEASURED:
        return None
    return max(1.0, seconds * (1 - done) / done)


def stage_left(step: int, total: int, seconds_since_first: float, first_step: int = 1) -> Optional[float]:
    """Seconds left in a stage from its own pace. A stage's clock starts at its first report,
    which comes after its first epoch (`first_step`), so the pace is measured from the second
    report on: None ("estimating…") before that; never 0 before the last step."""
    if step >= total:
        return 0.0
    if step - first_step < 1 or seconds_since_first <= 0:
        return None
    return max(1.0, seconds_since_first / (step - first_step) * (total - step))
