"""Does the teacher learn the ranking of the pool when it fits raw or standardised
accuracies? Kendall tau of its predictions against the benchmark on pool cells, on
development seeds (never the bench's 0-9), each seed's labelled set trained both ways.

    python -m experiments.teacher_scale --space nb301 [--seeds 101,102,103] [--labelled 50] [--cells 3000]

Writes results/<space>_teacher_scale.json (runs with other labelled counts are
kept); BENCHMARKS.md shows it. This is the evidence behind TeacherConfig.standardise.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

from crlso_core.catalog.presets import preset
from crlso_core.catalog.registry import load_benchmark
from crlso_core.models.training import kendall_tau, predict_graphs, prepare_torch, train_teacher
from crlso_core.pipeline.stages import draw_labelled, run_pool
from results import RESULTS


def pool_sample(benchmark, config, cells: int):
    """The run's labelled set (with its accuracies) and `cells` of its pool the benchmark answers."""
    _, labelled, accuracy = draw_labelled(config, benchmark)
    pool = run_pool(config, benchmark, labelled)
    rows = np.random.default_rng(0).permutation(len(pool.cells))[:cells]
    sample = [pool.cells[i] for i in rows]
    truth = np.asarray(benchmark.valid_accuracy(sample, config.dataset), dtype=float)
    answered = np.isfinite(truth)
    return labelled, accuracy, [c for c, ok in zip(sample, answered) if ok], truth[answered]


def teacher_tau(benchmark, config, labelled, accuracy, sample, truth, standardise: bool, device) -> tuple[float, float]:
    """(Kendall tau of the teacher's predictions against the truth on `sample`, seconds to train)."""
    start = time.perf_counter()
    teacher = train_teacher(benchmark.space, labelled, accuracy, replace(config.teacher, standardise=standardise),
                            device, torch.Generator().manual_seed(config.seed))
    seconds = time.perf_counter() - start
    predicted = predict_graphs(teacher, benchmark.space.graph_batch(sample), device)
    return kendall_tau(predicted, truth), seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--space", required=True)
    parser.add_argument("--preset", default="demo")
    parser.add_argument("--seeds", default="101,102,103", help="development seeds; the bench's 0-9 are refused")
    parser.add_argument("--labelled", type=int, help="default: the preset's")
    parser.add_argument("--cells", type=int, default=3000, help="pool cells the ranking is measured on")
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--out", type=Path, help="default: results/<space>_teacher_scale.json")
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    if any(s in range(10) for s in seeds):
        raise SystemExit("seeds 0-9 are the bench's: measure on others")
    prepare_torch()
    torch.set_num_threads(1)
    device = torch.device("cpu")
    benchmark = load_benchmark(args.space, args.data_dir)
    rows = {}
    for seed in seeds:
        config = preset(args.preset, space=args.space, seed=seed)
        if args.labelled:
            config = replace(config, labelled=args.labelled)
        drawn = pool_sample(benchmark, config, args.cells)
        raw, raw_s = teacher_tau(benchmark, config, *drawn, False, device)
        std, std_s = teacher_tau(benchmark, config, *drawn, True, device)
        rows[str(seed)] = {"raw": round(raw, 3), "standardised": round(std, 3), "seconds": round(raw_s + std_s, 1)}
        print(args.space, seed, rows[str(seed)], flush=True)
    labelled = config.labelled
    out = args.out or RESULTS / f"{args.space}_teacher_scale.json"
    report = json.loads(out.read_text()) if out.exists() else {}
    report[f"{args.preset}, {labelled} labelled"] = {
        "command": "python -m experiments.teacher_scale " + " ".join(sys.argv[1:]),
        "cells": args.cells, "dataset": config.dataset, "seeds": rows,
    }
    out.write_text(json.dumps(report, indent=1) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
