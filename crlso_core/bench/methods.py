"""The methods `crlso bench` compares, and how one (dataset, seed) group runs them.

Latent methods in one group share what they can: one teacher per labelled-set size, one
G-VAE per (labelled size, regularised or not), one fitted predictor per kind; each search
starts from its own copy and its own oracle, so methods never see each other's queries.
A method's wall time counts the training it needs as if it ran alone. A latent method
whose catalog entry fixes no rule runs once per asked rule, all on the same trainings
(the rule changes the search alone).

Which methods exist and how each latent one trains and searches is read from the method
records (catalog/methods.py); the baselines' runners from search/baselines.py. Every latent
method runs through the one latent pipeline, whose search stage is the runner its record
names: importing this module checks that (catalog.methods.bind_runners), as importing
search/baselines.py checks the baselines'.
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass, replace
from typing import Callable, Optional, Sequence, Union

import numpy as np
import torch

from crlso_core.bench.results import baseline_settings_id, settings_id
from crlso_core.benchmarks.base import Benchmark, Oracle
from crlso_core.catalog.config import RunConfig
from crlso_core.catalog.methods import LATENT_METHODS, bind_runners, check_methods, runner_ref
from crlso_core.catalog.presets import preset
from crlso_core.models.training import prepare_torch, resolve_device, seed_everything
from crlso_core.pipeline.stages import draw_labelled, labelled_oracle, latent_stage, run_pool, search_predictor, search_stage, teacher_stage
from crlso_core.search.baselines import BASELINES

bind_runners("latent", {runner_ref(search_stage): search_stage})  # a latent record naming another runner fails here


@dataclass
class MethodResult:
    method: str
    dataset: str
    seed: int
    archs: list  # every query in order
    valid: np.ndarray
    test: Optional[np.ndarray]  # read from the benchmark for reporting only, after the search; None without test accuracy
    labelled: int  # queries spent before the method's own search began
    wall_s: float
    recon_pool: Optional[float] = None  # latent methods: share of pool cells decoded back exactly
    recon_heldout: Optional[float] = None  # the same on random cells outside the pool (None: none exist)
    sources: Optional[list[str]] = None  # what asked for each query, in order (search/origins.py)
    preset: str = ""  # what produced it (bench/results.py): empty preset and rule for a baseline
    rule: str = ""
    settings: str = ""


Run = tuple[str, str]  # (method, rule): one search; the rule is "" for a baseline


def method_config(method: str, rule: Optional[str], preset_name: str, space: str, dataset: str, seed: int,
                  budget: int) -> RunConfig:
    """The RunConfig a latent method runs with: the preset tuned for the space, the method's
    labelled-set size, latent space and predictor, and `rule` (None or "": the method's own,
    else the preset's). The bench and its plan.json both build configs here."""
    spec = LATENT_METHODS[method]
    config = preset(preset_name, space=space, dataset=dataset, seed=seed, budget=budget, labelled=spec.labelled)
    config.gvae = replace(config.gvae, icnn=spec.regularised)
    config.search = replace(config.search, rule=spec.rule or rule or config.search.rule, predictor=spec.predictor)
    return config.validate()


def method_rules(method: str, rules: Sequence[str], preset_name: str, space: str) -> list[str]:
    """The rules a method runs: a baseline none (""), a method with a fixed rule its own,
    any other each asked rule, or the preset's when none is asked."""
    spec = LATENT_METHODS.get(method)
    if spec is None:
        return [""]
    if spec.rule:
        return [spec.rule]
    return list(dict.fromkeys(rules)) or [preset(preset_name, space=space).search.rule]


def expand_runs(methods: Sequence[str], rules: Sequence[str], preset_name: str, space: str) -> list[Run]:
    return [(m, r) for m in methods for r in method_rules(m, rules, preset_name, space)]


def run_settings(method: str, rule: str, preset_name: str, space: str, dataset: str) -> str:
    """The settings id of a run's rows (bench/results.py); seed and budget do not enter it."""
    if method not in LATENT_METHODS:
        return baseline_settings_id(method)
    return settings_id(method_config(method, rule, preset_name, space, dataset, 0, 10**7).to_dict())


def run_group(
    benchmark: Benchmark, space: str, dataset: str, seed: int, methods: Sequence[Union[str, Run]], budget: int,
    preset_name: str = "demo", device: str = "auto", on_done: Optional[Callable[[MethodResult], None]] = None,
    rules: Sequence[str] = (),
) -> list[MethodResult]:
    """Run `methods` on one (dataset, seed): names (each latent one once per rule of
    method_rules(rules)) or (method, rule) pairs, which run exactly that search."""
    runs = [pair for m in methods for pair in ([tuple(m)] if isinstance(m, tuple) else expand_runs([m], rules, preset_name, space))]
    check_methods([name for name, _ in runs])  # a method the bench cannot run is an error, never a group without its rows
    prepare_torch()
    results = []
    for name, _ in [r for r in runs if r[0] in BASELINES]:
        t0 = time.perf_counter()
        oracle = Oracle(benchmark, dataset, budget)
        BASELINES[name](benchmark.space, oracle, np.random.default_rng(seed))
        results.append(_result(name, dataset, seed, benchmark, oracle, 0, time.perf_counter() - t0))
        results[-1].settings = baseline_settings_id(name)
        if on_done:
            on_done(results[-1])
    latent = [r for r in runs if r[0] in LATENT_METHODS]
    if latent:
        results += _run_latent_methods(benchmark, space, dataset, seed, latent, budget, preset_name, resolve_device(device), on_done)
    return results


class _RngSnapshot:
    """Torch's global RNG (model initialisation) and the run's generator (batches, noise) at
    one point of the pipeline; restoring it before a stage makes that stage exactly what
    `crlso run` computes, whatever other methods ran before it in this group."""

    def __init__(self, generator: torch.Generator):
        self.global_state, self.generator_state = torch.get_rng_state(), generator.get_state()

    def restore(self) -> torch.Generator:
        torch.set_rng_state(self.global_state)
        return torch.Generator().set_state(self.generator_state)


def _run_latent_methods(benchmark, space, dataset, seed, runs, budget, preset_name, device, on_done) -> list[MethodResult]:
    # trainings are keyed by what they depend on (never the rule): every rule of a method
    # searches the same teacher, G-VAE and fitted predictor
    teachers, latents, predictors, results = {}, {}, {}, []
    for name, rule in runs:
        config = method_config(name, rule, preset_name, space, dataset, seed, budget)
        spec = replace(LATENT_METHODS[name], labelled=config.labelled)
        if spec.labelled not in teachers:
            generator = seed_everything(seed)
            _, labelled, accuracy = draw_labelled(config, benchmark)
            pool = run_pool(config, benchmark, labelled)
            stage = teacher_stage(config, pool, labelled, accuracy, device, generator)
            teachers[spec.labelled] = (labelled, pool, stage, _RngSnapshot(generator))
        labelled, pool, teacher, after_teacher = teachers[spec.labelled]
        latent_key = (spec.labelled, spec.regularised)
        if latent_key not in latents:
            generator = after_teacher.restore()
            stage = latent_stage(config, pool, teacher.pseudo, device, generator)
            latents[latent_key] = (stage, _RngSnapshot(generator))
        latent, after_latent = latents[latent_key]
        predictor_key = (*latent_key, spec.predictor)
        if predictor_key not in predictors:
            t0 = time.perf_counter()
            fitted = search_predictor(config, latent, teacher.pseudo, device, after_latent.restore())
            predictors[predictor_key] = (fitted, time.perf_counter() - t0)
        predictor, predictor_seconds = predictors[predictor_key]

        t0 = time.perf_counter()
        oracle = labelled_oracle(benchmark, dataset, budget, labelled)
        search_stage(config, pool, latent.gvae, copy.deepcopy(predictor), latent.mu, oracle, device, source=name)
        wall = teacher.seconds + latent.seconds + predictor_seconds + time.perf_counter() - t0
        result = _result(name, dataset, seed, benchmark, oracle, spec.labelled, wall)
        result.recon_pool, result.recon_heldout = latent.recon_acc, latent.recon_heldout
        result.preset, result.rule = preset_name, config.search.rule
        result.settings = settings_id(config.to_dict())
        results.append(result)
        if on_done:
            on_done(results[-1])
    return results


def _result(name, dataset, seed, benchmark: Benchmark, oracle, labelled, wall) -> MethodResult:
    cells = list(oracle.answers)
    return MethodResult(
        name, dataset, seed, benchmark.space.format_many(cells), np.array([oracle.answers[c] for c in cells]),
        benchmark.test_accuracy(cells, dataset), labelled, wall, sources=[q.source for q in oracle.history],
    )


def torch_threads_for(workers: int) -> int:
    import os

    return max(1, (os.cpu_count() or 1) // max(workers, 1))


def init_worker(threads: int) -> None:
    import warnings

    from crlso_core.benchmarks.data_dir import DataFallback

    torch.set_num_threads(threads)
    warnings.simplefilter("ignore", DataFallback)  # the driver said it once already
