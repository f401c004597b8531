"""The latent space's own scale, and where a ray from a start may go.

A step is measured in the codes' spacing (the median distance from a code to its nearest
other code), not in the size of the predictor's gradient: errors that vary by half a percent
(NB301, NB101) or that the predictor has flattened (NB201's ICNN) give gradients too small
to leave the start cell, and the search then silently becomes a local search. A ray runs
from a start along the descent direction as far as the pool's codes are wide along it. Not
only to their edge: the best cells lie at the edge in the direction of improvement (on a
NB201 CR-LS dev run the 40 best labelled cells lay 0.5-0.8 spacings from it, all rays
nearly parallel, cosine 0.97), and the first new cells along those rays decoded 3-5
spacings out, most of them better than 90 % on CIFAR-10."""

from __future__ import annotations

import torch
from torch import Tensor

SPACING_SAMPLE = 2_000  # codes whose nearest neighbour is measured (evenly spaced rows)


def median_spacing(codes: Tensor) -> float:
    """Median distance from a code (an evenly spaced sample of up to 2,000) to its nearest
    other code among all; 1.0 when there are fewer than two distinct codes."""
    codes = codes.float()
    nearest = []
    for part in codes[:: max(1, len(codes) // SPACING_SAMPLE)].split(200):  # 200 x all distances at a time
        distance = torch.cdist(part, codes)
        distance[distance == 0] = float("inf")  # itself, or a duplicate code
        nearest.append(distance.min(1).values)
    found = torch.cat(nearest) if nearest else torch.empty(0)
    found = found[torch.isfinite(found)]
    return float(found.median()) if len(found) else 1.0


def descent_directions(gradient: Tensor) -> Tensor:
    """Unit vectors down the predicted error (zero where the gradient vanishes)."""
    return -gradient / gradient.norm(dim=1, keepdim=True).clamp_min(1e-12)


def ray_extents(directions: Tensor, cloud: Tensor) -> Tensor:
    """How far each ray runs: the width of `cloud` along its direction (the farthest code's
    position along it minus the nearest's), whatever the start."""
    reach = cloud.float() @ directions.T  # [codes, rays]: each code's position along each ray
    return reach.max(0).values - reach.min(0).values


def ray_distances(extent: float, spacing: float, first: float, step: float, most: int) -> Tensor:
    """Distances along one ray, in code units: `first`, `first + step`, ... spacings out to
    the extent (always at least the first); spread evenly over `most` points when more
    would be needed."""
    end = max(extent / spacing, first)
    count = int((end - first) / step + 1e-9) + 1 if step > 0 else 1
    if count > most:
        units = torch.linspace(first, end, most)
    else:
        units = first + step * torch.arange(count, dtype=torch.float32)
    return units * spacing
