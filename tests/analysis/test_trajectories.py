
from crlso_core.analysis.trajectories import trajectories
from crlso_core.store.records import read_queries, read_trajectory


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


def test_moves_group_the_retries_that_decode_to_one_cell(smoke_pair):
    for t in trajectories(smoke_pair / "pair-crls"):
        assert [s for m in t.moves for s in m.steps] == t.steps  # every step once, in order
        for before, after in zip(t.moves, t.moves[1:]):
            if before.kind == after.kind == "step" and before.round == after.round:
                assert before.arch != after.arch  # a run of one cell is one move
        for m in t.moves:
            assert len({s.arch for s in m.steps}) == 1 and sum(s.queried for s in m.steps) <= 1
            assert m.etas == (min(s.eta for s in m.steps), max(s.eta for s in m.steps))
            if m.ends_only:  # the ray and step rules walk outwards
                assert [s.eta for s in m.steps] == sorted(s.eta for s in m.steps)
            assert m.describe(t.start_arch).startswith(f"Round {m.round}")
    fallbacks = [m for t in trajectories(smoke_pair / "pair-crls") for m in t.moves if m.kind == "fallback"]
    assert all("not a latent move" in m.describe("x") and "best-predicted unseen one-mutation neighbour" in m.describe("x")
               for m in fallbacks)


def test_a_move_of_the_step_rule_counts_the_retries_between_its_recorded_ends():
    from crlso_core.analysis.trajectories import Move
    from crlso_core.store.records import TrajectoryStep

    ends = [TrajectoryStep(3, "start", attempt, 0.2 + 0.2 * attempt, [0.0], "start", 90.0, 90.0, False, None, "crlso")
            for attempt in (0, 5)]
    assert "latent step, η = 0.20 to 1.20 (6 step lengths)" in Move(3, "start", ends, "step", ends_only=True).describe("start")
    assert "(2 step lengths)" in Move(3, "start", ends, "step").describe("start")  # the ranked rule records every proposal


def test_a_queried_neighbour_of_the_mixed_rule_is_its_own_move_said_in_words():
    from crlso_core.analysis.trajectories import Trajectory
    from crlso_core.store.records import TrajectoryStep

    steps = [TrajectoryStep(2, "start", 0, 0.2, [0.0], "near", 91.0, 91.0, False, None, "crlso"),
             TrajectoryStep(2, "start", -1, 0.0, [0.1], "near", 92.0, 92.0, True, 91.5, "crlso-mutation")]
    step, mutation = Trajectory("start", steps).moves  # same round and cell, but not one move
    assert (step.kind, mutation.kind) == ("step", "mutation") and mutation.queried and mutation.valid_acc == 91.5
    assert "one-mutation neighbour of the start" in mutation.describe("start") and "not a latent move" in mutation.describe("start")
    assert "latent step" in step.describe("start")


def _step(round_, arch, queried=False, valid=None, start="start", source="crlso", attempt=0):
    from crlso_core.store.records import TrajectoryStep

    return TrajectoryStep(round_, start, attempt, 0.2, [0.0], arch, 90.0, 90.0, queried, valid, source)


def test_the_walk_folds_each_run_of_moves_that_found_nothing_into_one_entry():
    from crlso_core.analysis.trajectories import Folded, Trajectory

    steps = [_step(1, "start"), _step(2, "start"), _step(2, "known"), _step(3, "new1", True, 91.0),
             _step(4, "start"), _step(5, "new2", True, 92.0), _step(6, "start", source="crlso-nearest")]
    walk = Trajectory("start", steps).walk
    assert [type(e).__name__ for e in walk] == ["Folded", "Move", "Folded", "Move", "Folded"]
    assert [len(e.moves) for e in walk if isinstance(e, Folded)] == [3, 1, 1]
    assert walk[0].describe("start") == "3 moves decoded to known cells (rounds 1–2; 2 back to the start cell), nothing queried"
    assert walk[2].describe("start") == "1 move decoded to a known cell (round 4; 1 back to the start cell), nothing queried"
    assert [e.arch for e in walk if not isinstance(e, Folded)] == ["new1", "new2"]


def test_the_default_trajectory_is_the_one_that_found_most_not_the_first():
    from crlso_core.analysis.trajectories import Trajectory, default_trajectory

    many_misses = Trajectory("a", [_step(r, "a", start="a") for r in range(40)] + [_step(41, "x", True, 95.0, start="a")])
    two_found = Trajectory("b", [_step(1, "y", True, 90.0, start="b"), _step(2, "z", True, 91.0, start="b")])
    two_found_better = Trajectory("c", [_step(1, "u", True, 90.0, start="c"), _step(2, "v", True, 93.0, start="c")])
    assert default_trajectory([many_misses, two_found, two_found_better]) == 2  # most found, then the best cell
    assert default_trajectory([many_misses, two_found]) == 1
    assert default_trajectory([]) == 0


def test_the_shipped_examples_open_on_a_trajectory_that_found_cells():
    from crlso_core.analysis.trajectories import default_trajectory
    from crlso_core.store.examples import EXAMPLES

    for run in sorted(EXAMPLES.glob("example-*")):
        paths = trajectories(run)
        if not paths:
            continue
        t = paths[default_trajectory(paths)]
        assert len(t.found) == max(len(p.found) for p in paths) and len(t.found) >= 10, run.name
        assert len(t.walk) < len(t.moves), run.name  # something folded


def test_printed_labels_never_overlap_and_the_first_in_order_always_prints():
    import numpy as np

    from crlso_core.analysis.trajectories import label_keep

    rng = np.random.default_rng(0)
    points = np.vstack([rng.normal(size=(60, 2)), [[0.0, 0.0], [0.0, 0.0]]])  # two moves on one cell: "38/88"
    spans, gap = (4.0, 4.0), (0.06, 0.09)
    order = [61, *range(61)]
    kept = label_keep(points, spans, order, gap)
    assert 61 in kept and 60 not in kept  # the move on show keeps its number; its twin says it on hover
    scaled = points / np.array(spans)
    for i in kept:
        for j in kept:
            if i < j:
                assert abs(scaled[i, 0] - scaled[j, 0]) >= gap[0] or abs(scaled[i, 1] - scaled[j, 1]) >= gap[1]
    assert 5 < len(kept) < len(points)
