"""The walk's chart: the move on show is numbered, no two printed numbers overprint, and a
folded move is an unnumbered grey dot."""

import numpy as np

from crlso_app.trajectory_chart import LABEL_GAP, walk_figure


def test_printed_numbers_never_overprint_and_the_current_move_keeps_its_number():
    rng = np.random.default_rng(1)
    entries = np.vstack([rng.normal(size=(40, 2)) * 0.3, [[0.2, 0.2], [0.2, 0.2]]])  # moves 41 and 42 on one cell ("38/88")
    entries[5] = np.nan  # a folded entry: no point of its own
    fig = walk_figure(rng.normal(size=(500, 2)), np.zeros(2), entries, [f"t{i}" for i in range(42)], rng.normal(size=(7, 2)),
                      "start", current=42, title="t")
    cells = next(t for t in fig.data if t.name == "move ends")
    printed = [(x, y) for x, y, text in zip(cells.x, cells.y, cells.text) if text]
    assert "42" in cells.text and "41" not in cells.text and "6" not in cells.text
    spans = [fig.layout.xaxis.range[1] - fig.layout.xaxis.range[0], fig.layout.yaxis.range[1] - fig.layout.yaxis.range[0]]
    for i, (x0, y0) in enumerate(printed):
        for x1, y1 in printed[i + 1:]:
            assert abs(x0 - x1) / spans[0] >= LABEL_GAP[0] or abs(y0 - y1) / spans[1] >= LABEL_GAP[1]
    assert len(cells.hovertext) == 41  # every shown move says its number on hover
    folded = next(t for t in fig.data if t.name == "decoded to a known cell")
    assert len(folded.x) == 7 and folded.mode == "markers"


def test_no_number_prints_over_the_start_label():
    entries = np.array([[0.0, 0.001], [1.0, 1.0]])  # move 1 decoded to a cell drawn on the start
    fig = walk_figure(np.random.default_rng(0).normal(size=(100, 2)), np.zeros(2), entries, ["a", "b"], np.empty((0, 2)),
                      "start", current=0, title="t")
    cells = next(t for t in fig.data if t.name == "move ends")
    assert list(cells.text) == ["", "2"] and len(cells.hovertext) == 2
