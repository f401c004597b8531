"""How long the demo preset trains: the shortest G-VAE schedule at which the convexity term
measurably shapes the latent space, chosen on development seeds (never the bench's 0-9).

    python -m experiments.demo_length --seeds 101-103 --epochs 12,30,60 [--space nb201 --dataset cifar10]

For each G-VAE length (the demo preset's learning rate and everything else as it is), an
LS/CR-LS pair is trained on each seed and measured as `crlso figures` measures one
(crlso_core/bench/figure_stats.measure): the top-100 x worst-100 cosine similarity (the
paper: lower on CR-LS), the Jensen violations of the decoded cells' true error, and
reconstruction. Prints each length's paired CR-LS - LS over seeds and writes
results/<space>_demo_length.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from crlso_core.bench.figure_stats import measure
from crlso_core.bench.grid import parse_list, parse_seeds
from crlso_core.catalog.methods import SIDES
from crlso_core.catalog.presets import preset
from crlso_core.pipeline.pair import train_pair
from crlso_core.store.pairs import pair_folder
from results import RESULTS

SHOWN = ("top_worst_100", "top_top_100", "jensen_true", "jensen_predicted", "recon_acc", "predictor_tau")


def paired(rows: dict, key: str) -> tuple[float, float, int]:
    """Mean and standard error over seeds of CR-LS - LS, and the number of seeds."""
    d = np.array([float(r["crls"][key]) - float(r["ls"][key]) for r in rows.values()])
    se = float(d.std(ddof=1) / np.sqrt(len(d))) if len(d) > 1 else float("nan")
    return float(d.mean()), se, len(d)


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--space", default="nb201")
    p.add_argument("--dataset", default="cifar10")
    p.add_argument("--seeds", default="101-103")
    p.add_argument("--epochs", default="12,30,60")
    p.add_argument("--out", type=Path, default=Path("demo-length"))
    p.add_argument("--data-dir", type=Path)
    args = p.parse_args(argv)
    results: dict = {"command": " ".join(["python -m experiments.demo_length", *(argv or sys.argv[1:])]), "lengths": {}}
    for epochs in parse_list(args.epochs, int):
        rows = {}
        for seed in parse_seeds(args.seeds):
            config = preset("demo", space=args.space, dataset=args.dataset, seed=seed, device="cpu")
            config = replace(config, gvae=replace(config.gvae, epochs=epochs))
            name, t0 = f"e{epochs}-s{seed}", time.perf_counter()
            runs = args.out / "runs"
            if not all((pair_folder(runs, name, side) / "summary.json").exists() for side in SIDES):
                train_pair(config, runs, name, args.data_dir)
            rows[seed] = {side: measure(pair_folder(runs, name, side)) for side in SIDES}
            print(f"{epochs} epochs, seed {seed}: trained and measured in {time.perf_counter() - t0:.0f} s", flush=True)
        summary = {key: dict(zip(("mean", "se", "seeds"), paired(rows, key))) for key in SHOWN}
        results["lengths"][str(epochs)] = {"seeds": {str(s): r for s, r in rows.items()}, "crls_minus_ls": summary}
        print(f"{epochs} epochs, CR-LS - LS over seeds: "
              + ", ".join(f"{k} {v['mean']:+.3f} ± {v['se']:.3f}" for k, v in summary.items()), flush=True)
    out = RESULTS / f"{args.space}_demo_length.json"
    out.write_text(json.dumps(results, indent=1, default=float) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
