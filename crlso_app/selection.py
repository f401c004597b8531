"""What a Plotly chart's selection means in table rows (the Latent page's 3-D chart; its 2-D
chart is crlso_app/cloud_chart.py, whose events say so themselves)."""

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
