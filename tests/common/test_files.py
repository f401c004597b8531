
import pytest

from crlso_core.common.errors import CRLSOError
from crlso_core.common.files import read_json, write_json


def test_atomic_write_keeps_the_old_file_when_writing_fails(tmp_path, monkeypatch):
    path = tmp_path / "summary.json"
    write_json(path, {"a": 1})
    monkeypatch.setattr("crlso_core.common.files.os.replace", lambda *a: (_ for _ in ()).throw(OSError("disk full")))
    with pytest.raises(OSError):
        write_json(path, {"a": 2})
    assert read_json(path) == {"a": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["summary.json"]  # no temp file left behind


def test_corrupt_json_is_a_clear_error(tmp_path):
    (tmp_path / "summary.json").write_text("{not json")
    with pytest.raises(CRLSOError, match="corrupt"):
        read_json(tmp_path / "summary.json")


def test_a_csv_stored_gzipped_reads_as_the_same_rows_and_a_damaged_one_is_one_message(tmp_path):
    import gzip

    from crlso_core.common.errors import CRLSOError
    from crlso_core.common.files import read_csv

    plain, packed = tmp_path / "a.csv", tmp_path / "b.csv"
    plain.write_text("x,y\n1,2\n3,4\n")
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    assert read_csv(packed, ["x"]) == read_csv(plain, ["x"]) == [{"x": "1", "y": "2"}, {"x": "3", "y": "4"}]
    packed.write_bytes(packed.read_bytes()[:12])
    with pytest.raises(CRLSOError, match="corrupt"):
        read_csv(packed)
