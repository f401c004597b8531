import numpy as np
import pytest

from crlso_core.errors import CRLSOError
from crlso_core.explore import list_pairs, load_view, optimum, run_curves, trajectories


def test_pairs_group_the_ls_and_crls_runs_trained_together(smoke_pair):
    (pair,) = list_pairs(smoke_pair)
    assert pair.name == "pair" and pair.sides == ["ls", "crls"] and pair.dataset == "cifar10"


def test_view_predicts_decodes_and_finds_neighbours_in_the_latent_space(smoke_pair):
    run = load_view(smoke_pair / "pair-crls")
    assert run.side == "crls" and run.codes.shape == (15625, 8)
    assert run.predicted.shape == (15625,) and np.isfinite(run.predicted).all()
    rows, distance = run.nearest(42, 5)
    assert 42 not in rows and np.all(np.diff(distance) >= 0)
    assert np.isclose(distance[0], np.linalg.norm(run.codes[rows[0]] - run.codes[42]))
    assert run.rank()[int(np.argmax(run.valid))] == 1
    assert run.decode(run.codes[:3]).shape == (3,)


def test_curves_and_trajectories_come_from_the_searched_runs(smoke_pair, table):
    curves = run_curves(smoke_pair / "pair-crls", table, "cifar10")
    assert [c.label for c in curves] == ["CR-LSO", "REA"]
    for c in curves:
        assert len(c.valid) == 60 and np.all(np.diff(c.valid) >= 0)  # best so far never drops
    assert curves[0].valid[-1] <= optimum(table, "cifar10")[0]
    paths = trajectories(smoke_pair / "pair-crls")
    assert paths and all(s["start_arch"] == t.start_arch for t in paths for s in t.steps)


def test_a_run_with_missing_files_is_a_clear_error(tmp_path):
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(CRLSOError, match="is not a trained run: summary.json is missing"):
        load_view(tmp_path)
