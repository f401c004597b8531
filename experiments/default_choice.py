"""How the product's default search is chosen (issue 33, item 7): a bench on development
seeds only (never the bench's 0-9), every latent method (ICNN or MLP predictor, on the
CR-LS or LS latent) under every rule, read back and ranked.

    crlso bench --space nb201 --datasets cifar10,cifar100 --methods crlso,crls-mlp,lso,ls-icnn \\
        --rules authors,ranked --seeds 101-104 --budgets 300,400,500 --preset demo --out DEV
    python -m experiments.default_choice DEV [--budget 500] [--default crlso:authors]

The decision rule, fixed before the numbers: a setting replaces the current default only
when its best validation accuracy at the budget, paired with the default's by (dataset,
seed), is ahead by more than two standard errors of the paired difference; otherwise the
default stays (it is the authors' method, and a user reading the paper expects it). Test
accuracy is never read. The refit is not varied here: every setting refits as the authors
do (docs/fidelity.md, S1). Writes results/<space>_default_choice.json.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from crlso_core.bench import plan as bench_plan
from crlso_core.bench.results import read_results
from results import RESULTS

BENCH_SEEDS = range(10)
MARGIN_SE = 2.0  # how many standard errors of the paired difference a challenger must be ahead by


def scores(rows, budget: int) -> dict[str, dict[tuple[str, int], float]]:
    """Best validation accuracy per setting ('method:rule') and (dataset, seed), at the budget."""
    out: dict[str, dict[tuple[str, int], float]] = {}
    for r in rows:
        if r.budget == budget and r.rule:
            out.setdefault(f"{r.method}:{r.rule}", {})[(r.dataset, r.seed)] = r.best_valid_acc
    return out


def paired(mine: dict, base: dict) -> tuple[float, float, int]:
    """Mean and standard error of mine - base over the (dataset, seed) both have."""
    keys = sorted(set(mine) & set(base))
    diff = np.array([mine[k] - base[k] for k in keys])
    se = float(diff.std(ddof=1) / np.sqrt(len(diff))) if len(diff) > 1 else float("nan")
    return float(diff.mean()) if len(diff) else float("nan"), se, len(diff)


def choose(by_setting: dict[str, dict], default: str) -> dict:
    if default not in by_setting:
        raise SystemExit(f"the bench has no rows of the current default {default}")
    table = {}
    for name, values in sorted(by_setting.items()):
        mean, se, n = paired(values, by_setting[default])
        table[name] = {"mean": round(float(np.mean(list(values.values()))), 3), "runs": len(values),
                       "minus_default": round(mean, 3), "minus_default_se": round(se, 3), "paired_runs": n}
    ahead = [n for n, t in table.items() if n != default and t["paired_runs"] > 1
             and t["minus_default"] > MARGIN_SE * t["minus_default_se"]]
    chosen = max(ahead, key=lambda n: table[n]["minus_default"]) if ahead else default
    return {"settings": table, "chosen": chosen, "kept_default": chosen == default}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("bench", type=Path, help="a bench folder of development seeds")
    parser.add_argument("--budget", type=int, default=500)
    parser.add_argument("--default", default="crlso:authors", help="the current default, method:rule")
    parser.add_argument("--out", type=Path, help="default: results/<space>_default_choice.json")
    args = parser.parse_args(argv)
    rows = read_results(args.bench / "results.csv")
    on_bench_seeds = sorted({r.seed for r in rows if r.seed in BENCH_SEEDS})
    if on_bench_seeds:
        raise SystemExit(f"{args.bench} holds rows of the bench's seeds {on_bench_seeds}: choose on development seeds only")
    plan = bench_plan.load(args.bench)
    space = plan.get("space", "nb201") if plan else "nb201"
    result = {"command": "python -m experiments.default_choice " + " ".join(sys.argv[1:] if argv is None else argv),
              "bench_sessions": [{k: s.get(k) for k in ("argv", "commit", "machine", "started", "ended")}
                                 for s in (plan or {}).get("sessions", [])],
              "budget": args.budget, "default_before": args.default, "margin_se": MARGIN_SE,
              "datasets": sorted({r.dataset for r in rows}), "seeds": sorted({r.seed for r in rows}),
              **choose(scores(rows, args.budget), args.default)}
    out = args.out or RESULTS / f"{space}_default_choice.json"
    out.write_text(json.dumps(result, indent=1) + "\n")
    print(f"| setting | mean valid @ {args.budget} | minus {args.default} (paired) | runs |\n|---|---:|---:|---:|")
    for name, t in result["settings"].items():
        print(f"| {name} | {t['mean']:.3f} | {t['minus_default']:+.3f} ± {t['minus_default_se']:.3f} | {t['paired_runs']} |")
    print(f"chosen: {result['chosen']} ({'the default stays' if result['kept_default'] else 'replaces ' + args.default}); wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
