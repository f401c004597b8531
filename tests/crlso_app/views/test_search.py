from crlso_core.analysis.curves import search_origins
from crlso_core.analysis.trajectories import trajectories


def test_without_runs_it_points_to_the_train_page(open_page, empty_store):
    assert "No trained runs yet" in open_page("search", empty_store).info[0].value


def test_results_curves_and_one_trajectory_move_by_move(open_page, smoke_pair, clean, text_of):
    at = open_page("search", smoke_pair, run="pair")
    results = at.dataframe[0].value
    assert list(results["method"]) == ["LSO", "CR-LSO", "REA"] and (results["budget"] == 60).all()
    assert list(results.columns[:6]) == ["method", "budget", "valid acc", "test acc", "found optimum", "queries to best"]
    assert len(at.get("plotly_chart")) == 4  # the curves, the queries' origins, every queried step, one trajectory
    origins = {side: search_origins(smoke_pair / f"pair-{side}") for side in ("ls", "crls")}
    caption = next(c.value for c in at.caption if c.value.startswith("LSO: "))
    for method, side in (("LSO", "ls"), ("CR-LSO", "crls")):  # the origin bar's caption says it in numbers
        assert f"{method}: {origins[side].describe()}" in caption
        assert sum(origins[side].counts.values()) == 60 - 30
    assert at.selectbox(key="traj-side").value == "crls"  # it opens on the method's own side
    paths = trajectories(smoke_pair / "pair-crls")
    longest = max(range(len(paths)), key=lambda i: len(paths[i].moves))
    at.selectbox(key="traj-crls").set_value(longest).run()
    slider = at.slider(key=f"move-crls-{longest}")
    walk = paths[longest].walk  # the moves, with each run that found nothing folded into one entry
    assert slider.max == len(walk) >= 1
    found = max(i + 1 for i, e in enumerate(walk) if e.queried)
    slider.set_value(found).run()
    clean(at)
    assert at.code[-1].value == walk[found - 1].arch  # the move's cell is the one drawn
    assert "Round" in text_of(at)
    at.radio(key="w-curve-metric").set_value("test").run()
    clean(at)


def test_starting_a_search_while_another_job_runs_is_refused_with_a_message(open_page, smoke_pair, busy_store, copy_pair):
    copy_pair(smoke_pair, busy_store)
    at = open_page("search", busy_store, run="pair")
    next(b for b in at.button if b.label == "Start search").click().run()
    assert not at.exception and "Another job is running" in at.error[0].value


def test_a_choice_made_as_the_user_leaves_the_page_follows_them(open_page, smoke_pair):
    at = open_page("search", smoke_pair, run="pair")
    # the new value reaches the server with the page change (AppTest sends the widget states with it):
    # the Search page never runs with it, so only the widget's on_change can keep it
    at.radio(key="w-curve-metric").set_value("test")
    at.switch_page("views/benchmark.py").run()
    at.switch_page("views/search.py").run()
    assert at.radio(key="w-curve-metric").value == "test"


def test_another_runs_job_gets_no_banner_here_and_this_runs_job_does(open_page, smoke_pair, busy_store, copy_pair, text_of):
    """The lesson trial: the Search page showed another run's training as its own."""
    import json

    copy_pair(smoke_pair, busy_store)
    at = open_page("search", busy_store, run="pair")
    assert "train other" not in text_of(at) and not at.get("progress")
    job = busy_store / ".jobs" / "j1" / "job.json"
    info = json.loads(job.read_text())
    job.write_text(json.dumps({**info, "kind": "search", "title": "search this pair",
                                "params": {"runs": [str(busy_store / "pair-crls")]}}))
    at.run()
    assert "search this pair" in text_of(at)


def test_the_walk_opens_on_the_trajectory_that_found_most_with_known_cells_folded(open_page, smoke_pair, clean):
    from crlso_core.analysis.trajectories import Folded, default_trajectory

    paths = trajectories(smoke_pair / "pair-crls")
    at = open_page("search", smoke_pair, run="pair", side="crls")
    box = at.selectbox(key="traj-crls")
    assert box.value == default_trajectory(paths) and len(paths[box.value].found) == max(len(t.found) for t in paths)
    walk = paths[box.value].walk
    slider = at.slider(key=f"move-crls-{box.value}")
    assert slider.max == len(walk)
    folded = [i + 1 for i, e in enumerate(walk) if isinstance(e, Folded)]
    if folded:
        slider.set_value(folded[0]).run()
        clean(at)
        assert any("decoded to known cells" in m.value or "decoded to a known cell" in m.value for m in at.markdown)
