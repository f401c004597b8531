"""Input-convex neural network f(z): predicted error, convex in z by construction.

    h_0     = s(A z + b)
    h_{l+1} = s(W_l h_l) + s(U_l z)          W_l >= 0,  l = 0 .. convex_layers - 1
    f(z)    = w_out . h_L + u_out . z         w_out >= 0
with s = LeakyReLU (convex, non-decreasing). A non-negative combination of convex,
non-decreasing functions of convex functions is convex, so keeping W_l and w_out
non-negative (clamped after every optimiser step) keeps f convex in z.

The authors' model (their NB201 `models.py`): 4 convex layers, and no bias on W, U or the
output; only the first, affine layer has one. `biases=True` is this project's earlier
model (biases on U and on the output), kept so that run folders trained with it load.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn
from torch.nn import functional as F


class ICNN(nn.Module):
    def __init__(self, latent: int, hidden: int = 128, convex_layers: int = 4, biases: bool = False):
        super().__init__()
        self.first = nn.Linear(latent, hidden)
        self.hidden_path = nn.ModuleList(nn.Linear(hidden, hidden, bias=False) for _ in range(convex_layers))
        self.skips = nn.ModuleList(nn.Linear(latent, hidden, bias=biases) for _ in range(convex_layers))
        self.out_hidden = nn.Linear(hidden, 1, bias=False)
        self.out_skip = nn.Linear(latent, 1, bias=biases)
        with torch.no_grad():  # start non-negative and small so depth does not blow up the scale
            for lin in self.constrained_layers():
                lin.weight.uniform_(0.0, 2.0 / lin.in_features)

    def constrained_layers(self) -> list[nn.Linear]:
        return [*self.hidden_path, self.out_hidden]

    @torch.no_grad()
    def clamp_(self) -> None:
        for lin in self.constrained_layers():
            lin.weight.clamp_(min=0.0)

    def output_layers(self) -> list[nn.Linear]:
        return [self.out_hidden, self.out_skip]

    def is_convex_by_construction(self) -> bool:
        return all(bool((lin.weight >= 0).all()) for lin in self.constrained_layers())

    def forward(self, z: Tensor) -> Tensor:
        h = F.leaky_relu(self.first(z))
        for w, u in zip(self.hidden_path, self.skips):
            h = F.leaky_relu(w(h)) + F.leaky_relu(u(z))
        return (self.out_hidden(h) + self.out_skip(z)).squeeze(-1)


class LatentMLP(nn.Module):
    """Unconstrained predictor of error from z: the plain-LSO ablation's stand-in for the
    ICNN, as deep as the ICNN it replaces (`layers` hidden layers: the ICNN's first layer
    plus its convex layers)."""

    def __init__(self, latent: int, hidden: int = 128, layers: int = 5):
        super().__init__()
        dims = [latent] + [hidden] * layers
        mods: list[nn.Module] = []
        for a, b in zip(dims, dims[1:]):
            mods += [nn.Linear(a, b), nn.LeakyReLU()]
        self.net = nn.Sequential(*mods, nn.Linear(hidden, 1))

    def clamp_(self) -> None:  # nothing to constrain; keeps the training loop uniform
        pass

    def output_layers(self) -> list[nn.Linear]:
        return [self.net[-1]]

    def forward(self, z: Tensor) -> Tensor:
        return self.net(z).squeeze(-1)
