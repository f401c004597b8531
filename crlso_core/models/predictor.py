"""The semi-supervised teacher: a GNN predicting a cell's validation accuracy (fraction).

Four message-passing layers; the graph embedding concatenates the sum-pooled node states
of every layer (concatenation pooling), so shallow and deep structure both reach the head.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from crlso_core.models.encoder import GraphEncoder, sum_pool
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
