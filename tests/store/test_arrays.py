"""The one .npz reader (store/arrays.py): every header is checked against what the file may
hold before any array is allocated, and anything it cannot read is one CRLSOError."""

import io
import os
import time
import tracemalloc

import numpy as np
import pytest

from crlso_core.common.errors import CRLSOError
from crlso_core.store.arrays import Array, check_npz, read_npz, text
from crlso_core.store.models import CELL_CHARS, load_latent
from tests.store.hostile_zips import header_only_npz, patched

LATENT = {"arch": Array("U", ("cells",), text(95)), "mu": Array("f", ("cells", 8))}
BOUNDS = {"cells": 15_925}


def _npz(path, **arrays):
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    path.write_bytes(buffer.getvalue())
    return path


def test_a_file_that_fits_is_read_whole(tmp_path):
    path = _npz(tmp_path / "latent.npz", arch=np.array(["a", "bb"]), mu=np.ones((2, 8), np.float32))
    data = read_npz(path, LATENT, BOUNDS, 2**20)
    assert data["arch"].tolist() == ["a", "bb"] and data["mu"].shape == (2, 8)
    assert check_npz(path, LATENT, BOUNDS, 2**20)["mu"] == ((2, 8), np.dtype("<f4"))


def test_a_header_that_promises_a_huge_array_is_refused_before_anything_is_read(tmp_path, monkeypatch):
    """B17 and B19: the header alone says 1.6 GB (or 3.2 GB); nothing of it is ever allocated."""
    path = tmp_path / "latent.npz"
    path.write_bytes(header_only_npz({"arch": ((100_000,), "<U4096"), "mu": ((100_000, 8), "<f4")}))
    reads = []
    monkeypatch.setattr(np.lib.format, "read_array", lambda *a, **k: reads.append(a))
    monkeypatch.setattr(np, "load", lambda *a, **k: reads.append(a))
    tracemalloc.start()
    t0 = time.perf_counter()
    try:
        with pytest.raises(CRLSOError, match=r"'arch' has items of 16,384 bytes \(<U4096\), more than the 380"):
            read_npz(path, LATENT, BOUNDS, 2**30)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert reads == [] and peak < 4 * 2**20 and time.perf_counter() - t0 < 2


@pytest.mark.parametrize("arrays, expected", [
    ({"arch": ((20_000,), "<U95"), "mu": ((20_000, 8), "<f4")}, "'arch' has 20,000 cells, where at most 15,925"),
    ({"arch": ((10,), "<U95"), "mu": ((11, 8), "<f4")}, "'mu' has 11 cells, where the file's other arrays have 10"),
    ({"arch": ((10,), "<U95"), "mu": ((10, 9), "<f4")}, r"'mu' has shape \(10, 9\), where \('cells', 8\)"),
    ({"arch": ((10,), "|O"), "mu": ((10, 8), "<f4")}, "'arch' has dtype |O"),
    ({"arch": ((10,), "<U95"), "mu": ((10, 8), "<c8")}, "'mu' has dtype <c8"),
    ({"arch": ((10,), "<U95")}, "it lacks mu"),
    ({"arch": ((10,), "<U95"), "mu": ((10, 8), "<f4"), "extra": ((1,), "<f4")}, "more than the 2 expected"),
    ({"arch": ((10,), "<U95"), "code": ((10, 8), "<f4")}, "'code.npy', which is none of arch, mu"),
])
def test_headers_that_do_not_fit_are_refused_naming_the_array(tmp_path, arrays, expected):
    path = tmp_path / "latent.npz"
    path.write_bytes(header_only_npz(arrays))
    with pytest.raises(CRLSOError, match=expected) as caught:
        read_npz(path, LATENT, BOUNDS, 2**30, claim="one code per cell string")
    assert str(caught.value).startswith(f"{path} does not hold one code per cell string (")


def test_structured_and_total_size_are_refused(tmp_path):
    path = _npz(tmp_path / "a.npz", arch=np.array(["a"]), mu=np.zeros((1, 8), np.float32))
    with pytest.raises(CRLSOError, match="arrays take 36 bytes, more than the 30 "):
        read_npz(path, LATENT, BOUNDS, 30)
    for mu in ([("a", "<f4")], "V32"):  # a structured dtype, raw bytes
        path.write_bytes(header_only_npz({"arch": ((1,), "<U95"), "mu": ((1, 8), mu)}))
        with pytest.raises(CRLSOError, match="'mu' has dtype"):
            read_npz(path, LATENT, BOUNDS, 2**20)


@pytest.mark.parametrize("spoil, expected", [
    (lambda data: b"garbage", "is corrupt"),
    (lambda data: patched(data, flags=0x1), "is corrupt .*is encrypted"),
    (lambda data: patched(data, method=99), "is corrupt .*compression method"),
    (lambda data: data[: len(data) - 30], "is corrupt"),
])
def test_a_file_the_standard_library_cannot_read_is_one_message(tmp_path, spoil, expected):
    path = _npz(tmp_path / "latent.npz", arch=np.array(["a", "bb"]), mu=np.ones((2, 8), np.float32))
    path.write_bytes(spoil(path.read_bytes()))
    with pytest.raises(CRLSOError, match=expected):
        read_npz(path, LATENT, BOUNDS, 2**20, advice="train the run again")


def test_a_pipe_is_refused_without_blocking(tmp_path):
    path = tmp_path / "latent.npz"
    os.mkfifo(path)
    with pytest.raises(CRLSOError, match="is a pipe"):
        read_npz(path, LATENT, BOUNDS, 2**20)


def test_a_file_larger_than_its_arrays_can_be_is_refused_unopened(tmp_path):
    path = tmp_path / "latent.npz"
    path.write_bytes(bytes(3 * 2**20))
    with pytest.raises(CRLSOError, match="more than its arrays can take"):
        read_npz(path, LATENT, BOUNDS, 2**20)


def test_latent_codes_are_bounded_by_the_pool_and_the_space(tmp_path):
    path = tmp_path / "latent.npz"
    path.write_bytes(header_only_npz({"arch": ((100_000,), "<U95"), "mu": ((100_000, 16), "<f4")}))
    with pytest.raises(CRLSOError, match="does not hold one code of width 16 per cell string .*at most 15,925"):
        load_latent(path, 16, cells=15_925, chars=CELL_CHARS["nb201"])


def test_the_spaces_cell_strings_fit_their_bound():
    """CELL_CHARS is each space's longest canonical string: NB201's every cell, and the
    longest cells NB101 (7 vertices, all edges, the longest op) and NB301 can spell."""
    from crlso_core.spaces.nb101.text import format_cell
    from crlso_core.spaces.nb201 import NB201Space
    from crlso_core.spaces.nb301.text import _PAIR_TEXT

    space = NB201Space()
    assert max(len(s) for s in space.format_many(space.all_cells())) == CELL_CHARS["nb201"]
    assert len(format_cell(7, 2**21 - 1, 0)) == CELL_CHARS["nb101"]
    half = ", ".join([max(_PAIR_TEXT.values(), key=len)] * 8)
    longest = f"Genotype(normal=[{half}], normal_concat=[2, 3, 4, 5], reduce=[{half}], reduce_concat=[2, 3, 4, 5])"
    assert len(longest) == CELL_CHARS["nb301"]
