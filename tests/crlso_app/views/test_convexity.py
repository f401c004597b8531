import json


def test_without_runs_it_points_to_the_train_page(open_page, empty_store):
    assert "No trained runs yet" in open_page("convexity", empty_store).info[0].value


def _pictures(at):
    return [image.proto.imgs[0] for image in at.get("image")]  # drawn on the server (crlso_app/pictures.py)


def test_one_check_at_a_time_each_for_both_sides_and_the_choice_in_the_url(open_page, smoke_pair, clean):
    at = open_page("convexity", smoke_pair, run="pair")
    assert at.segmented_control(key="w-convexity-check").value == "plane" and at.query_params["check"] == "plane"
    (contours,) = _pictures(at)  # the plane alone: the other checks are not drawn
    assert contours.alt.startswith("Contours") and contours.url.endswith(".png")  # PNG as drawn: JPEG would blur lines and text
    assert not at.metric and not at.get("plotly_chart")
    said = " ".join(w.value for w in at.warning) + " ".join(c.value for c in at.caption)
    assert "LS's plane spans" in said and "CR-LS's plane spans" in said and "points of predicted accuracy" in said
    assert "CR-LS: a bowl by construction" in said
    at.radio(key="surface-kind").set_value("surface").run()
    clean(at)
    assert [json.loads(c.proto.spec)["data"][0]["type"] for c in at.get("plotly_chart")] == ["surface", "surface"]
    assert not at.get("image")

    at.segmented_control(key="w-convexity-check").set_value("jensen").run()
    clean(at)
    assert at.query_params["check"] == "jensen"
    # the informative check leads: the true error of the decoded cells, LS and CR-LS, and what it shows in one sentence
    assert [m.label for m in at.metric] == ["LS: violations, true error of the decoded cells",
                                           "CR-LS: violations, true error of the decoded cells"]
    rates = [float(m.value.rstrip(" %")) for m in at.metric]
    assert all(0 <= r <= 100 for r in rates)
    said = " ".join(m.value for m in at.markdown)
    assert f"LS {rates[0]:.1f} % vs CR-LS {rates[1]:.1f} %" in said and ("gain" in said.lower() or "opposite" in said)
    # the predicted error's check, 0 % for CR-LS's ICNN, is named as true by construction in one line, not a metric
    (line,) = [c.value for c in at.caption if c.value.startswith("Predicted error:")]
    assert "CR-LS 0.0 % violations — true by construction" in line and "LS " in line and "\n" not in line
    assert [p.alt.split(":")[0] for p in _pictures(at)] == ["Jensen gaps"] and not at.get("plotly_chart")

    at.segmented_control(key="w-convexity-check").set_value("line").run()
    clean(at)
    assert [p.alt.split(".")[0] for p in _pictures(at)] == ["Accuracy along the line"] and not at.metric
    at.number_input(key="line-steps").set_value(5).run()
    clean(at)
    assert len(at.table[0].value) == 5


def test_a_check_in_the_url_opens_on_that_check(open_page, smoke_pair):
    at = open_page("convexity", smoke_pair, run="pair", check="line")
    assert at.segmented_control(key="w-convexity-check").value == "line" and at.text_input(key="line-a")
    assert open_page("convexity", smoke_pair, run="pair", check="nonsense").segmented_control(key="w-convexity-check").value == "plane"


def test_a_bad_cell_for_the_line_is_one_clear_message(open_page, smoke_pair):
    at = open_page("convexity", smoke_pair, run="pair", check="line")
    at.text_input(key="line-a").input("not a cell").run()
    assert not at.exception and "Not a NAS-Bench-201 cell string" in at.error[0].value


def test_the_line_starts_from_the_cell_picked_on_another_page(open_page, smoke_pair):
    import numpy as np

    from crlso_core.store.index import list_runs
    from crlso_core.store.view import load_view

    run = next(r for r in list_runs(smoke_pair) if r.name.endswith("-ls"))
    pool = load_view(run.path)
    picked = pool.archs[int(np.nanargmin(pool.valid))]  # the worst cell: not the best, which the line starts from otherwise
    at = open_page("convexity", smoke_pair, run="pair", check="line", cell=picked)
    assert at.text_input(key="line-a").value == picked
