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


def test_a_region_holds_every_cell_inside_it_drawn_or_not():
    from crlso_app.selection import rows_inside

    xy = np.array([[0.0, 0.0], [0.5, 0.5], [2.0, 2.0], [0.9, 0.1]])
    box = {"selection": {"points": [], "box": [{"x": [1.0, -1.0], "y": [-1.0, 1.0]}], "lasso": []}}
    assert rows_inside(box, xy) == [0, 1, 3]
    lasso = {"selection": {"points": [], "box": [], "lasso": [{"x": [-1, 1, 1, -1], "y": [-1, -1, 0.3, 0.3]}]}}
    assert rows_inside(lasso, xy) == [0, 3]
    assert rows_inside({"selection": {"points": [{"point_index": 0}], "box": [], "lasso": []}}, xy) == []


def test_in_a_chart_of_two_panels_each_side_reads_its_own_trace_and_subplot():
    from crlso_app.selection import rows_inside

    click = {"selection": {"points": [{"curve_number": 1, "point_index": 1}], "box": [], "lasso": []}}
    assert selected_rows(click, ORDER, curve=0) == ([], False)  # a click on the right panel picks nothing on the left
    assert selected_rows(click, ORDER, curve=1) == ([3], False)
    xy = np.array([[0.0, 0.0], [0.5, 0.5], [2.0, 2.0]])
    right_box = {"selection": {"points": [], "box": [{"x": [-1.0, 1.0], "y": [-1.0, 1.0], "xref": "x2", "yref": "y2"}], "lasso": []}}
    assert rows_inside(right_box, xy, "x") == [] and rows_inside(right_box, xy, "x2") == [0, 1]
