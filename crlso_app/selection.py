"""What a plotly chart's selection (a click, a box or a lasso) means in table rows."""

from __future__ import annotations

import numpy as np


def selected_rows(event, order_rows: np.ndarray) -> tuple[list[int], bool]:
    """Table rows of the selected points, and whether they came from a box or lasso."""
    if not event:
        return [], False
    selection = event["selection"]
    rows = []
    for p in selection.get("points", []):
        if p.get("curve_number", 0) != 0:
            continue
        rows.append(int(order_rows[p["point_index"]]))  # the trace is drawn in order_rows' order
    region = bool(selection.get("box") or selection.get("lasso"))
    return rows, region
