"""Summaries and plots of `crlso bench` results: information first (plain tables), then
rendering (markdown, PNG)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .methods import METHODS

DATASET_NAMES = {"cifar10": "CIFAR-10", "cifar100": "CIFAR-100", "imagenet16": "ImageNet16-120"}


@dataclass
class Cell:
    """One method x dataset x budget over its seeds."""

    method: str
    dataset: str
    budget: int
    seeds: int
    valid_mean: float
    valid_se: float
    test_mean: float
    test_se: float
    found_share: float
    median_queries_to_best: float


def _read(path: Path) -> list[dict]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def _mean_se(values: np.ndarray) -> tuple[float, float]:
    se = values.std(ddof=1) / np.sqrt(len(values)) if len(values) > 1 else float("nan")
    return float(values.mean()), float(se)


def summarise(results_csv: Path) -> list[Cell]:
    groups: dict[tuple, list[dict]] = {}
    for r in _read(results_csv):
        groups.setdefault((r["method"], r["dataset"], int(r["budget"])), []).append(r)
    cells = []
    for (method, dataset, budget), rows in sorted(groups.items(), key=lambda kv: (kv[0][1], kv[0][2], kv[0][0])):
        valid = np.array([float(r["best_valid_acc"]) for r in rows])
        test = np.array([float(r["best_test_acc"]) for r in rows])
        cells.append(Cell(
            method, dataset, budget, len(rows), *_mean_se(valid), *_mean_se(test),
            float(np.mean([int(r["found_valid_optimum"]) for r in rows])),
            float(np.median([int(r["queries_to_best"]) for r in rows])),
        ))
    return cells


def markdown_table(cells: list[Cell]) -> str:
    lines = []
    for dataset in dict.fromkeys(c.dataset for c in cells):
        lines += [
            f"#### {DATASET_NAMES.get(dataset, dataset)}", "",
            "| budget | method | seeds | valid acc (mean ± s.e.) | test acc (mean ± s.e.) | found valid optimum | median queries to best |",
            "|---:|---|---:|---|---|---:|---:|",
        ]
        for c in (c for c in cells if c.dataset == dataset):
            lines.append(
                f"| {c.budget} | {c.method} | {c.seeds} | {c.valid_mean:.2f} ± {c.valid_se:.2f} | "
                f"{c.test_mean:.2f} ± {c.test_se:.2f} | {100 * c.found_share:.0f} % | {c.median_queries_to_best:.0f} |"
            )
        lines.append("")
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
    data: dict[tuple, dict[int, list[tuple[float, float]]]] = {}
    for r in _read(curves_csv):
        data.setdefault((r["method"], r["dataset"]), {}).setdefault(int(r["queries"]), []).append(
            (float(r["best_valid_acc"]), float(r["best_test_acc"]))
        )
    bands = []
    for (method, dataset), by_q in sorted(data.items()):
        qs = np.array(sorted(by_q))
        for k, metric in enumerate(("valid", "test")):
            stats = [_mean_se(np.array([v[k] for v in by_q[q]])) for q in qs]
            bands.append(CurveBand(method, dataset, metric, qs, np.array([s[0] for s in stats]), np.nan_to_num(np.array([s[1] for s in stats]))))
    return bands


def plot_curves(bands: list[CurveBand], optima: dict[str, dict[str, float]], out_png: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    datasets = list(dict.fromkeys(b.dataset for b in bands))
    methods = list(dict.fromkeys(b.method for b in bands))
    colours = {m: plt.get_cmap("tab10")(i % 10) for i, m in enumerate(methods)}
    fig, axes = plt.subplots(2, len(datasets), figsize=(5.5 * len(datasets), 8), squeeze=False)
    for col, dataset in enumerate(datasets):
        for row, metric in enumerate(("valid", "test")):
            ax = axes[row][col]
            for b in (b for b in bands if b.dataset == dataset and b.metric == metric):
                ax.plot(b.queries, b.mean, label=b.method, color=colours[b.method], lw=1.5)
                ax.fill_between(b.queries, b.mean - b.se, b.mean + b.se, color=colours[b.method], alpha=0.2)
            opt = optima[dataset][metric]
            ax.axhline(opt, color="black", ls="--", lw=1, label=f"optimum {opt:.2f}")
            shown = [b.mean for b in bands if b.dataset == dataset and b.metric == metric]
            top = max(opt, max(m.max() for m in shown))  # on test, a method can pass the validation pick
            ax.set_ylim(max(min(m.min() for m in shown), opt - 3), top + 0.3)
            ax.set_title(f"{DATASET_NAMES.get(dataset, dataset)}: best-validation cell's {metric} accuracy")
            ax.set_xlabel("benchmark queries")
            ax.set_ylabel(f"{metric} accuracy (%)")
            ax.grid(alpha=0.3)
    axes[0][0].legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    fig.savefig(out_png, dpi=110)
    plt.close(fig)


def method_legend(methods: list[str]) -> str:
    return "\n".join(f"- `{m}`: {METHODS.get(m, '')}" for m in methods)


def write_report(out: Path, table) -> Path:
    """summary.md and curves.png beside results.csv; returns the markdown path."""
    cells = summarise(out / "results.csv")
    optima = {
        d: {"valid": float(table.valid[d].max()), "test": float(table.test[d][int(table.valid[d].argmax())])}
        for d in table.datasets
    }
    plot_curves(curve_bands(out / "curves.csv"), optima, out / "curves.png")
    methods = list(dict.fromkeys(c.method for c in cells))
    text = "\n".join([
        "Test accuracy is that of the best-*validation* cell; the dashed line is the validation",
        "optimum and its test accuracy (what selecting by validation can reach).", "",
        method_legend(methods), "", markdown_table(cells),
    ])
    (out / "summary.md").write_text(text)
    return out / "summary.md"
