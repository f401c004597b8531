"""The G-VAE decoder's side of NAS-Bench-101: targets, the reconstruction loss, and logits
back to cells that are always valid.

Logits per cell (41), in the 7-slot frame (arrays.py: input slot 0, middle slots 1..5,
output slot 6):
- 21 edge logits, one per slot pair x < y, in the official bit order (x + y(y-1)/2);
- 5 x 4 op logits, one row per middle slot: the 3 ops, then "absent". A V-vertex cell
  fills slots 1..V-2, so the vertex count is read off the ops and needs no head of its own.
Targets (26 longs): the 21 edge bits and the 5 op classes (3 = absent) of the cell in
canonical form, so one cell always has one target (the decoder learns one vertex order).

decode: ops by argmax (absent slots drop out), edges by logit > 0 among present slots,
then repairs, each bounded, so every row gives a valid cell and nothing loops:
1. prune; if the input no longer reaches the output, add the most likely input-output
   path (a best-path pass over the 7 slots in order; the edge input -> output is always
   allowed, so one exists), then prune again;
2. while more than 9 edges remain, drop edges least likely first: in a first pass only
   those whose removal prunes no vertex (the ops said the vertex is there), in a second
   pass any whose removal keeps the input connected to the output, pruning after each
   drop. The second pass ends with at most 9: an edge kept because dropping it
   disconnected the graph lies on every remaining path, so if every edge were kept the
   graph would be one path (<= 6 edges);
3. canonical form.
Non-finite logits are read as 0 (NaN) or +-1e4 (infinities).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor
from torch.nn import functional as F

from crlso_core.spaces.nb101.arrays import (
    EDGE_X,
    EDGE_Y,
    MIDDLE,
    NUM_EDGE_SLOTS,
    NUM_OPS,
    OUT_SLOT,
    SLOTS,
    digits_of,
    edge_bit,
    from_slots,
    pruned,
    to_slots,
)
from crlso_core.spaces.nb101.cells import MAX_EDGES

ABSENT = NUM_OPS  # the op class of an unused middle slot
OP_CLASSES = NUM_OPS + 1
LOGITS = NUM_EDGE_SLOTS + MIDDLE * OP_CLASSES  # 41


def targets_of(vertices: np.ndarray, bits: np.ndarray, codes: np.ndarray) -> Tensor:
    """[n, 26] long targets of canonical cells (own-frame arrays)."""
    edges = to_slots(vertices, bits)
    digits = digits_of(vertices, codes)
    ops = np.where(np.arange(MIDDLE)[None, :] < vertices[:, None] - 2, digits, ABSENT)
    return torch.from_numpy(np.concatenate([edges.astype(np.int64), ops], axis=1))


def cells_of_targets(targets: Tensor) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(vertices, bits, codes) of targets_of's rows, as they are (targets are canonical)."""
    t = targets.detach().cpu().numpy().astype(np.int64)
    ok, vertices, bits, codes = from_slots(t[:, :NUM_EDGE_SLOTS].astype(bool), _slot_digits(t[:, NUM_EDGE_SLOTS:]), canonicalise=False)
    return np.where(ok, vertices, -1), bits, codes  # vertices -1: no cell (targets not made by targets_of)


def _slot_digits(ops: np.ndarray) -> np.ndarray:
    digits = np.zeros((len(ops), SLOTS), dtype=np.int64)
    digits[:, 1:OUT_SLOT] = np.where(ops < NUM_OPS, ops, 0)
    return digits


def reconstruction_loss(logits: Tensor, targets: Tensor) -> Tensor:
    """Binary cross-entropy of the edges between the target's vertices (an edge touching
    an absent slot is not decoded, so it is not taught) plus cross-entropy of the 5 op
    classes, averaged over those choices."""
    edge_logits, op_logits = logits[:, :NUM_EDGE_SLOTS], logits[:, NUM_EDGE_SLOTS:].reshape(-1, MIDDLE, OP_CLASSES)
    edges, ops = targets[:, :NUM_EDGE_SLOTS].float(), targets[:, NUM_EDGE_SLOTS:]
    present = torch.cat([torch.ones_like(ops[:, :1]), (ops != ABSENT).long(), torch.ones_like(ops[:, :1])], dim=1).float()
    weight = present[:, torch.from_numpy(EDGE_X).to(logits.device)] * present[:, torch.from_numpy(EDGE_Y).to(logits.device)]
    edge_loss = (F.binary_cross_entropy_with_logits(edge_logits, edges, reduction="none") * weight).sum()
    op_loss = F.cross_entropy(op_logits.reshape(-1, OP_CLASSES), ops.reshape(-1), reduction="sum")
    return (edge_loss + op_loss) / (weight.sum() + ops.numel())


def decode_arrays(logits: Tensor) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(vertices, bits, codes) of the canonical cell decoded from each row; see the module
    docstring for the repairs."""
    values = torch.nan_to_num(logits.detach().float(), nan=0.0, posinf=1e4, neginf=-1e4).clamp(-1e4, 1e4).cpu().numpy().astype(np.float64)
    edge_logits = values[:, :NUM_EDGE_SLOTS]
    classes = values[:, NUM_EDGE_SLOTS:].reshape(-1, MIDDLE, OP_CLASSES).argmax(axis=-1)
    present = np.ones((len(values), SLOTS), dtype=bool)
    present[:, 1:OUT_SLOT] = classes != ABSENT
    allowed = present[:, EDGE_X] & present[:, EDGE_Y]
    edges, _, connected = pruned((edge_logits > 0) & allowed)
    broken = np.flatnonzero(~connected)
    if len(broken):
        path = _best_paths(edge_logits[broken], allowed[broken])
        edges[broken] = pruned(((edge_logits[broken] > 0) & allowed[broken]) | path)[0]
    for keep_vertices in (True, False):
        too_many = np.flatnonzero(edges.sum(axis=1) > MAX_EDGES)
        if len(too_many):
            edges[too_many] = _thinned(edges[too_many], edge_logits[too_many], keep_vertices)
    ok, vertices, bits, codes = from_slots(edges, _slot_digits(classes))
    assert ok.all(), "NB101 decode repair left a cell invalid"  # impossible by the argument above
    return vertices, bits, codes


def _best_paths(edge_logits: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    """(n, 21) bool: the edges of each row's most likely slot-0 -> slot-6 path through
    allowed edges (largest sum of log sigmoid)."""
    n = len(edge_logits)
    log_p = np.where(allowed, -np.logaddexp(0.0, -edge_logits), -np.inf)
    score = np.full((n, SLOTS), -np.inf)
    score[:, 0] = 0.0
    parent = np.zeros((n, SLOTS), dtype=np.int64)
    for y in range(1, SLOTS):
        sources = np.arange(y)
        through = score[:, :y] + log_p[:, edge_bit(sources, y)]
        parent[:, y] = through.argmax(axis=1)
        score[:, y] = through.max(axis=1)
    path = np.zeros((n, NUM_EDGE_SLOTS), dtype=bool)
    rows, at = np.arange(n), np.full(n, OUT_SLOT)
    for _ in range(OUT_SLOT):  # a path has at most 6 edges
        going = at > 0
        source = parent[rows, at]
        path[rows[going], edge_bit(source[going], at[going])] = True
        at = np.where(going, source, 0)
    return path


def _thinned(edges: np.ndarray, edge_logits: np.ndarray, keep_vertices: bool) -> np.ndarray:
    """Edges towards at most 9: least likely first, each dropped when the input still
    reaches the output without it (and, with keep_vertices, no vertex is pruned), then
    pruned; see the module docstring."""
    rows = np.arange(len(edges))
    order = np.argsort(np.where(edges, edge_logits, np.inf), axis=1, kind="stable")
    for rank in range(NUM_EDGE_SLOTS):
        k = order[:, rank]
        trying = (edges.sum(axis=1) > MAX_EDGES) & edges[rows, k]
        if not trying.any():
            if (edges.sum(axis=1) <= MAX_EDGES).all():
                break
            continue
        trial = edges[trying].copy()
        trial[np.arange(len(trial)), k[trying]] = False
        kept, kept_slots, connected = pruned(trial)
        if keep_vertices:
            connected &= (kept_slots == pruned(edges[trying])[1]).all(axis=1)
        edges[np.flatnonzero(trying)[connected]] = kept[connected]
    return edges


def exact_matches(logits: Tensor, targets: Tensor) -> Tensor:
    """Bool per row: the decoded cell is the target's cell (canonical forms compared, so a
    decoded graph in another vertex order still matches)."""
    decoded = decode_arrays(logits)
    wanted = cells_of_targets(targets)
    same = np.ones(len(logits), dtype=bool)
    for a, b in zip(decoded, wanted):
        same &= a == b
    return torch.from_numpy(same).to(logits.device)
