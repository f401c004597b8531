import numpy as np
import pytest

from crlso_core.analysis.projections import project
from crlso_core.common.errors import CRLSOError


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


def test_pca_plane_maps_back_to_the_latent_space_exactly(codes):
    from crlso_core.analysis.projections import plane_to_latent

    p = project(codes, "pca", dims=2)
    z = plane_to_latent(p, codes, p.coords[7])
    # the code maps to the same point of the plane it came from
    assert np.allclose((z - p.mean) @ p.components.T, p.coords[7], atol=1e-4)


def test_plane_point_without_an_inverse_is_a_local_mean_of_codes(codes):
    from crlso_core.analysis.projections import Projection, plane_to_latent

    coords = np.vstack([np.zeros((100, 2)), np.full((100, 2), 10.0)]).astype(np.float32)
    z = plane_to_latent(Projection("umap", coords, 0.0), codes, np.array([10.0, 10.0]))
    assert np.linalg.norm(z - codes[100:].mean(0)) < np.linalg.norm(z - codes[:100].mean(0))


def test_projection_cache_survives_a_reload_and_ignores_a_corrupt_file(codes, tmp_path):
    from crlso_core.analysis.cache import cached_projection, load_projection, projection_path

    first = cached_projection(tmp_path, codes, "pca", 2)
    again = load_projection(tmp_path, "pca", 2, len(codes))
    assert np.array_equal(first.coords, again.coords) and np.allclose(first.components, again.components)
    assert load_projection(tmp_path, "pca", 2, len(codes) + 1) is None  # stale: other codes
    projection_path(tmp_path, "pca", 2).write_bytes(b"not an npz")
    assert load_projection(tmp_path, "pca", 2, len(codes)) is None
    assert np.allclose(cached_projection(tmp_path, codes, "pca", 2).coords, first.coords, atol=1e-5)


def test_a_cached_projection_claiming_huge_arrays_is_recomputed_without_reading_them(codes, tmp_path):
    """analysis/*.npz comes with a run folder, from anyone: headers that claim 10**12 numbers
    are not believed (nothing is allocated), and the projection is simply computed again."""
    import zipfile

    from crlso_core.analysis.cache import cached_projection, projection_path

    path = projection_path(tmp_path, "pca", 2)
    path.parent.mkdir(parents=True)
    with zipfile.ZipFile(path, "w") as archive:
        for name, shape in (("coords", (len(codes), 2)), ("components", (10**6, 10**6))):
            with archive.open(f"{name}.npy", "w") as f:
                np.lib.format.write_array_header_1_0(f, {"descr": "<f4", "fortran_order": False, "shape": shape})
    result = cached_projection(tmp_path, codes, "pca", 2)
    assert result.coords.shape == (len(codes), 2) and result.components.shape == (2, codes.shape[1])
