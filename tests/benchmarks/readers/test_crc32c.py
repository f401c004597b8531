"""CRC32C (crc32c.py): the published check values, the C and Python versions agreeing, and
TFRecord's mask."""

from __future__ import annotations

import random

import pytest

from crlso_core.benchmarks.readers import crc32c as crc

CHECK_VALUES = [  # the usual check value and RFC 3720 (iSCSI) B.4's
    (b"123456789", 0xE3069283),
    (b"", 0x00000000),
    (bytes(32), 0x8A9136AA),
    (b"\xff" * 32, 0x62A8AB43),
    (bytes(range(32)), 0x46DD794E),
    (bytes(range(31, -1, -1)), 0x113FDB5C),
]


@pytest.mark.parametrize("data, expected", CHECK_VALUES)
def test_crc32c_check_values(data, expected):
    assert crc.crc32c_python(data) == expected
    assert crc.crc32c(data) == expected  # whichever implementation is in use


@pytest.mark.skipif(crc.crc32c_c is None, reason="google-crc32c's C extension is not installed")
def test_python_and_c_crc32c_agree():
    rng = random.Random(7)
    for size in list(range(0, 70)) + [255, 256, 1000, 4099]:
        data = bytes(rng.getrandbits(8) for _ in range(size))
        assert crc.crc32c_python(data) == crc.crc32c_c(data), size


def test_the_mask_is_tfrecords():
    value = crc.crc32c(b"123456789")
    assert crc.masked_crc32c(b"123456789") == (((value >> 15) | (value << 17)) + 0xA282EAD8) % 2**32
