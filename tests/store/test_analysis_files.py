"""The analysis files' formats belong to the store: a bundle's import checks them without the
store importing the layer that computes them."""

import ast
from pathlib import Path

import numpy as np
import pytest

from crlso_core.common.errors import CRLSOError
from crlso_core.store.analysis_files import check_found, read_found_file, read_projection_file, read_projection_header

CORE = Path(__file__).resolve().parents[2] / "crlso_core"
ABOVE_STORE = ("crlso_core.search", "crlso_core.analysis", "crlso_core.pipeline", "crlso_core.bench", "crlso_core.cli")


def test_no_store_module_imports_a_layer_above_it():
    for path in sorted((CORE / "store").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                assert not any(node.module == above or node.module.startswith(above + ".") for above in ABOVE_STORE), \
                    f"{path.name} imports {node.module}"


def test_a_projection_file_of_the_wrong_size_is_refused_on_its_headers(tmp_path):
    good, bad = tmp_path / "pca-2d.npz", tmp_path / "pca-3d.npz"
    np.savez(good, coords=np.zeros((10, 2), np.float32), seconds=np.float32(0.1))
    np.savez(bad, coords=np.zeros((9, 2), np.float32), seconds=np.float32(0.1))
    read_projection_header(good, 10, 2)
    assert read_projection_file(good, 10, 2)["coords"].shape == (10, 2)
    with pytest.raises(CRLSOError):
        read_projection_header(bad, 10, 2)


def test_a_found_map_is_checked_before_it_is_read(tmp_path):
    path = tmp_path / "found-x.npz"
    np.savez(path, methods=np.array(["REA", "REA"]), archs=np.array(["a", "b"]), valid=np.array([90.0, 91.0]),
             xy=np.zeros((2, 2), np.float32))
    check_found(path)
    assert read_found_file(path)["archs"].tolist() == ["a", "b"]
    np.savez(path, methods=np.array(["REA"]), archs=np.array(["a", "b"]), valid=np.array([90.0, 91.0]), xy=np.zeros((2, 2)))
    with pytest.raises(CRLSOError):
        check_found(path)
