"""How a space's search settings are chosen: searches from trained runs on development
seeds (never the bench's 0-9), each setting with several search seeds, against REA.

    crlso train --space nb301 --preset demo --seed 101 --out RUN101
    python -m experiments.search_settings RUN101 [RUN102 ...] [--budgets 100,200,300] [--search-seeds 1,2,3]

A setting is a rule plus what it changes from the space's current demo preset (not from
the run's own config.json, which keeps the settings it was trained with). Each search
starts from the run's labelled cells and spends the run's budget; for each it records the
best-so-far accuracy at the budgets and the share of its queries that were latent moves
(search/origins.py). REA's curve is the mean over --rea-seeds of its own seeds. The runs
must share one space and dataset; each call adds one experiment (its command, REA's curve
and every run's rows) to results/<space>_search_settings.json.
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

from crlso_core.benchmarks.base import Oracle
from crlso_core.catalog.presets import preset
from crlso_core.catalog.registry import load_benchmark
from crlso_core.models.training import prepare_torch
from crlso_core.search.baselines import regularised_evolution
from crlso_core.search.crlso import CRLSOSearch
from crlso_core.search.latent import LatentCodes
from crlso_core.search.origins import Origins
from crlso_core.store.folder import RunFolder
from crlso_core.store.models import load_trained
from crlso_core.store.records import read_queries
from results import RESULTS

# what each setting changes from the space's demo preset
SETTINGS = {
    "ray": {"rule": "ray"},
    # the ray's spacing was `eta_step` when these were measured; it is `ray_step` since the alignment
    "ray, coarse (eta_step 0.5)": {"rule": "ray", "ray_step": 0.5},
    "ray, eta_step 1": {"rule": "ray", "ray_step": 1.0},
    "ray, eta0 1, eta_step 1": {"rule": "ray", "eta0": 1.0, "ray_step": 1.0},
    "ray, top starts only": {"rule": "ray", "start_depth": 10},
    "ray, turned rays (8)": {"rule": "ray", "ray_tries": 8},
    "ray, 30 starts, turned rays (8)": {"rule": "ray", "start_depth": 30, "ray_tries": 8},
    "ray, top starts, turned rays (8)": {"rule": "ray", "start_depth": 10, "ray_tries": 8},
    "ray, top starts, turned rays (8), spread 1": {"rule": "ray", "start_depth": 10, "ray_tries": 8, "ray_spread": 1.0},
    "ray, 100 points": {"rule": "ray", "max_retries": 100},
    "ray, standardised fine-tuning at lr 1e-3": {"rule": "ray", "standardise_refit": True, "finetune_lr": 1e-3},
    "ranked": {"rule": "ranked"},
    "mixed": {"rule": "mixed"},
    "step (reference lengths in spacings)": {"rule": "step"},
    "step, raw gradient (earlier NB201)": {"rule": "step", "step_length": "gradient"},
}


def best_at(oracle: Oracle, budgets: list[int]) -> list[float]:
    best = np.maximum.accumulate([oracle.answers[c] for c in oracle.answers])
    return [float(best[b - 1]) for b in budgets if b <= len(best)]


def rea_reference(benchmark, dataset: str, budgets: list[int], seeds: int) -> list[float]:
    rea = []
    for seed in range(1000, 1000 + seeds):
        oracle = Oracle(benchmark, dataset, max(budgets))
        regularised_evolution(benchmark.space, oracle, np.random.default_rng(seed))
        rea.append(best_at(oracle, budgets))
    return np.mean(rea, 0).round(3).tolist()


def measure(run: Path, config, benchmark, settings: list[str], seeds: list[int], budgets: list[int]) -> dict:
    device = torch.device("cpu")
    trained = load_trained(run, config, benchmark.space, device)
    labelled = [benchmark.space.parse(r.arch) for r in read_queries(run / "queries.csv") if r.source == "labelled"]
    current = preset(config.preset, space=config.space).search
    rows = {}
    for name in settings:
        cfg = replace(current, predictor=config.search.predictor, **SETTINGS[name])
        curves, shares = [], []
        for seed in seeds:
            oracle = Oracle(benchmark, config.dataset, max(budgets))
            for cell in labelled:
                oracle.query(cell, "labelled")
            codes = LatentCodes.from_pool(benchmark.space, trained.gvae, device, trained.pool.cells, trained.mu)
            CRLSOSearch(benchmark.space, codes, copy.deepcopy(trained.predictor), oracle, cfg, device,
                        torch.Generator().manual_seed(seed)).run()
            curves.append(best_at(oracle, budgets))
            shares.append(Origins.of(q.source for q in oracle.history).latent_share)
        rows[name] = {"best": np.mean(curves, 0).round(3).tolist(), "latent_share": round(float(np.mean(shares)), 3)}
        print(config.seed, "ls" if not config.gvae.icnn else "crls", name, rows[name], flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("runs", type=Path, nargs="+", help="trained runs of one space, on development seeds")
    parser.add_argument("--budgets", default="100,200,300", help="where to read the best-so-far; the last is spent")
    parser.add_argument("--search-seeds", default="1,2,3")
    parser.add_argument("--rea-seeds", type=int, default=100, help="REA runs behind the reference curve")
    parser.add_argument("--settings", default=";".join(SETTINGS), help="names from SETTINGS, separated by ';'")
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--out", type=Path, help="default: results/<space>_search_settings.json")
    args = parser.parse_args()
    prepare_torch()
    torch.set_num_threads(1)
    configs = [RunFolder(run).open()[0] for run in args.runs]
    if len({(c.space, c.dataset) for c in configs}) != 1:
        raise SystemExit("the runs must share one space and dataset")
    for run, config in zip(args.runs, configs):
        if config.seed in range(10):
            raise SystemExit(f"{run} was trained on seed {config.seed}, one of the bench's: settings are chosen on others")
    space, dataset = configs[0].space, configs[0].dataset
    out = args.out or RESULTS / f"{space}_search_settings.json"
    budgets = [int(b) for b in args.budgets.split(",")]
    seeds = [int(s) for s in args.search_seeds.split(",")]
    names = args.settings.split(";")
    benchmark = load_benchmark(space, args.data_dir)
    experiment = {
        "command": "python -m experiments.search_settings " + " ".join(sys.argv[1:]), "dataset": dataset, "budgets": budgets,
        "search_seeds": seeds, "rea_seeds": args.rea_seeds, "settings": {n: SETTINGS[n] for n in names},
        "rea": rea_reference(benchmark, dataset, budgets, args.rea_seeds), "runs": {},
    }
    print("REA:", experiment["rea"], flush=True)
    for run, config in zip(args.runs, configs):
        side = "CR-LS" if config.gvae.icnn else "LS"
        key = f"seed {config.seed}, {side}, {config.labelled} labelled"
        experiment["runs"][key] = measure(run, config, benchmark, names, seeds, budgets)
    earlier = json.loads(out.read_text()) if out.exists() else {}
    experiments = earlier.get("experiments", []) if isinstance(earlier, dict) else []
    out.write_text(json.dumps({"experiments": [*experiments, experiment]}, indent=1) + "\n")  # earlier ones are kept
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
