"""The semi-supervised teacher: a GNN predicting a cell's validation accuracy (fraction),
in two networks (`teacher.head`, models/build.py teacher_for):

- `ReferenceGNNPredictor` ("reference"): the authors' (below);
- `GNNPredictor` ("pooled"): this project's earlier one, still NB301's. Four message-passing
  layers; the graph embedding concatenates the sum-pooled node states of every layer, so
  shallow and deep structure both reach the head.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from crlso_core.models.encoder import GraphEncoder, gather_nodes, scatter_to_nodes, sum_pool
from crlso_core.spaces.base import GraphBatch


class GNNPredictor(nn.Module):
    def __init__(self, node_features: int, edge_features: int, hidden: int = 64, layers: int = 4):
        super().__init__()
        self.encoder = GraphEncoder(node_features, edge_features, hidden, layers)
        self.head = nn.Sequential(
            nn.Linear(hidden * layers, hidden), nn.LeakyReLU(), nn.Linear(hidden, 1)
        )

    def output_layers(self) -> list[nn.Linear]:
        return [self.head[-1]]

    def forward(self, batch: GraphBatch) -> Tensor:
        states = self.encoder.node_states(batch)
        pooled = torch.cat([sum_pool(h, batch.node_mask) for h in states], dim=-1)
        return self.head(pooled).squeeze(-1)


class ReferenceGNNPredictor(nn.Module):
    """The authors' teacher, layer for layer (docs/fidelity.md T2, T3), the default since
    settings version 3 (`teacher.head = "reference"`): no node embedding (the first layer reads
    the one-hot nodes), messages `LeakyReLU(W [h_i, h_j, e_ij])` with W bias-free, the last
    layer's node states flattened (every graph must have the same number of nodes), Linear
    to 64, then an MLP of 64 with three bias-free hidden layers."""

    def __init__(self, node_features: int, edge_features: int, nodes: int, hidden: int = 64, layers: int = 4,
                 head_layers: int = 3):
        super().__init__()
        dims = [node_features] + [hidden] * layers
        self.layers = nn.ModuleList(_ReferenceLayer(a, b, edge_features) for a, b in zip(dims, dims[1:]))
        self.readout = nn.Linear(nodes * hidden, hidden)
        head: list[nn.Module] = [nn.Linear(hidden, hidden), nn.LeakyReLU()]
        for _ in range(head_layers):
            head += [nn.Linear(hidden, hidden, bias=False), nn.LeakyReLU()]
        self.head = nn.Sequential(*head, nn.Linear(hidden, 1))

    def output_layers(self) -> list[nn.Linear]:
        return [self.head[-1]]

    def forward(self, batch: GraphBatch) -> Tensor:
        h = batch.x
        for layer in self.layers:
            h = layer(h, batch)
        h = h * batch.node_mask.unsqueeze(-1)
        return self.head(self.readout(h.flatten(1))).squeeze(-1)


class _ReferenceLayer(nn.Module):
    """h_i <- Lin(Lin(h_i)) + sum_{j -> i} LeakyReLU(W [h_i || h_j || e_ij]), W bias-free
    (Lin(Lin(h)) is one affine map: one Linear; W's blocks are applied per node)."""

    def __init__(self, dim_in: int, dim_out: int, edge_dim: int):
        super().__init__()
        self.own = nn.Linear(dim_in, dim_out)
        self.pair = nn.Linear(dim_in, 2 * dim_out, bias=False)  # [W's target block | W's source block]
        self.edge = nn.Linear(edge_dim, dim_out, bias=False)
        self.dim_out = dim_out

    def forward(self, h: Tensor, batch: GraphBatch) -> Tensor:
        to_target, from_source = self.pair(h).split(self.dim_out, dim=-1)
        messages = F.leaky_relu(gather_nodes(to_target, batch.dst) + gather_nodes(from_source, batch.src) + self.edge(batch.edge_attr))
        if not batch.shared_topology:
            messages = messages * batch.edge_mask.unsqueeze(-1)
        return self.own(h) + scatter_to_nodes(messages, batch.dst, h.shape[1])  # [1, N, d] (shared nodes) broadcasts
