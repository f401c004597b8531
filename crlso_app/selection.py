"""What a plotly chart's selection (a click, a box or a lasso) means in table rows."""

from __future__ import annotations

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


def rows_inside(event, xy: np.ndarray, axis: str = "x") -> list[int]:
    """Every row whose point lies in the selection's box or lasso on the subplot whose x axis
    is `axis`, drawn or not (a chart that thins its cells reports only the drawn ones); empty
    when the selection has no region there."""
    if not event:
        return []
    selection = event["selection"]
    xy = np.asarray(xy)[:, :2]
    inside = np.zeros(len(xy), dtype=bool)
    here = lambda region: region.get("xref", "x") == axis  # noqa: E731
    for box in filter(here, selection.get("box", [])):
        (x0, x1), (y0, y1) = sorted(box["x"][:2]), sorted(box["y"][:2])
        inside |= (xy[:, 0] >= x0) & (xy[:, 0] <= x1) & (xy[:, 1] >= y0) & (xy[:, 1] <= y1)
    for lasso in filter(here, selection.get("lasso", [])):
        from matplotlib.path import Path

        inside |= Path(np.column_stack([lasso["x"], lasso["y"]])).contains_points(xy)
    return [int(r) for r in np.flatnonzero(inside)]
