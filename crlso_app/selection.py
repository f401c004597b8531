"""What a selection of the Latent page means: a Plotly chart's selection in table rows (its
3-D chart; its 2-D chart is crlso_app/cloud_chart.py, whose events say so themselves), and a
region's cells set against the whole space, and written out as CSV."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def selected_rows(event, order_rows: np.ndarray, curve: int = 0) -> tuple[list[int], bool]:
    """Table rows of the selected points of trace `curve` (drawn in `order_rows`' order), and
    whether the selection came from a box or lasso."""
    if not event:
        return [], False
    selection = event["selection"]
    rows = []
    for p in selection.get("points", []):
        if p.get("curve_number", 0) != curve:
            continue
        rows.append(int(order_rows[p["point_index"]]))  # the trace is drawn in order_rows' order
    region = bool(selection.get("box") or selection.get("lasso"))
    return rows, region


# --- a region of the Latent page's 2-D chart, compared with the whole space -------------------

TOP = 0.05  # "the space's top 5 %": the share of best cells a region is measured against


@dataclass(frozen=True)
class RegionSummary:
    """A selection of cells set against every cell of the space (true validation accuracies)."""

    cells: int
    mean: float
    space_mean: float
    best: float
    space_best: float
    best_row: int
    top: int  # selected cells that are among the space's top 5 %
    space_top: int  # cells in the space's top 5 %

    def words(self) -> str:
        """One line a class reads: each figure beside the whole space's."""
        lift = self.top / self.cells if self.cells else 0.0
        return (f"mean validation accuracy **{self.mean:.2f} %** (whole space {self.space_mean:.2f} %) · "
                f"best **{self.best:.2f} %** (space's best {self.space_best:.2f} %) · "
                f"**{self.top:,} of the space's {self.space_top:,} top-{100 * TOP:.0f} % cells** "
                f"({100 * self.top / max(self.space_top, 1):.1f} % of them); {100 * lift:.1f} % of the selection is top-"
                f"{100 * TOP:.0f} %, against {100 * TOP:.0f} % of the whole space")


def top_rows(valid: np.ndarray, share: float = TOP) -> np.ndarray:
    """The rows of the best `share` of the cells with an accuracy (at least one), as a mask."""
    valid = np.asarray(valid, dtype=np.float64)
    known = np.flatnonzero(np.isfinite(valid))
    count = max(1, int(np.ceil(share * len(known)))) if len(known) else 0
    best = known[np.argsort(-valid[known], kind="stable")[:count]]
    mask = np.zeros(len(valid), dtype=bool)
    mask[best] = True
    return mask


def region_summary(valid: np.ndarray, rows) -> RegionSummary | None:
    """The selected rows against the whole space; None when no selected cell has an accuracy."""
    valid = np.asarray(valid, dtype=np.float64)
    rows = np.asarray(list(rows), dtype=np.int64)
    known = rows[np.isfinite(valid[rows])] if len(rows) else rows
    if not len(known):
        return None
    top = top_rows(valid)
    best_row = int(known[np.argmax(valid[known])])
    return RegionSummary(cells=len(known), mean=float(valid[known].mean()), space_mean=float(np.nanmean(valid)),
                         best=float(valid[best_row]), space_best=float(np.nanmax(valid)), best_row=best_row,
                         top=int(top[known].sum()), space_top=int(top.sum()))


def selection_csv(rows, archs, valid: np.ndarray, test, predicted: dict[str, np.ndarray]) -> bytes:
    """The selected cells as CSV, best first: cell string, true accuracies and each side's
    prediction (a missing value is an empty field)."""
    import pandas as pd

    rows = list(rows)
    frame = pd.DataFrame({"cell string": [archs[r] for r in rows], "valid acc": np.asarray(valid, dtype=np.float64)[rows]})
    if test is not None:
        frame["test acc"] = np.asarray(test, dtype=np.float64)[rows]
    for name, values in predicted.items():
        frame[f"{name} predicted acc"] = np.asarray(values, dtype=np.float64)[rows]
    frame = frame.sort_values("valid acc", ascending=False, kind="stable", na_position="last")
    return frame.to_csv(index=False, float_format="%.2f", lineterminator="\n").encode()
