"""Where benchmark files are found (data_dir.py): --data-dir, else $CRLSO_DATA_DIR, else ./data
and ../shared/data, and the copy shipped in the package last; a missing file names every
place looked."""

import os
from pathlib import Path

import pytest

from crlso_core.benchmarks.data_dir import ENV_VAR, PACKAGED, find_data_file
from crlso_core.catalog.registry import load_benchmark
from crlso_core.common.errors import CRLSOError


def test_a_missing_file_names_every_place_looked_and_how_to_get_it(tmp_path, monkeypatch):
    monkeypatch.setenv(ENV_VAR, str(tmp_path))
    with pytest.raises(CRLSOError) as info:
        find_data_file("nb101/not-shipped.tfrecord", how="the official NB101 file")
    message = str(info.value)
    assert str(tmp_path) in message and "crlso_core/data" in message and "the official NB101 file" in message
    assert "--data-dir" in message


def test_data_dir_precedence_with_the_packaged_copy_last(tmp_path, monkeypatch):
    flag, env = tmp_path / "flag", tmp_path / "env"
    for folder in (flag, env):
        (folder / "nb201").mkdir(parents=True)
        (folder / "nb201" / "x.csv").write_text("x")
    monkeypatch.setenv(ENV_VAR, str(env))
    assert find_data_file("nb201/x.csv", flag) == flag / "nb201" / "x.csv"
    assert find_data_file("nb201/x.csv") == env / "nb201" / "x.csv"
    monkeypatch.delenv(ENV_VAR)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data").symlink_to(flag)
    assert find_data_file("nb201/x.csv").resolve() == (flag / "nb201" / "x.csv").resolve()
    # a folder without the table falls through to the copy shipped in the package
    monkeypatch.setenv(ENV_VAR, str(env))
    assert Path(load_benchmark("nb201").source).is_relative_to(PACKAGED)


@pytest.mark.parametrize("name", ["nb201_all_15625_200ep.csv", "nb201_all_15625_200ep.csv.gz"])
def test_a_pipe_in_place_of_a_table_is_refused_at_once(tmp_path, name):
    """A FIFO named like a table would block the reader forever; it is refused by name."""
    from crlso_core.benchmarks.data_dir import open_text
    from tests.benchmarks.readers.test_regular import within

    pipe = tmp_path / name
    os.mkfifo(pipe)

    def read():
        with open_text(pipe) as f:
            return f.read()

    with pytest.raises(CRLSOError, match=f"{pipe} is a pipe, not a file of benchmark data"):
        within(10, read)


@pytest.mark.parametrize("gz", [False, True])
def test_open_text_reads_a_table_plain_or_gzipped(tmp_path, gz):
    import gzip

    from crlso_core.benchmarks.data_dir import open_text

    path = tmp_path / ("t.csv.gz" if gz else "t.csv")
    path.write_bytes(gzip.compress(b"a,b\r\n1,2\n") if gz else b"a,b\r\n1,2\n")
    with open_text(path) as f:
        assert f.read() == "a,b\r\n1,2\n"  # newline="" keeps the file's line ends for csv
