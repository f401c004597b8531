"""`crlso figures`: which of the explorer's figures show a stable difference between the
plain latent space (LS) and the convexity-regularised one (CR-LS)?

For every preset and seed, an LS/CR-LS pair is trained exactly as the app trains one, and
each figure's statistic is measured exactly as its page computes it: the cosine-similarity
blocks (top-k x top-k and top-k x worst-k, k = 50, 100, 200), the Jensen-gap violation rates
of the predicted and of the true error (500 pairs, seed 0: the Convexity page's defaults),
reconstruction and Kendall tau. Rows go to figures.csv as pairs finish (a re-run skips
finished pairs); the summary compares the sides seed by seed. Seeds are a fixed range:
never pick one because it looks good.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

import numpy as np

from crlso_core.analysis.verdict import HOLDS, NO_DIRECTION, ONE_SEED, in_a_sentence, verdict
from crlso_core.catalog.methods import SIDES
from crlso_core.catalog.presets import preset
from crlso_core.common.errors import CRLSOError
from crlso_core.common.files import read_csv, write_csv
from crlso_core.store.folder import SUMMARY, RunFolder
from crlso_core.store.pairs import pair_folder

FIGURES = Path(__file__).resolve().parent / "data" / "figures"  # the committed statistics the pages show
KS = (50, 100, 200)
JENSEN_PAIRS, JENSEN_SEED = 500, 0  # the Convexity page's defaults
STATISTICS = {  # column -> (what it is, the direction the paper claims for CR-LS; None: no claim)
    **{f"top_top_{k}": (f"mean cosine similarity, top-{k} x top-{k} cells", "higher") for k in KS},
    **{f"top_worst_{k}": (f"mean cosine similarity, top-{k} x worst-{k} cells", "lower") for k in KS},
    "jensen_predicted": ("Jensen violations of the predicted error (share of points)", "lower"),
    "jensen_true": ("Jensen violations of the true error of the decoded cell (share of points)", "lower"),
    "recon_acc": ("reconstruction accuracy (share of cells decoded back exactly)", None),
    "teacher_tau": ("Kendall tau of the teacher (the same for both sides)", None),
    "predictor_tau": ("Kendall tau of the search's predictor (LS: MLP fitted afterwards; CR-LS: the joint ICNN)", None),
}
COLUMNS = ["preset", "seed", "side", "space", "dataset", *STATISTICS, "train_s"]


@dataclass
class FigurePlan:
    space: str
    dataset: str
    presets: list[str]
    seeds: list[int]
    device: str = "auto"


def measure(run_dir: Path) -> dict:
    """Every figure statistic of one trained run, computed as its page computes it."""
    from crlso_core.analysis.convexity import jensen_gaps
    from crlso_core.analysis.similarity import cosine_blocks
    from crlso_core.store.view import load_view

    run = load_view(run_dir)
    row: dict = {}
    known = int(np.isfinite(run.valid).sum())
    for k in KS:
        if k > known // 2:  # a small pool has no 200 best and 200 worst cells apart: left empty
            row[f"top_top_{k}"] = row[f"top_worst_{k}"] = ""
            continue
        info = cosine_blocks(run.codes, run.valid, k)
        row[f"top_top_{k}"], row[f"top_worst_{k}"] = info.mean_top_top, info.mean_top_worst
    jensen = jensen_gaps(run.codes, run.valid, run.predict, lambda z: run.accuracy_of(run.decode(z)),
                         pairs=JENSEN_PAIRS, seed=JENSEN_SEED)
    s = run.summary
    row.update(jensen_predicted=jensen.violation_predicted, jensen_true=jensen.violation_true, recon_acc=s.recon_acc,
               teacher_tau=s.teacher_kendall_tau, predictor_tau=s.icnn_kendall_tau,
               train_s=round(sum(s.wall_s.get(k, 0.0) for k in ("teacher", "gvae")), 1))
    return row


def run_figures(plan: FigurePlan, out: Path, data_dir=None, progress: Optional[Callable[[int, int, str], None]] = None) -> Path:
    """Train and measure what figures.csv lacks; returns its path."""
    from crlso_core.pipeline.pair import train_pair

    for name in plan.presets:
        preset(name, space=plan.space, dataset=plan.dataset).validate()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "figures.csv"
    rows = read_csv(path, COLUMNS) if path.exists() else []
    done = {(r["preset"], int(r["seed"]), r["side"]) for r in rows}
    todo = [(p, s) for p in plan.presets for s in plan.seeds if any((p, s, side) not in done for side in SIDES)]
    for i, (name, seed) in enumerate(todo):
        if progress:
            progress(i, len(todo), f"{name} seed {seed}")
        pair = f"{name}-s{seed}"
        runs = out / "runs"
        missing = tuple(side for side in SIDES if not RunFolder(pair_folder(runs, pair, side)).has(SUMMARY))
        if missing:
            config = preset(name, space=plan.space, dataset=plan.dataset, seed=seed, device=plan.device)
            train_pair(config, runs, pair, data_dir, sides=missing)
        for side in SIDES:
            if (name, seed, side) not in done:
                rows.append({"preset": name, "seed": seed, "side": side, "space": plan.space, "dataset": plan.dataset,
                             **measure(pair_folder(runs, pair, side))})
        write_csv(path, rows, COLUMNS)  # after every pair: an interrupted run keeps what it finished
    if progress:
        progress(len(todo), len(todo), "done")
    return path


# --- the summary -------------------------------------------------------------------------------


@dataclass
class Comparison:
    """One statistic of one preset: each side's mean and standard error over seeds, and
    the paired difference CR-LS - LS."""

    preset: str
    statistic: str
    seeds: int
    ls: tuple[float, float]
    crls: tuple[float, float]
    difference: tuple[float, float]
    crls_higher: int  # seeds where CR-LS's value is the higher one
    claim: Optional[str]  # the paper's direction for CR-LS

    @property
    def verdict(self) -> str:
        """The one rule's word for it (crlso_core/analysis/verdict.py): "holds", "opposite",
        "not shown: within noise", "no claim from one seed" or "no direction claimed"."""
        return verdict(*self.difference, self.seeds, self.claim)

    @property
    def reproduced(self) -> Optional[bool]:
        """Whether the paper's direction holds (`verdict`); None where no verdict can be had."""
        word = self.verdict
        return None if word in (ONE_SEED, NO_DIRECTION) else word == HOLDS


def _mean_se(values: np.ndarray) -> tuple[float, float]:
    se = float(values.std(ddof=1) / np.sqrt(len(values))) if len(values) > 1 else float("nan")
    return float(values.mean()), se


def compare(path: Path) -> list[Comparison]:
    rows = read_csv(path, COLUMNS)
    by_pair: dict[tuple[str, int], dict[str, dict]] = {}
    for r in rows:
        by_pair.setdefault((r["preset"], int(r["seed"])), {})[r["side"]] = r
    out = []
    for name in dict.fromkeys(r["preset"] for r in rows):
        pairs = [sides for (p, _), sides in sorted(by_pair.items()) if p == name and set(sides) >= set(SIDES)]
        if not pairs:
            continue
        for statistic, (_, claim) in STATISTICS.items():
            if any(p[side][statistic] in ("", None) for p in pairs for side in SIDES):
                continue  # not measured (a pool too small for that k)
            try:
                ls = np.array([float(p["ls"][statistic]) for p in pairs])
                crls = np.array([float(p["crls"][statistic]) for p in pairs])
            except ValueError:
                raise CRLSOError(f"{path} has a {statistic} that is not a number.") from None
            out.append(Comparison(name, statistic, len(pairs), _mean_se(ls), _mean_se(crls), _mean_se(crls - ls),
                                  int((crls > ls).sum()), claim))
    return out


def _pm(value: tuple[float, float]) -> str:
    mean, se = value
    return f"{mean:.3f} ± {se:.3f}" if np.isfinite(se) else f"{mean:.3f}"


def markdown(comparisons: list[Comparison]) -> str:
    lines = []
    for name in dict.fromkeys(c.preset for c in comparisons):
        rows = [c for c in comparisons if c.preset == name]
        lines += [
            f"#### Preset `{name}`, {rows[0].seeds} seed{'s' if rows[0].seeds != 1 else ''}", "",
            "| statistic | LS | CR-LS | CR-LS − LS (paired) | seeds CR-LS higher | paper's claim for CR-LS | verdict |",
            "|---|---|---|---|---:|---|---|",
        ]
        for c in rows:
            lines.append(f"| {STATISTICS[c.statistic][0]} | {_pm(c.ls)} | {_pm(c.crls)} | {_pm(c.difference)} | "
                         f"{c.crls_higher} / {c.seeds} | {c.claim or 'none'} | {c.verdict} |")
        lines += ["", "Verdict: from the paired mean and its standard error, |mean| > 2 s.e. and 2 seeds or more "
                  "(crlso_core/analysis/verdict.py; docs/explorer.md).", ""]
    return "\n".join(lines)


def reference_path(space: str, dataset: str) -> Path:
    """The committed figure statistics of a space and dataset (crlso_core/bench/data/figures/)."""
    return FIGURES / f"{space}-{dataset}.csv"


def reference(space: str, dataset: str) -> Optional[dict[tuple[str, str], Comparison]]:
    """(preset, statistic) -> its comparison over seeds, from the committed table; None when
    there is none for this space and dataset."""
    path = reference_path(space, dataset)
    if not path.exists():
        return None
    return {(c.preset, c.statistic): c for c in compare(path)}


def _signed(value: tuple[float, float]) -> str:
    mean, se = value
    return f"{mean:+.3f} ± {se:.3f}" if np.isfinite(se) else f"{mean:+.3f}"


def in_words(c: Comparison) -> str:
    """One line for a page: both sides over the seeds, the paired difference and the verdict
    (crlso_core/analysis/verdict.py: the one rule every page words a verdict by)."""
    seeds = f"{c.seeds} seed{'s' if c.seeds != 1 else ''}"
    return (f"Over {seeds} of the `{c.preset}` preset: LS {_pm(c.ls)}, CR-LS {_pm(c.crls)}, CR-LS − LS {_signed(c.difference)} "
            f"(CR-LS higher in {c.crls_higher} of {c.seeds}); {in_a_sentence(c.verdict)}.")
