import numpy as np

from crlso_app.figures import draw_order
from crlso_app.thinning import DRAW_LIMIT, ENDS, drawn_rows


def _cloud(n=15_625, seed=0):
    rng = np.random.default_rng(seed)
    dense = rng.normal(0, 0.3, size=(n - 200, 2))  # a dense core ...
    sparse = rng.uniform(-6, 6, size=(200, 2))  # ... and a sparse rim
    return np.vstack([dense, sparse]), rng.uniform(size=n)


def test_a_small_space_draws_every_cell_in_draw_order():
    xy, acc = _cloud(3000)
    assert np.array_equal(drawn_rows(xy, acc), draw_order(acc))


def test_a_large_space_keeps_both_ends_and_the_sparse_rim_and_thins_only_the_core():
    xy, acc = _cloud()
    rows = drawn_rows(xy, acc)
    assert DRAW_LIMIT * 0.8 < len(rows) <= DRAW_LIMIT and len(set(rows.tolist())) == len(rows)
    order = draw_order(acc)
    ends = int(round(ENDS * len(acc)))
    assert set(order[-ends:]) <= set(rows) and set(order[:ends]) <= set(rows)  # the best and the worst cells, all of them
    kept = np.isin(np.arange(len(acc)), rows)
    rim = np.abs(xy).max(axis=1) > 2.0
    assert kept[rim].mean() > 0.95 and kept[~rim].mean() < 0.4  # a sparse region keeps its cells, the core is thinned
    position = {r: i for i, r in enumerate(order)}
    assert all(position[a] < position[b] for a, b in zip(rows, rows[1:]))  # still best last, on top


def test_the_same_inputs_draw_the_same_cells():
    xy, acc = _cloud(seed=3)
    assert np.array_equal(drawn_rows(xy, acc, reverse=True), drawn_rows(xy.copy(), acc.copy(), reverse=True))
