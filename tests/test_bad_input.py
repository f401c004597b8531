"""The bad-input matrix: inputs and faults a hostile or unlucky user can cause, against the
`crlso` command. Every case must end with exit code 2, one line on stderr that starts with
'crlso: error:' and says what went wrong, no traceback, every file that existed before
unchanged, and no new folder (no half-made run). The classes follow the reliability issue:
claims, tables, bounds, budgets, tracebacks, atomic saves, trust, small things.

App and signal cases, which need a page or a process, are at the end of this file and in
tests/crlso_app/views/test_bad_input_pages.py."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pytest

from crlso_core.cli import main
from tests.data import NATS_SIMPLE_DIR

NB201_CSV = "nb201_all_15625_200ep.csv"


def _snapshot(root: Path) -> dict[str, str]:
    """Every file and folder under root with a digest of its bytes (folders: 'dir')."""
    out = {}
    for path in sorted(root.rglob("*")):
        key = str(path.relative_to(root))
        out[key] = (
            "dir" if path.is_dir() and not path.is_symlink() else hashlib.sha1(path.read_bytes()).hexdigest() if path.is_file() else "link"
        )
    return out


def _table(tmp: Path) -> Path:
    """A copy of the packaged NB201 table as a data folder of its own, to spoil."""
    from crlso_core.benchmarks.data_dir import PACKAGED

    folder = tmp / "data" / "nb201"
    folder.mkdir(parents=True)
    (folder / NB201_CSV).write_bytes(gzip.decompress((PACKAGED / "nb201" / f"{NB201_CSV}.gz").read_bytes()))
    return folder / NB201_CSV


def _spoil_row(tmp: Path, row: int, column: str, value: str) -> list[str]:
    path = _table(tmp)
    lines = path.read_text().splitlines()
    header = lines[0].split(",")
    fields = lines[row].split(",")
    fields[header.index(column)] = value
    lines[row] = ",".join(fields)
    path.write_text("\n".join(lines) + "\n")
    return ["--data-dir", str(tmp / "data")]


def _run_copy(tmp: Path, smoke_run: Path) -> Path:
    run = tmp / "run"
    shutil.copytree(smoke_run, run)
    return run


SMOKE = ["--preset", "smoke", "--quiet", "--device", "cpu"]

# (class, id, setup(tmp, smoke_run) -> argv, what the message must say)
CASES = [
    # 1. a run folder is claimed, never overwritten
    ("claim", "out-not-empty", lambda t, r: ["run", *SMOKE, "--out", str(_run_copy(t, r))], "already exists and is not empty"),
    ("claim", "out-is-a-file", lambda t, r: _file(t / "f") or ["train", *SMOKE, "--out", str(t / "f")], "is a file, not a folder"),
    (
        "claim",
        "out-being-written-by-a-live-run",
        lambda t, r: _live_staging(t) or ["train", *SMOKE, "--out", str(t / "busy")],
        "Another run is being written to",
    ),
    ("claim", "out-under-a-file", lambda t, r: _file(t / "f") or ["train", *SMOKE, "--out", str(t / "f" / "run")], "Cannot write in"),
    # 3. benchmark tables are checked when loaded
    (
        "table",
        "nan-accuracy",
        lambda t, r: ["train", *SMOKE, "--out", str(t / "o"), *_spoil_row(t, 5, "cifar10_valid_acc", "nan")],
        "row 5 (line 6): cifar10_valid_acc is 'nan'",
    ),
    (
        "table",
        "accuracy-1e9",
        lambda t, r: ["train", *SMOKE, "--out", str(t / "o"), *_spoil_row(t, 9, "cifar100_test_acc", "1e9")],
        "row 9 (line 10): cifar100_test_acc is '1e9', outside 0 to 100",
    ),
    (
        "table",
        "not-a-number",
        lambda t, r: ["train", *SMOKE, "--out", str(t / "o"), *_spoil_row(t, 2, "imagenet16_valid_acc", "4x.1")],
        "not a number",
    ),
    (
        "table",
        "cut-mid-row",
        lambda t, r: _cut(t) or ["train", *SMOKE, "--out", str(t / "o"), "--data-dir", str(t / "data")],
        "the file was cut short",
    ),
    (
        "table",
        "missing-column",
        lambda t, r: _drop_column(t) or ["train", *SMOKE, "--out", str(t / "o"), "--data-dir", str(t / "data")],
        "has no column 'params_mb'",
    ),
    (
        "table",
        "row-missing",
        lambda t, r: _drop_row(t) or ["train", *SMOKE, "--out", str(t / "o"), "--data-dir", str(t / "data")],
        "should hold all 15,625 cells",
    ),
    (
        "table",
        "rows-out-of-order",
        lambda t, r: _spoil_row(t, 3, "arch_index", "7") and ["train", *SMOKE, "--out", str(t / "o"), "--data-dir", str(t / "data")],
        "official index order",
    ),
    (
        "table",
        "bad-cell-string",
        lambda t, r: ["train", *SMOKE, "--out", str(t / "o"), *_spoil_row(t, 11, "arch_str", "|conv~0|")],
        "row 11 (line 12): Not a NAS-Bench-201 cell string",
    ),
    (
        "table",
        "gzip-corrupt",
        lambda t, r: _bad_gzip(t) or ["train", *SMOKE, "--out", str(t / "o"), "--data-dir", str(t / "data")],
        "cannot be read as a table",
    ),
    # 4. no number from a file decides an allocation
    ("bounds", "config-latent-1e8", lambda t, r: _cfg(t, r, lambda c: c["gvae"].update(latent=10**8)), "latent must be between 1 and 512"),
    (
        "bounds",
        "config-hidden-1e6",
        lambda t, r: _cfg(t, r, lambda c: c["gvae"].update(hidden=10**6)),
        "hidden must be between 1 and 2,048",
    ),
    (
        "bounds",
        "config-layers-1e4",
        lambda t, r: _cfg(t, r, lambda c: c["teacher"].update(layers=10**4)),
        "layers must be between 1 and 16",
    ),
    (
        "bounds",
        "config-batch-1e9",
        lambda t, r: _cfg(t, r, lambda c: c["search"].update(finetune_batch=10**9)),
        "finetune_batch must be between",
    ),
    ("bounds", "latent-npz-huge-header", lambda t, r: _huge_npz(t, r), "does not hold one code of width 8 per cell string"),
    ("bounds", "model-unpacks-too-large", lambda t, r: _fat_state(t, r), "holds far more than the network"),
    # 5. budgets within what the benchmark can answer
    (
        "budget",
        "run-beyond-the-space",
        lambda t, r: ["run", *SMOKE, "--budget", "20000", "--out", str(t / "o")],
        "more than the 15,625 cells",
    ),
    (
        "budget",
        "search-beyond-the-space",
        lambda t, r: ["search", "--run", str(_run_copy(t, r)), "--budget", "16000", "--quiet"],
        "more than the 15,625 cells",
    ),
    (
        "budget",
        "bench-beyond-the-space",
        lambda t, r: ["bench", "--methods", "rs", "--seeds", "0", "--budgets", "20000", "--out", str(t / "b"), "--quiet"],
        "more than the 15,625 cells",
    ),
    (
        "budget",
        "budget-below-labelled",
        lambda t, r: ["run", *SMOKE, "--budget", "10", "--out", str(t / "o")],
        "budget (10) must be at least the labelled cells (30)",
    ),
    # 7. one line, never a traceback
    (
        "oneline",
        "seed-negative",
        lambda t, r: ["run", *SMOKE, "--seed", "-1", "--out", str(t / "o")],
        "seed must be between 0 and 4,294,967,295",
    ),
    ("oneline", "seed-2-64", lambda t, r: ["run", *SMOKE, "--seed", str(2**64), "--out", str(t / "o")], "seed must be between 0 and"),
    ("oneline", "seed-not-a-number", lambda t, r: ["run", *SMOKE, "--seed", "abc"], "invalid int value: 'abc'"),
    ("oneline", "unknown-space", lambda t, r: ["run", "--space", "nb999"], "invalid choice: 'nb999'"),
    (
        "oneline",
        "dataset-of-another-space",
        lambda t, r: ["run", *SMOKE, "--dataset", "mnist", "--out", str(t / "o")],
        "Unknown dataset 'mnist'",
    ),
    ("oneline", "run-is-a-file", lambda t, r: _file(t / "f") or ["search", "--run", str(t / "f")], "is not a run folder (it is a file)"),
    ("oneline", "run-is-missing", lambda t, r: ["search", "--run", str(t / "nope")], "is not a run folder (it is missing)"),
    ("oneline", "config-is-a-list", lambda t, r: _cfg(t, r, lambda c: [1, 2], replace=True), "not an object of settings"),
    ("oneline", "config-wrong-type", lambda t, r: _cfg(t, r, lambda c: c["gvae"].update(latent="8")), "latent must be int, got '8'"),
    (
        "oneline",
        "config-unknown-step-length",
        lambda t, r: _cfg(t, r, lambda c: c["search"].update(step_length="far")),
        "step length must be one of gradient, spacing, got 'far'",
    ),
    ("oneline", "config-bool-for-int", lambda t, r: _cfg(t, r, lambda c: c.update(seed=True)), "seed must be int"),
    ("oneline", "config-not-json", lambda t, r: _raw(t, r, "config.json", b"{not json"), "config.json is corrupt"),
    ("oneline", "summary-is-a-list", lambda t, r: _summary(t, r, lambda s: [s], replace=True), "not an object"),
    ("oneline", "summary-wrong-type", lambda t, r: _summary(t, r, lambda s: s.update(queries_used="many")), "queries_used must be int"),
    ("oneline", "summary-from-the-future", lambda t, r: _summary(t, r, lambda s: s.update(run_format=99)), "written by a newer crlso"),
    ("oneline", "latent-npz-garbage", lambda t, r: _raw(t, r, "latent.npz", b"garbage"), "latent.npz is corrupt"),
    ("oneline", "queries-binary", lambda t, r: _raw(t, r, "queries.csv", bytes(range(256)) * 4), "queries.csv is corrupt"),
    ("oneline", "queries-without-columns", lambda t, r: _raw(t, r, "queries.csv", b"a,b\n1,2\n"), "has no column 'order'"),
    ("oneline", "model-state-truncated", lambda t, r: _raw(t, r, "gvae.pt", b"PK\x03\x04"), "could not be loaded as a model state"),
    ("oneline", "seeds-range-huge", lambda t, r: ["bench", "--seeds", "0-1000000000000", "--out", str(t / "b")], "Bad --seeds"),
    ("oneline", "seeds-too-many", lambda t, r: ["bench", "--seeds", "0-20000", "--out", str(t / "b")], "lists more than 10,000 seeds"),
    ("oneline", "budget-not-a-number", lambda t, r: ["bench", "--budgets", "ten", "--out", str(t / "b")], "Bad list 'ten'"),
    ("oneline", "method-renamed", lambda t, r: ["bench", "--methods", "ls", "--out", str(t / "b")], "'ls' is now called 'local'"),
    (
        "oneline",
        "workers-zero",
        lambda t, r: ["bench", "--methods", "rs", "--workers", "0", "--out", str(t / "b")],
        "--workers must be between",
    ),
    # 8. a search's files always agree: a malicious save journal is refused, nothing renamed
    ("atomic", "journal-escapes-the-folder", lambda t, r: _journal(t, r, {"../../victim": ".x"}), "is not a journal this program wrote"),
    # 11. a command's output never replaces what is there (issue 24: outputs written over files)
    ("outputs", "nb101-out-is-the-input", lambda t, r: _tfrecord(t) and ["data", "build-nb101", "--tfrecord", str(t / "in.tfrecord"),
                                                                           "--out", str(t / "in.tfrecord"), "--force", "--quiet"],
     "is the input itself"),
    ("outputs", "nb101-out-is-the-input-by-another-name", lambda t, r: _tfrecord(t) and (_link(t / "alias", t / "in.tfrecord") or [
        "data", "build-nb101", "--tfrecord", str(t / "alias"), "--out", str(t / "in.tfrecord"), "--force", "--quiet"]),
     "is the input itself"),
    ("outputs", "nb101-out-exists", lambda t, r: _tfrecord(t) and _file(t / "important.txt") or [
        "data", "build-nb101", "--tfrecord", str(t / "in.tfrecord"), "--out", str(t / "important.txt"), "--quiet"], "already exists"),
    ("outputs", "nb101-out-is-a-device", lambda t, r: _tfrecord(t) and [
        "data", "build-nb101", "--tfrecord", str(t / "in.tfrecord"), "--out", "/dev/null", "--force", "--quiet"], "is not a regular file"),
    ("outputs", "nb101-out-is-a-folder", lambda t, r: _tfrecord(t) and (t / "d").mkdir() or [
        "data", "build-nb101", "--tfrecord", str(t / "in.tfrecord"), "--out", str(t / "d"), "--force", "--quiet"], "is not a regular file"),
    ("outputs", "nb101-out-is-a-link", lambda t, r: _tfrecord(t) and (_file(t / "target") or _link(t / "link", t / "target")) or [
        "data", "build-nb101", "--tfrecord", str(t / "in.tfrecord"), "--out", str(t / "link"), "--force", "--quiet"],
     "is not a regular file"),
    ("outputs", "nb201-out-exists", lambda t, r: _file(t / "important.txt") or [
        "data", "build-nb201", "--nats-dir", str(NATS_SIMPLE_DIR), "--out", str(t / "important.txt")], "already exists"),
    ("outputs", "nb201-out-is-an-input", lambda t, r: _nats_copy(t) and [
        "data", "build-nb201", "--nats-dir", str(t / "nats"), "--out", str(t / "nats" / "meta.pickle.pbz2"), "--force"],
     "is the input itself"),
    # 12. a resumed bench reads its files before it changes one (issue 24: damaged files on resume)
    ("resume", "results-random-bytes", lambda t, r: _bench_file(t, "results.csv", bytes(range(256)) * 8), "results.csv is corrupt"),
    # (the one reader of bench rows, bench/results.py, needs best_valid_acc; labelled may be empty)
    ("resume", "results-missing-a-column", lambda t, r: _bench_file(t, "results.csv", b"method,dataset,seed,budget\nrs,cifar10,0,20\n"),
     "has no column 'best_valid_acc'"),
    ("resume", "results-seed-not-a-number", lambda t, r: _bench_file(
        t, "results.csv", b"method,dataset,seed,budget,best_valid_acc,labelled\nrs,cifar10,zero,20,90.5,0\n"),
     "column 'seed': 'zero' is not a whole number"),
    ("resume", "curves-garbage", lambda t, r: _bench_file(t, "curves.csv", b"\x00\xff" * 300), "curves.csv is corrupt"),
    # 13. one bench writes a folder at a time (issue 24: two writers, one bench folder)
    ("bench", "folder-held-by-a-live-process", lambda t, r: _lock(t / "b", os.getppid()) or [
        "bench", "--methods", "rs", "--seeds", "0", "--budgets", "20", "--out", str(t / "b"), "--quiet"], "is in use by process"),
    # 14. nothing a command reads can block it (issue 24: hangs)
    ("hangs", "tfrecord-is-a-pipe", lambda t, r: os.mkfifo(t / "pipe") or [
        "data", "build-nb101", "--tfrecord", str(t / "pipe"), "--out", str(t / "o.csv"), "--quiet"], "is a pipe"),
    ("hangs", "config-is-a-pipe", lambda t, r: _pipe_in_run(t, r, "config.json"), "is a pipe"),
    ("hangs", "model-is-a-pipe", lambda t, r: _pipe_in_run(t, r, "gvae.pt"), "is a pipe"),
    ("hangs", "ray-address-closed-port", lambda t, r: [
        "bench", "--methods", "rs", "--seeds", "0", "--budgets", "20", "--backend", "ray", "--address", "127.0.0.1:1",
        "--out", str(t / "b"), "--quiet"], "cannot be reached"),
    ("hangs", "ray-address-not-an-address", lambda t, r: [
        "bench", "--methods", "rs", "--seeds", "0", "--budgets", "20", "--backend", "ray", "--address", "nowhere",
        "--out", str(t / "b"), "--quiet"], "is not a Ray address"),
    # 15. a record outside the format's range is refused (issue 24: bad input accepted)
    ("range", "tfrecord-epochs-1e30", lambda t, r: _tfrecord(t, epochs=10**30) and [
        "data", "build-nb101", "--tfrecord", str(t / "in.tfrecord"), "--out", str(t / "o.csv"), "--quiet"],
     "is not one of NAS-Bench-101's (4, 12, 36, 108)"),
    ("range", "tfrecord-epochs-100", lambda t, r: _tfrecord(t, epochs=100) and [
        "data", "build-nb101", "--tfrecord", str(t / "in.tfrecord"), "--out", str(t / "o.csv"), "--quiet"], "not one of NAS-Bench-101's"),
    ("range", "tfrecord-params-1e12", lambda t, r: _tfrecord(t, params=10**12) and [
        "data", "build-nb101", "--tfrecord", str(t / "in.tfrecord"), "--out", str(t / "o.csv"), "--quiet"], "trainable parameters"),
    # 16. a data folder the user named must exist (issue 24: a change nobody is told about)
    ("datadir", "data-dir-missing", lambda t, r: ["run", *SMOKE, "--data-dir", str(t / "nope"), "--out", str(t / "o")],
     "--data-dir"),
    ("datadir", "data-dir-is-a-file", lambda t, r: _file(t / "f") or ["run", *SMOKE, "--data-dir", str(t / "f"), "--out", str(t / "o")],
     "is a file"),
    # 10. a bad input is quoted, not echoed whole
    ("small", "bench-methods-10kb", lambda t, r: ["bench", "--methods", "x" * 10_000, "--out", str(t / "b")], "characters)"),
    (
        "small",
        "nats-folder-missing",
        lambda t, r: ["data", "build-nb201", "--nats-dir", str(t / "nope"), "--out", str(t / "o.csv")],
        "NATS-tss-v1_0-3ffb9-simple",
    ),
]


def _file(path: Path) -> None:
    path.write_text("x")


def _link(link: Path, target: Path) -> None:
    link.symlink_to(target)


def _tfrecord(tmp: Path, epochs: int = 108, params: int = 1000) -> Path:
    """A two-record TFRecord file in the official format, in.tfrecord."""
    from tests.benchmarks.readers.nb101_records import metrics_b64, record_json, write_tfrecord

    records = [record_json("a" * 32, epochs, metrics=metrics_b64(0.9, 0.8, 100.0, params)),
               record_json("b" * 32, epochs, metrics=metrics_b64(0.8, 0.7, 90.0, params))]
    return write_tfrecord(tmp / "in.tfrecord", records)


def _nats_copy(tmp: Path) -> Path:
    shutil.copytree(NATS_SIMPLE_DIR, tmp / "nats")
    return tmp / "nats"


def _bench_file(tmp: Path, name: str, data: bytes) -> list[str]:
    """A bench folder whose `name` is damaged; the command resumes it."""
    folder = tmp / "b"
    folder.mkdir()
    (folder / name).write_bytes(data)
    return ["bench", "--methods", "rs", "--seeds", "0", "--budgets", "20", "--out", str(folder), "--quiet"]


def _lock(folder: Path, pid: int) -> None:
    from crlso_core.common.locks import process_start

    folder.mkdir()
    (folder / ".bench.lock").write_text(json.dumps({"pid": pid, "started": process_start(pid), "since": 0}))


def _pipe_in_run(tmp: Path, smoke_run: Path, name: str) -> list[str]:
    run = _run_copy(tmp, smoke_run)
    (run / name).unlink()
    os.mkfifo(run / name)
    return ["search", "--run", str(run), "--quiet"]


def _live_staging(tmp: Path) -> None:
    """Another live process (our parent, pytest's launcher) owns the staging folder."""
    staging = tmp / ".busy.partial"
    staging.mkdir()
    (staging / ".owner.json").write_text(json.dumps({"pid": os.getppid(), "started": None}))


def _cut(tmp: Path) -> None:
    path = _table(tmp)
    data = path.read_bytes()
    path.write_bytes(data[:-6])  # cut inside the last row: params_mb 0.185306 becomes 0.18, n_seeds gone


def _drop_column(tmp: Path) -> None:
    path = _table(tmp)
    lines = [line.rsplit(",", 2)[0] + "," + line.rsplit(",", 1)[1] for line in path.read_text().splitlines()]  # drop params_mb
    path.write_text("\n".join(lines) + "\n")


def _drop_row(tmp: Path) -> None:
    path = _table(tmp)
    lines = path.read_text().splitlines()
    path.write_text("\n".join(lines[:100] + lines[101:]) + "\n")


def _bad_gzip(tmp: Path) -> None:
    folder = tmp / "data" / "nb201"
    folder.mkdir(parents=True)
    (folder / f"{NB201_CSV}.gz").write_bytes(b"\x1f\x8b\x08\x00" + b"not gzip at all" * 10)


def _json_file(tmp, smoke_run, name, change, replace=False):
    """A copy of the smoke run with one JSON file changed in place (or replaced by what
    `change` returns); the command searches it."""
    run = _run_copy(tmp, smoke_run)
    path = run / name
    data = json.loads(path.read_text())
    result = change(data)
    path.write_text(json.dumps(result if replace else data))
    return ["search", "--run", str(run), "--quiet"]


def _cfg(tmp, smoke_run, change, replace=False):
    return _json_file(tmp, smoke_run, "config.json", change, replace)


def _summary(tmp, smoke_run, change, replace=False):
    return _json_file(tmp, smoke_run, "summary.json", change, replace)


def _raw(tmp, smoke_run, name, data: bytes):
    run = _run_copy(tmp, smoke_run)
    (run / name).write_bytes(data)
    return ["search", "--run", str(run), "--quiet"]


def _huge_npz(tmp, smoke_run):
    """A latent.npz whose header declares 10**9 x 10**6 codes: refused from the header."""
    run = _run_copy(tmp, smoke_run)
    header = np.lib.format
    with zipfile.ZipFile(run / "latent.npz", "w") as archive:
        for name, shape, dtype in (("arch.npy", (10**9,), "<U124"), ("mu.npy", (10**9, 10**6), "<f4")):
            with archive.open(name, "w") as f:
                header.write_array_header_1_0(f, {"descr": dtype, "fortran_order": False, "shape": shape})
    return ["search", "--run", str(run), "--quiet"]


def _fat_state(tmp, smoke_run):
    """A gvae.pt whose zip says it unpacks to 4 GB of zeros."""
    run = _run_copy(tmp, smoke_run)
    with zipfile.ZipFile(run / "gvae.pt", "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("archive/data/0", "w", force_zip64=True) as f:
            chunk = bytes(2**24)
            for _ in range(256):
                f.write(chunk)
    return ["search", "--run", str(run), "--quiet"]


def _journal(tmp, smoke_run, journal):
    run = _run_copy(tmp, smoke_run)
    (run / ".group.json").write_text(json.dumps(journal))
    return ["search", "--run", str(run), "--quiet"]


@pytest.mark.parametrize("klass, case, setup, expected", CASES, ids=[f"{c[0]}:{c[1]}" for c in CASES])
def test_bad_input_is_one_line_and_changes_nothing(klass, case, setup, expected, smoke_run, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CRLSO_RUNS", str(tmp_path / "runs"))
    work = tmp_path / "work"
    work.mkdir()
    argv = setup(work, smoke_run[0])
    before = _snapshot(work)
    capsys.readouterr()
    code = main(argv)
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2, err
    assert len(lines) == 1 and lines[0].startswith("crlso: error:") and "Traceback" not in err, err
    assert expected in lines[0], lines[0]
    assert len(lines[0]) < 1200  # a bad input is quoted, not echoed whole
    after = _snapshot(work)
    assert {k: v for k, v in after.items() if k in before} == before  # nothing that existed changed
    assert not set(after) - set(before), set(after) - set(before)  # nothing half-made was left

