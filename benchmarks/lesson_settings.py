"""Which G-VAE optimiser settings let a space's `lesson` preset reconstruct within minutes:
the preset's G-VAE trained alone (no ICNN, no teacher: the reconstruction is the question) on
its pool, on a development seed (never the bench's 0-9), once per setting. Reports the
seconds, the recon loss after each epoch, and the exact reconstruction of the pool and of
random cells the G-VAE never saw.

    python -m benchmarks.lesson_settings --space nb301 [--seed 101] [--settings "0,0.5,1e-3;0.9,0.999,1e-3"]

Each setting is `beta1,beta2,lr`. Writes benchmarks/results/<space>_lesson_settings.json (the rows of
settings measured before stay).
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import replace
from pathlib import Path

import torch

from crlso_core.catalog.presets import preset
from crlso_core.catalog.registry import load_benchmark
from crlso_core.models.training import encode_all, prepare_torch, reconstruction_accuracy, seed_everything, train_gvae
from crlso_core.pipeline.stages import draw_labelled, heldout_cells, run_pool

ROOT = Path(__file__).resolve().parents[1]


def parse_settings(text: str) -> list[tuple[float, float, float]]:
    return [tuple(float(v) for v in part.split(",")) for part in text.split(";") if part.strip()]


def measure(space: str, seed: int, beta1: float, beta2: float, lr: float, data_dir=None, epochs=None) -> dict:
    config = preset("lesson", space=space, seed=seed, device="cpu")
    gvae = replace(config.gvae, icnn=False, betas=(beta1, beta2), lr=lr, epochs=epochs or config.gvae.epochs)
    benchmark = load_benchmark(space, data_dir)
    _, labelled, _ = draw_labelled(config, benchmark)
    pool = run_pool(config, benchmark, labelled)
    space_ = pool.space
    batch, targets = space_.graph_batch(pool.cells), space_.targets(pool.cells)
    generator = seed_everything(seed)
    losses: list[float] = []

    def progress(event):
        if event.stage == "gvae" and "recon" in event.metrics:
            losses.append(round(event.metrics["recon"], 4))

    cpu = torch.device("cpu")
    t0 = time.perf_counter()
    joint = train_gvae(space_, batch, targets, None, gvae, cpu, generator, progress)
    seconds = time.perf_counter() - t0
    recon = reconstruction_accuracy(space_, joint.gvae, encode_all(joint.gvae, batch, cpu), targets, cpu)
    unseen = heldout_cells(pool, seed)
    held = None
    if unseen:
        unseen_batch = space_.graph_batch(unseen)
        held = reconstruction_accuracy(space_, joint.gvae, encode_all(joint.gvae, unseen_batch, cpu), space_.targets(unseen), cpu)
    return {"betas": [beta1, beta2], "lr": lr, "pool": len(pool), "batch_size": gvae.batch_size, "epochs": gvae.epochs,
            "gvae_s": round(seconds, 1), "recon": recon, "recon_heldout": held, "recon_loss_by_epoch": losses}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--space", default="nb301")
    parser.add_argument("--seed", type=int, default=101)
    parser.add_argument("--settings", default="0,0.5,1e-3;0.9,0.999,1e-3")
    parser.add_argument("--epochs", type=int, default=None, help="instead of the preset's (a quick try of the script)")
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    prepare_torch()
    rows = []
    for beta1, beta2, lr in parse_settings(args.settings):
        row = measure(args.space, args.seed, beta1, beta2, lr, args.data_dir, args.epochs)
        print(json.dumps(row), flush=True)
        rows.append(row)
    out = args.out or ROOT / "benchmarks" / "results" / f"{args.space}_lesson_settings.json"
    key = lambda r: (tuple(r["betas"]), r["lr"], r["epochs"], r["pool"])  # noqa: E731
    earlier = json.loads(out.read_text())["rows"] if out.exists() else []  # other settings measured before stay
    rows = [r for r in earlier if key(r) not in {key(n) for n in rows}] + rows
    out.write_text(json.dumps({"space": args.space, "seed": args.seed, "rows": rows}, indent=1) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
