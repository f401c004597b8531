"""The compact copies shipped inside the package (crlso_core/data/) are the team's files,
byte for byte (by their recorded SHA-256, and against the files themselves where the team's
folder is), and a fresh clone with no data folder reads them."""

import gzip
import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from crlso_core.benchmarks.data_dir import PACKAGED
from tests.conftest import SHARED_DATA

SHIPPED = sorted(PACKAGED.rglob("*.gz"))
# SHA-256 of the team's files (shared/data/), so that a clone without that folder still checks
# that each copy is the team's file
TEAMS_SHA256 = {
    "nb101/nb101_partial_30k.csv.gz": "d02ce18373eb3b74b3aa4a7165239bff46e57684e1ac86ca04f7eb573da00796",
    "nb201/nb201_all_15625_200ep.csv": "3c562d7d06613806db2430e3579cfb6846a5fa2eb793428fa71b32e743ab1834",
}


def test_every_shipped_file_is_small_and_named_in_the_readme():
    readme = (PACKAGED / "README.md").read_text()
    assert SHIPPED
    for path in SHIPPED:
        assert path.stat().st_size < 4 * 2**20
        assert str(path.relative_to(PACKAGED)) in readme


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: str(p.relative_to(PACKAGED)))
def test_shipped_copy_equals_the_teams_file(path):
    name = str(path.relative_to(PACKAGED))
    if name in TEAMS_SHA256:  # the team's file is gzipped already (NB101's 30k table): copied as it is
        team, copied = name, path.read_bytes()
    else:
        team, copied = name.removesuffix(".gz"), gzip.decompress(path.read_bytes())
    assert hashlib.sha256(copied).hexdigest() == TEAMS_SHA256[team]
    if (SHARED_DATA / team).exists():  # where the team's folder is, byte for byte (and so the recorded hash is its)
        assert copied == (SHARED_DATA / team).read_bytes()


def test_without_any_data_folder_nb201_loads_from_the_package(tmp_path):
    """In a fresh process, from a folder with no data beside it and no CRLSO_DATA_DIR."""
    env = {k: v for k, v in os.environ.items() if k != "CRLSO_DATA_DIR"}
    code = ("import crlso_core.benchmarks.data_dir as d; d._REPO_ROOT = d.Path('/nonexistent');"
            "from crlso_core.catalog.registry import load_benchmark; b = load_benchmark('nb201');"
            "print(b.source); print(len(b), round(b.optimum('cifar10').valid, 2))")
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    source, sizes = done.stdout.strip().splitlines()
    assert Path(source).is_relative_to(PACKAGED) and sizes == "15625 91.61"
