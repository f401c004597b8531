import numpy as np

from crlso_app import figures
from crlso_app.trajectory_chart import walk_figure
from crlso_core.analysis.curves import Curve
from crlso_core.analysis.similarity import cosine_blocks
from crlso_core.catalog.methods import SIDE_COLOURS
from crlso_core.catalog.registry import get_space

SPACE = get_space("nb201")


def _labels(n):
    return [SPACE.label(SPACE.cell_at(i * 31 % SPACE.size)) for i in range(n)]


def test_the_3d_scatter_draws_the_best_cells_on_top_and_marks_the_selected_cell():
    rng = np.random.default_rng(0)
    xyz, acc = rng.normal(size=(500, 3)), rng.uniform(10, 90, 500)
    labels = _labels(500)
    fig = figures.latent_scatter_3d(xyz, acc, labels, acc, acc - 1, "t", "acc", highlight=3)
    cells = fig.data[0]
    assert cells.type == "scatter3d" and len(cells.x) == 500
    assert cells.text[-1] == labels[int(np.argmax(acc))]  # drawn last, on top
    assert np.allclose(np.asarray(cells.customdata)[-1], [acc.max(), acc.max() - 1], atol=1e-3)  # hover: true, predicted
    assert np.all(np.diff(np.asarray(cells.marker.color)) >= 0)
    assert fig.data[1].name == "selected" and np.allclose([fig.data[1].x[0], fig.data[1].z[0]], xyz[3, [0, 2]])
    rank = np.argsort(np.argsort(-acc)) + 1.0
    by_rank = figures.latent_scatter_3d(xyz, rank, labels, acc, acc, "t", "rank", reverse=True)
    assert by_rank.data[0].text[-1] == labels[int(np.argmax(acc))] and by_rank.data[0].marker.reversescale


def test_pca_3d_scatter_and_heatmaps_and_curves():
    rng = np.random.default_rng(1)
    fig = figures.latent_scatter_3d(rng.normal(size=(50, 3)), rng.uniform(size=50), _labels(50), np.ones(50), np.ones(50), "t", "acc")
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


def test_colours_follow_the_cells_rank_so_bunched_accuracies_spread_over_the_scale():
    rng = np.random.default_rng(2)
    acc = np.concatenate([rng.uniform(85, 92, 990), np.full(10, 10.0)])  # NB201-like: bunched near the top, ten broken cells
    fig = figures.latent_scatter_3d(rng.normal(size=(1000, 3)), acc, _labels(1000), acc, acc, "t", "acc")
    marker = fig.data[0].marker
    colour = np.asarray(marker.color)
    assert (marker.cmin, marker.cmax) == (0.0, 1.0) and marker.colorscale[0][1] == "#440154"  # viridis: worst dark purple
    assert abs(float(np.median(colour)) - 0.5) < 0.01  # the median cell sits mid-scale, not near the blue end
    assert np.histogram(colour, bins=4, range=(0, 1))[0].min() > 200  # every quarter of the scale is used
    assert np.all(np.diff(colour) >= 0) and colour[-1] == 1.0  # best drawn last, at the yellow end
    bar = marker.colorbar  # reads in accuracy, at chosen quantiles
    assert list(bar.tickvals) == list(figures.QUANTILES)
    marks = [float(t) for t in bar.ticktext]
    assert marks == sorted(marks) and 84 < marks[0] < 86 and 88 < marks[3] < 89 and 91 < marks[-1] <= 92
    custom = np.asarray(fig.data[0].customdata)
    assert np.allclose(custom[:, 0], np.sort(acc), atol=1e-3)  # hover: true (and predicted) accuracy, in drawing order


def test_quantile_colours_share_ties_put_missing_values_at_the_worst_end_and_rank_ticks_are_whole():
    q = figures.quantile_positions(np.array([3.0, 1.0, 2.0, 2.0, np.nan]))
    assert np.allclose(q, [1.0, 0.0, 0.5, 0.5, 0.0])
    assert figures.quantile_positions(np.array([1.0, np.nan]), reverse=True)[1] == 1.0  # ranks: low is best
    assert list(figures.draw_order(np.array([2.0, np.nan, 1.0]))) == [1, 2, 0]  # a missing value is drawn first, under the rest
    rank = np.arange(1, 1001, dtype=np.float64)
    fig = figures.latent_scatter_3d(np.zeros((1000, 3)), rank, _labels(1000), rank, rank, "t", "rank", reverse=True)
    assert fig.data[0].marker.reversescale and fig.data[0].text[-1] == _labels(1000)[0]  # rank 1 on top, at the best end
    bar = fig.data[0].marker.colorbar  # in ranks a class reads: "1 = best" … the last rank, not 21 … 980
    assert list(bar.ticktext) == ["1 = best", "300", "500", "800", "1,000"] and bar.tickvals[0] == 0.0 and bar.tickvals[-1] == 1.0


def test_3d_fills_its_cube():
    rng = np.random.default_rng(3)
    xyz = rng.normal(size=(500, 3)) * [1.0, 0.3, 0.1]
    xyz[0] = [40.0, 0.0, 0.0]  # one far cell does not shrink the rest to a blob
    cube = figures.latent_scatter_3d(xyz, rng.uniform(size=500), _labels(500), np.ones(500), np.ones(500), "t", "acc",
                                     axis_titles=("PC1 (9 %)", "PC2 (8 %)", "PC3 (7 %)"))
    scene = cube.layout.scene
    assert scene.dragmode == "orbit" and scene.zaxis.title.text == "PC3 (7 %)" and scene.aspectmode == "cube"
    assert scene.xaxis.range[1] < 5 and scene.zaxis.range[1] - scene.zaxis.range[0] < 1  # robust ranges, each axis its own
    assert scene.xaxis.tickfont.size >= 12 and scene.xaxis.title.font.size >= 14 and cube.data[0].marker.size >= 4


def test_a_method_has_one_colour_on_every_page():
    assert figures.method_colour("REA") == figures.method_colour("pair-crls: REA") != figures.method_colour("CR-LSO")
    assert figures.side_name("crls") == "CR-LS" and figures.side_name("ls") == "LS"


def _surface(n=200):
    from crlso_core.analysis.convexity import SurfaceInfo

    rng = np.random.default_rng(5)
    g = np.linspace(-2, 2, 12)
    return SurfaceInfo(g, g, 90 - np.add.outer(g**2, g**2), rng.normal(size=(n, 2)), np.array([0.2, 0.1]))


def test_the_surface_leaves_room_for_its_three_axis_titles():
    fig = figures.surface_figure(_surface(), "t")
    scene = fig.layout.scene
    assert [len(a.title.text) for a in (scene.xaxis, scene.yaxis, scene.zaxis)] == [3, 3, len("pred. acc (%)")]
    assert fig.layout.margin.l == 0 and fig.layout.margin.r == 95 and scene.aspectratio.z < 1  # room for the colour bar alone
    eye = fig.layout.scene.camera.eye
    assert (eye.x**2 + eye.y**2 + eye.z**2) ** 0.5 > 2.3  # far enough that the box leaves the titles inside the chart


def test_the_labelled_set_is_marked_where_the_search_begins():
    curves = [Curve("CR-LSO", np.linspace(80, 91, 400), None), Curve("REA", np.linspace(85, 90, 400), None)]
    fig = figures.curves_figure(curves, 91.5, "t", labelled=300)
    lines = [s for s in fig.layout.shapes if s.type == "line" and s.x0 == s.x1 == 300]
    band = [s for s in fig.layout.shapes if s.type == "rect"]
    assert len(lines) == 1 and lines[0].line.dash == "dash"
    assert len(band) == 1 and (band[0].x0, band[0].x1) == (0, 300)
    assert any(a.text == "labelled set ends · search begins" for a in fig.layout.annotations)
    assert not [s for s in figures.curves_figure(curves, None, "t").layout.shapes]  # nothing without labelled


def test_the_live_curve_uses_each_methods_colour_with_the_optimum_and_labelled_set():
    live = {"ls:search": [(300, 90.1), (310, 90.5)], "crls:search": [[300, 90.0], [310, 91.0]], "rea": [(10, 89.0)],
            "rs": [(10, 88.0)], "local": [(10, 88.5)], "crls:rea": [(10, 89.2)], "mystery": [(1, 1.0)]}
    fig = figures.live_curve_figure(live, 91.61, labelled=300)
    names = [d.name for d in fig.data]
    assert names == ["LSO", "CR-LSO", "REA", "random search", "local search", "CR-LS: REA", "mystery"]
    assert [d.line.color for d in fig.data[:6]] == [figures.method_colour(n) for n in names[:6]]
    assert fig.data[0].line.color == SIDE_COLOURS["ls"] and fig.data[1].line.color == SIDE_COLOURS["crls"]
    assert list(fig.data[1].x) == [300, 310] and list(fig.data[1].y) == [90.0, 91.0]
    assert any(s.y0 == 91.61 for s in fig.layout.shapes) and any(s.x0 == 300 and s.type == "line" for s in fig.layout.shapes)
    assert len(figures.live_curve_figure({"crls:search": [(1, 1.0)]}, None).layout.shapes) == 0


def test_side_by_side_puts_each_3d_panel_in_its_own_scene_with_its_cells_first():
    rng = np.random.default_rng(2)
    acc = rng.uniform(10, 90, 40)
    labels = _labels(40)
    cube = figures.side_by_side([figures.latent_scatter_3d(rng.normal(size=(40, 3)), acc, labels, acc, acc, t, "acc", highlight=1)
                                 for t in ("LS run", "CR-LS run")], "LS and CR-LS · PCA")
    assert [t.scene for t in cube.data] == ["scene", "scene2", "scene", "scene2"]  # cells first, then the marks
    assert [t.name for t in cube.data] == ["cells", "cells", "selected", "selected"]
    assert cube.layout.scene2.aspectmode == "cube" and cube.layout.scene2.domain.x[0] > cube.layout.scene.domain.x[1]
    assert {a.text for a in cube.layout.annotations} == {"LS run", "CR-LS run"} and cube.layout.title.text == "LS and CR-LS · PCA"


def test_the_pool_behind_a_search_is_one_density_image_at_the_charts_zoom():
    rng = np.random.default_rng(5)
    xy = rng.normal(size=(5000, 2))
    path = np.array([[0.0, 0.0], [0.2, 0.1], [-0.1, 0.3]])
    detail = walk_figure(xy, path[0], path[1:], ["1", "2"], np.empty((0, 2)), "s", 1, "t")
    cloud = detail.data[0]
    assert cloud.type == "heatmap" and not cloud.showscale and cloud.hoverinfo == "skip"
    z = np.asarray(cloud.z, dtype=np.float64)
    assert z.shape == (figures.CLOUD_BINS, figures.CLOUD_BINS) and np.isfinite(z).any()
    assert cloud.x[0] >= detail.layout.xaxis.range[0] and cloud.x[-1] <= detail.layout.xaxis.range[1]  # bins over what is shown
    overview = figures.trajectory_overview(xy, path[:2], path[1:], ["a", "b"], "t")
    dense = np.asarray(overview.data[0].z, dtype=np.float64)
    centre = dense[figures.CLOUD_BINS // 2 - 2: figures.CLOUD_BINS // 2 + 2, figures.CLOUD_BINS // 2 - 2: figures.CLOUD_BINS // 2 + 2]
    assert np.nanmean(centre) > np.nanmean(dense)  # a normal cloud is densest in the middle
    assert np.isnan(dense).any()  # squares without a cell stay empty (white)


