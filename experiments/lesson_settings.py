"""Which G-VAE optimiser settings let a space's `lesson` preset reconstruct within minutes:
the preset's G-VAE trained alone (no ICNN, no teacher: the reconstruction is the question) on
its pool, on a development seed (never the bench's 0-9), once per setting. Reports the
seconds (training and the reconstruction check), the recon loss after each epoch, and the exact reconstruction of the pool and of
random cells the G-VAE never saw.

    python -m experiments.lesson_settings --space nb301 [--seed 101] [--settings "0,0.5,1e-3;0.9,0.999,1e-3"]

Each setting is `beta1,beta2,lr`. Writes results/<space>_lesson_settings.json (the rows of
settings measured before stay).
"""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from pathlib import Path

import torch

from crlso_core.catalog.presets import preset
from crlso_core.catalog.registry import load_benchmark
from crlso_core.models.training import prepare_torch, seed_everything
from crlso_core.pipeline.stages import draw_labelled, latent_stage, run_pool
from results import RESULTS


def parse_settings(text: str) -> list[tuple[float, float, float]]:
    return [tuple(float(v) for v in part.split(",")) for part in text.split(";") if part.strip()]


def measure(space: str, seed: int, beta1: float, beta2: float, lr: float, data_dir=None, epochs=None, hidden=None) -> dict:
    config = preset("lesson", space=space, seed=seed, device="cpu")
    gvae = replace(config.gvae, icnn=False, betas=(beta1, beta2), lr=lr, epochs=epochs or config.gvae.epochs,
                   hidden=hidden or config.gvae.hidden)
    benchmark = load_benchmark(space, data_dir)
    _, labelled, _ = draw_labelled(config, benchmark)
    pool = run_pool(config, benchmark, labelled)
    # the run's own latent stage (G-VAE, then reconstruction of the pool and of unseen cells); no ICNN, so no teacher
    latent = latent_stage(replace(config, gvae=gvae), pool, None, torch.device("cpu"), seed_everything(seed))
    return {"betas": [beta1, beta2], "lr": lr, "pool": len(pool), "batch_size": gvae.batch_size, "epochs": gvae.epochs,
            "hidden": gvae.hidden, "gvae_s": round(latent.seconds, 1), "recon": latent.recon_acc, "recon_heldout": latent.recon_heldout,
            "recon_loss_by_epoch": [round(row["recon"], 4) for row in latent.history]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--space", default="nb301")
    parser.add_argument("--seed", type=int, default=101)
    parser.add_argument("--settings", default="0,0.5,1e-3;0.9,0.999,1e-3")
    parser.add_argument("--epochs", type=int, default=None, help="instead of the preset's (a quick try of the script)")
    parser.add_argument("--hidden", type=int, default=None, help="the G-VAE's width, instead of the preset's (a smaller, faster model)")
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    prepare_torch()
    rows = []
    for beta1, beta2, lr in parse_settings(args.settings):
        row = measure(args.space, args.seed, beta1, beta2, lr, args.data_dir, args.epochs, args.hidden)
        print(json.dumps(row), flush=True)
        rows.append(row)
    out = args.out or RESULTS / f"{args.space}_lesson_settings.json"
    key = lambda r: (tuple(r["betas"]), r["lr"], r["epochs"], r["pool"], r.get("hidden", 256))  # noqa: E731
    earlier = json.loads(out.read_text())["rows"] if out.exists() else []  # other settings measured before stay
    rows = [r for r in earlier if key(r) not in {key(n) for n in rows}] + rows
    out.write_text(json.dumps({"space": args.space, "seed": args.seed, "rows": rows}, indent=1) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
