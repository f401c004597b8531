from crlso_core.explore import trajectories


def test_without_runs_it_points_to_the_train_page(open_page, empty_store):
    assert "No trained runs yet" in open_page("search", empty_store).info[0].value


def test_results_curves_and_one_trajectory_step_by_step(open_page, smoke_pair, clean, text_of):
    at = open_page("search", smoke_pair, run="pair")
    results = at.dataframe[0].value
    assert list(results["method"]) == ["LSO", "CR-LSO", "REA"] and (results["budget"] == 60).all()
    assert len(at.get("plotly_chart")) == 2  # curves and trajectories
    first = text_of(at)
    assert "True validation accuracy" in first and "Round 1" in first
    paths = trajectories(smoke_pair / "pair-ls")  # the first side shown
    longest = max(range(len(paths)), key=lambda i: len(paths[i].steps))
    assert len(paths[longest].steps) > 1
    at.selectbox(key="traj").set_value(longest).run()
    (steps,) = [s for s in at.slider if s.key and s.key.startswith("step-")]
    steps.set_value(steps.max).run()
    clean(at)
    assert at.code[0].value == paths[longest].steps[-1].arch  # the last step's cell is the one shown
    at.radio(key="metric").set_value("test").run()
    clean(at)


def test_starting_a_search_while_another_job_runs_is_refused_with_a_message(open_page, smoke_pair, busy_store, copy_pair):
    copy_pair(smoke_pair, busy_store)
    at = open_page("search", busy_store, run="pair")
    next(b for b in at.button if b.label == "Start search").click().run()
    assert not at.exception and "Another job is running" in at.error[0].value
