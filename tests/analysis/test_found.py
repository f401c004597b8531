import numpy as np

from crlso_core.analysis.found import found_map, queried
from crlso_core.store.records import QueryRow, write_queries


def test_every_method_is_laid_out_by_one_tsne_and_shared_cells_are_one_point(tmp_path):
    rng = np.random.default_rng(0)
    archs = [f"cell-{i}" for i in range(150)]
    codes = {a: rng.normal(size=8) + (5.0 if i < 75 else -5.0) for i, a in enumerate(archs)}  # two far groups
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    write_queries(
        a, [QueryRow(0, "cell-0", 90.0, "labelled")] + [QueryRow(i, x, 80.0 + i / 100, "crlso") for i, x in enumerate(archs[:80])]
    )
    write_queries(b, [QueryRow(i, x, 85.0, "rea") for i, x in enumerate(archs[70:])])
    by_method = queried({"CR-LSO": a, "REA": b})
    assert len(by_method["CR-LSO"]) == 80 and by_method["CR-LSO"][0] == ("cell-0", 80.0)  # the labelled row left out
    seen = []
    found = found_map(by_method, lambda cells: (seen.append(list(cells)), np.stack([codes[c] for c in cells]))[1])
    assert len(seen[0]) == len(set(seen[0])) == 150  # each cell coded once, whichever methods found it
    assert found.xy.shape == (160, 2) and found.methods.count("REA") == 80
    shared = [i for i, x in enumerate(found.archs) if x == "cell-75"]
    assert np.allclose(found.xy[shared[0]], found.xy[shared[1]])  # found by both methods: one place
    first, second = (
        found.xy[[i for i, x in enumerate(found.archs) if int(x.split("-")[1]) < 75]],
        found.xy[[i for i, x in enumerate(found.archs) if int(x.split("-")[1]) >= 75]],
    )
    gap = np.linalg.norm(first.mean(0) - second.mean(0))
    assert gap > 2 * max(first.std(0).max(), second.std(0).max())  # the two latent groups stay apart
