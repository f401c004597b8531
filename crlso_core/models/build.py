"""The networks of a run built from its settings: the one place a G-VAE, an ICNN or the
search's latent predictor is constructed, for training and for loading a saved run alike
(a state dict loads only into the network it was saved from), and the teacher."""

from __future__ import annotations

from torch import nn

from crlso_core.catalog.config import GVAEConfig, TeacherConfig
from crlso_core.models.gvae import GVAE
from crlso_core.models.icnn import ICNN, LatentMLP
from crlso_core.models.predictor import GNNPredictor, ReferenceGNNPredictor
from crlso_core.spaces.base import SearchSpace


def gvae_for(cfg: GVAEConfig, space: SearchSpace) -> GVAE:
    return GVAE(space.node_features, space.edge_features, space.decoder_output_dim, cfg.latent, cfg.hidden, cfg.layers,
                cfg.decoder_blocks, cfg.readout, cfg.decoder)


def latent_predictor(kind: str, cfg: GVAEConfig) -> nn.Module:
    """The predictor of error from a latent code: an ICNN (convex in z) or an unconstrained MLP."""
    if kind == "icnn":
        return ICNN(cfg.latent, cfg.icnn_hidden, cfg.icnn_layers, cfg.icnn_biases)
    return LatentMLP(cfg.latent, cfg.icnn_hidden, cfg.icnn_layers + 1)  # as deep as the ICNN


def teacher_for(cfg: TeacherConfig, space: SearchSpace) -> nn.Module:
    """The teacher its settings name: the authors' (`head = "reference"`) or the earlier one."""
    if cfg.head == "reference":
        return ReferenceGNNPredictor(space.node_features, space.edge_features, space.node_slots(), cfg.hidden, cfg.layers)
    return GNNPredictor(space.node_features, space.edge_features, cfg.hidden, cfg.layers)
