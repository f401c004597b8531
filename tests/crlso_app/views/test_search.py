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
    assert slider.max == len(paths[longest].moves) >= 1
    slider.set_value(slider.max).run()
    clean(at)
    assert at.code[-1].value == paths[longest].moves[-1].arch  # the last move's cell is the one drawn
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
