import torch

from crlso_core.models.encoder import GraphEncoder
from crlso_core.models.encoder_pyg import PyGGraphEncoder, to_pyg
from crlso_core.spaces import NB201Space


def test_dense_encoder_equals_plain_message_passing():
    """Same weights, same function: the dense rewrite changes speed, not results."""
    space = NB201Space()
    torch.manual_seed(0)
    cells = space.sample(__import__("numpy").random.default_rng(0), 64)
    dense = GraphEncoder(space.node_features, space.edge_features, hidden=32, layers=3)
    plain = PyGGraphEncoder(space.node_features, space.edge_features, hidden=32, layers=3).copy_from(dense)
    batch = space.graph_batch(cells)
    ours, theirs = dense(batch), plain(to_pyg(batch))
    assert ours.shape == theirs.shape == (64, 32)
    assert torch.allclose(ours, theirs, rtol=1e-5, atol=1e-5)
    # and the gradients agree too
    ours.sum().backward()
    theirs.sum().backward()
    assert torch.allclose(dense.embed.weight.grad, plain.embed.weight.grad, rtol=1e-4, atol=1e-4)
