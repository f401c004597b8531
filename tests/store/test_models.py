import pickle

import pytest
import torch

from crlso_core.common.errors import CRLSOError
from crlso_core.common.files import write_bytes_atomic
from crlso_core.store.models import load_latent, load_state, save_latent


class Evil:
    """Unpickling this runs code: a model file must never be loaded that way."""

    def __reduce__(self):
        return (print, ("pwned",))


def test_model_files_load_with_weights_only(tmp_path):
    """A pickle that runs code on load is refused as a model state, not executed."""
    path = tmp_path / "gvae.pt"
    write_bytes_atomic(path, pickle.dumps({"weight": Evil()}))
    with pytest.raises(CRLSOError, match="could not be loaded"):
        load_state(path, torch.nn.Linear(2, 2))
    (tmp_path / "truncated.pt").write_bytes(b"PK\x03\x04")
    with pytest.raises(CRLSOError):
        load_state(tmp_path / "truncated.pt", torch.nn.Linear(2, 2))


def test_latent_round_trip_without_pickle(tmp_path):
    mu = torch.randn(5, 3)
    save_latent(tmp_path / "latent.npz", ["a", "b", "c", "d", "e"], mu)
    archs, back = load_latent(tmp_path / "latent.npz")
    assert archs == ["a", "b", "c", "d", "e"] and torch.equal(torch.from_numpy(back), mu)
