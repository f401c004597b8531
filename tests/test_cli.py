import json
import os
import subprocess
import sys

import pytest

from crlso_core.benchmarks.data_dir import PACKAGED
from crlso_core.cli import main
from tests.data import NATS_SIMPLE_DIR, NB101_TFRECORD


def _crlso(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "crlso_core.cli", *args], capture_output=True, text=True, cwd=cwd)


def test_train_then_search(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", "--preset", "smoke", "--seed", "1", "--out", str(out), "--quiet", "--device", "cpu"]) == 0
    assert json.loads((out / "summary.json").read_text())["status"] == "trained"
    assert main(["search", "--run", str(out), "--budget", "40", "--quiet"]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "complete" and summary["queries_used"] == 40
    printed = capsys.readouterr().out
    assert '"best_test_acc"' in printed and str(out) in printed
    assert '"latent_share"' in printed and "query origins: " in printed and " of 10 search queries (" in printed


@pytest.mark.parametrize(
    "args, message",
    [
        (["run", "--preset", "smoke", "--budget", "10"], "budget (10) must be at least the labelled cells (30)"),
        (["search", "--run", "/nonexistent/run"], "is missing"),
        (["data", "build-nb201", "--nats-dir", "/nonexistent", "--out", "x.csv"], "NATS-tss-v1_0-3ffb9-simple"),
    ],
)
def test_user_errors_print_one_line_without_traceback(tmp_path, args, message):
    result = _crlso(*args, cwd=tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = [t for t in result.stderr.splitlines() if t.strip()]
    assert len(lines) == 1 and lines[0].startswith("crlso: error:") and message in lines[0]


def test_a_corrupt_table_in_the_data_folder_is_one_line_and_nothing_half_made(tmp_path):
    (tmp_path / "data" / "nb201").mkdir(parents=True)
    (tmp_path / "data" / "nb201" / "nb201_all_15625_200ep.csv").write_text("arch_index,arch_str\n0,|bad|\n")
    result = _crlso("run", "--preset", "smoke", "--data-dir", str(tmp_path / "data"), "--out", str(tmp_path / "r"), cwd=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "not a readable NAS-Bench-201 table" in result.stderr and str(tmp_path / "data") in result.stderr
    assert not (tmp_path / "r").exists()  # nothing half-made


def test_a_dataset_of_another_space_is_refused_with_the_spaces_own(tmp_path):
    result = _crlso("run", "--preset", "smoke", "--dataset", "mnist", "--out", str(tmp_path / "r"), cwd=tmp_path)
    assert result.returncode == 2 and "Unknown dataset 'mnist' for NAS-Bench-201" in result.stderr and "cifar100" in result.stderr


def test_runs_lists_the_store_from_crlso_runs_like_the_app(smoke_pair, tmp_path):
    import os

    done = subprocess.run([sys.executable, "-m", "crlso_core.cli", "runs"], capture_output=True, text=True, cwd=tmp_path,
                          env={**os.environ, "CRLSO_RUNS": str(smoke_pair)})
    lines = sorted(done.stdout.splitlines())
    assert done.returncode == 0 and len(lines) == 2
    assert lines[0].startswith("pair-crls\tcomplete\tnb201\tcifar10\tvalid=") and "test=" in lines[0]


def test_a_space_registered_beside_nb201_runs_from_the_command_line(tmp_path, capsys):
    out = tmp_path / "toy"
    assert main(["run", "--space", "toy", "--preset", "smoke", "--out", str(out), "--quiet", "--device", "cpu"]) == 0
    printed = capsys.readouterr().out
    assert '"best_test_acc": null' in printed and '"dataset": "synthetic"' in printed


def test_existing_run_folder_is_never_overwritten(smoke_run):
    out, _ = smoke_run
    before = (out / "summary.json").read_bytes()
    result = _crlso("run", "--preset", "smoke", "--out", str(out))
    assert result.returncode == 2 and "already exists" in result.stderr
    assert (out / "summary.json").read_bytes() == before


def test_build_nb201_from_official_fixture_folder(tmp_path):
    import gzip

    out = tmp_path / "table.csv"
    assert main(["data", "build-nb201", "--nats-dir", str(NATS_SIMPLE_DIR), "--out", str(out)]) == 0
    lines = out.read_text().splitlines()
    assert lines[0].startswith("arch_index,arch_str,cifar10_valid_acc")
    with gzip.open(PACKAGED / "nb201" / "nb201_all_15625_200ep.csv.gz", "rt", newline="") as f:
        official = f.read().splitlines()  # the default table, whose rows the official records make
    assert lines[1:] == [official[1 + i] for i in (0, 11, 284)]


def test_build_nb101_from_the_official_format_and_a_damaged_copy_changes_nothing(tmp_path, capsys):
    import gzip

    fixture = NB101_TFRECORD
    out = tmp_path / "nb101.csv.gz"
    assert main(["data", "build-nb101", "--tfrecord", str(fixture), "--out", str(out), "--quiet"]) == 0
    assert "wrote 30 cells (90 runs, epoch budgets 108)" in capsys.readouterr().out
    with gzip.open(out, "rt") as f:
        assert len(f.read().splitlines()) == 31  # header and 30 cells
    before = out.read_bytes()
    damaged = tmp_path / "damaged.tfrecord"
    data = bytearray(fixture.read_bytes())
    data[5000] ^= 0xFF
    damaged.write_bytes(bytes(data))
    assert main(["data", "build-nb101", "--tfrecord", str(damaged), "--out", str(out), "--force", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "record 15" in err and "CRC32C" in err and "Traceback" not in err
    assert out.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == ["damaged.tfrecord", "nb101.csv.gz"]


def test_bench_records_its_command_line_and_refuses_an_unknown_rule(tmp_path, capsys):
    args = ["bench", "--datasets", "cifar10", "--methods", "rs", "--seeds", "0", "--budgets", "20", "--out", str(tmp_path), "--quiet"]
    assert main(args) == 0
    (session,) = json.loads((tmp_path / "plan.json").read_text())["sessions"]
    assert session["argv"] == ["crlso", *args] and session["rules"] == [] and session["outcome"] == "finished"
    assert "| 20 | rs | 1 |" in capsys.readouterr().out
    assert main([*args, "--rules", "ranked,sideways"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Unknown rule 'sideways'" in err and "ranked" in err
    assert len(json.loads((tmp_path / "plan.json").read_text())["sessions"]) == 1  # refused before a session began


# --- crlso app: its address checked first, its server gone with it ---------------------------
def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _port_open(port: int) -> bool:
    import socket

    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


def _start_app(tmp_path, port: int):
    """`crlso app` on a free port with an empty runs folder, once its server answers."""
    import time

    app = subprocess.Popen([sys.executable, "-m", "crlso_core.cli", "app", "--port", str(port), "--runs-dir", str(tmp_path / "runs")],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not _port_open(port):
        assert app.poll() is None and time.monotonic() < deadline, "the explorer did not come up"
        time.sleep(0.2)
    return app


def _wait_port_closed(port: int, seconds: float) -> bool:
    import time

    deadline = time.monotonic() + seconds
    while _port_open(port) and time.monotonic() < deadline:
        time.sleep(0.2)
    return not _port_open(port)


@pytest.mark.parametrize("sig", ["SIGKILL", "SIGHUP"])
def test_the_explorers_server_goes_with_crlso_whatever_signal_ends_it(tmp_path, sig):
    """kill -9 (no cleanup runs: the server's parent-death signal stops it) or kill -1 (the
    terminal closed: crlso stops its server, then exits cleanly) of the crlso process only."""
    import signal

    port = _free_port()
    app = _start_app(tmp_path, port)
    server = [int(pid) for pid in open(f"/proc/{app.pid}/task/{app.pid}/children").read().split()]
    try:
        app.send_signal(getattr(signal, sig))
        code = app.wait(timeout=20)
        assert _wait_port_closed(port, 10), f"the server still listens after crlso's {sig}"
    finally:
        if app.poll() is None:
            app.kill()
        for pid in server:  # not to leave a server behind when this test fails
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    if sig == "SIGHUP":
        err = app.stderr.read()
        assert code == 0 and "crlso: the explorer stopped (SIGHUP); its server is closed." in err and "Traceback" not in err


@pytest.mark.parametrize("host, said", [
    ("no such host", "--host 'no such host' is not an address this machine knows"),
    ("198.51.100.7", "Cannot listen on 198.51.100.7:"),  # resolves, but not this machine's
])
def test_an_address_the_explorer_cannot_use_is_one_line_before_streamlit_starts(tmp_path, capsys, host, said):
    assert main(["app", "--host", host, "--port", str(_free_port()), "--runs-dir", str(tmp_path)]) == 2
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1 and said in captured.err and "Traceback" not in captured.err
    assert "open http" not in captured.out  # nothing started


def test_a_port_in_use_is_one_line_before_streamlit_starts(tmp_path, capsys):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["app", "--port", str(port), "--runs-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"Cannot listen on 127.0.0.1:{port} (Address already in use)" in err
