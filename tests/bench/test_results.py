"""The one checked reader of the bench's files: a bad value is one message naming the file,
line and column, before anything is rewritten; a repeated row is counted once."""

import csv

import pytest

from crlso_core.bench.grid import BenchPlan, run_bench
from crlso_core.bench.report import write_report
from crlso_core.bench.results import RECON_COLUMNS, read_curves, read_results
from crlso_core.bench.tables import summarise
from crlso_core.catalog.registry import load_benchmark
from crlso_core.common.errors import CRLSOError

RECON = ",".join(RECON_COLUMNS) + "\r\n" + "crlso,synthetic,0,0.5,,smoke,ranked,0123456789\r\n"


def _bench(out):
    run_bench(BenchPlan("toy", ["synthetic"], ["rs"], [0, 1], [20]), out)
    (out / "reconstruction.csv").write_text(RECON)
    write_report(out, load_benchmark("toy"))


def _damage(path, column, value, row=0):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    rows[row][column] = value
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def _files(out):
    return {p.name: p.read_bytes() for p in out.iterdir()}


@pytest.mark.parametrize("name, column, value, what", [
    ("results.csv", "seed", "²", "a whole number"),  # str.isdigit takes it, int() does not
    ("results.csv", "seed", "٣", "a whole number"),  # int() takes it: an Arabic-Indic 3
    ("results.csv", "budget", "1_0", "a whole number"),  # int() takes it: 10
    ("results.csv", "best_valid_acc", "abc", "a number"),
    ("results.csv", "best_valid_acc", "nan", "a number"),
    ("results.csv", "queries_to_best", "1e3", "a whole number"),
    ("results.csv", "best_test_acc", "٣.٥", "a number or empty"),  # float() takes it
    ("curves.csv", "queries", "x", "a whole number"),
    ("curves.csv", "queries", "1_0", "a whole number"),
    ("curves.csv", "best_valid_acc", "", "a number"),
    ("reconstruction.csv", "recon_pool", "abc", "a number"),
    ("reconstruction.csv", "seed", "٣", "a whole number"),
    ("reconstruction.csv", "recon_heldout", "inf", "a number or empty"),
])
def test_a_damaged_value_is_one_message_and_every_file_stays_byte_identical(tmp_path, name, column, value, what):
    _bench(tmp_path)
    _damage(tmp_path / name, column, value)
    before = _files(tmp_path)
    with pytest.raises(CRLSOError) as caught:
        run_bench(BenchPlan("toy", ["synthetic"], ["rs"], [0, 1, 2], [20]), tmp_path)
    message = str(caught.value)
    assert f"{name}, line 2, column '{column}': {value!r} is not {what}" in message and "\n" not in message
    assert _files(tmp_path) == before  # nothing rewritten, plan.json included
    with pytest.raises(CRLSOError, match=f"{name}, line 2, column '{column}'"):
        write_report(tmp_path, load_benchmark("toy"))  # the report reads every file before it writes one
    assert _files(tmp_path) == before


def test_a_results_file_that_is_not_text_is_one_message(tmp_path):
    _bench(tmp_path)
    (tmp_path / "results.csv").write_bytes(b"method,dataset\n\xff\xfe\n")
    before = _files(tmp_path)
    with pytest.raises(CRLSOError, match="results.csv is not a bench file: it has no column 'seed'|results.csv is corrupt"):
        run_bench(BenchPlan("toy", ["synthetic"], ["rs"], [0], [20]), tmp_path)
    assert _files(tmp_path) == before


def test_a_repeated_row_is_read_once_and_counted_once(tmp_path):
    run_bench(BenchPlan("toy", ["synthetic"], ["rs"], [0], [20]), tmp_path)
    for name in ("results.csv", "curves.csv"):  # as a bench of an earlier version wrote --seeds 0,0
        lines = (tmp_path / name).read_bytes().splitlines(keepends=True)
        (tmp_path / name).write_bytes(b"".join(lines + lines[1:]))
    rows = read_results(tmp_path / "results.csv")
    assert len(rows) == 1 and rows.dropped == 1
    assert len(read_curves(tmp_path / "curves.csv")) == 2  # queries 10 and 20
    (summary,) = summarise(rows)
    assert summary.seeds == 1
    run_bench(BenchPlan("toy", ["synthetic"], ["rs"], [0], [20]), tmp_path)  # a resume writes each row once
    assert len((tmp_path / "results.csv").read_bytes().splitlines()) == 2


def test_a_last_row_cut_by_a_full_disk_is_run_again(tmp_path):
    """A file an earlier version left with half a row (no line end) is resumable."""
    plan = BenchPlan("toy", ["synthetic"], ["rs"], [0, 1], [20])
    run_bench(plan, tmp_path)
    whole = (tmp_path / "results.csv").read_bytes()
    (tmp_path / "results.csv").write_bytes(whole[:-25])
    run_bench(plan, tmp_path)

    def rows(data):  # the rerun's own wall time aside
        return sorted(tuple(v for k, v in r.items() if k != "wall_s") for r in csv.DictReader(data.decode().splitlines()))

    again = (tmp_path / "results.csv").read_bytes()
    assert again.endswith(b"\r\n") and rows(again) == rows(whole)


def test_the_writer_checks_each_row_as_the_reader_will_and_writes_nothing_on_a_bad_one(tmp_path):
    from crlso_core.bench.results import RESULT_FILE, Produced, append_rows, result_cells

    path = tmp_path / "results.csv"
    good = result_cells(Produced("rea", "", "", "r" * 10), dataset="synthetic", seed=0, budget=20, best_arch="x",
                        best_valid_acc=90.0, best_test_acc=None, found_valid_optimum=None, queries_to_best=3, labelled=0, wall_s=1.0)
    append_rows(RESULT_FILE, path, [good])
    before = path.read_bytes()
    with pytest.raises(CRLSOError, match=r"results.csv, row 2 to write, column 'best_valid_acc': 'nan' is not a number"):
        append_rows(RESULT_FILE, path, [{**good, "seed": 1}, {**good, "seed": 2, "best_valid_acc": float("nan")}])
    assert path.read_bytes() == before  # neither row: a file holds only rows its reader takes
    (row,) = read_results(path)
    assert (row.method, row.seed, row.best_test_acc, row.cells["best_test_acc"]) == ("rea", 0, None, "")


def test_a_file_of_another_kind_is_one_message_naming_it(tmp_path):
    from crlso_core.bench.results import CURVE_FILE, read

    run_bench(BenchPlan("toy", ["synthetic"], ["rs"], [0], [20]), tmp_path)
    with pytest.raises(CRLSOError, match=r"results.csv is not a bench file: it has no column 'queries'"):
        read(CURVE_FILE, tmp_path / "results.csv")
