"""Where each search method looked: every cell the methods of one pair queried, coded by one
encoder and laid out by one t-SNE, so their regions can be compared in one picture (the
paper's NB301 figure). Plain data out, no figures."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from crlso_core.analysis.cache import keep
from crlso_core.analysis.projections import project
from crlso_core.common.errors import CRLSOError
from crlso_core.common.files import path_inside
from crlso_core.store.analysis_files import MAX_METHODS, MAX_PER_METHOD, read_found_file
from crlso_core.store.examples import is_example
from crlso_core.store.folder import ANALYSIS
from crlso_core.store.records import read_queries


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


def found_key(sources: dict[str, Path]) -> str:
    """What a found map was laid out from: the methods' labels and their query files' bytes."""
    digest = hashlib.sha1()
    for method, path in sorted(sources.items()):
        digest.update(method.encode() + b"\0" + Path(path).read_bytes() + b"\0")
    return digest.hexdigest()[:12]


def read_found(path: Path, methods: int = MAX_METHODS) -> FoundMap:
    """A found map kept in a run's analysis folder, its headers checked before anything is
    read (a run folder may come from anyone); CRLSOError if it is none."""
    f = read_found_file(path, methods)
    return FoundMap(f["methods"].tolist(), f["archs"].tolist(), f["valid"].astype(np.float64), f["xy"].astype(np.float32))


def cached_found_map(coder_dir: Path, sources: dict[str, Path], codes_of: Callable[[list[str]], np.ndarray]) -> FoundMap | None:
    """The found map of these query files, read from the coding run's analysis folder when
    it was laid out before (t-SNE of a few thousand cells takes tens of seconds), else laid
    out and kept there (never in a shipped example, whose own map ships with it)."""
    name = f"{ANALYSIS}/found-{found_key(sources)}.npz"
    path = Path(coder_dir) / name
    if path.is_file():
        try:
            found = read_found(path_inside(Path(coder_dir), name), len(sources))  # never through a link below the run
            if np.isfinite(found.xy).all() and set(found.methods) <= set(sources):
                return found
        except (OSError, CRLSOError):
            pass  # unreadable, or more than these methods could have queried: laid out again
    by_method = queried(sources)
    if not by_method:
        return None
    found = found_map(by_method, codes_of)
    if not is_example(coder_dir):
        buffer = io.BytesIO()
        np.savez_compressed(buffer, methods=np.array(found.methods), archs=np.array(found.archs), valid=found.valid,
                            xy=found.xy.astype(np.float32))
        keep(coder_dir, name, buffer.getvalue())
    return found
