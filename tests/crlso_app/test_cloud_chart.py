import json

import numpy as np

from crlso_app import cloud_chart
from crlso_app.figures import QUANTILES
from crlso_app.thinning import drawn_rows
from crlso_core.catalog.registry import get_space

SPACE = get_space("nb201")


def _labels(n):
    return [SPACE.label(SPACE.cell_at(i * 31 % SPACE.size)) for i in range(n)]


def _panel(xy, colour, acc, reverse=False, rows=None):
    rows = drawn_rows(xy, colour, reverse) if rows is None else rows
    return cloud_chart.cloud_panel(xy, colour, _labels(len(xy)), acc, acc - 1, "LS run", "acc", rows, reverse, ("PC1", "PC2"))


def test_a_panel_draws_the_best_cells_last_with_their_hover_values():
    rng = np.random.default_rng(0)
    xy, acc = rng.normal(size=(500, 2)), rng.uniform(10, 90, 500)
    panel = _panel(xy, acc, acc)
    best = int(np.argmax(acc))
    assert len(panel["x"]) == 500 and panel["label"][-1] == _labels(500)[best]  # drawn last, on top
    assert np.allclose([panel["x"][-1], panel["y"][-1]], xy[best], atol=1e-3)
    assert panel["valid"][-1] == round(acc.max(), 2) and panel["predicted"][-1] == round(acc.max() - 1, 2)
    assert np.all(np.diff(panel["colour"]) >= 0) and panel["colour"][-1] == cloud_chart.PALETTE - 1  # best: the scale's top
    x0, x1, y0, y1 = panel["range"]
    assert x0 < xy[:, 0].min() and x1 > xy[:, 0].max() and y0 < xy[:, 1].min() and y1 > xy[:, 1].max()
    assert panel["axes"] == ["PC1", "PC2"] and panel["title"] == "LS run"
    json.dumps(panel, allow_nan=False)  # what Streamlit sends must be plain JSON


def test_colours_spread_over_the_scale_however_the_accuracies_bunch():
    rng = np.random.default_rng(2)
    acc = np.concatenate([rng.uniform(85, 92, 990), np.full(10, 10.0)])  # NB201-like: bunched near the top, ten broken cells
    panel = _panel(rng.normal(size=(1000, 2)), acc, acc, rows=np.argsort(acc))
    colour = np.asarray(panel["colour"]) / (cloud_chart.PALETTE - 1)
    assert abs(float(np.median(colour)) - 0.5) < 0.01  # the median cell sits mid-scale, not near the blue end
    assert np.histogram(colour, bins=4, range=(0, 1))[0].min() > 200  # every quarter of the scale is used
    ticks = panel["bar"]["ticks"]
    assert [t[0] for t in ticks] == list(QUANTILES) and abs(float(ticks[-1][1]) - np.quantile(acc, 0.98)) < 0.05  # read in accuracy
    # the app's rank scale (figures.SCALE), worst first; for ranks (1, the low end, is best) the other way round
    assert len(set(cloud_chart.palette())) > 200 and cloud_chart.palette(reverse=True) == cloud_chart.palette()[::-1]


def test_a_missing_accuracy_is_sent_as_none():
    xy, acc = np.random.default_rng(3).normal(size=(20, 2)), np.linspace(10, 90, 20)
    true = acc.copy()
    true[4] = np.nan
    panel = cloud_chart.cloud_panel(xy, acc, _labels(20), true, acc, "t", "acc", np.arange(20))
    assert panel["valid"][4] is None and json.dumps(panel, allow_nan=False)


def test_the_selection_is_added_without_changing_the_cached_panels():
    xy, acc = np.random.default_rng(4).normal(size=(30, 2)), np.linspace(10, 90, 30)
    panels = [_panel(xy, acc, acc), _panel(xy[:, ::-1], acc, acc)]
    square = [[0, 0], [1, 0], [1, 1], [0, 1]]
    shown = cloud_chart.with_selection(panels, [xy[3], xy[3, ::-1]], (1, square))
    assert shown[0]["mark"] == {"x": xy[3, 0], "y": xy[3, 1]} and "region" not in shown[0]
    assert shown[1]["region"] == [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]]
    assert "mark" not in panels[0] and "region" not in panels[1]
    assert "mark" not in cloud_chart.with_selection(panels, [None, None])[0]
    data = cloud_chart.cloud_data(shown, "LS and CR-LS · PCA", "pair-pca", reverse=True)
    assert data["palette"] == cloud_chart.palette(True) and data["view"] == "pair-pca" and len(data["panels"]) == 2


def test_a_pick_maps_back_to_its_cell_through_the_drawing_order():
    orders = [np.array([5, 2, 9]), np.array([7, 1])]
    assert cloud_chart.picked_row({"panel": 1, "point": 0}, orders) == (1, 7)
    assert cloud_chart.picked_row({"panel": 0, "point": 2}, orders) == (0, 9)
    for stale in (None, {}, {"panel": 2, "point": 0}, {"panel": 1, "point": 2}, {"panel": 0, "point": -1}, {"panel": "0", "point": 1}):
        assert cloud_chart.picked_row(stale, orders) is None


def test_a_box_or_lasso_holds_every_cell_inside_drawn_or_not():
    xy = np.array([[0.1, 0.1], [0.9, 0.5], [2.0, 2.0], [0.5, 0.9], [0.8, 0.15]])
    assert cloud_chart.rows_in_polygon(xy, [[0, 0], [1, 0], [1, 1], [0, 1]]) == [0, 1, 3, 4]
    assert cloud_chart.rows_in_polygon(xy, [[0, 0], [1, 0], [0, 1]]) == [0, 4]  # a triangle drawn with the lasso
    assert cloud_chart.rows_in_polygon(xy, [[0, 0], [1, 1]]) == []  # a line holds nothing
    for junk in ([["a", 0], [1, 0], [0, 1]], [[0, 0, 0]] * 3, [[0, 0], [1, 0], [float("nan"), 1]], "box", [[0, 0], [1], [0, 1]]):
        assert cloud_chart.rows_in_polygon(xy, junk) == []


def test_a_selection_lights_the_same_cells_on_every_panel_and_neighbours_are_marked():
    xy, acc = np.random.default_rng(5).normal(size=(40, 2)), np.linspace(10, 90, 40)
    labels = _labels(40)
    panels = [_panel(xy, acc, acc), _panel(xy[:, ::-1] * 3, acc, acc)]
    rows = cloud_chart.rows_in_polygon(xy, [[-5, -5], [0, -5], [0, 5], [-5, 5]])  # a box on the left panel: x < 0
    colours = cloud_chart.colour_index(acc)
    selected = [cloud_chart.cell_layer(p, rows, labels, colours) for p in (xy, xy[:, ::-1] * 3)]
    neighbours = [[cloud_chart.cell_layer(p, [1, 2]), cloud_chart.cell_layer(p, [3])] for p in (xy, xy[:, ::-1] * 3)]
    shown = cloud_chart.with_selection(panels, [xy[0], xy[0, ::-1] * 3], None, selected, neighbours)
    assert 0 < len(rows) < 40
    left, right = shown[0]["selected"], shown[1]["selected"]
    assert left["label"] == right["label"] == [labels[r] for r in rows]  # the same cells, wherever the other side put them
    assert np.allclose(right["x"], xy[rows, 1] * 3) and np.allclose(right["y"], xy[rows, 0] * 3)
    assert right["colour"] == colours[rows].tolist()  # each keeps its rank colour; the rest of the panel is greyed
    assert [len(s["x"]) for s in shown[1]["neighbours"]] == [2, 1] and np.allclose(shown[1]["neighbours"][1]["x"], [xy[3, 1] * 3])
    assert "selected" not in panels[0] and "neighbours" not in panels[1]
    data = cloud_chart.cloud_data(shown, "t", "v", False, ["nearest 2 in LS", "nearest 1 in CR-LS"])
    assert data["legend"] == ["nearest 2 in LS", "nearest 1 in CR-LS"]
    json.dumps(data, allow_nan=False)


def test_a_huge_selection_is_capped_in_what_the_browser_is_sent():
    xy = np.random.default_rng(6).normal(size=(cloud_chart.SELECTED_LIMIT + 50, 2))
    layer = cloud_chart.cell_layer(xy, range(len(xy)))
    assert len(layer["x"]) == cloud_chart.SELECTED_LIMIT and layer["total"] == len(xy) and "label" not in layer
    assert layer["x"][0] == round(xy[0, 0], 6) and layer["x"][-1] == round(xy[-1, 0], 6)  # an even share, not the first rows


def test_a_selection_is_drawn_best_last_on_each_panel():
    xy = np.random.default_rng(7).normal(size=(10, 2))
    rank = np.array([9, 0, 8, 1, 7, 2, 6, 3, 5, 4])  # each row's place in the panel's drawing order
    layer = cloud_chart.cell_layer(xy, [0, 1, 2, 3], _labels(10), np.arange(10), rank)
    assert layer["colour"] == [1, 3, 2, 0] and layer["total"] == 4
