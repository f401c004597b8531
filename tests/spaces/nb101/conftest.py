"""Fixtures the NB101 space tests share: the space (its cache in a temporary folder, never
the home one), 1,000 sampled cells, and the official data the cell tests read."""

from __future__ import annotations

import csv
import gzip
import json

import numpy as np
import pytest

import crlso_core.spaces.nb101.enumerate as enumeration
from crlso_core.benchmarks.data_dir import PACKAGED
from crlso_core.spaces.nb101.space import NB101Space
from tests.data import NB101_API_JSON

PARTIAL_30K = PACKAGED / "nb101" / "nb101_partial_30k.csv.gz"  # the team's file, byte for byte


@pytest.fixture(scope="module")
def nb101(tmp_path_factory) -> NB101Space:
    return NB101Space(cache=tmp_path_factory.mktemp("nb101-cache") / "cells.npz")  # never the home cache


@pytest.fixture(scope="module")
def cells(nb101):
    return nb101.sample(np.random.default_rng(7), 1000)


@pytest.fixture(scope="session")
def dummy30() -> dict:
    return json.loads(NB101_API_JSON.read_text())


@pytest.fixture(scope="session")
def table_30k() -> list[dict]:
    with gzip.open(PARTIAL_30K, "rt", newline="") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        row["adjacency"], row["ops"] = json.loads(row["adjacency"]), json.loads(row["ops"])
    return rows


@pytest.fixture(scope="session")
def slice_5() -> enumeration.CellTable:
    return enumeration.enumerate_space(max_vertices=5)
