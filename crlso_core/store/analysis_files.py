"""What a run's analysis/ files hold, and their checked readers: a projection's arrays and a
found map's. A run folder may come from anyone, so each file's headers are checked against
these shapes and limits before an array is read (store/arrays.py). The store owns the formats
(a bundle's import checks them, store/bundles.py); analysis/ computes what goes in them."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from crlso_core.store.arrays import Array, check_npz, read_npz, text

MAX_LATENT = 4096  # a PCA's components span the codes' width (a config allows 512)
MAX_PER_METHOD = 1_000  # t-SNE of a few thousand points takes seconds on a 2-core CPU
MAX_METHODS = 32  # method labels one map may hold (a pair's latent searches and baselines are under ten)
MAX_LABEL = 64  # characters of a method's label
MAX_CELL_CHARS = 418  # the longest cell string of any space (NB301's; store/models.py CELL_CHARS)


def projection_arrays(cells: int, dims: int) -> dict[str, Array]:
    """What a cached projection holds: a point per pool cell, and PCA's way back."""
    return {
        "coords": Array("f", (cells, dims)), "seconds": Array("f", ()),
        "explained_variance": Array("f", (dims,), optional=True), "components": Array("f", (dims, "latent"), optional=True),
        "mean": Array("f", ("latent",), optional=True),
    }


def _projection_file(cells: int, dims: int) -> tuple:
    """read_npz's arguments for a projection of `cells` points in `dims` dimensions."""
    limit = 8 * (cells * dims + 2 * dims * MAX_LATENT + MAX_LATENT + 2**10)
    return projection_arrays(cells, dims), {"latent": MAX_LATENT}, limit, f"a projection of {cells:,} cells in {dims} dimensions"


def read_projection_file(path: Path, cells: int, dims: int) -> dict[str, np.ndarray]:
    """The arrays of a projection file, checked on its headers first; CRLSOError if it is none."""
    return read_npz(path, *_projection_file(cells, dims))


def read_projection_header(path: Path, cells: int, dims: int) -> None:
    """CRLSOError unless the file's headers fit a projection (no array is read)."""
    check_npz(path, *_projection_file(cells, dims))


def found_arrays(chars: int = MAX_CELL_CHARS) -> dict[str, Array]:
    """What a found-<key>.npz holds: per point, its method, cell, accuracy and place."""
    return {"methods": Array("U", ("points",), text(MAX_LABEL)), "archs": Array("U", ("points",), text(chars)),
            "valid": Array("f", ("points",)), "xy": Array("f", ("points", 2))}


def _found_file(methods: int) -> tuple:
    """read_npz's arguments for a found map of at most `methods` methods."""
    points = MAX_PER_METHOD * methods
    limit = points * (text(MAX_LABEL) + text(MAX_CELL_CHARS) + 8 + 16)
    return found_arrays(), {"points": points}, limit, f"a map of the cells {methods} methods queried"


def check_found(path: Path, methods: int = MAX_METHODS) -> None:
    """CRLSOError unless the file's headers fit a found map (no array is read)."""
    check_npz(path, *_found_file(methods))


def read_found_file(path: Path, methods: int = MAX_METHODS) -> dict[str, np.ndarray]:
    """The arrays of a found map, checked on its headers first; CRLSOError if it is none."""
    return read_npz(path, *_found_file(methods))
