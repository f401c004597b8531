"""Crafted zips for the tests of bundles and array files: members flagged encrypted or
packed with a compression the standard library lacks (the header bytes patched), runs
renamed or rewritten inside a bundle, and .npz files whose headers promise huge arrays
(headers only: the bytes after them never exist)."""

from __future__ import annotations

import io
import json
import struct
import zipfile

import numpy as np

LOCAL, CENTRAL = b"PK\x03\x04", b"PK\x01\x02"


def patched(data: bytes, flags: int = 0, method: int | None = None) -> bytes:
    """Every member's general-purpose flags OR `flags`, and its compression method set to
    `method`, in both its local header and its central directory entry."""
    out = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        locals_ = [info.header_offset for info in archive.infolist()]
        central = archive.start_dir
    entries = []
    at = central
    while out[at:at + 4] == CENTRAL:
        entries.append(at)
        name, extra, comment = struct.unpack_from("<HHH", out, at + 28)
        at += 46 + name + extra + comment
    for at, flag_at, method_at in [(a, 6, 8) for a in locals_] + [(a, 8, 10) for a in entries]:
        struct.pack_into("<H", out, at + flag_at, struct.unpack_from("<H", out, at + flag_at)[0] | flags)
        if method is not None:
            struct.pack_into("<H", out, at + method_at, method)
    return bytes(out)


def rewritten(bundle: bytes, rename: dict[str, str] | None = None, replace: dict[str, bytes] | None = None,
              summary: dict | None = None) -> bytes:
    """The bundle with its run folders renamed (old -> new), members replaced or added
    (by their new name), and keys of every summary.json changed."""
    rename, replace = rename or {}, dict(replace or {})
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(bundle)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            run, _, inside = info.filename.partition("/")
            name = f"{rename.get(run, run)}/{inside}"
            data = replace.pop(name, None)
            if data is None:
                data = source.read(info)
                if inside == "summary.json" and summary:
                    data = json.dumps({**json.loads(data), **summary}).encode()
            target.writestr(name, data)
        for name, data in replace.items():
            target.writestr(name, data)
    return out.getvalue()


def header_only_npz(arrays: dict[str, tuple[tuple, str]]) -> bytes:
    """An .npz whose members are .npy headers alone: each promises an array of that shape
    and dtype, and not one byte of it follows."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, (shape, dtype) in arrays.items():
            with archive.open(f"{name}.npy", "w") as f:
                np.lib.format.write_array_header_1_0(f, {"descr": dtype, "fortran_order": False, "shape": shape})
    return out.getvalue()


PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
