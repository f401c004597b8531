import numpy as np

from crlso_app import figures
from crlso_core.analysis.curves import Curve
from crlso_core.analysis.similarity import cosine_blocks
from crlso_core.catalog.registry import get_space

SPACE = get_space("nb201")


def _labels(n):
    return [SPACE.label(SPACE.cell_at(i * 31 % SPACE.size)) for i in range(n)]


def test_latent_scatter_is_webgl_and_draws_the_best_cells_on_top():
    rng = np.random.default_rng(0)
    xy, acc = rng.normal(size=(500, 2)), rng.uniform(10, 90, 500)
    labels = _labels(500)
    fig = figures.latent_scatter(xy, acc, labels, acc, acc - 1, "t", "acc", highlight=3)
    cells = fig.data[0]
    assert cells.type == "scattergl" and len(cells.x) == 500
    assert cells.text[-1] == labels[int(np.argmax(acc))]  # drawn last, on top
    assert np.allclose(np.asarray(cells.customdata)[-1], [acc.max(), acc.max() - 1], atol=1e-3)  # hover: true, predicted
    assert np.all(np.diff(np.asarray(cells.marker.color)) >= 0)
    assert fig.layout.annotations[0].text == "selected"
    rank = np.argsort(np.argsort(-acc)) + 1.0
    by_rank = figures.latent_scatter(xy, rank, labels, acc, acc, "t", "rank", reverse=True)
    assert by_rank.data[0].text[-1] == labels[int(np.argmax(acc))] and by_rank.data[0].marker.reversescale


def test_pca_3d_scatter_and_heatmaps_and_curves():
    rng = np.random.default_rng(1)
    fig = figures.latent_scatter(rng.normal(size=(50, 3)), rng.uniform(size=50), _labels(50), np.ones(50), np.ones(50), "t", "acc")
    assert fig.data[0].type == "scatter3d"
    info = cosine_blocks(rng.normal(size=(100, 4)), rng.uniform(size=100), k=10)
    top_top, top_worst = figures.similarity_figures(info, "CRLS")
    assert np.asarray(top_top.data[0].z).shape == (10, 10) and "top-10 × worst-10" in top_worst.layout.title.text
    curve = figures.curves_figure([Curve("CR-LSO", np.array([1.0, 2.0]), np.array([1.0, 1.5]))], 3.0, "t")
    assert list(curve.data[0].y) == [1.0, 2.0] and curve.layout.shapes[0].y0 == 3.0


def test_without_test_accuracy_or_an_optimum_curves_show_what_is_known():
    curves = [Curve("CR-LSO", np.array([1.0, 2.0]), None), Curve("REA", np.array([1.5, 1.5]), None)]
    valid = figures.curves_figure(curves, None, "t")
    assert [d.name for d in valid.data] == ["CR-LSO", "REA"] and not valid.layout.shapes  # no optimum line
    assert len(figures.curves_figure(curves, None, "t", metric="test").data) == 0
    assert not figures.accuracy_histogram(np.array([1.0, 2.0]), None, "t").layout.shapes


def test_colours_span_the_bulk_of_the_values_not_a_few_broken_cells():
    rng = np.random.default_rng(2)
    acc = np.concatenate([rng.uniform(85, 92, 990), np.full(10, 10.0)])  # ten broken cells near 10 %
    fig = figures.latent_scatter(rng.normal(size=(1000, 2)), acc, _labels(1000), acc, acc, "t", "acc")
    low, high = fig.data[0].marker.cmin, fig.data[0].marker.cmax
    assert 84 < low < 86 and 91 < high <= 92  # the 2nd to 98th percentile, not 10 to 92


def test_a_click_shows_the_point_large_and_gold_and_3d_turns_with_pc_axes():
    rng = np.random.default_rng(3)
    flat = figures.latent_scatter(rng.normal(size=(50, 2)), rng.uniform(size=50), _labels(50), np.ones(50), np.ones(50), "t", "acc")
    assert flat.data[0].selected.marker.color == figures.CURRENT and flat.data[0].selected.marker.size >= 14
    cube = figures.latent_scatter(rng.normal(size=(50, 3)), rng.uniform(size=50), _labels(50), np.ones(50), np.ones(50), "t", "acc",
                                  axis_titles=("PC1 (9 %)", "PC2 (8 %)", "PC3 (7 %)"))
    assert cube.layout.scene.dragmode == "orbit" and cube.layout.scene.zaxis.title.text == "PC3 (7 %)"


def test_a_method_has_one_colour_on_every_page():
    assert figures.method_colour("REA") == figures.method_colour("pair-crls: REA") != figures.method_colour("CR-LSO")
    assert figures.side_name("crls") == "CR-LS" and figures.side_name("ls") == "LS"


def test_a_trajectory_is_drawn_as_moves_from_its_start_with_the_current_one_highlighted():
    rng = np.random.default_rng(4)
    path = np.array([[0.0, 0.0], [1.0, 0.5], [0.0, 0.0], [-1.0, 1.0]])  # the start, then three moves (one back to the start)
    fig = figures.trajectory_detail(rng.normal(size=(200, 2)), _labels(200), path, ["s", "1", "2", "3"], 3, "t")
    moves = next(t for t in fig.data if t.name == "moves")
    assert list(moves.x) == [0.0, 1.0, None, 0.0, 0.0, None, 0.0, -1.0, None]  # every segment leaves the start
    current = next(t for t in fig.data if t.name == "this move")
    assert list(current.x) == [0.0, -1.0] and current.line.color == figures.CURRENT
