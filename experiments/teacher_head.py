"""Is our teacher as good as the authors'? docs/fidelity.md T2 and T3: ours embeds the nodes
first, lets W's node blocks carry a bias and reads out the sum-pooled states of every layer;
theirs (crlso_core/models/predictor.py's ReferenceGNNPredictor) reads the one-hot nodes,
has W bias-free and flattens the last layer's states into an MLP of three bias-free layers.
Both are fitted the same way (the preset's teacher settings, the run's labelled set) and
ranked by Kendall tau of their predictions against the benchmark on pool cells, on
development seeds only (the bench's 0-9 are refused), paired by seed and dataset.

    python -m experiments.teacher_head [--space nb201] [--preset paper] [--seeds 101,102,103] [--cells 3000]

Writes results/<space>_teacher_head.json (one entry per preset; others kept); docs/fidelity.md
rows T2 and T3 cite it. On NB101 and NB301 the authors' flattening reads every padded node
slot (7 and 14), as their NB101 code does. The rule,
written before the numbers: a difference within two standard errors of the paired mean
keeps ours (it can represent theirs but for the readout); theirs ahead by more aligns.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np
import torch

from crlso_core.analysis.verdict import HOLDS, ONE_SEED, OPPOSITE, WITHIN_NOISE
from crlso_core.analysis.verdict import verdict as rule
from crlso_core.bench.plan import git_commit, machine, machine_text
from crlso_core.bench.tables import mean_se
from crlso_core.catalog.presets import preset
from crlso_core.catalog.registry import get_spec, load_benchmark
from crlso_core.models.training import kendall_tau, predict_graphs, prepare_torch, train_teacher
from experiments.teacher_scale import pool_sample
from results import RESULTS

HEADS = ("pooled", "reference")  # crlso_core/catalog/config.py TEACHER_HEADS: ours until version 3, the authors'


def fit_and_rank(benchmark, config, labelled, accuracy, sample, truth, head: str) -> tuple[float, float]:
    """(Kendall tau on `sample`, seconds to fit) of one teacher."""
    space = benchmark.space
    torch.manual_seed(config.seed)  # each network starts from its seed's draw, as a run's does: reruns agree
    start = time.perf_counter()
    teacher = train_teacher(space, labelled, accuracy, replace(config.teacher, head=head), torch.device("cpu"),
                            torch.Generator().manual_seed(config.seed))
    seconds = time.perf_counter() - start
    return kendall_tau(predict_graphs(teacher, space.graph_batch(sample), torch.device("cpu")), truth), seconds


# the project's one verdict rule (crlso_core/analysis/verdict.py: > 2 s.e. of the paired difference, no claim
# from one pair), worded for this comparison: "higher" is the authors' network ranking better
WORDS = {HOLDS: "reference ahead by more than 2 s.e.", OPPOSITE: "pooled ahead by more than 2 s.e.",
         WITHIN_NOISE: "within 2 s.e.: no difference shown", ONE_SEED: "one pair: no claim"}


def verdict(diffs: list[float]) -> dict:
    """The paired difference (reference - pooled) and what the rule above makes of it."""
    mean, se = mean_se(np.asarray(diffs, dtype=float))
    word = WORDS[rule(mean, se, len(diffs), "higher")]
    if not np.isfinite(se):
        return {"mean": round(mean, 3), "se": None, "verdict": word}
    return {"mean": round(mean, 4), "se": round(se, 4), "verdict": word}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--space", default="nb201")
    parser.add_argument("--preset", default="paper")
    parser.add_argument("--datasets", help="default: every dataset of the space")
    parser.add_argument("--seeds", default="101,102,103", help="development seeds; the bench's 0-9 are refused")
    parser.add_argument("--cells", type=int, default=3000, help="pool cells the ranking is measured on")
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--out", type=Path, help="default: results/<space>_teacher_head.json")
    args = parser.parse_args(argv)
    seeds = [int(s) for s in args.seeds.split(",")]
    if any(s in range(10) for s in seeds):
        raise SystemExit("seeds 0-9 are the bench's: measure on others")
    prepare_torch()
    torch.set_num_threads(1)
    benchmark = load_benchmark(args.space, args.data_dir)
    rows, diffs = [], []
    for dataset in (args.datasets.split(",") if args.datasets else get_spec(args.space).datasets):
        for seed in seeds:
            config = preset(args.preset, space=args.space, seed=seed, dataset=dataset)
            drawn = pool_sample(benchmark, config, args.cells)
            row = {"dataset": dataset, "seed": seed}
            for head in HEADS:
                tau, seconds = fit_and_rank(benchmark, config, *drawn, head)
                row[f"{head}_tau"], row[f"{head}_s"] = round(tau, 4), round(seconds, 1)
            diffs.append(row["reference_tau"] - row["pooled_tau"])
            rows.append(row)
            print(row, flush=True)
    result = {"command": "python -m experiments.teacher_head " + " ".join(sys.argv[1:] if argv is None else argv),
              "preset": args.preset, "labelled": config.labelled, "cells": args.cells, "teacher": asdict(config.teacher),
              "machine": machine_text(machine()), "commit": git_commit(), "rows": rows, "reference_minus_pooled": verdict(diffs)}
    out = args.out or RESULTS / f"{args.space}_teacher_head.json"
    report = json.loads(out.read_text()) if out.exists() else {}
    out.write_text(json.dumps({**report, args.preset: result}, indent=1) + "\n")
    print(json.dumps(result["reference_minus_pooled"]), f"\nwrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
