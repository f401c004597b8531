"""The search-space contract, checked on every registered space (NB201 and the tests' toy
space, and every space added later): text form and identity, sampling and mutation, graph
tensors, decoding, drawing."""

import numpy as np
import pytest
import torch

from crlso_core.catalog import registry
from crlso_core.common.errors import CRLSOError
from crlso_core.models import GVAE
from crlso_core.spaces.base import SearchSpace

SPACES = registry.names()


@pytest.fixture(params=SPACES)
def space(request) -> SearchSpace:
    return registry.get_space(request.param)


def _sample(space, n=40, seed=0):
    return space.sample(np.random.default_rng(seed), n)


def test_text_form_round_trips_and_garbage_is_one_clear_error(space):
    for cell in _sample(space):
        assert space.is_valid(cell)
        assert space.parse(space.format(cell)) == cell
    for bad in ("", "not a cell", "|||", "x" * 500):
        with pytest.raises(CRLSOError) as info:
            space.parse(bad)
        assert repr(bad)[:40] in str(info.value) or bad == ""


def test_sampling_is_seeded_distinct_and_neighbours_are_valid_and_new(space):
    a, b = _sample(space, seed=3), _sample(space, seed=3)
    assert a == b and len(set(a)) == len(a)
    for cell in a[:10]:
        neighbours = space.neighbours(cell)
        assert neighbours and cell not in neighbours and len(set(neighbours)) == len(neighbours)
        assert all(space.is_valid(n) for n in neighbours)
        assert space.mutate(cell, np.random.default_rng(0)) in neighbours


def test_graph_batches_have_the_declared_sizes_and_encode(space):
    cells = _sample(space, 8)
    batch = space.graph_batch(cells)
    assert len(batch) == 8 and batch.x.shape[-1] == space.node_features and batch.edge_attr.shape[-1] == space.edge_features
    assert batch.edge_mask.shape == batch.edge_attr.shape[:2] and batch.node_mask.shape[0] == 8
    torch.manual_seed(0)
    gvae = GVAE(space.node_features, space.edge_features, space.decoder_output_dim, latent=4, hidden=8, layers=2)
    mu, logvar = gvae.encode(batch)
    assert mu.shape == (8, 4) and torch.isfinite(mu).all()
    logits = gvae.decoder(mu)
    assert logits.shape == (8, space.decoder_output_dim)
    assert torch.isfinite(space.reconstruction_loss(logits, space.targets(cells)))


def test_any_logits_decode_to_valid_cells_that_match_their_own_targets(space):
    logits = torch.randn(64, space.decoder_output_dim, generator=torch.Generator().manual_seed(1))
    cells = space.decode(logits)
    assert len(cells) == 64 and all(space.is_valid(c) for c in cells)
    assert bool(space.exact_matches(logits, space.targets(cells)).all())
    assert not bool(space.exact_matches(logits, space.targets(space.decode(-logits))).all())


def test_cells_draw_and_label(space):
    for cell in _sample(space, 10):
        drawings = space.drawing(cell)
        assert drawings
        for d in drawings:
            assert all(0 <= e.src < e.dst < len(d.nodes) for e in d.edges)  # left to right
            assert all(e.op in space.op_names for e in d.edges if e.op)
            assert all(n.op in space.op_names for n in d.nodes if n.op)
        assert space.ops_in(cell) <= set(space.op_names)
        label = space.label(cell)
        assert label and len(label) <= len(space.format(cell))
        assert space.to_dot(cell).startswith("digraph")
    assert space.label_help.strip(), "say how label(cell) reads, with an example (the app shows it)"


def test_a_space_missing_part_of_the_contract_cannot_be_made():
    class Half(SearchSpace):  # forgot exact_matches, drawing and label, among others
        def parse(self, text):
            return text

    with pytest.raises(TypeError, match="abstract"):
        Half()
