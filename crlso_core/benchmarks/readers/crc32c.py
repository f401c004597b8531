"""CRC32C (Castagnoli), the checksum that frames every TFRecord, and TFRecord's masked form.

`crc32c` is the C implementation of the `google-crc32c` package when it is importable
(about 3 GB/s on 400-byte records here), else `crc32c_python`, a table-driven pure-Python
version that gives the same numbers at 6-10 MB/s: one to one and a half minutes more for the
499 MB NAS-Bench-101 file.
`IMPLEMENTATION` says which one is in use, so that a slow read can say why.
"""

from __future__ import annotations

from typing import Callable

POLYNOMIAL = 0x82F63B78  # Castagnoli, bit-reversed (the bytes are processed LSB first)
MASK_DELTA = 0xA282EAD8  # TFRecord's mask constant


def _byte_table() -> list[int]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ POLYNOMIAL if crc & 1 else crc >> 1
        table.append(crc)
    return table


_TABLE = _byte_table()


def crc32c_python(data: bytes, table: list[int] = _TABLE) -> int:
    """CRC32C of `data`, one table lookup per byte (the table is a default argument: a
    local name is the fastest lookup in this loop)."""
    crc = 0xFFFFFFFF
    for byte in data:
        crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def _c_implementation() -> Callable[[bytes], int] | None:
    try:  # the C module itself, not the package's top level: that falls back to its own pure Python with a warning
        from google_crc32c.cext import value
    except ImportError:
        return None
    return value


crc32c_c = _c_implementation()
crc32c: Callable[[bytes], int] = crc32c_c or crc32c_python
IMPLEMENTATION = \
    "C (google-crc32c)" if crc32c_c else "pure Python (slow: about a minute per 500 MB; install google-crc32c)"


def masked_crc32c(data: bytes) -> int:
    """The CRC as TFRecord stores it: rotated right by 15 bits plus a constant, so that a
    CRC of data that itself holds CRCs does not look like one."""
    crc = crc32c(data)
    return (((crc >> 15) | (crc << 17)) + MASK_DELTA) & 0xFFFFFFFF
