"""The explorer's server process (explorer_process.py): its stderr reaches the user as it
is, except a Python traceback, which goes to the error log behind one line."""

import sys

from crlso_core.explorer_process import serve

FAILING_SERVER = r"""
import sys
print("2026-12-07 13:38:59.020 Uvicorn server starting", file=sys.stderr, flush=True)
def bind():
    raise OSError("[Errno -2] Name or service not known")
try:
    bind()
except OSError as exc:
    raise RuntimeError("the server could not start") from exc
"""


def test_a_traceback_goes_to_the_error_log_and_the_user_sees_one_line(tmp_path, monkeypatch, capfd):
    log = tmp_path / "errors.log"
    monkeypatch.setenv("CRLSO_ERROR_LOG", str(log))
    code, last, stopped_by = serve([sys.executable, "-c", FAILING_SERVER], {"PATH": "/usr/bin:/bin"})
    err = capfd.readouterr().err
    assert code == 1 and stopped_by is None and last == "RuntimeError: the server could not start"
    assert "Uvicorn server starting" in err  # ordinary lines pass through
    assert "Traceback" not in err and 'File "' not in err and "The above exception" not in err
    assert [line for line in err.splitlines() if not line.strip()] == []
    assert err.count("the explorer's server reported an error") == 2  # the chained traceback's two parts
    assert f"the traceback is in {log}" in err
    written = log.read_text()
    assert "OSError: [Errno -2] Name or service not known" in written and "RuntimeError: the server could not start" in written


def test_a_server_that_ends_well_says_nothing_more(capfd):
    code, last, stopped_by = serve([sys.executable, "-c", "print('served')"], {"PATH": "/usr/bin:/bin"})
    captured = capfd.readouterr()
    assert (code, last, stopped_by) == (0, None, None) and captured.out == "served\n" and captured.err == ""
