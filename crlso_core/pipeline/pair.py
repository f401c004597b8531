"""The LS/CR-LS pair the paper compares, trained from one seed, and baselines run beside a
trained run on its dataset and seed."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path
from typing import Optional

import numpy as np

from crlso_core.benchmarks.base import Oracle
from crlso_core.catalog.config import RunConfig
from crlso_core.catalog.methods import SIDES, side
from crlso_core.catalog.registry import load_benchmark
from crlso_core.common.errors import CRLSOError, quoted
from crlso_core.common.files import FileGroup
from crlso_core.common.progress import ProgressFn, report
from crlso_core.pipeline.run import query_rows, train_run
from crlso_core.pipeline.stages import queries_to_best
from crlso_core.search.baselines import BASELINES
from crlso_core.store import folder as run_files
from crlso_core.store.copies import writable_run
from crlso_core.store.folder import RunFolder
from crlso_core.store.index import index_run
from crlso_core.store.pairs import pair_folder
from crlso_core.store.records import BaselineResult, RunSummary, queries_bytes, summary_bytes


def pair_config(config: RunConfig, side_id: str) -> RunConfig:
    """`config` as the side's method trains and searches (catalog.methods.SIDE_TABLE): the LS
    side trains the G-VAE alone and searches with an unconstrained MLP fitted on its codes
    (the paper's plain LSO); the CR-LS side trains G-VAE and ICNN jointly."""
    record = side(side_id)
    twin = RunConfig.from_dict(config.to_dict())
    twin.gvae.icnn = record.icnn
    twin.search.predictor = record.predictor
    return twin


def train_pair(
    config: RunConfig, root: Path, name: str, data_dir=None, progress: Optional[ProgressFn] = None, sides=SIDES,
) -> dict[str, RunSummary]:
    """Train LS and CR-LS from the same seed into <root>/<name>-ls and <root>/<name>-crls
    (or just the sides asked for)."""
    config.validate()
    if not sides or any(s not in SIDES for s in sides):
        raise CRLSOError(f"Sides to train must be among {', '.join(SIDES)}, got {', '.join(sides) or 'none'}.")
    summaries = {}
    for side_id in sides:
        phase = (lambda event, s=side_id: progress(replace(event, stage=f"{s}:{event.stage}"))) if progress else None
        summaries[side_id] = train_run(pair_config(config, side_id), pair_folder(root, name, side_id), data_dir, phase,
                                       {"pair": name, "side": side_id})
    return summaries


def baseline_run(
    run_dir: Path, method: str, budget: int, data_dir=None, progress: Optional[ProgressFn] = None,
    index_root: Optional[Path] = None,
) -> BaselineResult:
    """Run a baseline (rs, rea, local) on the run's dataset and seed with the given budget;
    its queries go to baselines/<method>.csv and its result into the run's summary."""
    if method not in BASELINES:
        raise CRLSOError(f"Unknown baseline {quoted(method, 40)}; choose one of {', '.join(BASELINES)}.")
    folder = RunFolder(writable_run(run_dir, index_root))
    folder.require()
    folder.check_writable()
    with folder.lock():
        identity = folder.identity()
        result, summary = _baseline(folder, method, budget, data_dir, progress, identity)
    index_run(folder.path, summary, index_root)
    return result


def _baseline(folder: RunFolder, method: str, budget: int, data_dir, progress, identity) -> tuple[BaselineResult, RunSummary]:
    config, summary = folder.open()
    benchmark = load_benchmark(config.space, data_dir)
    benchmark.check_budget(budget)
    oracle = Oracle(benchmark, config.dataset, budget)
    report(progress, method, 0, budget)
    t0 = time.perf_counter()
    BASELINES[method](benchmark.space, oracle, np.random.default_rng(config.seed))
    best, best_valid = oracle.best()
    result = BaselineResult(
        budget, benchmark.space.format(best), best_valid, oracle.test_accuracy(best),
        queries_to_best(oracle, best), round(time.perf_counter() - t0, 2),
    )
    report(progress, method, oracle.used, budget)
    summary.baselines[method] = result
    group = FileGroup(folder.path)
    group.add(folder.baseline_queries(method).relative_to(folder.path).as_posix(), queries_bytes(query_rows(oracle)))
    group.add(run_files.SUMMARY, summary_bytes(summary))
    folder.check_still(identity, f"the {method} baseline ran")
    group.commit()
    return result, summary
