"""The bench's tables, as information (SummaryRow, ReconSummary) and as markdown, made from
rows already read (bench/results.py): a report reads each file once and passes its rows to
every table. Rows of different presets, rules or settings ids are never averaged together;
each setting gets its own name (labels)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Iterable, Optional

import numpy as np

from crlso_core.bench.results import Produced, ReconRow, ResultRow
from crlso_core.benchmarks.base import NO_TEST
from crlso_core.catalog.config import RULES
from crlso_core.catalog.registry import dataset_title

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


def setting_order(key: Produced) -> tuple:
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


def mean_se(values: np.ndarray) -> tuple[float, float]:
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


def summarise(results: list[ResultRow]) -> list[SummaryRow]:
    """Seeds of one setting are averaged; rows of different presets, rules or settings ids never are."""
    groups: dict[tuple, list] = {}
    for r in results:
        groups.setdefault((r.produced, r.dataset, r.budget), []).append(r)
    names = labels(k[0] for k in groups)
    summary = []
    for (key, dataset, budget), rows in sorted(groups.items(), key=lambda kv: (kv[0][1], kv[0][2], setting_order(kv[0][0]))):
        valid = np.array([r.best_valid_acc for r in rows])
        test, found = _known([r.best_test_acc for r in rows]), _known([r.found_valid_optimum for r in rows])
        summary.append(SummaryRow(
            key.method, dataset, budget, len(rows), *mean_se(valid), *(mean_se(test) if test is not None else (None, None)),
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


def _by_seed(results: list[ResultRow]) -> dict[tuple, dict[int, float]]:
    """(setting, dataset, budget) -> {seed: best validation accuracy}."""
    out: dict[tuple, dict[int, float]] = {}
    for r in results:
        out.setdefault((r.produced, r.dataset, r.budget), {})[r.seed] = r.best_valid_acc
    return out


def _paired(mine: dict[int, float], base: dict[int, float]) -> str:
    """mine - base over the seeds both ran: 'mean ± s.e. (n=N)'."""
    both = sorted(set(mine) & set(base))
    if not both:
        return "no common seed"
    return f"{_pm(*mean_se(np.array([mine[k] - base[k] for k in both])))} (n={len(both)})"


def ablation_table(results: list[ResultRow]) -> str:
    """The 2x2 ablation (latent space x search predictor) per dataset, budget, preset and
    rule (never across them), and the paired difference CR-LSO - LSO over the seeds both
    ran; empty when a method is missing."""
    acc = _by_seed(results)
    names = labels(k[0] for k in acc)
    lines = []
    places = sorted({(d, b, k.preset, k.rule) for (k, d, b) in acc if k.method == "crlso"})
    for dataset, budget, preset, rule in places:
        options = [[k for (k, d, b) in acc if k.method == m and (d, b, k.preset, k.rule) == (dataset, budget, preset, rule)]
                   for m, _, _ in ABLATION]
        combos = list(itertools.product(*(sorted(o, key=setting_order) for o in options)))
        for keys in combos:
            cells = [acc[(k, dataset, budget)] for k in keys]
            if not lines:
                lines = [
                    "| dataset | budget | " + " | ".join(f"{latent} + {pred} (`{m}`)" for m, latent, pred in ABLATION)
                    + " | CR-LSO - LSO, paired |",
                    "|---|---:|" + "---|" * len(ABLATION) + "---|",
                ]
            tag = _tag(keys[3], names) + (f" (settings {', '.join(k.settings for k in keys)})" if len(combos) > 1 else "")
            shown = [f"{_pm(*mean_se(np.array(list(c.values()))))} (n={len(c)})" for c in cells]
            lines.append(f"| {dataset_title(dataset)} {tag} | {budget} | " + " | ".join(shown) + f" | {_paired(cells[3], cells[0])} |")
    return "\n".join(lines)


def paired_table(results: list[ResultRow], baseline: str = "rea") -> str:
    """Each other setting minus `baseline` over the seeds both ran (mean ± s.e. of the paired
    difference of best validation accuracy), per dataset and budget; empty without it. A
    baseline trains nothing, so every preset and rule pairs with it; should it have several
    settings (earlier rows kept beside new ones), each gets its own rows."""
    acc = _by_seed(results)
    names = labels(k[0] for k in acc)
    bases = sorted({k for k, _, _ in acc if k.method == baseline}, key=setting_order)
    others = sorted({k for k, _, _ in acc if k.method != baseline}, key=setting_order)
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


def rules_table(results: list[ResultRow]) -> str:
    """A method's rules against each other: for every two rules one method ran under one
    preset, the later rule (in catalog.config.RULES order) minus the earlier, over the seeds
    both ran; a row per dataset, budget and method. Empty when no method ran two rules."""
    acc = _by_seed(results)
    labelled = {(r.produced, r.dataset): r.labelled for r in results}
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


def config_differences(before: dict, after: dict, skip=("seed", "dataset", "budget", "device")) -> str:
    """What differs between two resolved configs, as `teacher.head pooled -> reference`."""
    def flat(d: dict, prefix: str = "") -> dict:
        out = {}
        for k, v in d.items():
            if k in skip and not prefix:
                continue
            out.update(flat(v, f"{prefix}{k}.") if isinstance(v, dict) else {f"{prefix}{k}": v})
        return out

    a, b = flat(before), flat(after)
    return ", ".join(f"{k} {a.get(k, '-')} -> {b.get(k, '-')}" for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k))


def settings_table(results: list[ResultRow], configs: dict[str, dict]) -> str:
    """One method's settings against each other, where a preset and rule ran under several
    settings ids (a model change between benches): the later id (in `configs`' order, the
    order they first ran) minus the one before it, paired by seed, with what differs between
    their configs. Empty when no setting ran twice."""
    acc = _by_seed(results)
    labelled = {(r.produced, r.dataset): r.labelled for r in results}
    order = {sid: i for i, sid in enumerate(configs)}
    groups: dict[tuple, list[Produced]] = {}
    for key in {k for k, _, _ in acc if k.settings in order}:
        groups.setdefault((key.method, key.preset, key.rule), []).append(key)
    pairs = [(a, b) for keys in groups.values() for a, b in itertools.pairwise(sorted(keys, key=lambda k: order[k.settings]))]
    if not pairs:
        return ""
    lines = ["| dataset | budget | method | later - earlier settings | what differs |", "|---|---:|---|---|---|"]
    for dataset, budget in sorted({(d, b) for _, d, b in acc}):
        for before, after in sorted(pairs, key=lambda p: setting_order(p[1])):
            if (before, dataset, budget) in acc and (after, dataset, budget) in acc and budget > labelled.get((after, dataset), 0):
                change = _paired(acc[(after, dataset, budget)], acc[(before, dataset, budget)])
                lines.append(f"| {dataset_title(dataset)} | {budget} | `{after.method}` [{after.preset}, {after.rule}] | "
                             f"`{after.settings}` - `{before.settings}`: {change} "
                             f"| {config_differences(configs[before.settings], configs[after.settings])} |")
    return "\n".join(lines) if len(lines) > 2 else ""


def changed_table(results: list[ResultRow], earlier: list[ResultRow], preset: Optional[str] = None,
                  order: Optional[dict] = None) -> str:
    """Each method both files hold, now minus earlier, over the seeds both ran (mean ± s.e.
    of the paired difference of best validation accuracy), per dataset and budget where the
    two differ at all; empty when nothing is shared. Paired is fair when both trained the
    same models (same seeds and presets) and only the search changed. A method with several
    settings in a file pairs each of them (the column says which). `preset`: the earlier
    rows' preset, where known: only today's settings of that preset (and the baselines) are
    paired with them. `order`: settings ids in the order they ran (plan.py settings_configs):
    of one method, preset and rule only the latest id is paired."""
    if preset is not None:
        results = [r for r in results if r.produced.preset in (preset, "")]
    if order:
        rank = {sid: i for i, sid in enumerate(order)}
        latest: dict[tuple, int] = {}
        for r in results:
            key = (r.method, r.produced.preset, r.produced.rule)
            latest[key] = max(latest.get(key, -1), rank.get(r.produced.settings, -1))
        results = [r for r in results if rank.get(r.produced.settings, -1) == latest[(r.method, r.produced.preset, r.produced.rule)]]
    now, before = _by_seed(results), _by_seed(earlier)
    now_names, before_names = labels(k[0] for k in now), labels(k[0] for k in before)
    now_keys, before_keys = {k for k, _, _ in now}, {k for k, _, _ in before}
    pairs = sorted(((n, b) for n in now_keys for b in before_keys if n.method == b.method),
                   key=lambda p: (setting_order(p[0]), setting_order(p[1])))

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


def summarise_reconstruction(recon: list[ReconRow]) -> list[ReconSummary]:
    groups: dict[tuple, list] = {}
    for r in recon:
        groups.setdefault((r.produced, r.dataset), []).append(r)
    names = labels(k[0] for k in groups)
    rows = []
    for (key, dataset), runs in sorted(groups.items(), key=lambda kv: (kv[0][1], setting_order(kv[0][0]))):
        pool = 100 * np.array([r.recon_pool for r in runs])
        held = _known([r.recon_heldout for r in runs])
        held = 100 * held if held is not None else None
        rows.append(ReconSummary(names[key], dataset, len(runs), *mean_se(pool),
                                 *(mean_se(held) if held is not None else (None, None)),
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
