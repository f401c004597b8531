"""NB101's decoder (decoder.py, through the space): canonical targets, perfect logits decoding
back, any logits decoding to a valid cell after the bounded repairs, and a loss on the real
choices only."""

from __future__ import annotations

import torch

from crlso_core.spaces.nb101.arrays import EDGE_X, EDGE_Y
from crlso_core.spaces.nb101.cells import OPS
from crlso_core.spaces.nb101.decoder import ABSENT, LOGITS
from tests.spaces.nb101.specs import MATRIX, OPS_LIST, relabellings, spec_json


def _perfect(targets: torch.Tensor) -> torch.Tensor:
    edges = targets[:, :21].float() * 20 - 10
    ops = torch.nn.functional.one_hot(targets[:, 21:], 4).float() * 10
    return torch.cat([edges, ops.reshape(len(targets), 20)], dim=1)


def test_targets_are_canonical_and_perfect_logits_decode_back(nb101, cells):
    targets = nb101.targets(cells)
    assert targets.shape == (1000, 26) and targets.dtype == torch.long and LOGITS == nb101.decoder_output_dim == 41
    two = nb101.parse("adjacency=01/00 ops=input,output")
    t = nb101.targets([two])[0].tolist()
    assert t[:21] == [0] * 15 + [1] + [0] * 5 and t[21:] == [ABSENT] * 5  # the edge 0 -> 6 only
    logits = _perfect(targets)
    assert nb101.decode(logits) == cells and bool(nb101.exact_matches(logits, targets).all())
    # one op wrong in one row: that row alone fails
    wrong = logits.clone()
    assert targets[0, 21] != ABSENT
    wrong[0, 21:25] = wrong[0, 21:25].roll(1)  # slot 1's op moves to the next class (another op, or absent)
    matches = nb101.exact_matches(wrong, targets)
    assert int(matches.sum()) == 999 and not bool(matches[0]) and nb101.decode(wrong)[0] != cells[0]


def test_a_decoded_graph_in_another_vertex_order_still_matches(nb101):
    cell = nb101.parse(spec_json(MATRIX, OPS_LIST))
    for matrix, ops in list(relabellings(MATRIX, OPS_LIST))[:4]:
        target = torch.zeros(1, 26, dtype=torch.long)
        target[0, :21] = torch.tensor([int(matrix[x][y]) for x, y in zip(EDGE_X, EDGE_Y)])
        target[0, 21:] = torch.tensor([OPS.index(op) for op in ops[1:-1]])
        logits = _perfect(target)  # this order's raw graph, maybe not the canonical one
        assert nb101.decode(logits) == [cell]
        assert bool(nb101.exact_matches(logits, nb101.targets([cell])).all())


def test_any_logits_decode_to_valid_cells(nb101):
    g = torch.Generator().manual_seed(0)
    rows = [torch.randn(2000, 41, generator=g), 30 * torch.randn(300, 41, generator=g), torch.randn(300, 41, generator=g) + 3,
            torch.randn(300, 41, generator=g) - 3, torch.full((2, 41), float("nan")), torch.full((2, 41), float("inf")),
            torch.full((2, 41), float("-inf")), torch.zeros(2, 41)]
    for logits in rows:
        decoded = nb101.decode(logits)
        assert len(decoded) == len(logits) and all(nb101.is_valid(c) for c in decoded)
        assert bool(nb101.exact_matches(logits, nb101.targets(decoded)).all())
    # every edge on: thinned to at most 9 edges, still connected; every edge off: the best path is added
    on = torch.cat([torch.linspace(1, 5, 21), torch.tensor([5.0, 0, 0, 0] * 5)]).unsqueeze(0)
    (dense,) = nb101.decode(on)
    assert dense.vertices == 7 and bin(dense.bits).count("1") == 9  # vertices the ops ask for are kept
    on[0, 21:] = torch.tensor([0, 0, 0, 5.0] * 5)  # no middle vertex: input -> output alone
    assert nb101.decode(on) == [nb101.parse("adjacency=01/00 ops=input,output")]
    off = torch.cat([-torch.ones(21), torch.tensor([5.0, 0, 0, 0] * 5)]).unsqueeze(0)
    off[0, 15] = -0.5  # input -> output is the least unlikely edge
    assert nb101.decode(off) == [nb101.parse("adjacency=01/00 ops=input,output")]
    assert nb101.decode(torch.randn(3, 41).double())[0] is not None and nb101.decode(torch.zeros(0, 41)) == []


def test_the_loss_teaches_only_real_choices(nb101, cells):
    targets = nb101.targets(cells)
    logits = torch.randn(len(cells), 41, generator=torch.Generator().manual_seed(1), requires_grad=True)
    loss = nb101.reconstruction_loss(logits, targets)
    loss.backward()
    assert torch.isfinite(loss) and 0.5 < loss.item() < 2.0 and torch.isfinite(logits.grad).all()
    two = nb101.parse("adjacency=01/00 ops=input,output")
    logits = torch.zeros(1, 41, requires_grad=True)
    nb101.reconstruction_loss(logits, nb101.targets([two])).backward()
    assert torch.count_nonzero(logits.grad[0, :21]) == 1  # only input -> output: the other slots are absent
    assert nb101.reconstruction_loss(_perfect(targets), targets).item() < 1e-3
