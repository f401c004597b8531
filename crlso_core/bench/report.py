"""Summaries and plots of `crlso bench` results: information first (plain tables), then
rendering (markdown, PNG). A benchmark without test accuracy (a surrogate, NB101's offline
table) leaves those cells empty in results.csv; the report says so instead of showing 0 or NaN."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import numpy as np

from crlso_core.benchmarks.base import NO_TEST, Benchmark
from crlso_core.catalog.methods import METHODS
from crlso_core.catalog.registry import dataset_title


@dataclass
class SummaryRow:
    """One method x dataset x budget over its seeds."""

    method: str
    dataset: str
    budget: int
    seeds: int
    valid_mean: float
    valid_se: float
    test_mean: Optional[float]  # None: no test accuracy in this benchmark
    test_se: Optional[float]
    found_share: Optional[float]  # None: the benchmark's optimum is not known
    median_queries_to_best: float
    latent_share: Optional[float] = None  # latent methods: mean share of search queries that were latent moves


def _read(path: Path) -> list[dict]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def _mean_se(values: np.ndarray) -> tuple[float, float]:
    se = values.std(ddof=1) / np.sqrt(len(values)) if len(values) > 1 else float("nan")
    return float(values.mean()), float(se)


def _known(rows: list[dict], key: str) -> Optional[np.ndarray]:
    """The column as numbers, or None when any row leaves it empty (unknown)."""
    values = [r[key] for r in rows]
    return None if any(v in ("", None) for v in values) else np.array([float(v) for v in values])


def _mean_share(rows: list[dict]) -> Optional[float]:
    """Mean latent share over the rows that have one (rows of a latent method measured
    before the share was recorded, and baselines, have none)."""
    shares = [float(r["latent_share"]) for r in rows if r.get("latent_share") not in ("", None)]
    return float(np.mean(shares)) if shares else None


def summarise(results_csv: Path) -> list[SummaryRow]:
    groups: dict[tuple, list[dict]] = {}
    for r in _read(results_csv):
        groups.setdefault((r["method"], r["dataset"], int(r["budget"])), []).append(r)
    summary = []
    for (method, dataset, budget), rows in sorted(groups.items(), key=lambda kv: (kv[0][1], kv[0][2], kv[0][0])):
        valid = np.array([float(r["best_valid_acc"]) for r in rows])
        test, found = _known(rows, "best_test_acc"), _known(rows, "found_valid_optimum")
        summary.append(SummaryRow(
            method, dataset, budget, len(rows), *_mean_se(valid), *(_mean_se(test) if test is not None else (None, None)),
            float(found.mean()) if found is not None else None,
            float(np.median([int(r["queries_to_best"]) for r in rows])), _mean_share(rows),
        ))
    return summary


def _pm(mean: float, se: float) -> str:
    """'mean ± s.e.', or the mean alone when one seed gives no standard error."""
    mean = round(float(mean), 2) + 0.0  # never "-0.00"
    return f"{mean:.2f} ± {se:.2f}" if np.isfinite(se) else f"{mean:.2f}"


def markdown_table(rows: list[SummaryRow]) -> str:
    lines = []
    for dataset in dict.fromkeys(r.dataset for r in rows):
        lines += [
            f"#### {dataset_title(dataset)}", "",
            "| budget | method | seeds | valid acc (mean ± s.e.) | test acc (mean ± s.e.) | found valid optimum "
            "| median queries to best | latent moves |",
            "|---:|---|---:|---|---|---:|---:|---:|",
        ]
        for r in (r for r in rows if r.dataset == dataset):
            test = _pm(r.test_mean, r.test_se) if r.test_mean is not None else NO_TEST
            found = f"{100 * r.found_share:.0f} %" if r.found_share is not None else "optimum not known"
            latent = f"{100 * r.latent_share:.0f} %" if r.latent_share is not None else ""
            lines.append(
                f"| {r.budget} | {r.method} | {r.seeds} | {_pm(r.valid_mean, r.valid_se)} | "
                f"{test} | {found} | {r.median_queries_to_best:.0f} | {latent} |"
            )
        lines.append("")
    return "\n".join(lines)


ABLATION = (("lso", "plain latent (LS)", "MLP"), ("ls-icnn", "plain latent (LS)", "ICNN"),
            ("crls-mlp", "convex-regularised (CR-LS)", "MLP"), ("crlso", "convex-regularised (CR-LS)", "ICNN"))


def _by_seed(results_csv: Path) -> dict[tuple, dict[int, float]]:
    """(method, dataset, budget) -> {seed: best validation accuracy}."""
    out: dict[tuple, dict[int, float]] = {}
    for r in _read(results_csv):
        out.setdefault((r["method"], r["dataset"], int(r["budget"])), {})[int(r["seed"])] = float(r["best_valid_acc"])
    return out


def _paired(mine: dict[int, float], base: dict[int, float]) -> str:
    """mine - base over the seeds both ran: 'mean ± s.e. (n=N)'."""
    both = sorted(set(mine) & set(base))
    if not both:
        return "no common seed"
    return f"{_pm(*_mean_se(np.array([mine[k] - base[k] for k in both])))} (n={len(both)})"


def ablation_table(results_csv: Path) -> str:
    """The 2x2 ablation (latent space x search predictor) per dataset and budget, and the
    paired difference CR-LSO - LSO over the seeds both ran; empty when a method is missing."""
    acc = _by_seed(results_csv)
    lines = []
    for dataset, budget in sorted({(d, b) for (m, d, b) in acc if m == "crlso"}, key=lambda k: (k[0], k[1])):
        cells = [acc.get((m, dataset, budget)) for m, _, _ in ABLATION]
        if not all(cells):
            continue
        if not lines:
            lines = [
                "| dataset | budget | " + " | ".join(f"{latent} + {pred} (`{m}`)" for m, latent, pred in ABLATION)
                + " | CR-LSO - LSO, paired |",
                "|---|---:|" + "---|" * len(ABLATION) + "---|",
            ]
        shown = [f"{_pm(*_mean_se(np.array(list(c.values()))))} (n={len(c)})" for c in cells]
        lines.append(f"| {dataset_title(dataset)} | {budget} | " + " | ".join(shown) + f" | {_paired(cells[3], cells[0])} |")
    return "\n".join(lines)


def paired_table(results_csv: Path, baseline: str = "rea") -> str:
    """Each other method minus `baseline` over the seeds both ran (mean ± s.e. of the paired
    difference of best validation accuracy), per dataset and budget; empty without it."""
    acc = _by_seed(results_csv)
    methods = sorted({m for m, _, _ in acc if m != baseline})
    keys = sorted({(d, b) for m, d, b in acc if m == baseline})
    if not keys or not methods:
        return ""
    lines = ["| dataset | budget | " + " | ".join(f"`{m}` - `{baseline}`" for m in methods) + " |",
             "|---|---:|" + "---|" * len(methods)]
    for dataset, budget in keys:
        base = acc[(baseline, dataset, budget)]
        cells = [_paired(acc.get((m, dataset, budget), {}), base) for m in methods]
        lines.append(f"| {dataset_title(dataset)} | {budget} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def changed_table(results_csv: Path, earlier_csv: Path) -> str:
    """Each method both files hold, now minus earlier, over the seeds both ran (mean ± s.e.
    of the paired difference of best validation accuracy), per dataset and budget where the
    two differ at all; empty when nothing is shared. Paired is fair when both trained the
    same models (same seeds and presets) and only the search changed."""
    now, before = _by_seed(results_csv), _by_seed(earlier_csv)
    shared = sorted(set(now) & set(before))
    methods = sorted({m for m, _, _ in shared})
    keys = sorted({(d, b) for _, d, b in shared if any(now[k] != before[k] for k in shared if k[1:] == (d, b))})
    if not keys:
        return ""
    lines = ["| dataset | budget | " + " | ".join(f"`{m}`" for m in methods) + " |", "|---|---:|" + "---|" * len(methods)]
    for dataset, budget in keys:
        cells = [_paired(now[(m, dataset, budget)], before[(m, dataset, budget)]) if (m, dataset, budget) in before
                 and (m, dataset, budget) in now else "" for m in methods]
        lines.append(f"| {dataset_title(dataset)} | {budget} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


@dataclass
class ReconRow:
    """Exact-match reconstruction of the G-VAEs one latent method searched, over its seeds."""

    method: str
    dataset: str
    seeds: int
    pool_mean: float
    pool_se: float
    heldout_mean: Optional[float]  # None: the pool is the whole space, nothing is held out
    heldout_se: Optional[float]
    heldout_min: Optional[float]


def summarise_reconstruction(recon_csv: Path) -> list[ReconRow]:
    groups: dict[tuple, list[dict]] = {}
    for r in _read(recon_csv):
        groups.setdefault((r["method"], r["dataset"]), []).append(r)
    rows = []
    for (method, dataset), runs in sorted(groups.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        pool = 100 * np.array([float(r["recon_pool"]) for r in runs])
        held = _known(runs, "recon_heldout")
        held = 100 * held if held is not None else None
        rows.append(ReconRow(method, dataset, len(runs), *_mean_se(pool),
                             *(_mean_se(held) if held is not None else (None, None)),
                             float(held.min()) if held is not None else None))
    return rows


def reconstruction_table(rows: list[ReconRow]) -> str:
    lines = [
        "| dataset | method | seeds | pool cells decoded exactly, % (mean ± s.e.) | held-out random cells, % (mean ± s.e.) "
        "| held-out, worst seed % |",
        "|---|---|---:|---|---|---:|",
    ]
    for r in rows:
        held = _pm(r.heldout_mean, r.heldout_se) if r.heldout_mean is not None else "none held out (the pool is the space)"
        worst = f"{r.heldout_min:.2f}" if r.heldout_min is not None else ""
        lines.append(f"| {dataset_title(r.dataset)} | {r.method} | {r.seeds} | {_pm(r.pool_mean, r.pool_se)} | {held} | {worst} |")
    return "\n".join(lines)


@dataclass
class CurveBand:
    method: str
    dataset: str
    metric: str  # "valid" or "test"
    queries: np.ndarray
    mean: np.ndarray
    se: np.ndarray


def curve_bands(curves_csv: Path) -> list[CurveBand]:
    """Mean and standard error of the best-so-far curves; test bands only where every run
    has a test accuracy."""
    data: dict[tuple, dict[int, list[tuple[float, float]]]] = {}
    for r in _read(curves_csv):
        test = float(r["best_test_acc"]) if r["best_test_acc"] not in ("", None) else float("nan")
        data.setdefault((r["method"], r["dataset"]), {}).setdefault(int(r["queries"]), []).append(
            (float(r["best_valid_acc"]), test)
        )
    bands = []
    for (method, dataset), by_q in sorted(data.items()):
        qs = np.array(sorted(by_q))
        has_test = all(np.isfinite(v[1]) for q in qs for v in by_q[q])
        for k, metric in enumerate(("valid", "test") if has_test else ("valid",)):
            stats = [_mean_se(np.array([v[k] for v in by_q[q]])) for q in qs]
            bands.append(
                CurveBand(method, dataset, metric, qs, np.array([s[0] for s in stats]), np.nan_to_num(np.array([s[1] for s in stats])))
            )
    return bands


def plot_curves(bands: list[CurveBand], optima: dict[str, dict[str, Optional[float]]], out_png: Path) -> None:
    """One column per dataset; a row for validation and, when any band has one, a row for
    test accuracy. The dashed line is the optimum where the benchmark knows it."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    datasets = list(dict.fromkeys(b.dataset for b in bands))
    methods = list(dict.fromkeys(b.method for b in bands))
    metrics = [m for m in ("valid", "test") if any(b.metric == m for b in bands)]
    colours = {m: plt.get_cmap("tab10")(i % 10) for i, m in enumerate(methods)}
    fig, axes = plt.subplots(len(metrics), len(datasets), figsize=(5.5 * len(datasets), 4 * len(metrics)), squeeze=False)
    for col, dataset in enumerate(datasets):
        for row, metric in enumerate(metrics):
            ax = axes[row][col]
            shown = [b for b in bands if b.dataset == dataset and b.metric == metric]
            for b in shown:
                ax.plot(b.queries, b.mean, label=b.method, color=colours[b.method], lw=1.5)
                ax.fill_between(b.queries, b.mean - b.se, b.mean + b.se, color=colours[b.method], alpha=0.2)
            opt = optima.get(dataset, {}).get(metric)
            if shown:
                low, top = min(b.mean.min() for b in shown), max(b.mean.max() for b in shown)
                if opt is not None:
                    ax.axhline(opt, color="black", ls="--", lw=1, label=f"optimum {opt:.2f}")
                    low, top = max(low, opt - 3), max(top, opt)  # on test, a method can pass the validation pick
                ax.set_ylim(low, top + 0.3)
            ax.set_title(f"{dataset_title(dataset)}: best-validation cell's {metric} accuracy")
            ax.set_xlabel("benchmark queries")
            ax.set_ylabel(f"{metric} accuracy (%)")
            ax.grid(alpha=0.3)
    axes[0][0].legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    fig.savefig(out_png, dpi=110)
    plt.close(fig)


def method_legend(methods: list[str]) -> str:
    return "\n".join(f"- `{m}`: {METHODS.get(m, '')}" for m in methods)


def optima_of(benchmark: Benchmark, datasets: list[str]) -> dict[str, dict[str, Optional[float]]]:
    """Per dataset the validation optimum and its cell's test accuracy (None where unknown)."""
    out = {}
    for dataset in datasets:
        best = benchmark.optimum(dataset)
        out[dataset] = {"valid": best.valid if best else None, "test": best.test if best else None}
    return out


def write_report(out: Path, benchmark: Benchmark) -> Path:
    """summary.md and curves.png beside results.csv; returns the markdown path."""
    rows = summarise(out / "results.csv")
    datasets = list(dict.fromkeys(r.dataset for r in rows))
    plot_curves(curve_bands(out / "curves.csv"), optima_of(benchmark, datasets), out / "curves.png")
    methods = list(dict.fromkeys(r.method for r in rows))
    has_test = all(benchmark.has_test(d) for d in datasets)
    note = (
        ["Test accuracy is that of the best-*validation* cell; the dashed line is the validation",
         "optimum and its test accuracy (what selecting by validation can reach)."]
        if has_test else [f"Results on {benchmark.title}: {NO_TEST}; methods are compared on validation accuracy."]
    )
    if not has_test and all(benchmark.optimum(d) is not None for d in datasets):
        note.append("The validation optimum (the dashed line, 'found valid optimum') is the best cell the benchmark holds.")
    parts = [*note, "", method_legend(methods), "",
             "'latent moves': the share of a latent method's search queries (after its labelled set) that came from a "
             "decoded latent step or its nearest answerable cell, not a fallback neighbour, mutation or random cell.", "",
             markdown_table(rows)]
    ablation = ablation_table(out / "results.csv")
    if ablation:
        parts += ["Ablation: which latent space, which predictor (validation accuracy, mean ± s.e. over seeds)", "", ablation, ""]
    if (out / "reconstruction.csv").exists():
        parts += ["Reconstruction of each latent method's G-VAE", "",
                  reconstruction_table(summarise_reconstruction(out / "reconstruction.csv")), ""]
    text = "\n".join(parts)
    (out / "summary.md").write_text(text)
    return out / "summary.md"
