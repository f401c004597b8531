"""Graph variational autoencoder: graph encoder -> (mu, log sigma^2) -> residual MLP decoder.

Two decoders: "reference", the authors' (their NB201 `models.py`): tanh(Linear(z)), then
residual layers x -> LeakyReLU(Lin(x)) + Lin(x), the last one giving the logits; the tanh
bounds what a code far outside the training cloud decodes from. "residual" is this
project's earlier decoder (no tanh, pre-activation residual blocks), kept so that run
folders trained with it load.
"""

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
    """The earlier decoder: Linear(z), residual blocks, LeakyReLU, Linear."""

    def __init__(self, latent: int, hidden: int, out: int, blocks: int):
        super().__init__()
        self.inp = nn.Linear(latent, hidden)
        self.blocks = nn.Sequential(*(ResidualBlock(hidden) for _ in range(blocks)))
        self.out = nn.Linear(hidden, out)

    def forward(self, z: Tensor) -> Tensor:
        return self.out(F.leaky_relu(self.blocks(self.inp(z))))


class ReferenceLayer(nn.Module):
    """x -> LeakyReLU(Lin(x)) + Lin(x): the authors' residual MLP layer (it may change width)."""

    def __init__(self, dim_in: int, dim_out: int):
        super().__init__()
        self.mlp, self.resid = nn.Linear(dim_in, dim_out), nn.Linear(dim_in, dim_out)

    def forward(self, x: Tensor) -> Tensor:
        return F.leaky_relu(self.mlp(x)) + self.resid(x)


class ReferenceDecoder(nn.Module):
    """tanh(Linear(z)), then `layers` reference layers, the last one out to the logits."""

    def __init__(self, latent: int, hidden: int, out: int, layers: int):
        super().__init__()
        self.inp = nn.Linear(latent, hidden)
        widths = [hidden] * max(layers, 1) + [out]
        self.layers = nn.Sequential(*(ReferenceLayer(a, b) for a, b in zip(widths, widths[1:])))

    def forward(self, z: Tensor) -> Tensor:
        return self.layers(torch.tanh(self.inp(z)))


DECODERS = {"reference": ReferenceDecoder, "residual": Decoder}


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
        decoder: str = "reference",
    ):
        super().__init__()
        self.encoder = GraphEncoder(node_features, edge_features, hidden, layers, readout)
        self.to_mu = nn.Linear(hidden, latent)
        self.to_logvar = nn.Linear(hidden, latent)
        self.decoder = DECODERS[decoder](latent, hidden, decoder_output_dim, decoder_blocks)
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


KL_REDUCTIONS = ("mean", "sum")


def kl_divergence(mu: Tensor, logvar: Tensor, reduction: str = "mean") -> Tensor:
    """KL(q(z|x) || N(0, I)) averaged over the batch and, with "mean" (the authors'), over
    the latent dimensions too; "sum" (this project's earlier term) sums the dimensions, which
    is `latent` times stronger at the same weight beta."""
    per_dim = -0.5 * (1 + logvar - mu.pow(2) - logvar.exp())
    return per_dim.mean() if reduction == "mean" else per_dim.sum(1).mean()
