import json


def test_without_runs_it_points_to_the_train_page(open_page, empty_store):
    assert "No trained runs yet" in open_page("convexity", empty_store).info[0].value


def test_surface_jensen_check_and_line_for_both_sides(open_page, smoke_pair, clean):
    at = open_page("convexity", smoke_pair, run="pair")
    assert len(at.metric) == 4
    rates = [float(m.value.rstrip(" %")) for m in at.metric]
    assert all(0 <= r <= 100 for r in rates)
    assert rates[3] == 0.0  # CR-LS's ICNN is convex by construction: no predicted violation
    pictures = [image.proto.imgs[0] for image in at.get("image")]  # drawn on the server (crlso_app/pictures.py)
    assert [p.alt.split(" ")[0] for p in pictures] == ["Contours", "Jensen", "Accuracy"] and not at.get("plotly_chart")
    assert all(p.url.endswith(".png") for p in pictures)  # sent as drawn: a JPEG would blur lines and text
    at.radio(key="surface-kind").set_value("surface").run()
    clean(at)
    assert [json.loads(c.proto.spec)["data"][0]["type"] for c in at.get("plotly_chart")] == ["surface", "surface"]
    assert len(at.get("image")) == 2  # the Jensen gaps and the line stay
    at.number_input(key="line-steps").set_value(5).run()
    clean(at)
    assert len(at.table[0].value) == 5


def test_a_bad_cell_for_the_line_is_one_clear_message(open_page, smoke_pair):
    at = open_page("convexity", smoke_pair, run="pair")
    at.text_input(key="line-a").input("not a cell").run()
    assert not at.exception and "Not a NAS-Bench-201 cell string" in at.error[0].value
