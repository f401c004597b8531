import numpy as np
import pytest

from crlso_core.analysis.projections import project
from crlso_core.errors import CRLSOError


@pytest.fixture(scope="module")
def codes():
    rng = np.random.default_rng(0)
    # two well-separated clusters in 16-d: every projection must keep them apart
    return np.vstack([rng.normal(0, 1, (100, 16)), rng.normal(8, 1, (100, 16))]).astype(np.float32)


@pytest.mark.parametrize("method", ["pca", "tsne", "umap"])
def test_projection_keeps_clusters_apart(codes, method):
    p = project(codes, method, dims=2, seed=0)
    assert p.coords.shape == (200, 2) and np.isfinite(p.coords).all()
    a, b = p.coords[:100].mean(0), p.coords[100:].mean(0)
    spread = max(p.coords[:100].std(0).max(), p.coords[100:].std(0).max())
    assert np.linalg.norm(a - b) > 2 * spread


def test_pca_3d_reports_explained_variance(codes):
    p = project(codes, "pca", dims=3)
    assert p.coords.shape == (200, 3) and p.explained_variance[0] > 0.5


def test_unknown_projection_is_a_clear_error(codes):
    with pytest.raises(CRLSOError, match="Unknown projection 'mds'"):
        project(codes, "mds")
