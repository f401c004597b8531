import numpy as np
import pytest

from crlso_core.analysis.similarity import cosine_blocks
from crlso_core.common.errors import CRLSOError


def test_blocks_pick_the_best_and_worst_and_measure_their_alignment():
    rng = np.random.default_rng(0)
    accuracy = np.arange(400, dtype=float)
    # good cells point one way, bad cells the other: top x top near 1, top x worst near -1
    codes = np.where((accuracy >= 200)[:, None], 1.0, -1.0) * np.ones((400, 8)) + rng.normal(0, 0.1, (400, 8))
    info = cosine_blocks(codes, accuracy, k=50)
    assert list(info.top_rows[:3]) == [399, 398, 397] and list(info.worst_rows[:3]) == [0, 1, 2]
    assert info.top_top.shape == (50, 50) and np.allclose(np.diag(info.top_top), 1.0)
    assert info.mean_top_top > 0.95 and info.mean_top_worst < -0.95


def test_k_out_of_range_is_a_clear_error():
    with pytest.raises(CRLSOError, match="k must be between"):
        cosine_blocks(np.ones((10, 2)), np.arange(10), k=6)
