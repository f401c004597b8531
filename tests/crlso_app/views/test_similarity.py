def test_without_runs_it_points_to_the_train_page(open_page, empty_store):
    assert "No trained runs yet" in open_page("similarity", empty_store).info[0].value


def test_heatmaps_and_block_means_for_both_sides_follow_k(open_page, smoke_pair, clean):
    at = open_page("similarity", smoke_pair, run="pair")
    assert len(at.metric) == 4 and len(at.get("plotly_chart")) == 4
    means = [float(m.value) for m in at.metric]
    assert all(-1 <= v <= 1 for v in means)
    at.slider(key="k").set_value(50).run()
    clean(at)
    assert [float(m.value) for m in at.metric] != means
