"""The bench's best-so-far curves: mean and standard error per setting over its seeds
(information, from rows already read), then the PNG beside the tables."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import numpy as np

from crlso_core.bench.results import CurveRow, Produced
from crlso_core.bench.tables import labels, mean_se, setting_order
from crlso_core.benchmarks.base import Benchmark
from crlso_core.catalog.registry import dataset_title
from crlso_core.common.files import write_bytes_atomic


@dataclass
class CurveBand:
    method: str  # the setting's label
    dataset: str
    metric: str  # "valid" or "test"
    queries: np.ndarray
    mean: np.ndarray
    se: np.ndarray
    produced: Produced  # the setting itself: its method id picks the colour


def curve_bands(curves: list[CurveRow]) -> list[CurveBand]:
    """Mean and standard error of the best-so-far curves, one band per setting (its label
    in `method`); test bands only where every run has a test accuracy."""
    data: dict[tuple, dict[int, list[tuple[float, float]]]] = {}
    for r in curves:
        test = r.best_test_acc if r.best_test_acc is not None else float("nan")
        data.setdefault((r.produced, r.dataset), {}).setdefault(r.queries, []).append((r.best_valid_acc, test))
    names = labels(k[0] for k in data)
    bands = []
    for (key, dataset), by_q in sorted(data.items(), key=lambda kv: (setting_order(kv[0][0]), kv[0][1])):
        qs = np.array(sorted(by_q))
        has_test = all(np.isfinite(v[1]) for q in qs for v in by_q[q])
        for k, metric in enumerate(("valid", "test") if has_test else ("valid",)):
            stats = [mean_se(np.array([v[k] for v in by_q[q]])) for q in qs]
            bands.append(
                CurveBand(names[key], dataset, metric, qs, np.array([s[0] for s in stats]),
                          np.nan_to_num(np.array([s[1] for s in stats])), key)
            )
    return bands


# six dash patterns: NB201's bench holds five settings of one method (paper under three rules, demo under two
# settings ids); with four the fifth was drawn like the first
LINE_STYLES = ("-", "--", ":", "-.", (0, (6, 2, 1, 2, 1, 2)), (0, (1, 4)))


def band_styles(bands: list[CurveBand]) -> tuple[dict[str, tuple], dict[str, str]]:
    """A colour per method id and a line style per setting of it, so that two settings
    never share both (`crlso [paper, authors]` and `rea` were one red when colours ran
    through ten per label); beyond six settings of one method the styles repeat."""
    import matplotlib.pyplot as plt

    method_of = {b.method: b.produced.method for b in bands}
    ids = list(dict.fromkeys(method_of.values()))
    palette = plt.get_cmap("tab10" if len(ids) <= 10 else "tab20")
    colour_of_id = {m: palette(i % palette.N) for i, m in enumerate(ids)}
    colours, styles, seen = {}, {}, {}
    for label, method_id in method_of.items():
        colours[label] = colour_of_id[method_id]
        styles[label] = LINE_STYLES[seen.get(method_id, 0) % len(LINE_STYLES)]
        seen[method_id] = seen.get(method_id, 0) + 1
    return colours, styles


def plot_curves(bands: list[CurveBand], optima: dict[str, dict[str, Optional[float]]], out_png: Path) -> None:
    """`curves_figure` written to `out_png` (whole or not at all)."""
    import matplotlib.pyplot as plt

    fig = curves_figure(bands, optima)
    image = io.BytesIO()
    fig.savefig(image, dpi=110, format=Path(out_png).suffix.lstrip(".") or "png", bbox_inches="tight")
    plt.close(fig)
    write_bytes_atomic(Path(out_png), image.getvalue())


def curves_figure(bands: list[CurveBand], optima: dict[str, dict[str, Optional[float]]]):
    """One column per dataset; a row for validation and, when any band has one, a row for
    test accuracy. The dashed line is the optimum where the benchmark knows it."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    datasets = list(dict.fromkeys(b.dataset for b in bands))
    metrics = [m for m in ("valid", "test") if any(b.metric == m for b in bands)]
    colours, styles = band_styles(bands)
    fig, axes = plt.subplots(len(metrics), len(datasets), figsize=(5.5 * len(datasets), 4 * len(metrics)), squeeze=False)
    for col, dataset in enumerate(datasets):
        for row, metric in enumerate(metrics):
            ax = axes[row][col]
            shown = [b for b in bands if b.dataset == dataset and b.metric == metric]
            for b in shown:
                ax.plot(b.queries, b.mean, label=b.method, color=colours[b.method], ls=styles[b.method], lw=1.5)
                ax.fill_between(b.queries, b.mean - b.se, b.mean + b.se, color=colours[b.method], alpha=0.2)
            opt = optima.get(dataset, {}).get(metric)
            if shown:
                low, top = min(b.mean.min() for b in shown), max(b.mean.max() for b in shown)
                if opt is not None:
                    # the legend is one for every panel: the line is named there, its value in its own panel
                    ax.axhline(opt, color="black", ls="--", lw=1, label="optimum (the panel's value on the line)")
                    ax.annotate(f"optimum {opt:.2f}", (0.01, opt), xycoords=("axes fraction", "data"), xytext=(0, 2),
                                textcoords="offset points", fontsize=8, va="bottom")
                    low, top = max(low, opt - 3), max(top, opt)  # on test, a method can pass the validation pick
                ax.set_ylim(low, top + 0.3)
            ax.set_title(f"{dataset_title(dataset)}: best-validation cell's {metric} accuracy")
            ax.set_xlabel("benchmark queries")
            ax.set_ylabel(f"{metric} accuracy (%)")
            ax.grid(alpha=0.3)
    handles, names = axes[0][0].get_legend_handles_labels()
    fig.tight_layout()
    # beside the panels, not over one: a bench of 14 settings has a legend taller than a panel's free corner
    fig.legend(handles, names, fontsize=8, loc="center left", bbox_to_anchor=(1.0, 0.5))
    return fig


def optima_of(benchmark: Benchmark, datasets: list[str]) -> dict[str, dict[str, Optional[float]]]:
    """Per dataset the validation optimum and its cell's test accuracy (None where unknown)."""
    out = {}
    for dataset in datasets:
        best = benchmark.optimum(dataset)
        out[dataset] = {"valid": best.valid if best else None, "test": best.test if best else None}
    return out
