"""Make the example pairs shipped in the package (crlso_core/data/examples/): for each space,
an LS/CR-LS pair trained with the lesson preset, both sides searched, REA, random and local
search run beside CR-LSO, PCA (2-D, 3-D), t-SNE and UMAP of both sides' codes, and the map of
where each method looked (Search's t-SNE of every queried cell); then stored compactly (float16
weights, codes and projections) and checked: what float16 costs in reconstruction and Kendall
tau is measured and written to the examples' README.

    python -m tools.make_examples [--spaces nb201,nb301,nb101] [--seed 1] [--data-dir DIR]
                                  [--preset lesson] [--pool N] [--gvae-epochs N]
    python -m tools.make_examples --found-maps   # only add the found maps to the examples shipped
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import shutil
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

from crlso_core.analysis.cache import cached_projection
from crlso_core.analysis.curves import query_files
from crlso_core.analysis.found import cached_found_map
from crlso_core.catalog.methods import SIDE_METHODS
from crlso_core.catalog.presets import preset
from crlso_core.catalog.registry import get_spec, load_benchmark
from crlso_core.common.files import write_bytes_atomic
from crlso_core.models.training import kendall_tau, prepare_torch, reconstruction_accuracy
from crlso_core.pipeline.pair import baseline_run, train_pair
from crlso_core.pipeline.run import search_run
from crlso_core.store import folder as run_files
from crlso_core.store.bundles import export_zip
from crlso_core.store.examples import EXAMPLES, PREFIX
from crlso_core.store.folder import RunFolder
from crlso_core.store.models import load_trained
from crlso_core.store.pairs import pair_folders
from crlso_core.store.pool import CellPool
from crlso_core.store.view import load_view

BASELINES = ("rea", "rs", "local")
PROJECTIONS = (("pca", 2), ("pca", 3), ("tsne", 2), ("umap", 2))
MAX_BUNDLE = 4 * 2**20  # what one example run may weigh, zipped as Export zips it


def make_pair(space: str, seed: int, root: Path, data_dir, preset_name: str = "lesson", pool=None,
              gvae_epochs=None) -> dict[str, Path]:
    config = preset(preset_name, space=space, seed=seed, device="cpu", pool=pool)
    if gvae_epochs:
        config = replace(config, gvae=replace(config.gvae, epochs=gvae_epochs))
    name = f"{PREFIX}{space}"
    train_pair(config, root, name, data_dir)
    runs = pair_folders(root, name)
    for side, run in runs.items():
        search_run(run, data_dir)
        codes = load_trained(run, RunFolder(run).config(), get_spec(space).space(), torch.device("cpu")).mu.numpy()
        for method, dims in PROJECTIONS:
            cached_projection(run, codes, method, dims)
        print(f"{space} {side}: searched and projected", flush=True)
    for method in BASELINES:
        baseline_run(runs["crls"], method, config.budget, data_dir)
    return runs


def found_sources(runs: dict[str, Path]) -> dict[str, Path]:
    """The query files Search lays out in its "where each method looked" map, by method
    label: each side's latent search and the baselines (the page's own choice of files, so the
    map made here is the one it reads: tests/crlso_app/views/test_examples.py checks)."""
    sources: dict[str, Path] = {}
    for side, run in runs.items():
        for method, csv in query_files(run, SIDE_METHODS[side]).items():
            sources.setdefault(method, csv)
    return sources


def add_found_map(runs: dict[str, Path]) -> Path | None:
    """Lay out the pair's found map (a t-SNE of every queried cell: 20-60 s on 2 cores, the
    slowest first load of an example) in a copy of the pair, and put the file beside the CR-LS
    side's projections, where Search reads it. Returns the file kept, if any."""
    coder_side = "crls" if "crls" in runs else next(iter(runs))  # the page codes every method's cells by CR-LS
    coder = runs[coder_side]
    with tempfile.TemporaryDirectory(prefix="crlso-found-") as tmp:
        copies = {side: Path(tmp) / run.name for side, run in runs.items()}
        for side, run in runs.items():  # a copy: the examples are never written by the core (is_example)
            shutil.copytree(run, copies[side])
        copied = copies[coder_side]
        if cached_found_map(copied, found_sources(copies), load_view(copied).codes_of) is None:
            return None
        (made,) = (copied / run_files.ANALYSIS).glob("found-*.npz")
        target = coder / run_files.ANALYSIS / made.name
        for old in (coder / run_files.ANALYSIS).glob("found-*.npz"):
            old.unlink()
        shutil.copyfile(made, target)
    return target


def _half(path: Path) -> None:
    """A state dict's floating tensors as float16 (loaded back into float32 networks)."""
    state = torch.load(path, map_location="cpu", weights_only=True)
    buffer = io.BytesIO()
    torch.save({k: v.half() if v.is_floating_point() else v for k, v in state.items()}, buffer)
    write_bytes_atomic(path, buffer.getvalue())


def _half_npz(path: Path, keys: tuple[str, ...]) -> None:
    with np.load(path, allow_pickle=False) as f:
        data = {k: f[k] for k in f.files}
    for key in keys:
        if key in data:
            data[key] = data[key].astype(np.float16)
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **data)
    write_bytes_atomic(path, buffer.getvalue())


def quality(run: Path, benchmark) -> dict:
    """Exact reconstruction of the pool and the search predictor's Kendall tau on the pool
    cells the benchmark answers, as the run's files give them."""
    folder = RunFolder(run)
    config = folder.config()
    trained = load_trained(run, config, benchmark.space, torch.device("cpu"))
    pool: CellPool = trained.pool
    recon = reconstruction_accuracy(pool.space, trained.gvae, trained.mu, pool.space.targets(pool.cells), torch.device("cpu"))
    truth = benchmark.valid_accuracy(pool.cells, config.dataset)
    ok = np.isfinite(truth)
    with torch.no_grad():
        predicted = 1.0 - trained.predictor(trained.mu).numpy()
    return {"recon": float(recon), "tau": float(kendall_tau(predicted[ok], truth[ok]))}


def _short_trajectory(path: Path) -> None:
    """Gzipped: a search's every proposal with its predictions to 3 decimals (float16 holds about as
    much), and the latent point only of the proposals that were queried (no page reads the
    others'): the trajectory was most of an example's bytes (up to 50,000 proposals)."""
    from crlso_core.store.records import read_trajectory, trajectory_bytes

    steps = read_trajectory(path)
    short = [replace(s, z=[round(v, 3) for v in s.z] if s.queried else [], eta=round(s.eta, 3), pred_acc_z=round(s.pred_acc_z, 3),
                     pred_acc=round(s.pred_acc, 3)) for s in steps]
    write_bytes_atomic(path, gzip.compress(trajectory_bytes(short), mtime=0))  # read_csv reads it as it is (under 4 MB a file)


def compact(run: Path) -> None:
    folder = RunFolder(run)
    if folder.has(run_files.TRAJECTORIES):
        _short_trajectory(folder.file(run_files.TRAJECTORIES))
    for name in (run_files.TEACHER, run_files.GVAE, run_files.PREDICTOR, run_files.PREDICTOR_SEARCH):
        if folder.has(name):
            _half(folder.file(name))
    _half_npz(folder.file(run_files.LATENT), ("mu",))
    for path in sorted((run / run_files.ANALYSIS).glob("*.npz")):
        _half_npz(path, ("coords",))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--spaces", default="nb201,nb301,nb101")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--preset", default="lesson", help="the preset the pairs train with (README says which each used)")
    parser.add_argument("--pool", type=int, default=None, help="a smaller pool than the preset's, so a run fits 4 MB "
                        "(NB301's demo pool of 10,000 made a 4.3 MB LS run)")
    parser.add_argument("--gvae-epochs", type=int, default=None, help="G-VAE epochs instead of the preset's: with a "
                        "smaller pool, more epochs keep the number of training steps the preset reconstructs with")
    parser.add_argument("--found-maps", action="store_true", help="only lay out the found map of each shipped pair "
                        "of --spaces (its queries unchanged) and report each run's zipped size")
    args = parser.parse_args()
    prepare_torch()
    if args.found_maps:
        for space in args.spaces.split(","):
            runs = pair_folders(EXAMPLES, f"{PREFIX}{space}")
            kept = add_found_map(runs)
            sizes = {side: len(export_zip(run)) for side, run in runs.items()}
            print(space, kept.name if kept else "no queries", f"{kept.stat().st_size:,} bytes" if kept else "",
                  "zipped:", sizes, flush=True)
            if max(sizes.values()) > MAX_BUNDLE:
                raise SystemExit(f"{space}: over the {MAX_BUNDLE:,} bytes an example may weigh zipped")
            entry = json.loads((EXAMPLES / "examples.json").read_text())[space]
            record(space, {**entry, "bundle_bytes": sizes})
        return
    for space in args.spaces.split(","):
        benchmark = load_benchmark(space, args.data_dir)
        with tempfile.TemporaryDirectory(prefix="crlso-examples-") as tmp:
            t0 = time.perf_counter()
            runs = make_pair(space, args.seed, Path(tmp), args.data_dir, args.preset, args.pool, args.gvae_epochs)
            made_s = time.perf_counter() - t0
            shutil.copytree(tmp, Path(tempfile.gettempdir()) / f"crlso-example-made-{space}", dirs_exist_ok=True)  # hours of work
            before = {side: quality(run, benchmark) for side, run in runs.items()}
            for run in runs.values():
                compact(run)
            add_found_map(runs)  # from the stored (float16) codes: what the page would lay out
            after = {side: quality(run, benchmark) for side, run in runs.items()}
            sizes = {side: len(export_zip(run)) for side, run in runs.items()}
            for side, size in sizes.items():
                if size > MAX_BUNDLE:
                    kept = Path(tempfile.mkdtemp(prefix=f"crlso-example-over-{space}-"))
                    shutil.copytree(runs[side], kept / runs[side].name)
                    raise SystemExit(f"{space} {side}: {size:,} bytes zipped, over the {MAX_BUNDLE:,} an example may weigh "
                                     f"(the run is kept in {kept} to see why)")
            for old in EXAMPLES.glob(f"{PREFIX}{space}-*"):
                shutil.rmtree(old)
            for run in runs.values():
                shutil.copytree(run, EXAMPLES / run.name)
        changed = {"pool": args.pool, "gvae_epochs": args.gvae_epochs}
        entry = {"seed": args.seed, "preset": args.preset, **{k: v for k, v in changed.items() if v},
                 "made_s": round(made_s, 1), "bundle_bytes": sizes, "float32": before, "float16": after}
        print(space, json.dumps(entry), flush=True)
        record(space, entry)


def record(space: str, entry: dict) -> None:
    """Add one space's figures to examples.json and the README, read afresh: a space made by
    another make (or earlier in this one) keeps its entry, and a later failure loses nothing."""
    path = EXAMPLES / "examples.json"
    report = json.loads(path.read_text()) if path.exists() else {}
    report[space] = entry
    path.write_text(json.dumps(report, indent=1) + "\n")
    (EXAMPLES / "README.md").write_text(readme(report))


def readme(report: dict) -> str:
    lines = [
        "# Example pairs", "",
        "One LS/CR-LS pair per space, trained with the preset the table names, both sides searched, with REA, random and",
        "local search beside CR-LSO and PCA, t-SNE and UMAP of the codes: what a fresh install shows before anything",
        "is trained. Every page's slow layout ships with the pair (`analysis/`: the projections, and the CR-LS run's",
        "`found-*.npz`, Search's t-SNE of where each method looked, 20-60 s to lay out on 2 cores), so no first page",
        "of an example computes one. Made by `python -m tools.make_examples` from the benchmark tables shipped in",
        "`crlso_core/data/` (NAS-Bench-201 and NATS-Bench: MIT; NAS-Bench-101: Apache-2.0, the 30k table",
        "from nasbench-vis, ISC; the NB301 surrogate: YAHPO Gym, Apache-2.0). The runs are this project's own output",
        "and ship under its licence.", "",
        "Weights, codes and projections are stored as float16 to keep each run under 4 MB zipped. What that costs,",
        "measured by the command on the runs before and after (exact reconstruction of the pool; Kendall tau of the",
        "search predictor against the benchmark on the pool cells it answers). \"Made in\" is the whole pair (training,",
        "searches, baselines, projections) on a 2-core CPU that other jobs shared, so it is an upper bound:", "",
        "| space | settings | side | seed | made in | zipped | reconstruction, float32 → float16 | predictor tau, float32 → float16 |",
        "|---|---|---|---:|---:|---:|---|---|",
    ]
    for space, r in report.items():
        for side in ("ls", "crls"):
            f32, f16 = r["float32"][side], r["float16"][side]
            made, size = f"{r['made_s'] / 60:.0f} min", f"{r['bundle_bytes'][side] / 2**20:.1f} MB"
            settings = ", ".join([r["preset"]] + ([f"pool {r['pool']:,}"] if "pool" in r else [])
                                 + ([f"G-VAE {r['gvae_epochs']} epochs"] if "gvae_epochs" in r else []))
            lines.append(f"| {space} | {settings} | {side} | {r['seed']} | {made} | {size} | "
                         f"{100 * f32['recon']:.2f} % → {100 * f16['recon']:.2f} % | {f32['tau']:.3f} → {f16['tau']:.3f} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
