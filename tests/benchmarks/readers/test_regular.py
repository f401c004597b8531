"""Readers of benchmark files open only regular files: a pipe (which blocks open() and read()
forever), a device or a folder in a file's place is one message naming it, at once."""

from __future__ import annotations

import os
import threading

import pytest

from crlso_core.benchmarks.readers.regular import open_regular
from crlso_core.common.errors import CRLSOError


def within(seconds: float, call):
    """call() run in a thread: its result or exception, or a failure when it blocks (a
    reader stuck on a pipe must fail the test, not hang the suite)."""
    outcome: dict = {}

    def run() -> None:
        try:
            outcome["value"] = call()
        except BaseException as exc:  # handed back to the test
            outcome["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still blocked after {seconds} s"
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def test_a_regular_file_is_read(tmp_path):
    path = tmp_path / "table.csv"
    path.write_bytes(b"a,b\n1,2\n")
    with open_regular(path) as f:
        assert f.read() == b"a,b\n1,2\n"


@pytest.mark.parametrize("make, kind", [
    (lambda p: os.mkfifo(p), "a pipe"),
    (lambda p: p.mkdir(), "a folder"),
    (lambda p: p.symlink_to("/dev/null"), "a device"),
])
def test_what_is_not_a_regular_file_is_refused_by_name(tmp_path, make, kind):
    path = tmp_path / "table.csv"
    make(path)
    with pytest.raises(CRLSOError) as caught:
        within(10, lambda: open_regular(path, "of benchmark data"))
    assert str(caught.value) == f"{path} is {kind}, not a file of benchmark data; give a regular file."


def test_a_file_swapped_for_a_pipe_after_the_check_is_refused_on_the_open_descriptor(tmp_path, monkeypatch):
    """The path is a file when checked and a pipe when opened: O_NONBLOCK keeps the open from
    blocking, and the descriptor's own type refuses it."""
    path = tmp_path / "table.csv"
    os.mkfifo(path)
    real_stat = type(path).stat
    monkeypatch.setattr(type(path), "stat", lambda p, **k: real_stat(tmp_path / "seen.csv") if p == path else real_stat(p, **k))
    (tmp_path / "seen.csv").write_bytes(b"a\n")  # the first look saw a file
    with pytest.raises(CRLSOError, match="is a pipe, not a file"):
        within(10, lambda: open_regular(path))


def test_a_missing_file_is_the_usual_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        open_regular(tmp_path / "nope.csv")
