"""`crlso bench`: every method x dataset x seed, reported at several budgets.

A method's search does not depend on its total budget (it stops when the budget is spent),
so one run at the largest budget answers every smaller budget from the prefix of its query
history. Rows are appended as groups finish; a re-run skips what results.csv already holds.
With one worker a (dataset, seed) group shares its teacher and trainings between methods.
With several, each group is split into jobs of one latent training each (methods that share
it stay together), so the trainings of one seed run side by side and a bench stopped early
keeps every job that finished; jobs start in the order --methods names them. Workers are
spawned processes (CUDA cannot be forked); the parent alone writes files.

A run is (method, rule): `rules` makes the search rule a dimension (bench/methods.py), and
rows carry what produced them (bench/results.py), so a resume counts a run as done only
when its rows have the preset, rule and settings id the plan resolves now. plan.json
records each invocation (bench/plan.py), and a resume with another space, preset or method
settings than the folder's is refused (plan.check_resume).

Inputs are normalised before any work: a value listed twice (--seeds 0,0) runs once, said
in one note. Files are read whole and checked before any is rewritten; rows are appended
whole (bench/folder.py), so a full disk never leaves half a row. Workers die with the
bench (common/lifeline.py), even when it is killed with SIGKILL.
"""

from __future__ import annotations

import multiprocessing
import os
import warnings
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import numpy as np

from crlso_core.bench import plan as plan_file
from crlso_core.bench.folder import LOCK, check_own_files
from crlso_core.bench.methods import MethodResult, Run, expand_runs, init_worker, run_group, run_settings, torch_threads_for
from crlso_core.bench.results import (
    CURVE_FILE,
    RECON_FILE,
    RESULT_FILE,
    BenchRows,
    Produced,
    append_rows,
    curve_cells,
    recon_cells,
    result_cells,
    write_rows,
)
from crlso_core.benchmarks.base import Benchmark
from crlso_core.benchmarks.data_dir import DataFallback
from crlso_core.catalog.config import RULES
from crlso_core.catalog.methods import LATENT_METHODS, check_methods, latent_labelled
from crlso_core.catalog.registry import get_spec, load_benchmark
from crlso_core.common.errors import CRLSOError, quoted
from crlso_core.common.lifeline import die_with_parent
from crlso_core.common.locks import FolderLock, owner_alive, read_owner
from crlso_core.search.origins import Origins

CURVE_STEP = 10
LOCK_FILE = LOCK


class BenchNote(DataFallback):
    """Something the bench did on its own that the user should know of. A DataFallback: the
    kind of warning the CLI prints as one note line ("crlso: note: ..."), once."""


class RepeatedValue(BenchNote):
    """A value listed twice in one option (--seeds 0,0): it runs once."""


def collapse(values: list, option: str) -> list:
    """`values` with each value once, in the order first given; a repeat is said in one note."""
    kept = list(dict.fromkeys(values))
    if len(kept) < len(values):
        counts = {v: values.count(v) for v in kept if values.count(v) > 1}
        named = ", ".join(f"{v} {'twice' if n == 2 else f'{n} times'}" for v, n in list(counts.items())[:5])
        more = f" and {len(counts) - 5} more" if len(counts) > 5 else ""
        warnings.warn(f"{option} lists {named}{more}; each runs once.", RepeatedValue, stacklevel=3)
    return kept


@dataclass
class BenchPlan:
    space: str
    datasets: list[str]
    methods: list[str]
    seeds: list[int]
    budgets: list[int]
    preset: str = "demo"
    workers: int = 1
    device: str = "auto"
    backend: str = "process"  # "process": local worker processes; "ray": Ray tasks (bench/ray_backend.py)
    address: Optional[str] = None  # the Ray cluster to join; None starts a local one
    rules: list[str] = field(default_factory=list)  # search rules of latent methods without a fixed one; []: the preset's

    def runs(self) -> list[Run]:
        return expand_runs(self.methods, self.rules, self.preset, self.space)

    def normalise(self) -> "BenchPlan":
        """Each dataset, method, seed, budget and rule once (a repeat would run, and count, twice)."""
        self.datasets = collapse(list(self.datasets), "--datasets")
        self.methods = collapse(list(self.methods), "--methods")
        self.seeds = collapse(list(self.seeds), "--seeds")
        self.budgets = collapse(list(self.budgets), "--budgets")
        self.rules = collapse(list(self.rules), "--rules")
        return self

    def validate(self) -> "BenchPlan":
        self.normalise()
        spec = get_spec(self.space)
        for dataset in self.datasets:
            spec.check_dataset(dataset)
        check_methods(self.methods)
        if not self.budgets or min(self.budgets) < 1 or max(self.budgets) > 10**7:
            raise CRLSOError("Budgets must be integers from 1 to 10,000,000, e.g. --budgets 100,200,300,500.")
        if not 1 <= self.workers <= 256:
            raise CRLSOError(f"--workers must be between 1 and 256, got {self.workers}.")
        if self.backend not in BACKENDS:
            raise CRLSOError(f"Unknown backend {quoted(self.backend, 40)}; choose one of {', '.join(BACKENDS)}.")
        if self.address and self.backend != "ray":
            raise CRLSOError("--address names a Ray cluster; use it with --backend ray.")
        if not self.seeds:
            raise CRLSOError("No seeds to run; write e.g. --seeds 0-9.")
        unknown = [r for r in self.rules if r not in RULES]
        if unknown:
            raise CRLSOError(f"Unknown rule {quoted(unknown[0], 40)}; choose from {', '.join(RULES)}, e.g. --rules {RULES[0]}.")
        for m in self.methods:
            labelled = latent_labelled(m, self.preset, self.space)
            if labelled is not None and labelled > max(self.budgets):
                raise CRLSOError(f"{m} starts from {labelled} labelled cells, more than the largest budget {max(self.budgets)}.")
        return self


BACKENDS = ("process", "ray")
MAX_SEEDS = 10_000  # seeds one bench may list (each is a group of runs)


def parse_seeds(text: str) -> list[int]:
    """'0-9' or '0,3,5' or '2'; seeds 0 .. 2**32-1, at most MAX_SEEDS of them."""
    seeds: list[int] = []
    try:
        for part in text.split(","):
            lo, _, hi = part.strip().partition("-")
            lo, hi = int(lo), int(hi) if hi else int(lo)
            if not 0 <= lo <= hi < 2**32:
                raise ValueError
            if len(seeds) + hi - lo + 1 > MAX_SEEDS:
                raise CRLSOError(f"--seeds {quoted(text, 40)} lists more than {MAX_SEEDS:,} seeds; run fewer at a time.")
            seeds += list(range(lo, hi + 1))
        return seeds
    except ValueError:
        raise CRLSOError(
            f"Bad --seeds {quoted(text, 40)}; write a range like 0-9 or a list like 0,1,2 (seeds 0 to 4,294,967,295)."
        ) from None


def parse_list(text: str, kind=str) -> list:
    try:
        return [kind(x.strip()) for x in text.split(",") if x.strip()]
    except ValueError:
        raise CRLSOError(f"Bad list {quoted(text, 40)}: expected comma-separated {kind.__name__} values.") from None


def _produced(result: MethodResult) -> Produced:
    return Produced(result.method, result.preset, result.rule, result.settings)


def result_rows(result: MethodResult, budgets: list[int], optimum: Optional[float]) -> list[dict]:
    """One row per budget the run can answer. `optimum` is the benchmark's validation optimum
    (None when it is not known: found_valid_optimum is then left empty)."""
    rows = []
    for budget in budgets:
        if budget < result.labelled or budget > len(result.valid):
            continue  # a latent method cannot stop before its labelled set is paid for
        valid = result.valid[:budget]
        best = int(np.argmax(valid))  # first query reaching the best: ties keep the earliest
        rows.append(result_cells(
            _produced(result), dataset=result.dataset, seed=result.seed, budget=budget, best_arch=result.archs[best],
            best_valid_acc=float(valid[best]), best_test_acc=float(result.test[best]) if result.test is not None else None,
            found_valid_optimum=int(valid[best] >= optimum) if optimum is not None else None, queries_to_best=best + 1,
            labelled=result.labelled, wall_s=round(result.wall_s, 2), **origins_of(result, budget)))
    return rows


def origins_of(result: MethodResult, budget: int) -> dict:
    """The latent share and per-origin counts of a latent method's first `budget` queries;
    none for a baseline (its queries have no latent origin)."""
    if result.method not in LATENT_METHODS or result.sources is None:
        return {}
    origins = Origins.of(result.sources[:budget])
    share = origins.latent_share
    return {"latent_share": None if share is None else round(share, 4), "origins": dict(origins.counts)}


def curve_rows(result: MethodResult) -> list[dict]:
    best_idx = np.array([int(np.argmax(result.valid[: i + 1])) for i in range(len(result.valid))])
    rows = []
    for q in range(CURVE_STEP, len(result.valid) + 1, CURVE_STEP):
        if q < result.labelled:
            continue
        i = best_idx[q - 1]
        rows.append(curve_cells(_produced(result), dataset=result.dataset, seed=result.seed, queries=q,
                                best_valid_acc=float(result.valid[i]),
                                best_test_acc=float(result.test[i]) if result.test is not None else None))
    return rows


Key = tuple[str, str, int, str, str, str]  # method, dataset, seed, preset, rule, settings


def _key(row) -> Key:
    """A run's identity in every file: rows of another preset, rule or settings id are
    another run, never counted as this one's nor mixed with it."""
    return (row.method, row.dataset, row.seed, row.preset, row.rule, row.settings)


def done_keys(rows: list, budgets: list[int]) -> set[Key]:
    """Runs whose rows cover every asked budget they can answer (budget >= labelled set)."""
    have: dict[Key, set[int]] = {}
    labelled: dict[Key, int] = {}
    for r in rows:
        have.setdefault(_key(r), set()).add(r.budget)
        labelled[_key(r)] = r.labelled
    return {k for k, b in have.items() if {x for x in budgets if x >= labelled[k]} <= b}


def _keep_only(path: Path, rows, kind, done: set) -> None:
    """Drop rows of runs that are not done (interrupted, or asked again with new budgets):
    they are run again whole. Rows written before a column existed keep it empty (the file
    is written with today's columns, which new rows are appended in). A file with nothing
    to drop (nor a repeat or a cut line, rows.dropped) and today's columns is left untouched."""
    kept = [r for r in rows if _key(r) in done]
    if path.exists() and (len(kept) < len(rows) or rows.dropped or rows.columns != kind.columns):
        write_rows(kind, path, kept)


def split_by_training(methods: list[str], preset_name: str, space: str) -> list[list[str]]:
    """Methods grouped by the latent training they need (labelled-set size, regularised or
    not); the baselines, which train nothing, form one group. Order is kept within groups.
    A method's rules search the same training, so its runs of every rule go with it."""
    jobs: dict[object, list[str]] = {}
    for m in methods:
        spec = LATENT_METHODS.get(m)
        key = "baselines" if spec is None else (latent_labelled(m, preset_name, space), spec.regularised)
        jobs.setdefault(key, []).append(m)
    return list(jobs.values())


def _group_job(data_dir, space, dataset, seed, methods: list[Run], budget, preset_name, device):
    return run_group(load_benchmark(space, data_dir), space, dataset, seed, methods, budget, preset_name, device)


def _ray_job(data_dir, cwd, space, dataset, seed, methods, budget, preset_name, device, threads):
    # the driver's folder, where this worker has it: data found through relative defaults
    # (./data, ../shared/data) is then the driver's, so rows match the process backend's
    if os.path.isdir(cwd):
        os.chdir(cwd)
    init_worker(threads)
    return _group_job(data_dir, space, dataset, seed, methods, budget, preset_name, device)


def run_bench(plan: BenchPlan, out: Path, data_dir=None, progress=None, argv: Optional[list[str]] = None) -> Path:
    """Run what results.csv lacks; returns the results path. One bench writes a folder at a
    time (a lock names the process that holds it). `argv`: the command line, for plan.json."""
    plan.validate()
    benchmark: Benchmark = load_benchmark(plan.space, data_dir)
    benchmark.check_budget(max(plan.budgets))
    if out.exists() and not out.is_dir():
        raise CRLSOError(f"--out {out} is a file; give the bench a folder.")
    if plan.backend == "ray" and plan.address:
        from crlso_core.pipeline.jobs.cluster import probe

        probe(plan.address)  # before anything is made: a head that is not there is said within seconds
    out.mkdir(parents=True, exist_ok=True)
    _say_stale_lock(out / LOCK_FILE)
    with FolderLock(out / LOCK_FILE, f"The bench folder {out}"):
        check_own_files(out)  # no link or pipe among the bench's files: it writes nowhere else
        # every file checked before any is rewritten (or plan.json started); a last line cut
        # by a full disk (a bench of an earlier version) is run again, not refused
        files = BenchRows.of_folder(out, cut_tail=True)
        plan_file.check_resume(out, plan, files.results, benchmark)  # the folder's own space, preset and settings
        with plan_file.session(out, plan, argv):
            return _run_locked(plan, out, benchmark, data_dir, progress, files)


def _run_locked(plan: BenchPlan, out: Path, benchmark: Benchmark, data_dir, progress, files: BenchRows) -> Path:
    results, curves, recon = out / RESULT_FILE.name, out / CURVE_FILE.name, out / RECON_FILE.name
    done = done_keys(files.results, plan.budgets)
    for kind, rows in ((RESULT_FILE, files.results), (CURVE_FILE, files.curves), (RECON_FILE, files.recon)):
        _keep_only(out / kind.name, rows, kind, done)
    settings = {(m, r, d): run_settings(m, r, plan.preset, plan.space, d) for m, r in plan.runs() for d in plan.datasets}
    groups = []
    for seed in plan.seeds:  # seed-major: an interrupted bench still covers every dataset
        for dataset in plan.datasets:
            todo = [(m, r) for m, r in plan.runs()
                    if (m, dataset, seed, _preset_of(m, plan.preset), r, settings[(m, r, dataset)]) not in done]
            if todo:
                groups.append((dataset, seed, todo))
    total = sum(len(g[2]) for g in groups)
    budget = max(plan.budgets)
    finished = 0

    def record(result: MethodResult) -> None:
        nonlocal finished
        best = benchmark.optimum(result.dataset)
        optimum = best.valid if best is not None else None
        append_rows(CURVE_FILE, curves, curve_rows(result))
        if result.recon_pool is not None:
            append_rows(RECON_FILE, recon, [recon_cells(_produced(result), dataset=result.dataset, seed=result.seed,
                                                        recon_pool=result.recon_pool, recon_heldout=result.recon_heldout)])
        append_rows(RESULT_FILE, results, result_rows(result, plan.budgets, optimum))  # last: marks it done
        finished += 1
        if progress:
            progress(finished, total, f"{result.method} {result.dataset} seed {result.seed}")

    if progress:
        progress(0, total, f"{len(done)} runs already done")
    if plan.workers == 1 and plan.backend == "process":
        for dataset, seed, todo in groups:
            run_group(benchmark, plan.space, dataset, seed, todo, budget, plan.preset, plan.device, on_done=record)
        return results
    threads = torch_threads_for(plan.workers)
    # job kinds in the order --methods names them, seed by seed within a kind: the
    # methods named first are the ones a bench stopped early has for every seed
    kinds = split_by_training(plan.methods, plan.preset, plan.space)
    jobs = [
        (d, s, [run for run in todo if run[0] in kind]) for kind in kinds for d, s, todo in groups
        if any(run[0] in kind for run in todo)
    ]
    if plan.backend == "ray":
        from crlso_core.bench.ray_backend import run_on_ray

        where = str(Path(data_dir).resolve()) if data_dir else None
        args = [(where, os.getcwd(), plan.space, d, s, part, budget, plan.preset, plan.device) for d, s, part in jobs]
        run_on_ray(_ray_job, args, threads, plan.device, plan.address, threads * plan.workers, record)
    else:
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(plan.workers, mp_context=context, initializer=_init_pool_worker,
                                 initargs=(os.getpid(), threads)) as pool:
            futures = [
                pool.submit(_group_job, data_dir, plan.space, d, s, part, budget, plan.preset, plan.device)
                for d, s, part in jobs
            ]
            try:
                for future in as_completed(futures):
                    for result in future.result():
                        record(result)
            except BaseException:  # interrupted (Ctrl-C, SIGTERM) or failed: stop the workers now, not after their jobs
                _stop_workers(pool)
                raise
    return results


def _say_stale_lock(path: Path) -> None:
    """A lock whose process has ended (a bench killed with SIGKILL) is taken over by the
    lock itself; say so, so that nobody wonders where the earlier bench went."""
    if path.is_symlink() or not path.is_file():
        return
    owner = read_owner(path)
    if owner is None or not owner_alive(owner):
        pid = owner.get("pid", "?") if owner else "?"
        warnings.warn(f"{path} was left by bench process {pid}, which has ended (killed?); this bench takes the folder over.",
                      BenchNote, stacklevel=3)


def _init_pool_worker(parent_pid: int, threads: int) -> None:
    """A worker ends with the bench (PR_SET_PDEATHSIG, and a watchdog on the parent's pid):
    a bench killed with SIGKILL runs no cleanup, and its workers would compute on for nobody."""
    die_with_parent(parent_pid)
    init_worker(threads)


def _preset_of(method: str, preset_name: str) -> str:
    """The preset a run's rows carry: none for a baseline, which trains nothing."""
    return preset_name if method in LATENT_METHODS else ""


def _stop_workers(pool: ProcessPoolExecutor) -> None:
    # take the workers before shutdown: it forgets them (sets _processes to None), and a
    # worker left running outlives the command with its job
    workers = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in workers:
        process.terminate()
    for process in workers:
        process.join(timeout=10)
        if process.is_alive():
            process.kill()
