"""An affine change of what a trained predictor outputs, made in its weights."""

from __future__ import annotations

from typing import Sequence

import torch
from torch import nn


@torch.no_grad()
def rescale_output_(layers: Sequence[nn.Linear], scale: float, shift: float) -> None:
    """y -> scale * y + shift, for a model whose output is the sum of these layers' outputs
    (exactly one with a bias). Done in the weights, so a saved model keeps its format; a
    positive scale keeps an ICNN's non-negative weights non-negative, hence convex."""
    if not scale > 0:
        raise ValueError(f"output scale must be positive, got {scale}")
    biased = [layer for layer in layers if layer.bias is not None]
    if len(biased) != 1:
        raise ValueError("exactly one output layer must carry the bias")
    for layer in layers:
        layer.weight.mul_(scale)
    biased[0].bias.mul_(scale).add_(shift)
