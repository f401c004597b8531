"""Summaries and plots of `crlso bench` results: information first (plain tables), then
rendering (markdown, PNG). A benchmark without test accuracy (a surrogate, NB101's offline
table) leaves those cells empty in results.csv; the report says so instead of showing 0 or NaN.

Every file is read (and checked, bench/results.py) before anything is written; summary.md
and curves.png are each replaced whole by a rename, which replaces a link rather than
writing through it."""

from __future__ import annotations

import io
import itertools
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Optional

import numpy as np

from crlso_core.bench.results import Produced, read_curves, read_reconstruction, read_results
from crlso_core.benchmarks.base import NO_TEST, Benchmark
from crlso_core.catalog.config import RULES
from crlso_core.catalog.methods import METHODS
from crlso_core.catalog.registry import dataset_title
from crlso_core.common.files import write_bytes_atomic

EARLIER = "earlier settings"  # rows from before benches recorded what produced them


def labels(keys: Iterable[Produced]) -> dict[Produced, str]:
    """A name per setting, never shared by two: `crlso [paper, authors]`; a baseline
    (no preset, no rule) its method alone; rows without a settings id `crlso [earlier
    settings]`; one (method, preset, rule) with several ids each with its id appended."""
    keys = set(keys)
    ids: dict[tuple, set[str]] = {}
    for k in keys:
        ids.setdefault((k.method, k.preset, k.rule), set()).add(k.settings)
    out = {}
    for k in keys:
        if not k.settings:
            out[k] = f"{k.method} [{EARLIER}]"
            continue
        parts = [p for p in (k.preset, k.rule) if p]
        if len(ids[(k.method, k.preset, k.rule)] - {""}) > 1:
            parts.append(k.settings)
        out[k] = f"{k.method} [{', '.join(parts)}]" if parts else k.method
    return out


def _tag(key: Produced, names: dict[Produced, str]) -> str:
    """A label without its method: '[demo, ranked]' (empty for a baseline)."""
    return names[key][len(key.method):].strip()


def _order(key: Produced) -> tuple:
    return (key.method, key.preset, key.rule, key.settings)


@dataclass
class SummaryRow:
    """One setting (method, preset, rule, settings id) x dataset x budget over its seeds."""

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
    label: str = ""  # the setting's name in tables (labels()); the method's when empty
    produced: Optional[Produced] = None


def _mean_se(values: np.ndarray) -> tuple[float, float]:
    se = values.std(ddof=1) / np.sqrt(len(values)) if len(values) > 1 else float("nan")
    return float(values.mean()), float(se)


def _known(values: list[Optional[float]]) -> Optional[np.ndarray]:
    """The values as numbers, or None when any is unknown."""
    return None if any(v is None for v in values) else np.array(values, dtype=float)


def _mean_share(rows) -> Optional[float]:
    """Mean latent share over the rows that have one (rows of a latent method measured
    before the share was recorded, and baselines, have none)."""
    shares = [r.latent_share for r in rows if r.latent_share is not None]
    return float(np.mean(shares)) if shares else None


def summarise(results_csv: Path) -> list[SummaryRow]:
    """Seeds of one setting are averaged; rows of different presets, rules or settings ids never are."""
    groups: dict[tuple, list] = {}
    for r in read_results(results_csv):
        groups.setdefault((r.produced, r.dataset, r.budget), []).append(r)
    names = labels(k[0] for k in groups)
    summary = []
    for (key, dataset, budget), rows in sorted(groups.items(), key=lambda kv: (kv[0][1], kv[0][2], _order(kv[0][0]))):
        valid = np.array([r.best_valid_acc for r in rows])
        test, found = _known([r.best_test_acc for r in rows]), _known([r.found_valid_optimum for r in rows])
        summary.append(SummaryRow(
            key.method, dataset, budget, len(rows), *_mean_se(valid), *(_mean_se(test) if test is not None else (None, None)),
            float(found.mean()) if found is not None else None,
            float(np.median([r.queries_to_best or 0 for r in rows])), _mean_share(rows), names[key], key,
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
                f"| {r.budget} | {r.label or r.method} | {r.seeds} | {_pm(r.valid_mean, r.valid_se)} | "
                f"{test} | {found} | {r.median_queries_to_best:.0f} | {latent} |"
            )
        lines.append("")
    return "\n".join(lines)


def settings_legend(rows: list[SummaryRow]) -> str:
    """Each latent setting's id (plan.json holds the full settings under it)."""
    shown = {r.label: r.produced for r in rows if r.produced and r.produced.preset}
    return "\n".join(f"- `{label}`: settings `{key.settings}`" for label, key in shown.items())


ABLATION = (("lso", "plain latent (LS)", "MLP"), ("ls-icnn", "plain latent (LS)", "ICNN"),
            ("crls-mlp", "convex-regularised (CR-LS)", "MLP"), ("crlso", "convex-regularised (CR-LS)", "ICNN"))


def _by_seed(results_csv: Path) -> dict[tuple, dict[int, float]]:
    """(setting, dataset, budget) -> {seed: best validation accuracy}."""
    out: dict[tuple, dict[int, float]] = {}
    for r in read_results(results_csv):
        out.setdefault((r.produced, r.dataset, r.budget), {})[r.seed] = r.best_valid_acc
    return out


def _paired(mine: dict[int, float], base: dict[int, float]) -> str:
    """mine - base over the seeds both ran: 'mean ± s.e. (n=N)'."""
    both = sorted(set(mine) & set(base))
    if not both:
        return "no common seed"
    return f"{_pm(*_mean_se(np.array([mine[k] - base[k] for k in both])))} (n={len(both)})"


def ablation_table(results_csv: Path) -> str:
    """The 2x2 ablation (latent space x search predictor) per dataset, budget, preset and
    rule (never across them), and the paired difference CR-LSO - LSO over the seeds both
    ran; empty when a method is missing."""
    acc = _by_seed(results_csv)
    names = labels(k[0] for k in acc)
    lines = []
    places = sorted({(d, b, k.preset, k.rule) for (k, d, b) in acc if k.method == "crlso"})
    for dataset, budget, preset, rule in places:
        options = [[k for (k, d, b) in acc if k.method == m and (d, b, k.preset, k.rule) == (dataset, budget, preset, rule)]
                   for m, _, _ in ABLATION]
        combos = list(itertools.product(*(sorted(o, key=_order) for o in options)))
        for keys in combos:
            cells = [acc[(k, dataset, budget)] for k in keys]
            if not lines:
                lines = [
                    "| dataset | budget | " + " | ".join(f"{latent} + {pred} (`{m}`)" for m, latent, pred in ABLATION)
                    + " | CR-LSO - LSO, paired |",
                    "|---|---:|" + "---|" * len(ABLATION) + "---|",
                ]
            tag = _tag(keys[3], names) + (f" (settings {', '.join(k.settings for k in keys)})" if len(combos) > 1 else "")
            shown = [f"{_pm(*_mean_se(np.array(list(c.values()))))} (n={len(c)})" for c in cells]
            lines.append(f"| {dataset_title(dataset)} {tag} | {budget} | " + " | ".join(shown) + f" | {_paired(cells[3], cells[0])} |")
    return "\n".join(lines)


def paired_table(results_csv: Path, baseline: str = "rea") -> str:
    """Each other setting minus `baseline` over the seeds both ran (mean ± s.e. of the paired
    difference of best validation accuracy), per dataset and budget; empty without it. A
    baseline trains nothing, so every preset and rule pairs with it; should it have several
    settings (earlier rows kept beside new ones), each gets its own rows."""
    acc = _by_seed(results_csv)
    names = labels(k[0] for k in acc)
    bases = sorted({k for k, _, _ in acc if k.method == baseline}, key=_order)
    others = sorted({k for k, _, _ in acc if k.method != baseline}, key=_order)
    if not bases or not others:
        return ""
    one = len(bases) == 1
    lines = ["| dataset | budget | " + " | ".join(f"`{names[k]}`" + (f" - `{names[bases[0]]}`" if one else "") for k in others) + " |",
             "|---|---:|" + "---|" * len(others)]
    for base in bases:
        for dataset, budget in sorted({(d, b) for k, d, b in acc if k == base}):
            cells = [_paired(acc[(k, dataset, budget)], acc[(base, dataset, budget)]) if (k, dataset, budget) in acc else ""
                     for k in others]  # empty: that setting has no row at this budget (below its labelled set)
            where = dataset_title(dataset) + ("" if one else f", minus `{names[base]}`")
            lines.append(f"| {where} | {budget} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def rules_table(results_csv: Path) -> str:
    """A method's rules against each other: for every two rules one method ran under one
    preset, the later rule (in catalog.config.RULES order) minus the earlier, over the seeds
    both ran; a row per dataset, budget and method. Empty when no method ran two rules."""
    acc = _by_seed(results_csv)
    labelled = {(r.produced, r.dataset): r.labelled for r in read_results(results_csv)}
    groups: dict[tuple, dict[str, Produced]] = {}
    for key in {k for k, _, _ in acc if k.rule in RULES}:
        groups.setdefault((key.method, key.preset), {})[key.rule] = key
    columns = sorted({(a, b) for g in groups.values() for a in g for b in g if RULES.index(a) < RULES.index(b)},
                     key=lambda ab: (RULES.index(ab[0]), RULES.index(ab[1])))
    if not columns:
        return ""
    lines = ["| dataset | budget | method | " + " | ".join(f"`{b}` - `{a}`" for a, b in columns) + " |",
             "|---|---:|---|" + "---|" * len(columns)]
    for dataset, budget in sorted({(d, b) for _, d, b in acc}):
        for (method, preset_name), rules in sorted(groups.items()):
            searched = [r for r in rules.values() if budget > labelled.get((r, dataset), 0)]  # past the shared labelled set
            cells = [_paired(acc.get((rules[b], dataset, budget), {}), acc.get((rules[a], dataset, budget), {}))
                     if a in rules and b in rules and searched else "" for a, b in columns]
            if any(c and c != "no common seed" for c in cells):
                lines.append(f"| {dataset_title(dataset)} | {budget} | `{method}` [{preset_name}] | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def changed_table(results_csv: Path, earlier_csv: Path) -> str:
    """Each method both files hold, now minus earlier, over the seeds both ran (mean ± s.e.
    of the paired difference of best validation accuracy), per dataset and budget where the
    two differ at all; empty when nothing is shared. Paired is fair when both trained the
    same models (same seeds and presets) and only the search changed. A method with several
    settings in a file pairs each of them (the column says which)."""
    now, before = _by_seed(results_csv), _by_seed(earlier_csv)
    now_names, before_names = labels(k[0] for k in now), labels(k[0] for k in before)
    now_keys, before_keys = {k for k, _, _ in now}, {k for k, _, _ in before}
    pairs = sorted(((n, b) for n in now_keys for b in before_keys if n.method == b.method),
                   key=lambda p: (_order(p[0]), _order(p[1])))

    def both(pair, dataset, budget) -> bool:
        return (pair[0], dataset, budget) in now and (pair[1], dataset, budget) in before

    places = sorted({(d, b) for _, d, b in now})
    keys = [(d, b) for d, b in places if any(both(p, d, b) and now[(p[0], d, b)] != before[(p[1], d, b)] for p in pairs)]
    if not keys:
        return ""
    several = {n.method for n, _ in pairs if sum(1 for m, _ in pairs if m.method == n.method) > 1}
    titles = [f"`{now_names[n]}`" + (f" - `{before_names[b]}`" if n.method in several else "") for n, b in pairs]
    lines = ["| dataset | budget | " + " | ".join(titles) + " |", "|---|---:|" + "---|" * len(pairs)]
    for dataset, budget in keys:
        cells = [_paired(now[(n, dataset, budget)], before[(b, dataset, budget)]) if both((n, b), dataset, budget) else ""
                 for n, b in pairs]
        lines.append(f"| {dataset_title(dataset)} | {budget} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


@dataclass
class ReconSummary:
    """Exact-match reconstruction of the G-VAEs one latent setting searched, over its seeds."""

    method: str  # the setting's label
    dataset: str
    seeds: int
    pool_mean: float
    pool_se: float
    heldout_mean: Optional[float]  # None: the pool is the whole space, nothing is held out
    heldout_se: Optional[float]
    heldout_min: Optional[float]


def summarise_reconstruction(recon_csv: Path) -> list[ReconSummary]:
    groups: dict[tuple, list] = {}
    for r in read_reconstruction(recon_csv):
        groups.setdefault((r.produced, r.dataset), []).append(r)
    names = labels(k[0] for k in groups)
    rows = []
    for (key, dataset), runs in sorted(groups.items(), key=lambda kv: (kv[0][1], _order(kv[0][0]))):
        pool = 100 * np.array([r.recon_pool for r in runs])
        held = _known([r.recon_heldout for r in runs])
        held = 100 * held if held is not None else None
        rows.append(ReconSummary(names[key], dataset, len(runs), *_mean_se(pool),
                                 *(_mean_se(held) if held is not None else (None, None)),
                                 float(held.min()) if held is not None else None))
    return rows


def reconstruction_table(rows: list[ReconSummary]) -> str:
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
    method: str  # the setting's label
    dataset: str
    metric: str  # "valid" or "test"
    queries: np.ndarray
    mean: np.ndarray
    se: np.ndarray


def curve_bands(curves_csv: Path) -> list[CurveBand]:
    """Mean and standard error of the best-so-far curves, one band per setting (its label
    in `method`); test bands only where every run has a test accuracy."""
    data: dict[tuple, dict[int, list[tuple[float, float]]]] = {}
    for r in read_curves(curves_csv):
        test = r.best_test_acc if r.best_test_acc is not None else float("nan")
        data.setdefault((r.produced, r.dataset), {}).setdefault(r.queries, []).append((r.best_valid_acc, test))
    names = labels(k[0] for k in data)
    bands = []
    for (key, dataset), by_q in sorted(data.items(), key=lambda kv: (_order(kv[0][0]), kv[0][1])):
        qs = np.array(sorted(by_q))
        has_test = all(np.isfinite(v[1]) for q in qs for v in by_q[q])
        for k, metric in enumerate(("valid", "test") if has_test else ("valid",)):
            stats = [_mean_se(np.array([v[k] for v in by_q[q]])) for q in qs]
            bands.append(
                CurveBand(names[key], dataset, metric, qs, np.array([s[0] for s in stats]), np.nan_to_num(np.array([s[1] for s in stats])))
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
    image = io.BytesIO()
    fig.savefig(image, dpi=110, format=Path(out_png).suffix.lstrip(".") or "png")
    plt.close(fig)
    write_bytes_atomic(Path(out_png), image.getvalue())


def method_legend(methods: list[str]) -> str:
    return "\n".join(f"- `{m}`: {METHODS.get(m, '')}" for m in methods)


def optima_of(benchmark: Benchmark, datasets: list[str]) -> dict[str, dict[str, Optional[float]]]:
    """Per dataset the validation optimum and its cell's test accuracy (None where unknown)."""
    out = {}
    for dataset in datasets:
        best = benchmark.optimum(dataset)
        out[dataset] = {"valid": best.valid if best else None, "test": best.test if best else None}
    return out


GROUPING = ("Rows are grouped by what produced them, `method [preset, rule]` (baselines train nothing and have neither); "
            "rows of different presets, rules or settings are never averaged together, and rows from before benches "
            "recorded their settings read `[earlier settings]`.")


def write_report(out: Path, benchmark: Benchmark) -> Path:
    """summary.md and curves.png beside results.csv; returns the markdown path."""
    rows = summarise(out / "results.csv")
    datasets = list(dict.fromkeys(r.dataset for r in rows))
    bands = curve_bands(out / "curves.csv")
    recon = summarise_reconstruction(out / "reconstruction.csv")
    methods = list(dict.fromkeys(r.method for r in rows))
    legend = settings_legend(rows)
    has_test = all(benchmark.has_test(d) for d in datasets)
    note = (
        ["Test accuracy is that of the best-*validation* cell; the dashed line is the validation",
         "optimum and its test accuracy (what selecting by validation can reach)."]
        if has_test else [f"Results on {benchmark.title}: {NO_TEST}; methods are compared on validation accuracy."]
    )
    if not has_test and all(benchmark.optimum(d) is not None for d in datasets):
        note.append("The validation optimum (the dashed line, 'found valid optimum') is the best cell the benchmark holds.")
    parts = [*note, "", method_legend(methods), "", GROUPING, *([legend, ""] if legend else []),
             "'latent moves': the share of a latent method's search queries (after its labelled set) that came from a "
             "decoded latent step or its nearest answerable cell, not a fallback neighbour, mutation or random cell.", "",
             markdown_table(rows)]
    ablation = ablation_table(out / "results.csv")
    if ablation:
        parts += ["Ablation: which latent space, which predictor (validation accuracy, mean ± s.e. over seeds)", "", ablation, ""]
    if recon:
        parts += ["Reconstruction of each latent method's G-VAE", "", reconstruction_table(recon), ""]
    text = "\n".join(parts)
    plot_curves(bands, optima_of(benchmark, datasets), out / "curves.png")  # every file read and checked by now
    write_bytes_atomic(out / "summary.md", text.encode())
    return out / "summary.md"
