"""How a space's search settings are chosen: searches from trained runs on development
seeds (never the bench's 0-9), each setting with several search seeds, against REA.

    crlso train --space nb301 --preset demo --seed 101 --labelled 50 --out RUN101
    python benchmarks/search_settings.py RUN101 [RUN102 ...] [--budgets 100,200,300] [--search-seeds 1,2,3]

A setting is a rule plus the scale settings it changes from the reference (step lengths
of the raw gradient, fine-tuning on raw errors at lr 1e-4). Each search starts from the
run's labelled cells and spends the run's budget; REA's curve is the mean over 100 of its
own seeds. The runs must share one space; writes benchmarks/results/<space>_search_settings.json.
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

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crlso_core.benchmarks.base import Oracle  # noqa: E402
from crlso_core.config import RULES  # noqa: E402
from crlso_core.model_store import load_trained  # noqa: E402
from crlso_core.pipeline import open_run  # noqa: E402
from crlso_core.records import read_queries  # noqa: E402
from crlso_core.registry import load_benchmark  # noqa: E402
from crlso_core.search.baselines import regularised_evolution  # noqa: E402
from crlso_core.search.crlso import CRLSOSearch  # noqa: E402
from crlso_core.search.latent import LatentCodes  # noqa: E402
from crlso_core.training import prepare_torch  # noqa: E402

REFERENCE = {"step_length": "gradient", "standardise_refit": False, "finetune_lr": 1e-4}
SETTINGS = {
    "reference": {},
    "spacing": {"step_length": "spacing"},
    "spacing, lr 1e-3": {"step_length": "spacing", "finetune_lr": 1e-3},
    "spacing, standardised, lr 1e-4": {"step_length": "spacing", "standardise_refit": True},
    "spacing, standardised, lr 1e-3": {"step_length": "spacing", "standardise_refit": True, "finetune_lr": 1e-3},
}


def best_at(oracle: Oracle, budgets: list[int]) -> list[float]:
    best = np.maximum.accumulate([oracle.answers[c] for c in oracle.answers])
    return [float(best[b - 1]) for b in budgets if b <= len(best)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("runs", type=Path, nargs="+", help="trained runs of one space, on development seeds")
    parser.add_argument("--budgets", default="100,200,300", help="where to read the best-so-far; the last is spent")
    parser.add_argument("--search-seeds", default="1,2,3")
    parser.add_argument("--rules", default=",".join(RULES))
    parser.add_argument("--settings", default=";".join(SETTINGS), help="names from SETTINGS, separated by ';'")
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--out", type=Path, help="default: benchmarks/results/<space>_search_settings.json")
    args = parser.parse_args()
    prepare_torch()
    torch.set_num_threads(1)
    device = torch.device("cpu")
    configs = [open_run(run)[1] for run in args.runs]
    if len({(c.space, c.dataset) for c in configs}) != 1:
        raise SystemExit("the runs must share one space and dataset")
    for run, config in zip(args.runs, configs):
        if config.seed in range(10):
            raise SystemExit(f"{run} was trained on seed {config.seed}, one of the bench's: settings are chosen on others")
    space, dataset = configs[0].space, configs[0].dataset
    out = args.out or ROOT / "benchmarks" / "results" / f"{space}_search_settings.json"
    budgets = [int(b) for b in args.budgets.split(",")]
    benchmark = load_benchmark(space, args.data_dir)
    seeds = [int(s) for s in args.search_seeds.split(",")]
    rea = []
    for seed in range(1000, 1100):
        oracle = Oracle(benchmark, dataset, max(budgets))
        regularised_evolution(benchmark.space, oracle, np.random.default_rng(seed))
        rea.append(best_at(oracle, budgets))
    report = {"rea_mean_100_seeds": np.mean(rea, 0).round(3).tolist(), "budgets": budgets, "runs": {}}
    print("REA, mean of 100 seeds:", report["rea_mean_100_seeds"], flush=True)
    for run, config in zip(args.runs, configs):
        trained = load_trained(run, config, benchmark.space, device)
        labelled = [benchmark.space.parse(r.arch) for r in read_queries(run / "queries.csv") if r.source == "labelled"]
        rows = report["runs"][f"seed {config.seed}, {len(labelled)} labelled"] = {}
        for rule in args.rules.split(","):
            for name in args.settings.split(";"):
                change = SETTINGS[name]
                cfg = replace(config.search, rule=rule, **{**REFERENCE, **change})
                curves = []
                for seed in seeds:
                    oracle = Oracle(benchmark, dataset, max(budgets))
                    for cell in labelled:
                        oracle.query(cell, "labelled")
                    codes = LatentCodes.from_pool(benchmark.space, trained.gvae, device, trained.pool.cells, trained.mu)
                    CRLSOSearch(benchmark.space, codes, copy.deepcopy(trained.predictor), oracle, cfg, device,
                                torch.Generator().manual_seed(seed)).run()
                    curves.append(best_at(oracle, budgets))
                rows[f"{rule}: {name}"] = np.mean(curves, 0).round(3).tolist()
                print(config.seed, f"{rule}: {name}", rows[f"{rule}: {name}"], flush=True)
    report["search_seeds"] = seeds
    if out.exists():  # runs measured before keep their rows
        earlier = json.loads(out.read_text())
        if earlier.get("search_seeds") == seeds and earlier.get("budgets") == budgets:
            report["runs"] = {**earlier["runs"], **report["runs"]}
    out.write_text(json.dumps(report, indent=1) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
