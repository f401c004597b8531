"""The methods `crlso bench` compares, and how one (dataset, seed) group runs them.

Latent methods in one group share what they can: one teacher per labelled-set size, one
G-VAE per (labelled size, regularised or not), one fitted predictor per kind; each search
starts from its own copy and its own oracle, so methods never see each other's queries.
A method's wall time counts the training it needs as if it ran alone.
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass, replace
from typing import Callable, Optional

import numpy as np
import torch

from crlso_core.benchmarks.base import Benchmark, Oracle
from crlso_core.catalog.config import preset
from crlso_core.common.errors import CRLSOError, quoted
from crlso_core.search.baselines import BASELINES
from crlso_core.pipeline.stages import draw_labelled, latent_stage, run_pool, search_predictor, search_stage, teacher_stage
from crlso_core.models.training import prepare_torch, resolve_device, seed_everything


@dataclass(frozen=True)
class LatentMethod:
    labelled: Optional[int]  # None: the preset's labelled-set size (300 in demo and paper)
    regularised: bool  # G-VAE trained with the ICNN term (CR-LS) or without (LS)
    predictor: str  # "icnn" or "mlp"
    rule: Optional[str]  # "ray", "step", "ranked" or "mixed"; None: the preset's (the default rule)
    about: str


LATENT_METHODS = {
    "crlso": LatentMethod(None, True, "icnn", None, "CR-LSO: rays down the ICNN in the latent space (the default rule)"),
    "crlso-step": LatentMethod(None, True, "icnn", "step", "CR-LSO, reference one-step rule"),
    "crlso-ranked": LatentMethod(None, True, "icnn", "ranked", "CR-LSO, ranked candidate steps"),
    "crlso-mixed": LatentMethod(None, True, "icnn", "mixed", "CR-LSO, ranked steps and incumbents' mutations"),
    "crlso50": LatentMethod(50, True, "icnn", None, "CR-LSO from 50 labelled cells, default rule"),
    "crlso50-step": LatentMethod(50, True, "icnn", "step", "CR-LSO from 50 labelled cells, step rule"),
    "crlso50-ranked": LatentMethod(50, True, "icnn", "ranked", "CR-LSO from 50 labelled cells, ranked"),
    "crlso50-mixed": LatentMethod(50, True, "icnn", "mixed", "CR-LSO from 50 labelled cells, ranked steps and mutations"),
    "lso": LatentMethod(None, False, "mlp", None, "LSO: plain latent, unconstrained MLP, default rule"),
    "lso-ranked": LatentMethod(None, False, "mlp", "ranked", "LSO: plain latent, unconstrained MLP, ranked"),
    "crls-mlp": LatentMethod(None, True, "mlp", None, "regularised latent, unconstrained MLP, default rule"),
    "ls-icnn": LatentMethod(None, False, "icnn", None, "plain latent, ICNN fitted afterwards, default rule"),
}
BASELINE_ABOUT = {
    "rs": "random search",
    "rea": "regularised evolution (population 10, tournament 3, one-edge mutation)",
    "local": "local search (best-improvement over the neighbours one mutation away, random restart)",
}
METHODS = {**{k: v.about for k, v in LATENT_METHODS.items()}, **BASELINE_ABOUT}
RENAMED = {"ls": "local"}  # "ls" also named the unregularised latent space; local search is "local"


def check_methods(methods: list[str]) -> None:
    renamed = [m for m in methods if m in RENAMED]
    if renamed:
        raise CRLSOError(f"Method {renamed[0]!r} is now called {RENAMED[renamed[0]]!r} (local search).")
    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        raise CRLSOError(f"Unknown method(s) {quoted(', '.join(unknown), 60)}; choose from {', '.join(METHODS)}.")


def latent_labelled(method: str, preset_name: str, space: str = "nb201") -> Optional[int]:
    """Labelled-set size a latent method starts from; None for the baselines."""
    spec = LATENT_METHODS.get(method)
    if spec is None:
        return None
    return spec.labelled if spec.labelled is not None else preset(preset_name, space=space).labelled


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


def run_group(
    benchmark: Benchmark, space: str, dataset: str, seed: int, methods: list[str], budget: int,
    preset_name: str = "demo", device: str = "auto", on_done: Optional[Callable[[MethodResult], None]] = None,
) -> list[MethodResult]:
    prepare_torch()
    results = []
    for name in [m for m in methods if m in BASELINES]:
        t0 = time.perf_counter()
        oracle = Oracle(benchmark, dataset, budget)
        BASELINES[name](benchmark.space, oracle, np.random.default_rng(seed))
        results.append(_result(name, dataset, seed, benchmark, oracle, 0, time.perf_counter() - t0))
        if on_done:
            on_done(results[-1])
    latent = [m for m in methods if m in LATENT_METHODS]
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


def _run_latent_methods(benchmark, space, dataset, seed, names, budget, preset_name, device, on_done) -> list[MethodResult]:
    teachers, latents, predictors, results = {}, {}, {}, []
    for name in names:
        spec = LATENT_METHODS[name]
        config = preset(preset_name, space=space, dataset=dataset, seed=seed, budget=budget, labelled=spec.labelled)
        spec = replace(spec, labelled=config.labelled)
        config.gvae = replace(config.gvae, icnn=spec.regularised)
        config.search = replace(config.search, rule=spec.rule or config.search.rule, predictor=spec.predictor)
        config.validate()
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
        oracle = Oracle(benchmark, dataset, budget)
        for cell in labelled:
            oracle.query(cell, "labelled")
        search_stage(config, pool, latent.gvae, copy.deepcopy(predictor), latent.mu, oracle, device, source=name)
        wall = teacher.seconds + latent.seconds + predictor_seconds + time.perf_counter() - t0
        result = _result(name, dataset, seed, benchmark, oracle, spec.labelled, wall)
        result.recon_pool, result.recon_heldout = latent.recon_acc, latent.recon_heldout
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
    torch.set_num_threads(threads)
