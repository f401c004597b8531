"""The found map kept in a run's analysis folder comes with the run, from anyone (a bundle
may carry one whose key matches its own queries.csv): its headers are checked before any
array is read, and one that does not fit these query files is laid out again (B19)."""

import time
import tracemalloc

import numpy as np

from crlso_core.analysis.found import cached_found_map, found_key
from crlso_core.store.records import QueryRow, write_queries
from tests.store.hostile_zips import header_only_npz


def _sources(tmp_path) -> dict:
    path = tmp_path / "queries.csv"
    write_queries(path, [QueryRow(i, f"cell-{i}", 80.0 + i, "crlso") for i in range(5)])
    return {"CR-LSO": path}


def _codes(cells):
    return np.arange(len(cells) * 4, dtype=np.float32).reshape(len(cells), 4)


def test_a_found_map_whose_header_promises_a_huge_array_is_laid_out_again_unread(tmp_path, monkeypatch):
    run = tmp_path / "run"
    sources = _sources(tmp_path)
    path = run / "analysis" / f"found-{found_key(sources)}.npz"
    path.parent.mkdir(parents=True)
    points = 400_000_000  # B19: a (4e8, 2) xy, 3.2 GB, in a file of a few hundred bytes
    path.write_bytes(header_only_npz({"methods": ((points,), "<U6"), "archs": ((points,), "<U95"),
                                      "valid": ((points,), "<f8"), "xy": ((points, 2), "<f4")}))
    loads = []
    monkeypatch.setattr(np, "load", lambda *a, **k: loads.append(a))
    tracemalloc.start()
    t0 = time.perf_counter()
    try:
        found = cached_found_map(run, sources, _codes)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - t0 < 10 and peak < 50 * 2**20 and loads == []
    assert found.archs == [f"cell-{i}" for i in range(5)] and found.xy.shape == (5, 2)
    monkeypatch.undo()
    with np.load(path, allow_pickle=False) as kept:  # the bad file was replaced by the map just laid out
        assert kept["archs"].tolist() == found.archs


def test_a_found_map_of_other_methods_is_laid_out_again(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    sources = _sources(tmp_path)
    first = cached_found_map(run, sources, _codes)
    path = run / "analysis" / f"found-{found_key(sources)}.npz"
    np.savez(path, methods=np.array(["REA"] * 5), archs=np.array(first.archs), valid=first.valid, xy=first.xy)
    assert cached_found_map(run, sources, _codes).methods == ["CR-LSO"] * 5


def test_a_kept_found_map_is_read_back(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    sources = _sources(tmp_path)
    first = cached_found_map(run, sources, lambda cells: _codes(cells))
    again = cached_found_map(run, sources, lambda cells: (_ for _ in ()).throw(AssertionError("laid out again")))
    assert again.archs == first.archs and np.allclose(again.xy, first.xy)


def test_an_analysis_folder_that_links_elsewhere_is_neither_read_nor_written(tmp_path):
    """A run folder's analysis/ pointing at another folder: the caches go on without it."""
    from crlso_core.analysis.cache import cached_projection, load_projection

    outside = tmp_path / "outside"
    outside.mkdir()
    run = tmp_path / "run"
    run.mkdir()
    (run / "analysis").symlink_to(outside)
    sources = _sources(tmp_path)
    codes = np.random.default_rng(0).normal(size=(40, 4)).astype(np.float32)
    planted = outside / f"found-{found_key(sources)}.npz"
    np.savez(planted, methods=np.array(["CR-LSO"]), archs=np.array(["planted"]), valid=np.zeros(1), xy=np.zeros((1, 2)))
    np.savez(outside / "pca-2d.npz", coords=np.full((40, 2), 7.0, np.float32), seconds=np.float64(0))
    before = sorted(p.name for p in outside.iterdir())
    assert cached_found_map(run, sources, _codes).archs == [f"cell-{i}" for i in range(5)]  # not the planted map
    assert load_projection(run, "pca", 2, 40) is None and not np.allclose(cached_projection(run, codes, "pca", 2).coords, 7.0)
    assert sorted(p.name for p in outside.iterdir()) == before  # nothing written there
