"""The protobuf wire-format reader (protowire.py): unknown fields of every wire type skipped,
bytes that are no message a WireError, varints and negative int32s."""

from __future__ import annotations

import pytest

from crlso_core.benchmarks.readers import nb101_tfrecord as nb101
from crlso_core.benchmarks.readers.nb101_tfrecord import decode_evaluation_data
from crlso_core.benchmarks.readers.protowire import WireError, fields, read_varint
from tests.benchmarks.readers.nb101_records import (
    pb_double,
    pb_message,
    pb_varint,
)


def test_fields_skip_unknown_fields_of_every_wire_type():
    unknown = (bytes((9 << 3 | 0,)) + pb_varint(300) + bytes((10 << 3 | 5,)) + b"\x01\x02\x03\x04"
               + pb_message(11, b"hello") + bytes((12 << 3 | 3,)) + bytes((1 << 3 | 0, 5)) + bytes((12 << 3 | 4,))
               + bytes((13 << 3 | 1,)) + bytes(8))
    buf = unknown + pb_double(4, 0.75) + pb_message(6, "ckpt-1".encode()) + pb_double(2, 3.5)
    evaluation = decode_evaluation_data(buf)
    assert (evaluation.validation_accuracy, evaluation.training_time, evaluation.checkpoint_path) == (0.75, 3.5, "ckpt-1")
    assert evaluation.current_epoch is None
    assert [n for n, _, _ in fields(buf)] == [9, 10, 11, 12, 13, 4, 6, 2]


@pytest.mark.parametrize("buf, expected", [
    (b"\x0a\x05ab", "runs past the end"),  # a length past the end
    (b"\x09\x00\x00", "runs past the end"),  # a double cut short
    (b"\x08", "runs past the end"),  # a varint that never ends
    (b"\x00\x01", "number 0"),
    (b"\x0e", "wire type 6"),
    (b"\x0c", "never started"),
    (b"\x0b\x08\x01", "never closed"),
    (b"\x0b\x14", "closed as group 2"),
])
def test_bytes_that_are_not_a_message_are_a_wire_error(buf, expected):
    with pytest.raises(WireError, match=expected):
        list(fields(buf))


def test_varints_and_negative_int32():
    assert read_varint(pb_varint(2**63), 0) == (2**63, 10)
    negative = (2**64 - 5)  # int32 -5 as protobuf sends it
    metrics = nb101.decode_model_metrics(bytes((2 << 3,)) + pb_varint(negative))
    assert metrics.trainable_parameters == -5
