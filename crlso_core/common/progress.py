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
