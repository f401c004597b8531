"""Fixtures the NB301 space tests share: the space and 500 sampled cells."""

import numpy as np
import pytest

from crlso_core.spaces.nb301.space import NB301Space


@pytest.fixture(scope="module")
def nb301():
    return NB301Space()


@pytest.fixture(scope="module")
def cells(nb301):
    return nb301.sample(np.random.default_rng(7), 500)
