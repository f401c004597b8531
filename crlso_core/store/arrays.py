"""The one reader of .npz files (a run's latent.npz, its analysis/*.npz): a run folder may
come from anyone, so every array's dtype and shape are read from its .npy header and
checked against what the caller says the file can hold *before* any array is allocated.
A 90 kB bundle whose latent.npz claims 100,000 strings of 4,096 characters is refused
here in milliseconds, not after 1.9 GB have been unpacked.

A file is described by its arrays (`Array`): the dtype kinds and item size each may have
and its shape, each axis an exact length or a named axis with an upper bound (a named axis
has one length in every array that uses it: the rows of the cell strings and of their
codes). Anything else in the file (another array, a name twice, pickled objects, a
structured dtype, a zip this program cannot read) is one CRLSOError naming the file."""

from __future__ import annotations

import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Union

import numpy as np

from crlso_core.common.errors import CRLSOError, quoted
from crlso_core.common.files import require_regular

Axis = Union[int, str]  # an exact length, or a named axis bounded by the caller
ZIP_SLACK = 2**20  # a zip's own headers beside its arrays' bytes

# what a damaged or hostile zip raises from the standard library: read as "not readable"
UNREADABLE = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError, ValueError, KeyError,
              RuntimeError, NotImplementedError, OverflowError, MemoryError)


READABLE = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}  # what zipfile unpacks
ENCRYPTED = 0x1  # general-purpose flag bit 0: zipfile would ask for a password it is never given


def unreadable(info: zipfile.ZipInfo) -> Optional[str]:
    """Why the standard library cannot unpack a zip member (encrypted, or packed with a
    compression it lacks), or None; said before it raises RuntimeError or NotImplementedError."""
    if info.flag_bits & ENCRYPTED:
        return f"{quoted(info.filename, 60)} is encrypted (crlso never encrypts what it writes)"
    if info.compress_type not in READABLE:
        return f"{quoted(info.filename, 60)} is packed with compression method {info.compress_type}, which crlso never uses"
    return None


@dataclass(frozen=True)
class Array:
    kinds: str  # numpy dtype kinds accepted: "f" floats, "U" text, "i"/"u" integers, "b" booleans
    shape: tuple[Axis, ...]
    max_itemsize: int = 8  # bytes of one element (text: 4 per character)
    optional: bool = False


def text(chars: int) -> int:
    """The item size of a text array whose strings have at most `chars` characters."""
    return 4 * chars


def _nbytes(shape: tuple, dtype: np.dtype) -> int:
    return int(np.prod(shape, dtype=np.float64)) * dtype.itemsize  # float: no overflow on a forged shape


def _header(member) -> tuple[tuple, np.dtype]:
    fmt = np.lib.format
    version = fmt.read_magic(member)
    read = {(1, 0): fmt.read_array_header_1_0, (2, 0): fmt.read_array_header_2_0}.get(version)
    if read is None:
        raise ValueError(f"it is in .npy format {version}, which this program never writes")
    shape, _, dtype = read(member)
    return tuple(shape), dtype


def _check(name: str, shape: tuple, dtype: np.dtype, spec: Array, bounds: dict[str, int], lengths: dict[str, int]) -> Optional[str]:
    """Why an array's header does not fit its spec, or None."""
    if dtype.hasobject or dtype.fields is not None or dtype.subdtype is not None or dtype.kind not in spec.kinds:
        return f"'{name}' has dtype {dtype.str}, where {'/'.join(spec.kinds)} is expected"
    if dtype.itemsize > spec.max_itemsize:
        return f"'{name}' has items of {dtype.itemsize:,} bytes ({dtype.str}), more than the {spec.max_itemsize:,} it can need"
    if len(shape) != len(spec.shape):
        return f"'{name}' has shape {shape}, where {len(spec.shape)} axes are expected"
    for length, axis in zip(shape, spec.shape):
        if isinstance(axis, int):
            if length != axis:
                return f"'{name}' has shape {shape}, where {spec.shape} is expected"
            continue
        if not 1 <= length <= bounds[axis]:
            return f"'{name}' has {length:,} {axis}, where at most {bounds[axis]:,} are possible"
        if lengths.setdefault(axis, length) != length:
            return f"'{name}' has {length:,} {axis}, where the file's other arrays have {lengths[axis]:,}"
    return None


class _Npz:
    """An open .npz whose headers have been checked (the same open file is then read)."""

    def __init__(self, path: Path, arrays: dict[str, Array], bounds: dict[str, int], max_bytes: int, claim: str, advice: str):
        self.path, self.claim, self.advice = Path(path), claim, advice
        size = require_regular(self.path).st_size  # a pipe would block the read forever
        if size > max_bytes + ZIP_SLACK:
            self.fail(f"it is {size:,} bytes, more than its arrays can take ({max_bytes:,})")
        self.file = open(self.path, "rb")
        try:
            self.zip = zipfile.ZipFile(self.file)
            self.headers = self._headers(arrays, bounds, max_bytes)
        except CRLSOError:
            self.close()
            raise
        except UNREADABLE as exc:
            self.close()
            self.corrupt(exc)

    def fail(self, why: str):
        raise CRLSOError(f"{self.path} does not hold {self.claim} ({why}); {self.advice}.")

    def corrupt(self, exc: BaseException | str):
        why = exc if isinstance(exc, str) else f"{type(exc).__name__}: {str(exc)[:120]}"
        raise CRLSOError(f"{self.path} is corrupt ({why}); {self.advice}.") from None

    def _headers(self, arrays, bounds, max_bytes) -> dict[str, tuple[zipfile.ZipInfo, tuple, np.dtype]]:
        infos = self.zip.infolist()
        if len(infos) > len(arrays):
            self.fail(f"it holds {len(infos):,} arrays, more than the {len(arrays)} expected")
        found, lengths, total = {}, {}, 0
        for info in infos:
            name = info.filename.removesuffix(".npy")
            if name not in arrays or not info.filename.endswith(".npy"):
                self.fail(f"it holds {quoted(info.filename, 60)}, which is none of {', '.join(arrays)}")
            if name in found:
                self.fail(f"it holds '{name}' twice")
            if unreadable(info):
                self.corrupt(unreadable(info))
            with self.zip.open(info) as member:
                shape, dtype = _header(member)
            why = _check(name, shape, dtype, arrays[name], bounds, lengths)
            if why:
                self.fail(why)
            total += _nbytes(shape, dtype)
            found[name] = (info, shape, dtype)
        missing = [n for n, spec in arrays.items() if n not in found and not spec.optional]
        if missing:
            self.fail(f"it lacks {', '.join(missing)}")
        if total > max_bytes:
            self.fail(f"its arrays take {total:,} bytes, more than the {max_bytes:,} this run can hold")
        return found

    def read(self) -> dict[str, np.ndarray]:
        out = {}
        try:
            for name, (info, shape, dtype) in self.headers.items():
                with self.zip.open(info) as member:
                    array = np.lib.format.read_array(member, allow_pickle=False)
                if array.shape != shape or array.dtype != dtype:  # the file changed under us
                    self.fail(f"'{name}' changed while it was read")
                out[name] = array
        except CRLSOError:
            raise
        except UNREADABLE as exc:
            self.corrupt(exc)
        return out

    def close(self) -> None:
        if getattr(self, "zip", None) is not None:
            self.zip.close()
        self.file.close()


ADVICE = "delete it, or bring the run again"


def check_npz(path: Path, arrays: dict[str, Array], bounds: dict[str, int], max_bytes: int,
              claim: str = "the arrays it should", advice: str = ADVICE) -> dict[str, tuple[tuple, np.dtype]]:
    """The (shape, dtype) of each array of an .npz, once they fit `arrays`; reads no array data.
    `claim` says what the file should hold, for the message ("one code per cell string")."""
    npz = _Npz(path, arrays, bounds, max_bytes, claim, advice)
    npz.close()
    return {name: (shape, dtype) for name, (_, shape, dtype) in npz.headers.items()}


def read_npz(path: Path, arrays: dict[str, Array], bounds: dict[str, int], max_bytes: int,
             claim: str = "the arrays it should", advice: str = ADVICE) -> dict[str, np.ndarray]:
    """The arrays of an .npz, read only once every header fits `arrays` (never unpickling).
    Missing file: FileNotFoundError for the caller to word; anything else wrong: CRLSOError."""
    npz = _Npz(path, arrays, bounds, max_bytes, claim, advice)
    try:
        return npz.read()
    finally:
        npz.close()
