import numpy as np

from crlso_app.selection import selected_rows

ORDER = np.array([7, 3, 9, 1])  # table rows in the order the chart drew them


def test_a_click_maps_through_the_drawing_order_and_ignores_other_traces():
    event = {
        "selection": {"points": [{"curve_number": 0, "point_index": 2}, {"curve_number": 1, "point_index": 0}], "box": [], "lasso": []}
    }
    assert selected_rows(event, ORDER) == ([9], False)


def test_a_box_or_lasso_is_a_region():
    event = {
        "selection": {
            "points": [{"curve_number": 0, "point_index": i} for i in (0, 3)],
            "box": [],
            "lasso": [{"x": [0, 1, 1], "y": [0, 0, 1]}],
        }
    }
    assert selected_rows(event, ORDER) == ([7, 1], True)


def test_no_selection_yet():
    assert selected_rows(None, ORDER) == ([], False)
    assert selected_rows({"selection": {"points": [], "box": [], "lasso": []}}, ORDER) == ([], False)


def test_in_a_chart_of_two_panels_each_side_reads_its_own_trace():
    click = {"selection": {"points": [{"curve_number": 1, "point_index": 1}], "box": [], "lasso": []}}
    assert selected_rows(click, ORDER, curve=0) == ([], False)  # a click on the right panel picks nothing on the left
    assert selected_rows(click, ORDER, curve=1) == ([3], False)
