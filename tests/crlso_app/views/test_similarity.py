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


def test_the_seed_box_words_its_verdicts_by_the_one_rule_and_names_this_pairs_preset(open_page, smoke_pair):
    from crlso_core.analysis.verdict import in_a_sentence
    from crlso_core.bench.figure_stats import reference

    at = open_page("similarity", smoke_pair, run="pair")
    (box,) = [i.value for i in at.info]
    # the smoke pair's preset is not in the committed table: it is named, beside the presets that were measured
    assert "This pair's preset, `smoke`, was not measured over seeds; the measured presets are `demo` (5 seeds), `paper` (1 seed)" in box
    ref = reference("nb201", "cifar10")
    demo, paper = ref[("demo", "top_worst_100")], ref[("paper", "top_worst_100")]
    assert in_a_sentence(demo.verdict) in box and "within noise" in in_a_sentence(demo.verdict)  # −0.062 ± 0.042: not "does not hold"
    assert in_a_sentence(paper.verdict) in box and "no claim from one seed" in box  # one seed: not "no claim in the paper"
    assert "does not hold" not in box and "no claim in the paper" not in box and "1 seeds" not in box
    assert "beyond 2 standard errors, from 2 seeds or more" in box
