"""The library's speed: one process, one run, every figure against its baseline measured beside it.

    python -m measurements.speed [--paper] [--repeats 5] [--out results/speed.json]
    python -m measurements.speed --only utilisation [--device cuda]   # the training step's FLOP/s over the matmul peak

1. G-VAE training throughput (cells/s, forward + backward + Adam step, paper sizes: hidden
   256, 3 layers, latent 16, batch 256) with the dense encoder vs the plain torch_geometric
   MessagePassing layer of the same function; rounds alternate and the median is reported.
2. Loading the NB201 table: time and peak resident memory, in a fresh subprocess.
3. PCA, t-SNE and UMAP of all 15,625 latent codes.
4. NB301: the surrogate's time per cell, one per call (as shipped) beside batched (as crlso
   loads it); and training on the demo pool (10,000 genotypes): graph building and seconds
   per epoch of the joint G-VAE + ICNN, times the preset's epochs.
5. NB101: the exact enumeration of the space, reading the official TFRecord format, and
   loading the offline 30k table.
6. With --paper: wall time per stage of a paper-preset run (teacher, joint G-VAE, search).
7. Utilisation: FLOP/s of the paper-size joint training step (and the encoder alone) over
   the fp32 matmul peak measured in the same run (--device cuda on a GPU).
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from crlso_core.catalog.presets import preset
from crlso_core.catalog.registry import load_benchmark
from crlso_core.models import GVAE, ICNN, kl_divergence
from crlso_core.models.encoder_pyg import PyGGraphEncoder, to_pyg
from results import RESULTS


def encoder_throughput(table, repeats: int, batch_size: int = 256, steps: int = 20) -> dict:
    space = table.space
    cfg = preset("paper").gvae
    torch.manual_seed(0)
    model = GVAE(space.node_features, space.edge_features, space.decoder_output_dim, cfg.latent, cfg.hidden, cfg.layers, cfg.decoder_blocks)
    pyg_encoder = PyGGraphEncoder(space.node_features, space.edge_features, cfg.hidden, cfg.layers).copy_from(model.encoder)
    icnn = ICNN(cfg.latent, cfg.icnn_hidden, cfg.icnn_layers)
    cells = space.sample(np.random.default_rng(0), batch_size * steps)
    dense_batches = [space.graph_batch(cells[i:i + batch_size]) for i in range(0, len(cells), batch_size)]
    pyg_batches = [to_pyg(b) for b in dense_batches]  # collated up front: only model time is compared
    targets = [space.targets(cells[i:i + batch_size]) for i in range(0, len(cells), batch_size)]
    err = torch.rand(batch_size)

    # identical outputs for identical weights
    with torch.no_grad():
        same = torch.allclose(model.encoder(dense_batches[0]), pyg_encoder(pyg_batches[0]), rtol=1e-4, atol=1e-4)

    def loss_of(graph_embedding, t):
        mu, logvar = model.to_mu(graph_embedding), model.to_logvar(graph_embedding)
        z = mu + 0.01 * torch.randn_like(mu) * torch.exp(0.5 * logvar)
        return (
            space.reconstruction_loss(model.decoder(z), t)
            + cfg.beta * kl_divergence(mu, logvar)
            + torch.nn.functional.mse_loss(icnn(z), err)
        )

    heads = [*model.to_mu.parameters(), *model.to_logvar.parameters(), *model.decoder.parameters(), *icnn.parameters()]

    def full_step(encoder, batches) -> float:
        """Whole G-VAE + ICNN training step: encoder, heads, decoder, losses, Adam."""
        opt = torch.optim.Adam(heads + list(encoder.parameters()), lr=1e-4, foreach=True)
        t0 = time.perf_counter()
        for b, t in zip(batches, targets):
            loss = loss_of(encoder(b), t)
            opt.zero_grad()
            loss.backward()
            opt.step()
        return batch_size * len(batches) / (time.perf_counter() - t0)

    def encoder_only(encoder, batches) -> float:
        """The encoder alone, forward + backward."""
        t0 = time.perf_counter()
        for b in batches:
            encoder.zero_grad()
            encoder(b).square().mean().backward()
        return batch_size * len(batches) / (time.perf_counter() - t0)

    out = {"identical_outputs": bool(same), "batch_size": batch_size, "steps_per_round": steps, "rounds": repeats}
    for name, fn in (("step", full_step), ("encoder", encoder_only)):
        fn(model.encoder, dense_batches[:3]), fn(pyg_encoder, pyg_batches[:3])  # warm-up
        dense, plain = [], []
        for _ in range(repeats):  # alternate, so machine noise hits both alike
            dense.append(fn(model.encoder, dense_batches))
            plain.append(fn(pyg_encoder, pyg_batches))
        ratios = [d / p for d, p in zip(dense, plain)]
        out[name] = {
            "dense_cells_per_s": statistics.median(dense), "pyg_cells_per_s": statistics.median(plain),
            "ratio_median": statistics.median(ratios), "ratios": ratios,
        }
    return out


def matmul_peak(device: torch.device, repeats: int = 10) -> float:
    """fp32 FLOP/s of a large square matmul on `device`, median of `repeats`: the peak the
    training step's FLOP/s is compared with, measured in the same run."""
    n = 2048 if device.type == "cpu" else 8192
    a, b = torch.randn(n, n, device=device), torch.randn(n, n, device=device)
    rates = []
    for i in range(repeats + 2):
        _sync(device)
        t0 = time.perf_counter()
        a @ b
        _sync(device)
        if i >= 2:  # warm-up
            rates.append(2 * n**3 / (time.perf_counter() - t0))
    return statistics.median(rates)


def _cpu_name() -> str:
    try:
        return next(
            line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")
        )
    except (OSError, StopIteration):
        return platform.processor() or platform.machine()


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def utilisation(device: torch.device, repeats: int, steps: int = 20) -> dict:
    """FLOP/s of the real paper-size joint G-VAE + ICNN training step (training.joint_step,
    NB201, batch 256) and of the encoder alone (forward + backward), over the fp32 matmul
    peak measured beside them. The step is timed as train_gvae runs it (no host sync per
    step) and, for comparison, with the three .item() reads per step the loop made before."""
    from torch.utils.flop_counter import FlopCounterMode

    from crlso_core.models.training import joint_step

    table = load_benchmark("nb201")
    space, cfg = table.space, preset("paper").gvae
    torch.manual_seed(0)
    gvae = GVAE(space.node_features, space.edge_features, space.decoder_output_dim, cfg.latent, cfg.hidden, cfg.layers,
                cfg.decoder_blocks, cfg.readout).to(device).train()
    icnn = ICNN(cfg.latent, cfg.icnn_hidden, cfg.icnn_layers).to(device)
    params = list(gvae.parameters()) + list(icnn.parameters())
    opt = torch.optim.Adam(params, lr=cfg.lr, betas=cfg.betas, weight_decay=cfg.weight_decay, foreach=True)
    batch = 256
    cells = space.sample(np.random.default_rng(0), batch * steps)
    graphs = [space.graph_batch(cells[i:i + batch]).to(device) for i in range(0, len(cells), batch)]
    targets = [space.targets(cells[i:i + batch]).to(device) for i in range(0, len(cells), batch)]
    err = torch.rand(batch, device=device)

    def step(i: int, sync_each: bool = False) -> None:
        losses = joint_step(space, gvae, icnn, params, opt, graphs[i], targets[i], err, cfg)
        if sync_each:
            [v.item() for v in losses]

    def encoder(i: int, sync_each: bool = False) -> None:
        gvae.encoder.zero_grad()
        gvae.encoder(graphs[i]).square().mean().backward()

    out = {"device": torch.cuda.get_device_name(device) if device.type == "cuda" else _cpu_name(),
           "threads": torch.get_num_threads(), "batch_size": batch, "steps_per_round": steps, "rounds": repeats}
    peaks = []
    for name, fn in (("step", step), ("encoder", encoder)):
        with FlopCounterMode(display=False) as counter:
            fn(0)
        flops = counter.get_total_flops()
        for i in range(3):
            fn(i)  # warm-up
        timings = {"no_sync": [], "item_per_step": []}
        for _ in range(repeats):  # alternating with the peak, so noise hits both alike
            for mode, sync_each in (("no_sync", False), ("item_per_step", True)):
                if name == "encoder" and sync_each:
                    continue
                _sync(device)
                t0 = time.perf_counter()
                for i in range(steps):
                    fn(i, sync_each)
                _sync(device)
                timings[mode].append((time.perf_counter() - t0) / steps)
            peaks.append(matmul_peak(device, repeats=3))
        seconds = statistics.median(timings["no_sync"])
        out[name] = {"gflop": flops / 1e9, "ms": 1e3 * seconds, "gflop_per_s": flops / seconds / 1e9}
        if timings["item_per_step"]:
            out[name]["ms_item_per_step"] = 1e3 * statistics.median(timings["item_per_step"])
    peak = statistics.median(peaks)
    out["matmul_peak_gflop_per_s"] = peak / 1e9
    for name in ("step", "encoder"):
        out[name]["utilisation"] = out[name]["gflop_per_s"] * 1e9 / peak
    return out


_LOAD_SNIPPET = """
import json, time
import torch  # imported first, so the figures below are the table's own

def rss_mb():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024

def peak_mb():  # VmHWM belongs to this program's memory; ru_maxrss keeps the forking parent's peak
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024

from crlso_core.benchmarks.{space} import load_{space} as load
before = rss_mb()
t0 = time.perf_counter(); table = load(); t = time.perf_counter() - t0
print(json.dumps({"seconds": t, "rss_mb_added": rss_mb() - before,
                  "peak_rss_mb_process": peak_mb()}))
"""


def table_load(repeats: int, space: str = "nb201") -> dict:
    snippet = _LOAD_SNIPPET.replace("{space}", space)
    runs = [
        json.loads(subprocess.run([sys.executable, "-c", snippet], capture_output=True, text=True, check=True).stdout)
        for _ in range(repeats)
    ]
    return {k: statistics.median(r[k] for r in runs) for k in runs[0]}


def projections(n: int, latent: int = 16) -> dict:
    from crlso_core.analysis.projections import project

    codes = np.random.default_rng(0).normal(size=(n, latent)).astype(np.float32)
    return {m: round(project(codes, m).seconds, 2) for m in ("pca", "tsne", "umap")}


def nb301_surrogate(n: int = 10_000) -> dict:
    """Microseconds per cell: the shipped model one cell per call (its batch is fixed to 1)
    beside the same model with the batch made symbolic, as crlso loads it; and the G-VAE's
    input for a pool of n cells."""
    import onnxruntime as ort

    from crlso_core.benchmarks.data_dir import find_data_file
    from crlso_core.benchmarks.nb301 import EPOCH, MODEL_FILE, load_nb301

    bench = load_nb301()
    cells = bench.space.sample(np.random.default_rng(0), n)
    x = bench.encode(cells)
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    single = ort.InferenceSession(find_data_file(MODEL_FILE, None, "").read_bytes(), options, providers=["CPUExecutionProvider"])
    epoch = np.full((1, 1), EPOCH, dtype=np.float32)
    t0 = time.perf_counter()
    for row in x:
        single.run(None, {"x_cat": row[None], "x_cont": epoch})
    one = (time.perf_counter() - t0) / n * 1e6
    t0 = time.perf_counter()
    bench.outputs(cells)
    batched = (time.perf_counter() - t0) / n * 1e6
    t0 = time.perf_counter()
    bench.space.graph_batch(cells)
    graphs = (time.perf_counter() - t0) / n * 1e6
    return {"cells": n, "one_per_call_us": round(one, 1), "batched_us": round(batched, 1), "speedup": round(one / batched, 2),
            "graph_batch_us": round(graphs, 1)}


def nb301_pool_training(epochs: int = 2) -> dict:
    """The demo preset's joint G-VAE + ICNN training on its NB301 pool, timed over `epochs`
    epochs (the preset runs config.gvae.epochs); the ICNN fits the surrogate's error of every
    pool cell, which costs as much as fitting the teacher's."""
    from dataclasses import replace

    from crlso_core.models.training import train_gvae
    from crlso_core.store.pool import build_pool

    bench = load_benchmark("nb301")
    config = preset("demo", space="nb301")
    t0 = time.perf_counter()
    pool = build_pool(bench, config.pool or 10_000, 0, include=[])
    space = pool.space
    batch, targets = space.graph_batch(pool.cells), space.targets(pool.cells)
    build_s = time.perf_counter() - t0
    error = 1.0 - bench.valid_accuracy(pool.cells, "cifar10") / 100.0
    t0 = time.perf_counter()
    train_gvae(space, batch, targets, error, replace(config.gvae, epochs=epochs), torch.device("cpu"), torch.Generator().manual_seed(0))
    per_epoch = (time.perf_counter() - t0) / epochs
    return {"pool": len(pool), "batch_size": config.gvae.batch_size, "build_graphs_s": round(build_s, 2),
            "epoch_s": round(per_epoch, 2), "preset_epochs": config.gvae.epochs,
            "preset_training_s": round(per_epoch * config.gvae.epochs, 1)}


def nb101_figures(repeats: int) -> dict:
    """NB101: the exact enumeration of its 423,624 cells (one process), reading the official
    TFRecord format (the 90-record fixture, read again and again; extrapolated to the 1,270,872
    records of nasbench_only108.tfrecord), and loading the offline 30k table."""
    from crlso_core.benchmarks.data_dir import find_data_file
    from crlso_core.benchmarks.readers.crc32c import IMPLEMENTATION
    from crlso_core.common.errors import CRLSOError
    from crlso_core.spaces.nb101.enumerate import enumerate_space
    from measurements.nb101_tfrecord_speed import records_per_second

    t0 = time.perf_counter()
    cells = len(enumerate_space().digests)
    enumeration = time.perf_counter() - t0
    out = {"enumerated_cells": cells, "enumeration_s": round(enumeration, 1),
           "table_load": table_load(repeats, "nb101")}
    try:
        fixture = find_data_file("nb101/nasbench_only108_dummy30.tfrecord", None, "")
    except CRLSOError:  # the fixture lives in the shared data folder only
        return {**out, "tfrecord": "fixture not found"}
    rate = records_per_second(fixture, passes=50, repeats=5, aggregate=True)
    return {**out, "tfrecord": {"records_per_s": round(rate), "crc32c": IMPLEMENTATION,
                                "only108_estimate_s": round(1_270_872 / rate, 1)}}


def paper_stages() -> dict:
    from crlso_core.pipeline.run import full_run

    with tempfile.TemporaryDirectory() as tmp:
        summary = full_run(preset("paper", seed=0), Path(tmp) / "run")
    return {**summary.wall_s, "best_valid_acc": summary.best_valid_acc, "recon_acc": summary.recon_acc}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paper", action="store_true", help="also time a paper-preset run (~10 min on 2 cores)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--out", type=Path, default=RESULTS / "speed.json")
    parser.add_argument("--only", choices=("utilisation",), help="measure only this and update it in --out")
    parser.add_argument("--device", default="cpu", help="device of the utilisation figure (cpu or cuda)")
    args = parser.parse_args()
    key = "utilisation" if args.device == "cpu" else f"utilisation_{args.device}"
    if args.only:
        result = json.loads(args.out.read_text()) if args.out.exists() else {}
        result[key] = utilisation(torch.device(args.device), args.repeats)
        print(json.dumps(result[key], indent=2))
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=2) + "\n")
        return
    table = load_benchmark("nb201")
    result = {
        key: utilisation(torch.device(args.device), args.repeats),
        "machine": {"cpu": platform.processor() or platform.machine(), "cores": torch.get_num_threads(), "torch": torch.__version__},
        "encoder": encoder_throughput(table, args.repeats),
        "table_load": table_load(args.repeats),
        "projections_s": projections(len(table)),
        "nb301_surrogate": nb301_surrogate(),
        "nb301_pool_training": nb301_pool_training(),
        "nb101": nb101_figures(args.repeats),
    }
    print(json.dumps(result, indent=2))
    if args.paper:
        result["paper_preset_s"] = paper_stages()
        print(json.dumps(result["paper_preset_s"], indent=2))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
