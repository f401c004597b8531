"""A tiny search space with a surrogate benchmark, written only against the contracts
(SearchSpace, SurrogateBenchmark, SpaceSpec): what adding a space takes, and a second space
unlike NB201 so that the contract tests, the pipeline and the pages meet one with ops on
nodes, a topology that varies per cell, a sampled pool, no test accuracy and no known
optimum.

A cell: input -> a -> b -> c -> output, each of a, b, c one of 3 ops, plus any of 3 optional
skip edges (input->b, a->c, b->output): 3**3 * 2**3 = 216 cells. The surrogate's accuracy
is a fixed smooth function of the cell, so runs are reproducible.

Registering it is the one line `register(TOY)`; the tests do that in a fixture.
"""

from __future__ import annotations

import itertools
from typing import Sequence

import numpy as np
import torch
from torch import Tensor
from torch.nn import functional as F

from crlso_core.benchmarks.base import SurrogateBenchmark
from crlso_core.catalog.spec import SpaceSpec
from crlso_core.common.errors import CRLSOError, quoted
from crlso_core.spaces.base import GraphBatch, SearchSpace
from crlso_core.spaces.drawing import CellDrawing, DrawnEdge, DrawnNode

OPS = ("conv", "pool", "id")
SKIPS = ((0, 2), (1, 3), (2, 4))  # node indices: 0 input, 1..3 op nodes, 4 output
CHAIN = ((0, 1), (1, 2), (2, 3), (3, 4))
NODES = 5
Cell = tuple[int, int, int, int, int, int]  # three ops, then three skip bits


class ToySpace(SearchSpace):
    name = "toy"
    title = "Toy chain space"
    op_names = OPS
    node_features = 2 + len(OPS)  # input, output, or one op
    edge_features = 1
    decoder_output_dim = 3 * len(OPS) + len(SKIPS)
    label_help = (
        "The initials of the three op nodes (c conv, p pool, i id), then one bit for each optional skip (in→second op, "
        "first op→third op, second op→out): `cpi101` is conv-pool-id/101."
    )

    def parse(self, text: str) -> Cell:
        try:
            ops_text, skips_text = text.strip().split("/")
            ops = tuple(OPS.index(o) for o in ops_text.split("-"))
            skips = tuple(int(b) for b in skips_text)
            cell = ops + skips
        except (ValueError, AttributeError):
            cell = ()
        if not self.is_valid(cell):
            raise CRLSOError(f"Not a toy cell: {quoted(text)}. Expected 'op-op-op/bbb', ops from {', '.join(OPS)}, bits 0 or 1.")
        return cell

    def format(self, cell: Cell) -> str:
        return "-".join(OPS[o] for o in cell[:3]) + "/" + "".join(str(b) for b in cell[3:])

    def is_valid(self, cell) -> bool:
        return (isinstance(cell, tuple) and len(cell) == 6 and all(isinstance(v, int) for v in cell)
                and all(0 <= o < len(OPS) for o in cell[:3]) and all(b in (0, 1) for b in cell[3:]))

    @property
    def size(self) -> int:
        return len(OPS) ** 3 * 2 ** len(SKIPS)

    def all_cells(self) -> list[Cell]:
        return [ops + skips for ops in itertools.product(range(len(OPS)), repeat=3) for skips in itertools.product((0, 1), repeat=3)]

    def sample(self, rng: np.random.Generator, n: int) -> list[Cell]:
        cells = self.all_cells()
        return [cells[i] for i in rng.choice(len(cells), size=n, replace=False)]

    def neighbours(self, cell: Cell) -> list[Cell]:
        out = [cell[:i] + (o,) + cell[i + 1:] for i in range(3) for o in range(len(OPS)) if o != cell[i]]
        return out + [cell[:i] + (1 - cell[i],) + cell[i + 1:] for i in range(3, 6)]

    def _edges(self, cell: Cell) -> list[tuple[int, int]]:
        return list(CHAIN) + [e for e, bit in zip(SKIPS, cell[3:]) if bit]

    def graph_batch(self, cells: Sequence[Cell]) -> GraphBatch:
        b, most = len(cells), 2 * (len(CHAIN) + len(SKIPS))
        x = torch.zeros(b, NODES, self.node_features)
        src, dst, mask = torch.zeros(b, most, dtype=torch.long), torch.zeros(b, most, dtype=torch.long), torch.zeros(b, most)
        for i, cell in enumerate(cells):
            x[i, 0, 0], x[i, 4, 1] = 1.0, 1.0
            for node, op in enumerate(cell[:3], start=1):
                x[i, node, 2 + op] = 1.0
            both = [(s, t) for s, t in self._edges(cell)] + [(t, s) for s, t in self._edges(cell)]
            src[i, : len(both)] = torch.tensor([s for s, _ in both])
            dst[i, : len(both)] = torch.tensor([t for _, t in both])
            mask[i, : len(both)] = 1.0
        return GraphBatch(x, src, dst, mask.unsqueeze(-1), mask, torch.ones(b, NODES))

    def targets(self, cells: Sequence[Cell]) -> Tensor:
        return torch.tensor(list(cells), dtype=torch.long).reshape(len(cells), 6)

    def reconstruction_loss(self, logits: Tensor, targets: Tensor) -> Tensor:
        ops, skips = logits[:, : 3 * len(OPS)].reshape(-1, len(OPS)), logits[:, 3 * len(OPS):]
        return F.cross_entropy(ops, targets[:, :3].reshape(-1)) + F.binary_cross_entropy_with_logits(skips, targets[:, 3:].float())

    def _decoded(self, logits: Tensor) -> Tensor:
        ops = logits[:, : 3 * len(OPS)].reshape(-1, 3, len(OPS)).argmax(-1)
        return torch.cat([ops, (logits[:, 3 * len(OPS):] > 0).long()], dim=1)

    def decode(self, logits: Tensor) -> list[Cell]:
        return [tuple(row) for row in self._decoded(logits).cpu().tolist()]

    def exact_matches(self, logits: Tensor, targets: Tensor) -> Tensor:
        return (self._decoded(logits) == targets).all(-1)

    def drawing(self, cell: Cell) -> list[CellDrawing]:
        nodes = (DrawnNode("in"), *(DrawnNode(OPS[o], op=OPS[o]) for o in cell[:3]), DrawnNode("out"))
        return [CellDrawing(nodes, tuple(DrawnEdge(s, t) for s, t in self._edges(cell)))]

    def label(self, cell: Cell) -> str:
        return "".join(OPS[o][0] for o in cell[:3]) + "".join(str(b) for b in cell[3:])


class ToySurrogate(SurrogateBenchmark):
    """Accuracy rises with convs and skips, with a fixed ripple so that cells differ."""

    def predict(self, cells: Sequence[Cell], dataset: str) -> np.ndarray:
        c = np.array(cells, dtype=np.float64)
        ripple = np.sin(c @ np.array([1.3, 2.1, 0.7, 1.9, 2.9, 0.4]))
        return 60.0 + 6.0 * (c[:, :3] == 0).sum(1) + 3.0 * c[:, 3:].sum(1) - 2.0 * (c[:, :3] == 1).sum(1) + ripple


def load_toy(data_dir=None) -> ToySurrogate:
    return ToySurrogate(ToySpace(), ["synthetic"], "Toy surrogate (a formula)")


TOY = SpaceSpec(
    name="toy",
    title="Toy chain space",
    about="216 cells: three op nodes in a chain, three optional skip edges",
    space=ToySpace,
    load_benchmark=load_toy,
    datasets={"synthetic": "Synthetic"},
    pool_size=150,  # a sampled pool: the search can decode cells outside it
    browse_sample=100,
)
