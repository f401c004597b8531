"""One CR-LSO run end to end into a run folder: label a random set, train the teacher,
train the G-VAE with the ICNN over the run's cell pool, search, report. `train_run` and
`search_run` do one half each, meeting at the run folder on disk (`crlso train`, `crlso
search`, the app's jobs and pair.py); `full_run` (`crlso run`) hands the trained models,
the benchmark and the oracle from one half to the other in memory."""

from __future__ import annotations

import platform
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Optional

import torch

from crlso_core.benchmarks.base import Benchmark, Oracle
from crlso_core.catalog.config import RunConfig
from crlso_core.catalog.registry import load_benchmark
from crlso_core.common.files import FileGroup, json_bytes, write_json
from crlso_core.common.progress import ProgressFn, report
from crlso_core.models.training import prepare_torch, resolve_device, seed_everything
from crlso_core.pipeline.stages import (
    CHECK,
    check_steps,
    draw_labelled,
    kendall_taus,
    labelled_oracle,
    latent_stage,
    queries_to_best,
    run_pool,
    search_predictor,
    search_stage,
    teacher_stage,
)
from crlso_core.search.origins import Origins
from crlso_core.store import folder as run_files
from crlso_core.store.copies import writable_run
from crlso_core.store.folder import RunClaim, RunFolder, check_new_run
from crlso_core.store.index import index_run
from crlso_core.store.models import Trained, load_trained, save_latent, save_state, state_bytes
from crlso_core.store.records import (
    RUN_FORMAT,
    QueryRow,
    RunSummary,
    queries_bytes,
    read_queries,
    summary_bytes,
    trajectory_bytes,
    write_queries,
)


def _new_summary(config: RunConfig, benchmark: Benchmark, device: torch.device, pool_size: int) -> RunSummary:
    return RunSummary(
        space=config.space, dataset=config.dataset, preset=config.preset, seed=config.seed, budget=config.budget,
        labelled=config.labelled, device=str(device), latent_regularised=config.gvae.icnn, predictor=config.search.predictor,
        rule=config.search.rule, benchmark=benchmark.title, pool_size=pool_size, created=time.time(),
        torch=torch.__version__, machine=platform.machine(), run_format=RUN_FORMAT,
    )


@dataclass
class TrainedRun:
    """What training leaves in memory besides its folder: what a search needs to start."""

    config: RunConfig
    summary: RunSummary
    benchmark: Benchmark
    device: torch.device
    trained: Trained
    oracle: Oracle  # holds the labelled set's queries, paid for in training


def train_run(
    config: RunConfig, out: Path, data_dir=None, progress: Optional[ProgressFn] = None, labels: Optional[dict] = None,
    index_root: Optional[Path] = None,
) -> RunSummary:
    """Train into a new run folder; its summary says status "trained". `labels` (the pair
    and side a run belongs to) are stored in the summary. The folder appears, whole, only
    when training is done (RunClaim); it is listed in the index of `index_root` (default:
    the folder that holds it)."""
    return _train(config, out, data_dir, progress, labels or {}, index_root).summary


def _train(config: RunConfig, out: Path, data_dir, progress, labels: dict, index_root) -> TrainedRun:
    config.validate()
    check_new_run(Path(out))  # inside the package, a file, a full folder, a mount point: refused before any work
    device = resolve_device(config.device)
    prepare_torch()
    benchmark = load_benchmark(config.space, data_dir)
    benchmark.check_budget(config.budget)  # before any training
    claim = RunClaim(Path(out))
    with claim as staging:
        run = _train_into(config, benchmark, device, staging, progress, labels)
        claim.commit()
    index_run(Path(out), run.summary, index_root)
    return run


def _train_into(config: RunConfig, benchmark: Benchmark, device, path: Path, progress, labels: dict) -> TrainedRun:
    folder = RunFolder(path)
    generator = seed_everything(config.seed)
    write_json(folder.file(run_files.CONFIG), config.to_dict())
    oracle, labelled, accuracy = draw_labelled(config, benchmark)
    pool = run_pool(config, benchmark, labelled)
    teacher = teacher_stage(config, pool, labelled, accuracy, device, generator, progress)
    t0 = time.perf_counter()
    latent = latent_stage(config, pool, teacher.pseudo, device, generator, progress)
    predictor = search_predictor(config, latent, teacher.pseudo, device, generator, progress)
    latent_seconds = time.perf_counter() - t0
    teacher_tau, predictor_tau = kendall_taus(config, benchmark, pool, teacher, predictor, latent.mu, device)
    summary = replace(
        _new_summary(config, benchmark, device, len(pool)),
        **labels,
        status="trained",
        recon_acc=latent.recon_acc,
        recon_heldout=latent.recon_heldout,
        teacher_kendall_tau=teacher_tau,
        icnn_kendall_tau=predictor_tau,
        queries_used=oracle.used,
        final_losses=latent.history[-1],
        wall_s={"teacher": round(teacher.seconds, 2), "gvae": round(latent_seconds, 2)},
    )
    save_state(folder.file(run_files.TEACHER), teacher.teacher)
    save_state(folder.file(run_files.GVAE), latent.gvae)
    save_state(folder.file(run_files.PREDICTOR), predictor)
    save_latent(folder.file(run_files.LATENT), pool.archs, latent.mu)
    write_queries(folder.file(run_files.QUERIES), query_rows(oracle))
    folder.write_summary(summary)
    report(progress, CHECK, check_steps(config), check_steps(config))
    # as load_trained gives them: in eval mode, codes as float32 on the CPU
    trained = Trained(latent.gvae.eval(), predictor.eval(), pool, latent.mu.detach().cpu().float())
    return TrainedRun(config, summary, benchmark, device, trained, oracle)


def query_rows(oracle: Oracle) -> list[QueryRow]:
    return [QueryRow(i, q.arch, q.valid_acc, q.source) for i, q in enumerate(oracle.history)]


def _optimum_fields(benchmark: Benchmark, dataset: str, best_valid: float) -> dict:
    optimum = benchmark.optimum(dataset)
    if optimum is None:
        return {"valid_optimum": None, "found_valid_optimum": None}
    return {"valid_optimum": optimum.valid, "found_valid_optimum": bool(best_valid >= optimum.valid)}


def search_run(
    run_dir: Path, data_dir=None, budget: Optional[int] = None, rule: Optional[str] = None,
    progress: Optional[ProgressFn] = None, index_root: Optional[Path] = None,
) -> RunSummary:
    """Search from a trained run, replacing any earlier search results in it: the new
    results (predictor, trajectory, queries, config, summary) replace the old all at once.
    A shipped example is searched as a copy in the runs root (`index_root`, else the
    default one), said in one line. The run is locked while searched (a delete is refused
    meanwhile), and a folder removed meanwhile anyway is never made again by the save."""
    folder = RunFolder(writable_run(run_dir, index_root))
    folder.require()
    folder.check_writable()
    with folder.lock():
        identity = folder.identity()
        summary = _search(folder, data_dir, budget, rule, progress, identity)
    index_run(folder.path, summary, index_root)
    return summary


def _search(folder: RunFolder, data_dir, budget, rule, progress, identity) -> RunSummary:
    config, summary = folder.open()
    if budget is not None:
        config.budget = budget
    if rule is not None:
        config.search.rule = rule
    config.validate()
    device = resolve_device(config.device)
    prepare_torch()
    benchmark = load_benchmark(config.space, data_dir)
    benchmark.check_budget(config.budget)  # before any training
    trained = load_trained(folder, config, benchmark.space, device)
    rows = read_queries(folder.file(run_files.QUERIES))  # the labelled set was paid for in training
    labelled = benchmark.space.parse_many([row.arch for row in rows if row.source == "labelled"])
    oracle = labelled_oracle(benchmark, config.dataset, config.budget, labelled)
    return _search_trained(folder, TrainedRun(config, summary, benchmark, device, trained, oracle), progress, identity)


def _search_trained(folder: RunFolder, run: TrainedRun, progress, identity) -> RunSummary:
    """Search from trained models and an oracle holding the labelled set; the results replace
    the folder's search files all at once."""
    config, benchmark, trained, oracle = run.config, run.benchmark, run.trained, run.oracle
    t0 = time.perf_counter()
    steps = search_stage(config, trained.pool, trained.gvae, trained.predictor, trained.mu, oracle, run.device, progress)
    wall = time.perf_counter() - t0

    best, best_valid = oracle.best()
    origins = Origins.of(q.source for q in oracle.history)
    wall_s = {**run.summary.wall_s, "search": round(wall, 2)}
    wall_s["total"] = round(sum(v for k, v in wall_s.items() if k != "total"), 2)
    summary = replace(
        run.summary, status="complete", budget=config.budget, rule=config.search.rule, queries_used=oracle.used,
        best_arch=benchmark.space.format(best), best_valid_acc=best_valid, best_test_acc=oracle.test_accuracy(best),
        **_optimum_fields(benchmark, config.dataset, best_valid), queries_to_best=queries_to_best(oracle, best),
        search_steps=len(steps), query_origins=origins.counts, latent_share=origins.latent_share, device=str(run.device),
        wall_s=wall_s, benchmark=benchmark.title, pool_size=len(trained.pool), run_format=RUN_FORMAT,
    )
    group = FileGroup(folder.path)
    group.add(run_files.PREDICTOR_SEARCH, state_bytes(trained.predictor))
    group.add(run_files.TRAJECTORIES, trajectory_bytes(steps))
    group.add(run_files.QUERIES, queries_bytes(query_rows(oracle)))
    group.add(run_files.CONFIG, json_bytes(config.to_dict()))
    group.add(run_files.SUMMARY, summary_bytes(summary))  # last: a run is complete once this says so
    folder.check_still(identity, "it was searched")
    group.commit()
    return summary


def full_run(
    config: RunConfig, out: Path, data_dir=None, progress: Optional[ProgressFn] = None, index_root: Optional[Path] = None,
) -> RunSummary:
    """Train into a new run folder, then search it with the models still in memory: the
    folder ends as `crlso train` then `crlso search` leave it, without reading back what
    training just wrote."""
    run = _train(config, out, data_dir, progress, {}, index_root)
    folder = RunFolder(out)
    with folder.lock():
        summary = _search_trained(folder, run, progress, folder.identity())
    index_run(folder.path, summary, index_root)
    return summary
