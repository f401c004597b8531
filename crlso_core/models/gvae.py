"""Graph variational autoencoder: graph encoder -> (mu, log sigma^2) -> residual MLP decoder."""

from __future__ import annotations

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from crlso_core.models.encoder import GraphEncoder
from crlso_core.spaces.base import GraphBatch


class ResidualBlock(nn.Module):
    def __init__(self, dim: int):
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(dim, dim), nn.Linear(dim, dim)

    def forward(self, x: Tensor) -> Tensor:
        return x + self.fc2(F.leaky_relu(self.fc1(F.leaky_relu(x))))


class Decoder(nn.Module):
    def __init__(self, latent: int, hidden: int, out: int, blocks: int):
        super().__init__()
        self.inp = nn.Linear(latent, hidden)
        self.blocks = nn.Sequential(*(ResidualBlock(hidden) for _ in range(blocks)))
        self.out = nn.Linear(hidden, out)

    def forward(self, z: Tensor) -> Tensor:
        return self.out(F.leaky_relu(self.blocks(self.inp(z))))


class GVAE(nn.Module):
    def __init__(
        self,
        node_features: int,
        edge_features: int,
        decoder_output_dim: int,
        latent: int = 16,
        hidden: int = 256,
        layers: int = 3,
        decoder_blocks: int = 2,
        readout: str = "sum",
    ):
        super().__init__()
        self.encoder = GraphEncoder(node_features, edge_features, hidden, layers, readout)
        self.to_mu = nn.Linear(hidden, latent)
        self.to_logvar = nn.Linear(hidden, latent)
        self.decoder = Decoder(latent, hidden, decoder_output_dim, decoder_blocks)
        self.latent = latent

    def encode(self, batch: GraphBatch) -> tuple[Tensor, Tensor]:
        g = self.encoder(batch)
        return self.to_mu(g), self.to_logvar(g)

    def forward(self, batch: GraphBatch, noise_scale: float = 0.0) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        """(mu, logvar, z, logits). The reference samples z = mu + 0.01*eps*sigma while
        training: the latent stays nearly deterministic, so decoding mu is faithful."""
        mu, logvar = self.encode(batch)
        z = mu + noise_scale * torch.randn_like(mu) * torch.exp(0.5 * logvar) if noise_scale else mu
        return mu, logvar, z, self.decoder(z)


def kl_divergence(mu: Tensor, logvar: Tensor) -> Tensor:
    """KL(q(z|x) || N(0, I)), summed over latent dimensions, averaged over the batch."""
    return -0.5 * torch.mean(torch.sum(1 + logvar - mu.pow(2) - logvar.exp(), dim=1))
