"""Fixtures the reader tests share: the official API's values of the 30 fixture cells, and
the fixture's records as framed."""

from __future__ import annotations

import json

import pytest

from crlso_core.benchmarks.readers.nb101_tfrecord import iter_frames
from tests.data import NB101_API_JSON as API_JSON
from tests.data import NB101_TFRECORD as FIXTURE


@pytest.fixture(scope="module")
def api() -> dict:
    return json.loads(API_JSON.read_text())


@pytest.fixture(scope="module")
def frames() -> list[tuple[int, int, bytes]]:
    return list(iter_frames(FIXTURE))
