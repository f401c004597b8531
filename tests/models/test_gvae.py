import torch

from crlso_core.models import GVAE, GNNPredictor, kl_divergence
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
