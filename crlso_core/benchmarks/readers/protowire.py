"""A small reader of the protobuf wire format, enough to decode a message whose schema we
know without protoc, generated code or the protobuf package.

A message is a sequence of fields, each a varint key (field number << 3 | wire type) and a
value: 0 varint, 1 eight bytes, 2 a varint length and that many bytes, 5 four bytes, and
3/4 the start and end of a (deprecated) group. `fields` yields them in order; a caller
keeps the numbers it knows and ignores the rest, as protobuf itself does with unknown
fields. Anything that cannot be a message (a value running past the end, a varint longer
than ten bytes, field number 0, wire type 6 or 7, an unmatched group) raises WireError.
"""

from __future__ import annotations

import struct
from typing import Iterator

VARINT, FIXED64, LENGTH_DELIMITED, START_GROUP, END_GROUP, FIXED32 = 0, 1, 2, 3, 4, 5
MAX_VARINT_BYTES = 10  # 64 bits, seven per byte
MAX_GROUP_DEPTH = 32  # a corrupt message could otherwise nest groups until the stack runs out

_DOUBLE = struct.Struct("<d")
_FLOAT = struct.Struct("<f")


class WireError(ValueError):
    """The bytes are not a protobuf message."""


def read_varint(buf: bytes, pos: int) -> tuple[int, int]:
    """The unsigned varint at `pos` and the position after it."""
    result = shift = 0
    end = min(len(buf), pos + MAX_VARINT_BYTES)
    while pos < end:
        byte = buf[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            return result, pos
        shift += 7
    raise WireError("a varint runs past the end of the message" if end == len(buf) else "a varint is longer than ten bytes")


def fields(buf: bytes, pos: int = 0, end: int | None = None) -> Iterator[tuple[int, int, object]]:
    """(field number, wire type, value) of every field of the message in buf[pos:end]:
    an int for a varint, bytes for the other wire types (8 or 4 of them for the fixed
    ones, without the length for a length-delimited one). A group's contents are checked
    and skipped; it yields its raw bytes."""
    end = len(buf) if end is None else end
    while pos < end:
        key = buf[pos]
        if key < 0x80:  # one-byte keys and lengths (fields 1-15, short values) are the usual case
            pos += 1
        else:
            key, pos = read_varint(buf, pos)
        number, wire = key >> 3, key & 7
        if number == 0:
            raise WireError("a field has number 0")
        if wire == VARINT:
            value, pos = read_varint(buf, pos)
        elif wire == LENGTH_DELIMITED:
            size = buf[pos] if pos < end else 0x80
            if size < 0x80:
                pos += 1
            else:
                size, pos = read_varint(buf, pos)
            value, pos = buf[pos:pos + size], pos + size
        elif wire == FIXED64 or wire == FIXED32:
            size = 8 if wire == FIXED64 else 4
            value, pos = buf[pos:pos + size], pos + size
        else:  # groups (and the wire types that do not exist) are rare: the general path
            start = pos
            pos = _skip_value(buf, pos, end, number, wire, depth=0)
            value = buf[start:pos]
        if pos > end:
            raise WireError(f"field {number} runs past the end of the message")
        yield number, wire, value


def _skip_value(buf: bytes, pos: int, end: int, number: int, wire: int, depth: int) -> int:
    """The position after the value of field `number` (wire type `wire`) that starts at `pos`."""
    if wire == VARINT:
        pos = read_varint(buf, pos)[1]
    elif wire == FIXED64 or wire == FIXED32:
        pos += 8 if wire == FIXED64 else 4
    elif wire == LENGTH_DELIMITED:
        size, pos = read_varint(buf, pos)
        if pos + size > end:
            raise WireError(f"field {number} claims {size:,} bytes, more than the message has left")
        pos += size
    elif wire == START_GROUP:
        pos = _skip_group(buf, pos, end, number, depth + 1)
    elif wire == END_GROUP:
        raise WireError(f"field {number} ends a group that was never started")
    else:
        raise WireError(f"field {number} has wire type {wire}, which does not exist")
    if pos > end:
        raise WireError(f"field {number} runs past the end of the message")
    return pos


def _skip_group(buf: bytes, pos: int, end: int, number: int, depth: int) -> int:
    """The position after the END_GROUP that closes group `number`, started just before `pos`."""
    if depth > MAX_GROUP_DEPTH:
        raise WireError(f"groups are nested more than {MAX_GROUP_DEPTH} deep")
    while pos < end:
        key, pos = read_varint(buf, pos)
        if key & 7 == END_GROUP:
            if key >> 3 != number:
                raise WireError(f"group {number} is closed as group {key >> 3}")
            return pos
        if key >> 3 == 0:
            raise WireError("a field has number 0")
        pos = _skip_value(buf, pos, end, key >> 3, key & 7, depth)
    raise WireError(f"group {number} is never closed")


# --- scalar types, from a field's raw value -------------------------------------------------

def as_double(value: bytes) -> float:
    return _DOUBLE.unpack(value)[0]


def as_float(value: bytes) -> float:
    return _FLOAT.unpack(value)[0]


def as_int32(value: int) -> int:
    """int32 is sent as a varint of its 64-bit two's complement (ten bytes when negative)."""
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value & 0x80000000 else value


def as_int64(value: int) -> int:
    value &= 0xFFFFFFFFFFFFFFFF
    return value - (1 << 64) if value & (1 << 63) else value


def as_string(value: bytes) -> str:
    try:
        return bytes(value).decode("utf-8")
    except UnicodeDecodeError:
        raise WireError("a string field is not UTF-8") from None
