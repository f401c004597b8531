
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
