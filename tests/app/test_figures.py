import numpy as np

from app import figures
from app.cell_render import compact
from crlso_core.spaces import get_space

SPACE = get_space("nb201")


def _archs(n):
    return [SPACE.format(SPACE.cell_at(i * 31)) for i in range(n)]
from crlso_core.analysis.similarity import cosine_blocks
from crlso_core.explore import Curve


def test_latent_scatter_is_webgl_and_draws_the_best_cells_on_top():
    rng = np.random.default_rng(0)
    xy, acc = rng.normal(size=(500, 2)), rng.uniform(10, 90, 500)
    archs = _archs(500)
    fig = figures.latent_scatter(xy, acc, archs, acc, acc - 1, "t", "acc", highlight=3)
    cells = fig.data[0]
    assert cells.type == "scattergl" and len(cells.x) == 500
    assert cells.text[-1] == compact(archs[int(np.argmax(acc))])  # drawn last, on top
    assert np.allclose(np.asarray(cells.customdata)[-1], [acc.max(), acc.max() - 1], atol=1e-3)  # hover: true, predicted
    assert np.all(np.diff(np.asarray(cells.marker.color)) >= 0)
    assert fig.layout.annotations[0].text == "selected"
    rank = np.argsort(np.argsort(-acc)) + 1.0
    by_rank = figures.latent_scatter(xy, rank, archs, acc, acc, "t", "rank", reverse=True)
    assert by_rank.data[0].text[-1] == compact(archs[int(np.argmax(acc))]) and by_rank.data[0].marker.reversescale


def test_pca_3d_scatter_and_heatmaps_and_curves():
    rng = np.random.default_rng(1)
    fig = figures.latent_scatter(rng.normal(size=(50, 3)), rng.uniform(size=50), _archs(50), np.ones(50), np.ones(50), "t", "acc")
    assert fig.data[0].type == "scatter3d"
    info = cosine_blocks(rng.normal(size=(100, 4)), rng.uniform(size=100), k=10)
    top_top, top_worst = figures.similarity_figures(info, "CRLS")
    assert np.asarray(top_top.data[0].z).shape == (10, 10) and "top-10 × worst-10" in top_worst.layout.title.text
    curve = figures.curves_figure([Curve("CR-LSO", np.array([1.0, 2.0]), np.array([1.0, 1.5]))], 3.0, "t")
    assert list(curve.data[0].y) == [1.0, 2.0] and curve.layout.shapes[0].y0 == 3.0
