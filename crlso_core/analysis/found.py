"""Where each search method looked: every cell the methods of one pair queried, coded by one
encoder and laid out by one t-SNE, so their regions can be compared in one picture (the
paper's NB301 figure). Plain data out, no figures."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from crlso_core.analysis.projections import project
from crlso_core.store.records import read_queries

MAX_PER_METHOD = 1_000  # t-SNE of a few thousand points takes seconds on a 2-core CPU


@dataclass
class FoundMap:
    methods: list[str]  # one per point
    archs: list[str]
    valid: np.ndarray  # the accuracy each query returned
    xy: np.ndarray  # [points, 2]


def queried(sources: dict[str, Path], skip_labelled: bool = True) -> dict[str, list[tuple[str, float]]]:
    """method label -> its queried (cell, validation accuracy), in query order. The latent
    searches' labelled set is left out: it is a random sample, the same for both sides."""
    out = {}
    for method, path in sources.items():
        rows = [r for r in read_queries(path) if not (skip_labelled and r.source == "labelled")]
        if rows:
            out[method] = [(r.arch, r.valid_acc) for r in rows[:MAX_PER_METHOD]]
    return out


def found_map(by_method: dict[str, Sequence[tuple[str, float]]], codes_of: Callable[[list[str]], np.ndarray],
              seed: int = 0) -> FoundMap:
    """One t-SNE of every queried cell's code (`codes_of`: one encoder for all methods)."""
    methods = [m for m, rows in by_method.items() for _ in rows]
    archs = [a for rows in by_method.values() for a, _ in rows]
    valid = np.array([v for rows in by_method.values() for _, v in rows], dtype=np.float64)
    unique = list(dict.fromkeys(archs))  # a cell two methods found is one point of the layout
    codes = codes_of(unique)
    # t-SNE needs more points than its perplexity (30); a handful is laid out by PCA
    xy = project(codes, "tsne" if len(unique) > 90 else "pca", 2, seed=seed).coords if len(unique) > 2 else np.zeros((len(unique), 2))
    at = {a: i for i, a in enumerate(unique)}
    return FoundMap(methods, archs, valid, xy[[at[a] for a in archs]])
