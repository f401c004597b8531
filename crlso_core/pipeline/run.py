"""One CR-LSO run end to end into a run folder: label a random set, train the teacher,
train the G-VAE with the ICNN over the run's cell pool, search, report. `train_run` and
`search_run` do one half each; the CLI and the app call these, nothing else. Also the
LS/CR-LS pair the paper compares, and baselines run beside a run."""

from __future__ import annotations

import platform
import time
from dataclasses import replace
from pathlib import Path
from typing import Optional

import numpy as np
import torch

from crlso_core.benchmarks.base import Benchmark, Oracle
from crlso_core.catalog.config import RunConfig
from crlso_core.common.errors import CRLSOError, quoted
from crlso_core.common.files import FileGroup, finish_group, json_bytes, write_json
from crlso_core.store.models import load_trained, save_latent, save_state, state_bytes
from crlso_core.common.progress import ProgressFn, report
from crlso_core.catalog.methods import SIDES
from crlso_core.store.records import RUN_FORMAT, BaselineResult, QueryRow, RunSummary, queries_bytes, read_queries, read_summary, summary_bytes, trajectory_bytes, write_queries, write_summary
from crlso_core.catalog.registry import load_benchmark
from crlso_core.store.index import RunClaim, index_run
from crlso_core.search.baselines import BASELINES
from crlso_core.search.origins import Origins
from crlso_core.pipeline.stages import (
    draw_labelled, kendall_taus, latent_stage, queries_to_best, run_pool, search_predictor, search_stage, teacher_stage,
)
from crlso_core.models.training import prepare_torch, resolve_device, seed_everything


def _new_summary(config: RunConfig, benchmark: Benchmark, device: torch.device, pool_size: int) -> RunSummary:
    return RunSummary(
        space=config.space, dataset=config.dataset, preset=config.preset, seed=config.seed, budget=config.budget,
        labelled=config.labelled, device=str(device), latent_regularised=config.gvae.icnn, predictor=config.search.predictor,
        rule=config.search.rule, benchmark=benchmark.title, pool_size=pool_size, created=time.time(),
        torch=torch.__version__, machine=platform.machine(), run_format=RUN_FORMAT,
    )


def check_budget(benchmark: Benchmark, budget: int) -> None:
    """Refuse, before any training, a budget the benchmark cannot spend."""
    capacity = benchmark.capacity
    if capacity is not None and budget > capacity:
        raise CRLSOError(f"A budget of {budget:,} queries is more than the {capacity:,} cells {benchmark.title} can answer; "
                         f"choose at most {capacity:,}.")


def train_run(
    config: RunConfig, out: Path, data_dir=None, progress: Optional[ProgressFn] = None, labels: Optional[dict] = None,
    index_root: Optional[Path] = None,
) -> RunSummary:
    """Train into a new run folder; its summary says status "trained". `labels` (the pair
    and side a run belongs to) are stored in the summary. The folder appears, whole, only
    when training is done (RunClaim); it is listed in the index of `index_root` (default:
    the folder that holds it)."""
    config.validate()
    device = resolve_device(config.device)
    prepare_torch()
    benchmark = load_benchmark(config.space, data_dir)
    check_budget(benchmark, config.budget)
    claim = RunClaim(Path(out))
    with claim as staging:
        summary = _train_into(config, benchmark, device, staging, progress, labels or {})
        claim.commit()
    index_run(Path(out), summary, index_root)
    return summary


def _train_into(config: RunConfig, benchmark: Benchmark, device, folder: Path, progress, labels: dict) -> RunSummary:
    generator = seed_everything(config.seed)
    write_json(folder / "config.json", config.to_dict())
    oracle, labelled, accuracy = draw_labelled(config, benchmark)
    pool = run_pool(config, benchmark, labelled)
    teacher = teacher_stage(config, pool, labelled, accuracy, device, generator, progress)
    t0 = time.perf_counter()
    latent = latent_stage(config, pool, teacher.pseudo, device, generator, progress)
    predictor = search_predictor(config, latent, teacher.pseudo, device, generator)
    latent_seconds = time.perf_counter() - t0
    teacher_tau, predictor_tau = kendall_taus(config, benchmark, pool, teacher, predictor, latent.mu, device)
    summary = replace(
        _new_summary(config, benchmark, device, len(pool)), **labels, status="trained", recon_acc=latent.recon_acc, recon_heldout=latent.recon_heldout,
        teacher_kendall_tau=teacher_tau, icnn_kendall_tau=predictor_tau, queries_used=oracle.used,
        final_losses=latent.history[-1], wall_s={"teacher": round(teacher.seconds, 2), "gvae": round(latent_seconds, 2)},
    )
    save_state(folder / "teacher.pt", teacher.teacher)
    save_state(folder / "gvae.pt", latent.gvae)
    save_state(folder / "predictor.pt", predictor)
    save_latent(folder / "latent.npz", pool.archs, latent.mu)
    _write_queries(folder / "queries.csv", oracle)
    write_summary(folder, summary)
    return summary


def _query_rows(oracle: Oracle) -> list[QueryRow]:
    return [QueryRow(i, q.arch, q.valid_acc, q.source) for i, q in enumerate(oracle.history)]


def _write_queries(path: Path, oracle: Oracle) -> None:
    write_queries(path, _query_rows(oracle))


def _queries_bytes(oracle: Oracle) -> bytes:
    return queries_bytes(_query_rows(oracle))


def _optimum_fields(benchmark: Benchmark, dataset: str, best_valid: float) -> dict:
    optimum = benchmark.optimum(dataset)
    if optimum is None:
        return {"valid_optimum": None, "found_valid_optimum": None}
    return {"valid_optimum": optimum.valid, "found_valid_optimum": bool(best_valid >= optimum.valid)}


def open_run(run_dir: Path) -> tuple[Path, RunConfig, RunSummary]:
    """A run folder to work in: a save that a killed process left half done is completed
    first, then its config and summary are read and checked."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        what = "a file" if run_dir.exists() else "missing"
        raise CRLSOError(f"{run_dir} is not a run folder (it is {what}); give a folder written by `crlso train` or `crlso run`.")
    finish_group(run_dir)
    return run_dir, RunConfig.read(run_dir), read_summary(run_dir)


def search_run(
    run_dir: Path, data_dir=None, budget: Optional[int] = None, rule: Optional[str] = None,
    progress: Optional[ProgressFn] = None, index_root: Optional[Path] = None,
) -> RunSummary:
    """Search from a trained run, replacing any earlier search results in it: the new
    results (predictor, trajectory, queries, config, summary) replace the old all at once."""
    run_dir, config, summary = open_run(run_dir)
    if budget is not None:
        config.budget = budget
    if rule is not None:
        config.search.rule = rule
    config.validate()
    device = resolve_device(config.device)
    prepare_torch()
    benchmark = load_benchmark(config.space, data_dir)
    check_budget(benchmark, config.budget)
    trained = load_trained(run_dir, config, benchmark.space, device)
    oracle = Oracle(benchmark, config.dataset, config.budget)
    for row in read_queries(run_dir / "queries.csv"):  # the labelled set was paid for in training
        if row.source == "labelled":
            oracle.query(benchmark.space.parse(row.arch), "labelled")

    t0 = time.perf_counter()
    steps = search_stage(config, trained.pool, trained.gvae, trained.predictor, trained.mu, oracle, device, progress)
    wall = time.perf_counter() - t0

    best, best_valid = oracle.best()
    origins = Origins.of(q.source for q in oracle.history)
    wall_s = {**summary.wall_s, "search": round(wall, 2)}
    wall_s["total"] = round(sum(v for k, v in wall_s.items() if k != "total"), 2)
    summary = replace(
        summary, status="complete", budget=config.budget, rule=config.search.rule, queries_used=oracle.used,
        best_arch=benchmark.space.format(best), best_valid_acc=best_valid, best_test_acc=oracle.test_accuracy(best),
        **_optimum_fields(benchmark, config.dataset, best_valid), queries_to_best=queries_to_best(oracle, best),
        search_steps=len(steps), query_origins=origins.counts, latent_share=origins.latent_share, device=str(device), wall_s=wall_s, benchmark=benchmark.title,
        pool_size=len(trained.pool), run_format=RUN_FORMAT,
    )
    group = FileGroup(run_dir)
    group.add("predictor_search.pt", state_bytes(trained.predictor))
    group.add("trajectories.csv", trajectory_bytes(steps))
    group.add("queries.csv", _queries_bytes(oracle))
    group.add("config.json", json_bytes(config.to_dict()))
    group.add("summary.json", summary_bytes(summary))  # last: a run is complete once this says so
    group.commit()
    index_run(run_dir, summary, index_root)
    return summary


def full_run(
    config: RunConfig, out: Path, data_dir=None, progress: Optional[ProgressFn] = None, index_root: Optional[Path] = None,
) -> RunSummary:
    train_run(config, out, data_dir, progress, index_root=index_root)
    return search_run(Path(out), data_dir, progress=progress, index_root=index_root)


# --- the pair the paper compares, and baselines beside a run ------------------------------

def pair_config(config: RunConfig, side: str) -> RunConfig:
    """The LS side trains the G-VAE alone and searches with an unconstrained MLP fitted on its
    codes (the paper's plain LSO); the CR-LS side trains G-VAE and ICNN jointly."""
    if side not in SIDES:
        raise CRLSOError(f"A pair side is ls or crls, got {side!r}.")
    twin = RunConfig.from_dict(config.to_dict())
    twin.gvae.icnn = side == "crls"
    twin.search.predictor = "icnn" if side == "crls" else "mlp"
    return twin


def train_pair(
    config: RunConfig, root: Path, name: str, data_dir=None, progress: Optional[ProgressFn] = None, sides=SIDES,
) -> dict[str, RunSummary]:
    """Train LS and CR-LS from the same seed into <root>/<name>-ls and <root>/<name>-crls
    (or just the sides asked for)."""
    config.validate()
    if not sides or any(side not in SIDES for side in sides):
        raise CRLSOError(f"Sides to train must be among {', '.join(SIDES)}, got {', '.join(sides) or 'none'}.")
    summaries = {}
    for side in sides:
        phase = (lambda event, side=side: progress(replace(event, stage=f"{side}:{event.stage}"))) if progress else None
        summaries[side] = train_run(pair_config(config, side), Path(root) / f"{name}-{side}", data_dir, phase, {"pair": name, "side": side})
    return summaries


def baseline_run(
    run_dir: Path, method: str, budget: int, data_dir=None, progress: Optional[ProgressFn] = None,
    index_root: Optional[Path] = None,
) -> BaselineResult:
    """Run a baseline (rs, rea, local) on the run's dataset and seed with the given budget;
    its queries go to baselines/<method>.csv and its result into the run's summary."""
    if method not in BASELINES:
        raise CRLSOError(f"Unknown baseline {quoted(method, 40)}; choose one of {', '.join(BASELINES)}.")
    run_dir, config, summary = open_run(run_dir)
    benchmark = load_benchmark(config.space, data_dir)
    check_budget(benchmark, budget)
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
    group = FileGroup(run_dir)
    group.add(f"baselines/{method}.csv", _queries_bytes(oracle))
    group.add("summary.json", summary_bytes(summary))
    group.commit()
    index_run(run_dir, summary, index_root)
    return result
