"""The G-VAE decoder's side of NAS-Bench-301: targets, the reconstruction loss, and logits
back to cells, always valid ones.

Logits per architecture (152): per cell (normal, then reduce) 76, node 2..5's pair choices
(1 + 3 + 6 + 10, pairs in colex order, cells.py), then 7 op logits per slot (8 slots).
Targets (24 longs): per cell node 2..5's pair numbers (node 2's is always 0), then the 8
slots' op indices. Decoding is an argmax per choice, so every row gives a valid cell.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import torch
from torch import Tensor
from torch.nn import functional as F

from crlso_core.spaces.nb301.cells import CHOICES, NODES, NUM_OPS, SLOTS, Cell, arrays_of, cells_of, inputs_of

PAIR_LOGITS = int(CHOICES.sum())  # 20
CELL_LOGITS = PAIR_LOGITS + SLOTS * NUM_OPS  # 76
LOGITS = 2 * CELL_LOGITS
_PAIR_OFFSET = np.concatenate([[0], np.cumsum(CHOICES)[:-1]])  # 0, 1, 4, 10
# [4, 10]: where node i's j-th pair logit sits in a cell's logits; PAIR_LOGITS (a -inf pad) past C(i, 2)
_PAIR_GATHER = torch.tensor([[int(o) + j if j < c else PAIR_LOGITS for j in range(CHOICES[-1])] for o, c in zip(_PAIR_OFFSET, CHOICES)])
CHOICES_PER_CELL = len(NODES) + SLOTS  # 12: the targets' columns per cell


def targets_of(cells: Sequence[Cell]) -> Tensor:
    """[B, 24] long: per cell (normal, then reduce) node 2..5's pair numbers (colex; node
    2's is always 0), then the 8 slots' op indices."""
    arrays = arrays_of(cells)
    inputs = arrays[..., 1].reshape(-1, 2, len(NODES), 2)
    a, b = inputs[..., 0], inputs[..., 1]
    pairs = b * (b - 1) // 2 + a  # [B, 2, 4]
    return torch.from_numpy(np.concatenate([pairs, arrays[..., 0]], axis=2).reshape(-1, 2 * CHOICES_PER_CELL))


def reconstruction_loss(logits: Tensor, targets: Tensor) -> Tensor:
    """Cross-entropy averaged over the 22 real choices of an architecture, each weighted
    alike: 6 pair choices (nodes 3..5; node 2 has one option and no loss) and 16 ops."""
    pair_logits, op_logits = _choice_logits(logits)
    t = targets.reshape(-1, 2, CHOICES_PER_CELL)
    pair_loss = F.cross_entropy(
        pair_logits[:, :, 1:].reshape(-1, _PAIR_GATHER.shape[1]), t[:, :, 1 : len(NODES)].reshape(-1), reduction="sum"
    )
    op_loss = F.cross_entropy(op_logits.reshape(-1, NUM_OPS), t[:, :, len(NODES) :].reshape(-1), reduction="sum")
    return (pair_loss + op_loss) / (t.shape[0] * 2 * (len(NODES) - 1 + SLOTS))


def decode(logits: Tensor) -> list[Cell]:
    choices = _decoded(logits).cpu().numpy().reshape(-1, 2, CHOICES_PER_CELL)
    pairs, ops = choices[:, :, : len(NODES)], choices[:, :, len(NODES) :]
    return cells_of(ops, inputs_of(pairs))


def exact_matches(logits: Tensor, targets: Tensor) -> Tensor:
    return (_decoded(logits) == targets.to(logits.device)).all(-1)


def _choice_logits(logits: Tensor) -> tuple[Tensor, Tensor]:
    """[B, 2, 4, 10] pair logits (-inf past a node's options) and [B, 2, 8, 7] op logits."""
    cells = logits.reshape(-1, 2, CELL_LOGITS)
    pad = cells.new_full((cells.shape[0], 2, 1), float("-inf"))
    padded = torch.cat([cells[..., :PAIR_LOGITS], pad], dim=-1)
    pair_logits = padded[..., _PAIR_GATHER.to(logits.device)]
    return pair_logits, cells[..., PAIR_LOGITS:].reshape(-1, 2, SLOTS, NUM_OPS)


def _decoded(logits: Tensor) -> Tensor:
    """[B, 24] argmax choices in the targets' layout; a pair number never past a node's
    options (argmax of all -inf or NaN logits still picks a valid one)."""
    pair_logits, op_logits = _choice_logits(logits)
    pairs = torch.minimum(pair_logits.argmax(-1), torch.from_numpy(CHOICES - 1).to(logits.device))
    return torch.cat([pairs, op_logits.argmax(-1)], dim=-1).reshape(-1, 2 * CHOICES_PER_CELL)
