"""The same encoder layer written the plain torch_geometric way: a MessagePassing layer
that applies W to [h_i || h_j || e_ij] on every edge, over a PyG Batch with sum
aggregation. It is the baseline the dense encoder is measured against
(measurements/speed.py) and checked equal to (tests/models/test_encoder_pyg.py)."""

from __future__ import annotations

import torch
from torch import Tensor, nn
from torch.nn import functional as F
from torch_geometric.data import Batch, Data
from torch_geometric.nn import MessagePassing, global_add_pool

from crlso_core.models.encoder import GraphEncoder
from crlso_core.spaces.base import GraphBatch


class PyGEdgeMessageLayer(MessagePassing):
    def __init__(self, dim: int, edge_dim: int):
        super().__init__(aggr="add")
        self.self_path = nn.Linear(dim, dim)
        self.message_lin = nn.Linear(2 * dim + edge_dim, dim)

    def forward(self, x: Tensor, edge_index: Tensor, edge_attr: Tensor) -> Tensor:
        return self.self_path(x) + self.propagate(edge_index, x=x, edge_attr=edge_attr)

    def message(self, x_i: Tensor, x_j: Tensor, edge_attr: Tensor) -> Tensor:
        return F.leaky_relu(self.message_lin(torch.cat([x_i, x_j, edge_attr], dim=-1)))


class PyGGraphEncoder(nn.Module):
    def __init__(self, node_features: int, edge_features: int, hidden: int, layers: int):
        super().__init__()
        self.embed = nn.Linear(node_features, hidden)
        self.layers = nn.ModuleList(PyGEdgeMessageLayer(hidden, edge_features) for _ in range(layers))

    def forward(self, batch: Batch) -> Tensor:
        h = self.embed(batch.x)
        for layer in self.layers:
            h = layer(h, batch.edge_index, batch.edge_attr)
        return global_add_pool(h, batch.batch)

    @torch.no_grad()
    def copy_from(self, dense: GraphEncoder) -> "PyGGraphEncoder":
        """Take the dense encoder's weights, so both compute the same function."""
        self.embed.load_state_dict(dense.embed.state_dict())
        for mine, theirs in zip(self.layers, dense.layers):
            d = theirs.dim
            w, b = theirs.node_maps.weight, theirs.node_maps.bias
            mine.self_path.weight.copy_(w[:d])
            mine.self_path.bias.copy_(b[:d])
            mine.message_lin.weight.copy_(torch.cat([w[d:2 * d], w[2 * d:], theirs.edge_map.weight], dim=1))
            mine.message_lin.bias.copy_(b[d:2 * d] + b[2 * d:])  # both node blocks carry a bias
        return self


def to_pyg(batch: GraphBatch) -> Batch:
    """A dense GraphBatch as a PyG Batch (padding dropped)."""
    graphs = []
    for b in range(len(batch)):
        src = batch.src if batch.shared_topology else batch.src[b]
        dst = batch.dst if batch.shared_topology else batch.dst[b]
        keep = batch.edge_mask[b].bool()
        nodes = int(batch.node_mask[b].sum())
        graphs.append(
            Data(
                x=batch.x[0 if batch.shared_nodes else b, :nodes],
                edge_index=torch.stack([src[keep], dst[keep]]),
                edge_attr=batch.edge_attr[b][keep],
            )
        )
    return Batch.from_data_list(graphs)
