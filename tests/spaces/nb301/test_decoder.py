"""NB301's decoder (decoder.py, through the space): the targets' and logits' layout, one-hot
logits decoding back, any logits decoding to a valid cell, and a loss with gradients."""


import torch

from tests.spaces.nb301.genotypes import FIRST


def _one_hot_logits(targets: torch.Tensor) -> torch.Tensor:
    """Logits with a 1 at each target choice, placed by the documented layout: per cell 20
    pair logits (node 2: 1, node 3: 3, node 4: 6, node 5: 10), then 7 op logits per slot."""
    logits = torch.zeros(len(targets), 152)
    offsets = (0, 1, 4, 10)
    for row, t in enumerate(targets.tolist()):
        for h in range(2):
            base, choice = 76 * h, t[12 * h : 12 * h + 12]
            for node in range(4):
                logits[row, base + offsets[node] + choice[node]] = 1.0
            for slot in range(8):
                logits[row, base + 20 + 7 * slot + choice[4 + slot]] = 1.0
    return logits


def test_targets_layout_and_one_hot_logits_decode_back(nb301, cells):
    targets = nb301.targets(cells)
    assert targets.shape == (500, 24) and targets.dtype == torch.long
    t = nb301.targets([FIRST])[0].tolist()
    # normal: node 2 (0,1) -> 0, node 3 (0,2) -> 1, node 4 (0,2) -> 1, node 5 (2,3) -> 5; then ops
    assert t[:12] == [0, 1, 1, 5, 4, 3, 2, 3, 3, 3, 6, 5]
    assert t[12:] == [0, 0, 1, 9, 3, 3, 5, 1, 2, 3, 1, 4]  # reduce: node 3 (0,1) -> 0, node 5 (3,4) -> 9
    logits = _one_hot_logits(targets)
    assert nb301.decode(logits) == cells
    assert bool(nb301.exact_matches(logits, targets).all())
    assert float(nb301.reconstruction_loss(20 * logits, targets)) < 1e-6
    # one wrong op in one row: only that row stops matching
    wrong = logits.clone()
    wrong[3, 76 + 20 : 76 + 27] = wrong[3, 76 + 20 : 76 + 27].roll(1)
    matches = nb301.exact_matches(wrong, targets)
    assert not bool(matches[3]) and int(matches.sum()) == 499
    assert nb301.decode(wrong)[3] != cells[3]


def test_any_logits_decode_to_valid_cells_and_the_loss_has_gradients(nb301, cells):
    g = torch.Generator().manual_seed(0)
    for logits in (torch.randn(2000, 152, generator=g), 50 * torch.randn(200, 152, generator=g), torch.full((3, 152), float("nan")),
                   torch.full((3, 152), float("-inf")), torch.zeros(3, 152)):
        decoded = nb301.decode(logits)
        assert len(decoded) == len(logits) and all(nb301.is_valid(c) for c in decoded)
    logits = torch.randn(500, 152, generator=g, requires_grad=True)
    loss = nb301.reconstruction_loss(logits, nb301.targets(cells))
    loss.backward()
    assert torch.isfinite(loss) and torch.isfinite(logits.grad).all()
    assert 1.0 < loss.item() < 4.0  # about the mean log of 7 and of 3..10 choices
    assert float(logits.grad[:, 0].abs().sum()) == 0.0  # node 2's single pair logit learns nothing
