"""A bench folder's own files: never reached through a link, rows appended whole or not at all."""

import errno
import os

import pytest

from crlso_core.bench import folder
from crlso_core.bench.grid import BenchPlan, run_bench
from crlso_core.bench.report import write_report
from crlso_core.catalog.registry import load_benchmark
from crlso_core.common.errors import CRLSOError


def _files(path):
    return {p.name: (os.readlink(p) if p.is_symlink() else p.read_bytes()) for p in path.iterdir()}


@pytest.mark.parametrize("name", ["results.csv", "curves.csv", "reconstruction.csv", "plan.json", "summary.md", "curves.png"])
def test_a_bench_file_that_is_a_dangling_link_is_refused_and_nothing_is_made_outside(tmp_path, name):
    out, elsewhere = tmp_path / "bench", tmp_path / "elsewhere"
    elsewhere.mkdir()
    run_bench(BenchPlan("toy", ["synthetic"], ["rs"], [0], [20]), out)
    (out / name).unlink(missing_ok=True)
    (out / name).symlink_to(elsewhere / f"{name}.outside")
    before = _files(out)
    with pytest.raises(CRLSOError, match=f"{name} is a link, not a file of this bench"):
        run_bench(BenchPlan("toy", ["synthetic"], ["rs"], [0, 1], [20]), out)
    assert list(elsewhere.iterdir()) == []  # nothing written through the link
    assert _files(out) == before


def test_a_link_to_a_real_file_is_refused_before_it_is_read(tmp_path):
    out, outside = tmp_path / "bench", tmp_path / "outside.csv"
    outside.write_text("not, a, bench\n")
    out.mkdir()
    (out / "results.csv").symlink_to(outside)
    with pytest.raises(CRLSOError, match="results.csv is a link"):
        run_bench(BenchPlan("toy", ["synthetic"], ["rs"], [0], [20]), out)
    assert outside.read_text() == "not, a, bench\n" and sorted(p.name for p in out.iterdir()) == ["results.csv"]


def test_the_report_replaces_a_link_instead_of_writing_through_it(tmp_path):
    out, outside = tmp_path / "bench", tmp_path / "outside.md"
    run_bench(BenchPlan("toy", ["synthetic"], ["rs"], [0], [20]), out)
    outside.write_text("theirs")
    for name in ("summary.md", "curves.png"):
        (out / name).unlink(missing_ok=True)
        (out / name).symlink_to(outside)
    write_report(out, load_benchmark("toy"))
    assert outside.read_text() == "theirs"
    assert not (out / "summary.md").is_symlink() and "rs" in (out / "summary.md").read_text()
    assert not (out / "curves.png").is_symlink() and (out / "curves.png").read_bytes()[:4] == b"\x89PNG"


def test_append_whole_cuts_a_short_write_back_to_whole_rows(tmp_path, monkeypatch):
    path = tmp_path / "rows.csv"
    folder.append_whole(path, b"1,2\r\n", header=b"a,b\r\n")
    real_write = os.write

    def short(fd, data):  # a full disk: half the bytes land, then no more
        return real_write(fd, data[: len(data) // 2])

    monkeypatch.setattr(folder.os, "write", short)
    with pytest.raises(OSError) as caught:
        folder.append_whole(path, b"3,4\r\n5,6\r\n", header=b"a,b\r\n")
    assert caught.value.errno == errno.ENOSPC
    assert path.read_bytes() == b"a,b\r\n1,2\r\n"

    def fails(fd, data):
        real_write(fd, data[:3])
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(folder.os, "write", fails)
    with pytest.raises(OSError):
        folder.append_whole(path, b"3,4\r\n", header=b"a,b\r\n")
    assert path.read_bytes() == b"a,b\r\n1,2\r\n"


def test_append_whole_never_follows_a_link(tmp_path):
    target = tmp_path / "target.csv"
    (tmp_path / "rows.csv").symlink_to(target)
    with pytest.raises(CRLSOError, match="is a link"):
        folder.append_whole(tmp_path / "rows.csv", b"1\n", header=b"a\n")
    assert not target.exists()
