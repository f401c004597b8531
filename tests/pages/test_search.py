def test_without_runs_it_points_to_the_train_page(open_page, empty_store):
    assert "No trained runs yet" in open_page("search", empty_store).info[0].value


def test_results_curves_and_one_trajectory_step_by_step(open_page, smoke_pair, clean, text_of):
    at = open_page("search", smoke_pair, run="pair")
    results = at.dataframe[0].value
    assert list(results["method"]) == ["LSO", "CR-LSO", "REA"] and (results["budget"] == 60).all()
    assert len(at.get("plotly_chart")) == 2  # curves and trajectories
    first = text_of(at)
    assert "True validation accuracy" in first and "Round 1" in first
    steps = [s for s in at.slider if s.key and s.key.startswith("step-")]
    if steps:
        steps[0].set_value(steps[0].max).run()
        clean(at)
    at.radio(key="metric").set_value("test").run()
    clean(at)


def test_starting_a_search_while_another_job_runs_is_refused_with_a_message(open_page, smoke_pair, busy_store):
    import shutil

    for side in ("ls", "crls"):
        shutil.copytree(smoke_pair / f"pair-{side}", busy_store / f"pair-{side}")
        from crlso_core.runs import index_run, read_json

        index_run(busy_store / f"pair-{side}", read_json(busy_store / f"pair-{side}" / "summary.json"))
    at = open_page("search", busy_store, run="pair")
    next(b for b in at.button if b.label == "Start search").click().run()
    assert not at.exception and "Another job is running" in at.error[0].value
