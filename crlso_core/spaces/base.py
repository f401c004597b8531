"""The contract every search space fulfils, so models, search and the app never
special-case one.

A space knows cells: how to parse and print them (one canonical string per cell, so that
two spellings of one cell are one cell), validity, sampling and mutation, dense graph
tensors for the encoder, decoder logits back to valid cells, and how to draw and label a
cell. It knows nothing of any benchmark's accuracies.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from functools import cached_property
from types import MappingProxyType
from typing import Hashable, Iterable, Mapping, Sequence

import numpy as np
import torch
from torch import Tensor

from crlso_core.spaces.drawing import CellDrawing, colours_of, to_dot

Cell = Hashable  # each space picks its own immutable cell type (a tuple for NB201)


@dataclass
class GraphBatch:
    """A batch of small graphs as padded edge lists: cells have a handful of nodes and
    edges, so fixed-size tensors batch well on every device without sparse scatter.

    Edges are directed (source -> target); a space that wants messages both ways lists
    both directions. `src`/`dst` are [E] when every graph shares one topology (NB201),
    else [B, E] with `edge_mask` marking real edges. `x` is [1, N, F] when every graph has
    the same node features (NB201's one-hot node index): the encoder's first layer then
    computes its node maps once for the whole batch instead of once per graph.
    """

    x: Tensor  # [B, N, node_features], or [1, N, node_features] when shared
    src: Tensor  # [E] or [B, E], long
    dst: Tensor  # [E] or [B, E], long
    edge_attr: Tensor  # [B, E, edge_features]
    edge_mask: Tensor  # [B, E]; 1 for real edges, 0 for padding
    node_mask: Tensor  # [B, N]; 1 for real nodes, 0 for padding

    def to(self, device: torch.device | str) -> "GraphBatch":
        return GraphBatch(*(t.to(device) for t in self._fields()))

    def _fields(self) -> tuple[Tensor, ...]:
        return (self.x, self.src, self.dst, self.edge_attr, self.edge_mask, self.node_mask)

    @property
    def shared_topology(self) -> bool:
        return self.src.dim() == 1

    @property
    def shared_nodes(self) -> bool:
        return self.x.shape[0] == 1

    def __len__(self) -> int:
        return self.edge_attr.shape[0]

    def index(self, idx: Tensor) -> "GraphBatch":
        shared = {id(self.src), id(self.dst)} if self.shared_topology else set()
        if self.shared_nodes:
            shared.add(id(self.x))
        return GraphBatch(*(t if id(t) in shared else t[idx] for t in self._fields()))


class CellList:
    """Mixin for what holds a list `cells` (a benchmark's table, a run's pool): where each
    cell stands in it."""

    cells: list

    @cached_property
    def _position(self) -> dict:
        return {cell: i for i, cell in enumerate(self.cells)}

    def __len__(self) -> int:
        return len(self.cells)

    def rows(self, cells: Sequence[Cell]) -> np.ndarray:
        """Position of each cell; -1 for a cell not in the list."""
        position = self._position
        return np.fromiter((position.get(c, -1) for c in cells), dtype=np.int64, count=len(cells))


class SearchSpace(ABC):
    name: str
    title: str  # e.g. "NAS-Bench-201"
    node_features: int
    edge_features: int
    decoder_output_dim: int  # length of the flat logit vector the G-VAE decoder emits
    op_names: tuple[str, ...]  # the ops a cell is built from, in a fixed order (filters, colours)
    op_colours: Mapping[str, str] = MappingProxyType({})  # op -> colour in drawings; others take a palette colour
    label_help: str = ""  # how label(cell) reads, with an example; the app shows it beside the plots' hover labels

    # --- text form and identity ------------------------------------------------------------
    @abstractmethod
    def parse(self, text: str) -> Cell:
        """The canonical cell of a string; raises CRLSOError quoting a malformed or invalid
        string. Two strings that spell one cell parse to equal cells."""

    @abstractmethod
    def format(self, cell: Cell) -> str:
        """The canonical string of a cell: format(parse(s)) is the same for every spelling."""

    def format_many(self, cells: Iterable[Cell]) -> list[str]:
        return [self.format(c) for c in cells]

    def parse_many(self, texts: Iterable[str]) -> list[Cell]:
        return [self.parse(t) for t in texts]

    @abstractmethod
    def is_valid(self, cell: Cell) -> bool:
        """Whether a cell object is a valid, canonical cell of this space."""

    # --- enumeration and sampling --------------------------------------------------------
    @property
    def size(self) -> int | None:
        """Number of cells when the space can be enumerated, else None."""
        return None

    def all_cells(self) -> list[Cell]:
        raise NotImplementedError(f"{self.name} cannot be enumerated")

    @abstractmethod
    def sample(self, rng: np.random.Generator, n: int) -> list[Cell]:
        """n distinct random valid cells."""

    def node_slots(self) -> int:
        """How many node slots every graph batch of the space has (real nodes, then padding):
        what the authors' teacher flattens (crlso_core/models/predictor.py)."""
        return int(self.graph_batch(self.sample(np.random.default_rng(0), 1)).x.shape[1])

    @abstractmethod
    def neighbours(self, cell: Cell) -> list[Cell]:
        """All valid cells one mutation away, without repeats."""

    def mutate(self, cell: Cell, rng: np.random.Generator) -> Cell:
        options = self.neighbours(cell)
        return options[rng.integers(len(options))]

    # --- tensors for the networks --------------------------------------------------------
    @abstractmethod
    def graph_batch(self, cells: Sequence[Cell]) -> GraphBatch: ...

    @abstractmethod
    def targets(self, cells: Sequence[Cell]) -> Tensor:
        """What the decoder must reproduce, in the form reconstruction_loss takes."""

    @abstractmethod
    def reconstruction_loss(self, logits: Tensor, targets: Tensor) -> Tensor: ...

    @abstractmethod
    def decode(self, logits: Tensor) -> list[Cell]:
        """Cells from decoder logits; always valid cells (repaired or nearest valid)."""

    @abstractmethod
    def exact_matches(self, logits: Tensor, targets: Tensor) -> Tensor:
        """Bool per row: does the decoded cell equal the target cell."""

    # --- display ---------------------------------------------------------------------
    @abstractmethod
    def drawing(self, cell: Cell) -> list[CellDrawing]:
        """The cell as drawing data: one CellDrawing per cell of the architecture."""

    @abstractmethod
    def label(self, cell: Cell) -> str:
        """A short label for hover text over thousands of points (a third of the string or less)."""

    def ops_in(self, cell: Cell) -> set[str]:
        """The ops a cell uses (for filtering), read off its drawing."""
        ops = set()
        for drawing in self.drawing(cell):
            ops.update(e.op for e in drawing.edges if e.op)
            ops.update(n.op for n in drawing.nodes if n.op)
        return ops

    def colours(self) -> dict[str, str]:
        """Every op's colour in drawings: op_colours, else a palette colour."""
        return colours_of(self.op_names, self.op_colours)

    def to_dot(self, cell: Cell) -> str:
        """Graphviz DOT text of the cell (what the app draws)."""
        return to_dot(self.drawing(cell), self.colours())
