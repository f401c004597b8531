import math

import pytest
import torch
from torch import nn

from crlso_core.catalog.presets import preset
from crlso_core.models import GVAE, GNNPredictor, kl_divergence
from crlso_core.models.build import gvae_for, latent_predictor
from crlso_core.spaces import NB201Space


def test_gvae_shapes_and_determinism_without_noise():
    space = NB201Space()
    cells = space.all_cells()[:10]
    model = GVAE(space.node_features, space.edge_features, space.decoder_output_dim, latent=6, hidden=16, layers=2).eval()
    batch = space.graph_batch(cells)
    mu, logvar, z, logits = model(batch)
    assert mu.shape == logvar.shape == z.shape == (10, 6)
    assert torch.equal(z, mu)  # no noise outside training
    assert logits.shape == (10, space.decoder_output_dim)
    assert len(space.decode(logits)) == 10
    assert kl_divergence(torch.zeros(3, 6), torch.zeros(3, 6)).item() == 0.0


def test_encoder_sees_edge_ops():
    """Two cells that differ in one op must get different codes."""
    space = NB201Space()
    torch.manual_seed(0)
    model = GVAE(space.node_features, space.edge_features, space.decoder_output_dim, latent=4, hidden=8, layers=2)
    mu, _ = model.encode(space.graph_batch([(0, 0, 0, 0, 0, 0), (0, 0, 0, 0, 0, 1)]))
    assert not torch.allclose(mu[0], mu[1])


def test_teacher_fits_a_small_labelled_set():
    space = NB201Space()
    torch.manual_seed(0)
    cells = space.all_cells()[::500]
    y = torch.tensor([sum(c) / 24 for c in cells])  # a learnable function of the ops
    model = GNNPredictor(space.node_features, space.edge_features, hidden=16, layers=2)
    batch = space.graph_batch(cells)
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    first = None
    for _ in range(200):
        loss = torch.nn.functional.mse_loss(model(batch), y)
        first = first if first is not None else loss.item()
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert loss.item() < 0.1 * first


# --- the authors' model (docs/fidelity.md) --------------------------------------------------


def test_kl_is_averaged_over_batch_and_latent_dimensions_as_the_authors_do():
    mu = torch.tensor([[1.0, 0.0], [0.0, 2.0]])
    logvar = torch.tensor([[0.0, math.log(4.0)], [0.0, 0.0]])
    # per dimension 0.5 * (sigma^2 + mu^2 - 1 - log sigma^2): [[0.5, 1.5 - log 2], [0, 2]]
    per_dim = torch.tensor([[0.5, 1.5 - math.log(2.0)], [0.0, 2.0]])
    assert kl_divergence(mu, logvar).item() == pytest.approx(per_dim.mean().item(), rel=1e-6)
    assert kl_divergence(mu, logvar, "sum").item() == pytest.approx(per_dim.sum(1).mean().item(), rel=1e-6)
    assert kl_divergence(mu, logvar, "sum").item() == pytest.approx(2 * kl_divergence(mu, logvar).item(), rel=1e-6)


def test_the_reference_decoder_is_bounded_far_from_the_codes_and_the_earlier_one_is_not():
    space = NB201Space()
    torch.manual_seed(0)
    far = torch.randn(1, 6)
    for decoder, bounded in (("reference", True), ("residual", False)):
        model = GVAE(space.node_features, space.edge_features, space.decoder_output_dim, latent=6, hidden=16, layers=2,
                     decoder=decoder).eval()
        with torch.no_grad():
            a, b = model.decoder(1e3 * far), model.decoder(1e4 * far)
        assert torch.allclose(a, b, atol=1e-4) == bounded, decoder
    assert isinstance(GVAE(4, 5, 30).decoder.layers[0], nn.Module) and len(GVAE(4, 5, 30).decoder.layers) == 2


def test_the_paper_presets_networks_are_the_authors_shapes():
    config = preset("paper", space="nb201")
    gvae = gvae_for(config.gvae, NB201Space())
    assert gvae.latent == 16 and len(gvae.encoder.layers) == 3
    assert [layer.mlp.out_features for layer in gvae.decoder.layers] == [256, 30]  # two residual layers, logits last
    icnn = latent_predictor("icnn", config.gvae)
    assert icnn.first.bias is not None and icnn.first.out_features == 128
    assert len(icnn.hidden_path) == len(icnn.skips) == 4  # four convex layers after the affine one
    assert all(lin.bias is None for lin in [*icnn.hidden_path, *icnn.skips, icnn.out_hidden, icnn.out_skip])
    mlp = latent_predictor("mlp", config.gvae)
    assert sum(isinstance(m, nn.Linear) for m in mlp.net) == 6  # as deep as the ICNN: 5 hidden layers, then the output
