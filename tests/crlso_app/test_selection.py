import csv
import io

import numpy as np
import pytest

from crlso_app.selection import TOP, region_summary, selected_rows, selection_csv, top_rows

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


VALID = np.arange(100, dtype=np.float64)  # cell r has accuracy r %: the top 5 % are rows 95-99


def test_the_top_five_percent_are_the_best_cells_with_an_accuracy():
    assert TOP == 0.05 and np.flatnonzero(top_rows(VALID)).tolist() == [95, 96, 97, 98, 99]
    with_gaps = VALID.copy()
    with_gaps[99] = np.nan  # a cell the benchmark has no accuracy for is neither top nor counted
    assert np.flatnonzero(top_rows(with_gaps)).tolist() == [94, 95, 96, 97, 98]
    assert top_rows(np.array([np.nan])).sum() == 0


def test_a_region_is_set_against_the_whole_space():
    summary = region_summary(VALID, [90, 96, 97, 10])
    assert summary.cells == 4 and summary.mean == pytest.approx((90 + 96 + 97 + 10) / 4)
    assert summary.space_mean == pytest.approx(49.5) and summary.best == 97 and summary.space_best == 99 and summary.best_row == 97
    assert (summary.top, summary.space_top) == (2, 5)
    words = summary.words()
    assert "mean validation accuracy **73.25 %** (whole space 49.50 %)" in words
    assert "best **97.00 %** (space's best 99.00 %)" in words
    assert "**2 of the space's 5 top-5 % cells** (40.0 % of them); 50.0 % of the selection is top-5 %, against 5 %" in words


def test_a_region_without_accuracies_has_no_summary():
    valid = VALID.copy()
    valid[[3, 4]] = np.nan
    assert region_summary(valid, [3, 4]) is None and region_summary(valid, []) is None
    assert region_summary(valid, [3, 5]).cells == 1  # a missing accuracy is left out, not read as 0


def test_a_selection_is_written_as_csv_best_first_with_each_side_s_prediction():
    archs = [f"|cell-{r}~0|" for r in range(100)]
    test = VALID + 0.5
    test[96] = np.nan
    data = selection_csv([10, 97, 96], archs, VALID, test, {"LS": VALID - 1, "CR-LS": VALID - 2})
    rows = list(csv.reader(io.StringIO(data.decode())))
    assert rows[0] == ["cell string", "valid acc", "test acc", "LS predicted acc", "CR-LS predicted acc"]
    assert rows[1:] == [["|cell-97~0|", "97.00", "97.50", "96.00", "95.00"], ["|cell-96~0|", "96.00", "", "95.00", "94.00"],
                        ["|cell-10~0|", "10.00", "10.50", "9.00", "8.00"]]
    no_test = selection_csv([1], ["x", "a,b"], VALID, None, {})  # a comma in a cell string is quoted
    assert no_test.decode() == 'cell string,valid acc\n"a,b",1.00\n'
