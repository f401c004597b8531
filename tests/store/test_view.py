import numpy as np
import pytest

from crlso_core.analysis.curves import run_curves
from crlso_core.common.errors import CRLSOError
from crlso_core.store.folder import RunFolder
from crlso_core.store.view import load_view


def test_view_predicts_decodes_and_finds_neighbours_in_the_latent_space(smoke_pair, benchmark):
    run = load_view(smoke_pair / "pair-crls")
    assert run.side == "crls" and run.codes.shape == (15625, 8)
    assert run.predicted.shape == (15625,) and np.isfinite(run.predicted).all()
    assert np.array_equal(run.valid, benchmark.valid["cifar10"]) and np.array_equal(run.test, benchmark.test["cifar10"])
    rows, distance = run.nearest(42, 5)
    assert 42 not in rows and np.all(np.diff(distance) >= 0)
    assert np.isclose(distance[0], np.linalg.norm(run.codes[rows[0]] - run.codes[42]))
    assert run.rank()[int(np.argmax(run.valid))] == 1
    decoded = run.decode(run.codes[:3])
    assert len(decoded) == 3 and np.array_equal(run.accuracy_of(decoded), run.valid[[run.row_of[a] for a in decoded]])
    assert np.allclose(run.codes_of(run.archs[:2]), run.codes[:2])


def test_a_view_of_a_sampled_pool_decodes_and_encodes_cells_outside_it(toy_pair):
    run = load_view(toy_pair / "toy-crls")
    assert run.test is None and run.optimum is None and not run.has_test
    outside = [a for a in run.space.format_many(run.space.all_cells()) if a not in run.row_of]
    assert outside  # 216 cells, a pool of about 150
    assert np.isfinite(run.accuracy_of(outside)).all()  # the surrogate answers them
    codes = run.codes_of(outside[:5])
    assert codes.shape == (5, run.codes.shape[1]) and np.isfinite(codes).all()
    assert all(run.space.parse(a) for a in run.decode(codes))
    assert run.space.format_many(run.decode_cells(codes)) == run.decode(codes)


def test_a_views_cell_of_a_pool_string_is_the_pools_own_parsed_cell(toy_pair, monkeypatch):
    run = load_view(toy_pair / "toy-crls")
    outside = next(a for a in run.space.format_many(run.space.all_cells()) if a not in run.row_of)
    assert run.cell_of(outside) == run.space.parse(outside)  # outside the pool: parsed at that edge
    monkeypatch.setattr(type(run.space), "parse", lambda *_: pytest.fail("a pool cell was parsed again"))
    assert all(run.cell_of(a) is c for a, c in zip(run.archs[:20], run.pool.cells))


def test_a_run_with_missing_files_is_a_clear_error(tmp_path):
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(CRLSOError, match="is not a trained run: summary.json is missing"):
        load_view(tmp_path)


def test_a_run_of_the_older_format_loads_and_searches_again(legacy_pair, tmp_path):
    import shutil

    from crlso_core.pipeline.run import search_run
    from crlso_core.store.records import RUN_FORMAT

    run = load_view(legacy_pair / "pair-crls")
    assert run.summary.run_format == 1 and list(run.summary.baselines) == ["rea", "local"]
    assert [c.label for c in run_curves(legacy_pair / "pair-crls", run.benchmark, "cifar10")] == ["CR-LSO", "local search", "REA"]
    shutil.copytree(legacy_pair / "pair-crls", tmp_path / "again")
    summary = search_run(tmp_path / "again", budget=40)
    assert summary.run_format == RUN_FORMAT and summary.pool_size == 15625 and RunFolder(tmp_path / "again").summary().queries_used == 40
