import numpy as np
import pytest

from crlso_core.common.errors import CRLSOError
from crlso_core.store.pairs import list_pairs
from crlso_core.store.view import load_view
from crlso_core.analysis.curves import run_curves
from crlso_core.analysis.trajectories import trajectories
from crlso_core.store.records import read_queries, read_trajectory
from crlso_core.store.folder import RunFolder


def test_pairs_group_the_ls_and_crls_runs_trained_together(smoke_pair):
    (pair,) = list_pairs(smoke_pair)
    assert pair.name == "pair" and pair.sides == ["ls", "crls"] and pair.dataset == "cifar10" and pair.space == "nb201"


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


def test_curves_follow_the_searched_queries(smoke_pair, benchmark):
    curves = run_curves(smoke_pair / "pair-crls", benchmark, "cifar10")
    assert [c.label for c in curves] == ["CR-LSO", "REA"]
    queries = read_queries(smoke_pair / "pair-crls" / "queries.csv")
    assert np.array_equal(curves[0].valid, np.maximum.accumulate([q.valid_acc for q in queries]))
    for c in curves:
        assert len(c.valid) == 60 and np.all(np.diff(c.valid) >= 0)  # best so far never drops
        best_cell = benchmark.space.parse(max(read_queries(smoke_pair / "pair-crls" / ("queries.csv" if c.label == "CR-LSO" else "baselines/rea.csv")), key=lambda q: q.valid_acc).arch)
        assert c.test[-1] == benchmark.test_accuracy([best_cell], "cifar10")[0]  # the best-validation cell's test accuracy
    assert curves[0].valid[-1] <= benchmark.optimum("cifar10").valid


def test_trajectories_hold_every_step_once_in_search_order(smoke_pair):
    steps = read_trajectory(smoke_pair / "pair-crls" / "trajectories.csv")
    paths = trajectories(smoke_pair / "pair-crls")
    assert sum(len(t.steps) for t in paths) == len(steps) and len({t.start_arch for t in paths}) == len(paths)
    for t in paths:
        positions = [steps.index(s) for s in t.steps]
        assert positions == sorted(positions)  # a start's steps keep the search's order
    queried = [s.arch for s in steps if s.queried]
    searched = [q.arch for q in read_queries(smoke_pair / "pair-crls" / "queries.csv") if q.source != "labelled"]
    assert queried == searched  # every query the search paid for is a queried step, in order


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


def test_moves_group_the_retries_that_decode_to_one_cell(smoke_pair):
    for t in trajectories(smoke_pair / "pair-crls"):
        assert [s for m in t.moves for s in m.steps] == t.steps  # every step once, in order
        for before, after in zip(t.moves, t.moves[1:]):
            if before.kind == after.kind == "step" and before.round == after.round:
                assert before.arch != after.arch  # a run of one cell is one move
        for m in t.moves:
            assert len({s.arch for s in m.steps}) == 1 and sum(s.queried for s in m.steps) <= 1
            assert [s.eta for s in m.steps] == sorted(s.eta for s in m.steps)
            assert m.describe(t.start_arch).startswith(f"Round {m.round}")
    fallbacks = [m for t in trajectories(smoke_pair / "pair-crls") for m in t.moves if m.kind == "fallback"]
    assert all("best-predicted unseen neighbour" in m.describe("x") for m in fallbacks)


def test_a_move_of_the_step_rule_counts_the_retries_between_its_recorded_ends():
    from crlso_core.analysis.trajectories import Move
    from crlso_core.store.records import TrajectoryStep

    ends = [TrajectoryStep(3, "start", attempt, 0.2 + 0.2 * attempt, [0.0], "start", 90.0, 90.0, False, None, "crlso")
            for attempt in (0, 5)]
    assert "η = 0.20 to 1.20 (6 step sizes)" in Move(3, "start", ends, "step", ends_only=True).describe("start")
    assert "(2 step sizes)" in Move(3, "start", ends, "step").describe("start")  # the ranked rule records every proposal


def test_a_queried_neighbour_of_the_mixed_rule_is_its_own_move_said_in_words():
    from crlso_core.analysis.trajectories import Trajectory
    from crlso_core.store.records import TrajectoryStep

    steps = [TrajectoryStep(2, "start", 0, 0.2, [0.0], "near", 91.0, 91.0, False, None, "crlso"),
             TrajectoryStep(2, "start", -1, 0.0, [0.1], "near", 92.0, 92.0, True, 91.5, "crlso-mutation")]
    step, mutation = Trajectory("start", steps).moves  # same round and cell, but not one move
    assert (step.kind, mutation.kind) == ("step", "mutation") and mutation.queried and mutation.valid_acc == 91.5
    assert "one-mutation neighbour of the start" in mutation.describe("start")
