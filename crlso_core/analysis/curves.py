"""A searched run's results as curves: best-so-far validation (and, where the benchmark has
it, test) accuracy against queries, for its latent search and the baselines run beside it,
and where its search queries came from."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import numpy as np

from crlso_core.benchmarks.base import Benchmark
from crlso_core.catalog.methods import RENAMED_BASELINES, method_label
from crlso_core.search.origins import Origins
from crlso_core.store import folder as run_files
from crlso_core.store.folder import RunFolder
from crlso_core.store.records import QueryRow, read_queries

OWN_SEARCH = method_label("crlso")  # a run's own search's curve, unless its caller names it (by its side's method)


def best_so_far(values: np.ndarray) -> np.ndarray:
    return np.maximum.accumulate(np.asarray(values, dtype=np.float64)) if len(values) else np.zeros(0)


@dataclass
class Curve:
    label: str
    valid: np.ndarray  # best-so-far validation accuracy after each query
    test: Optional[np.ndarray]  # test accuracy of the best-so-far-by-validation cell; None without test accuracy


def query_curve(benchmark: Benchmark, dataset: str, queries: list[QueryRow], label: str) -> Curve:
    valid = np.array([q.valid_acc for q in queries], dtype=np.float64)
    if not benchmark.has_test(dataset):
        return Curve(label, best_so_far(valid), None)
    improved = [i for i in range(len(valid)) if i == 0 or valid[i] > valid[:i].max()]
    tests = benchmark.test_accuracy(benchmark.space.parse_many([queries[i].arch for i in improved]), dataset)
    test = np.empty(len(valid))
    for k, i in enumerate(improved):
        test[i:] = tests[k]  # each improvement holds until the next one
    return Curve(label, best_so_far(valid), test)


def run_curves(run_dir: Path, benchmark: Benchmark, dataset: str, label: str = OWN_SEARCH, prefix: str = "") -> list[Curve]:
    """The latent search's curve (labelled set included: those queries were paid for) and
    any baselines' run beside it (labelled `prefix` + their name)."""
    return [query_curve(benchmark, dataset, read_queries(path), name) for name, path in query_files(run_dir, label, prefix).items()]


def search_origins(run_dir: Path) -> Optional[Origins]:
    """Where a searched run's queries came from (None before its search): from its
    queries.csv, so runs searched before the summary kept the counts are counted too."""
    folder = RunFolder(run_dir)
    summary = folder.summary_or_none()
    if summary is None or not summary.complete or not folder.has(run_files.QUERIES):
        return None
    return Origins.of(q.source for q in read_queries(folder.file(run_files.QUERIES)))


def query_files(run_dir: Path, label: str = OWN_SEARCH, prefix: str = "") -> dict[str, Path]:
    """Each method's queries.csv in a run folder, by its label: the latent search's (once
    the run is searched) and any baselines' run beside it."""
    folder = RunFolder(run_dir)
    found = {}
    summary = folder.summary_or_none()
    if summary is not None and summary.complete and folder.has(run_files.QUERIES):
        found[label] = folder.file(run_files.QUERIES)
    for path in folder.baseline_files():
        found[prefix + method_label(RENAMED_BASELINES.get(path.stem, path.stem))] = path
    return found
