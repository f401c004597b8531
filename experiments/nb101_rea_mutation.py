"""How far REA's children land from their parent on NB101's offline table (30,001 of
423,624 cells), and what keeping them one mutation away would change:

    python -m experiments.nb101_rea_mutation [--seeds 100-119] [--data-dir ../shared/data]

`regularised_evolution` mutates a child the table cannot answer further until it can
(the rule every benchmark shares). The alternative measured here draws the child among
the parent's answerable neighbours when it has any. Seeds default to ones the bench does
not report (0-9)."""

from __future__ import annotations

import argparse
import sys
from functools import partial

import numpy as np

from crlso_core.bench.grid import parse_seeds
from crlso_core.benchmarks import Oracle
from crlso_core.catalog.registry import load_benchmark
from crlso_core.search import baselines


def mutations_until_answerable(benchmark, rng, parents: int = 300) -> tuple[np.ndarray, np.ndarray]:
    """Per random parent: mutations until an answerable cell, and answerable neighbours."""
    space, steps, near = benchmark.space, [], []
    for i in rng.choice(len(benchmark.cells), parents, replace=False):
        parent = benchmark.cells[i]
        near.append(int(benchmark.can_answer(space.neighbours(parent)).sum()))
        child, k = space.mutate(parent, rng), 1
        while not benchmark.can_answer([child])[0] and k < 100:
            child, k = space.mutate(child, rng), k + 1
        steps.append(k)
    return np.array(steps), np.array(near)


def near_parent(space, oracle, parent, rng):
    """The alternative: a new answerable neighbour of the parent, else the shared rule."""
    near = [n for n in space.neighbours(parent) if oracle.can_answer(n) and not oracle.seen(n)]
    if near:
        return near[int(rng.integers(len(near)))]
    return baselines.mutated_child(space, oracle, parent, rng)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", default="100-119")
    ap.add_argument("--data-dir", default=None)
    args = ap.parse_args(argv)
    benchmark = load_benchmark("nb101", args.data_dir)
    steps, near = mutations_until_answerable(benchmark, np.random.default_rng(123))
    print(f"mutations until answerable: median {np.median(steps):.0f}, one mutation {np.mean(steps == 1):.0%}, "
          f"more than 5 {np.mean(steps > 5):.0%}; answerable neighbours: median {np.median(near):.0f}, none {np.mean(near == 0):.0%}")
    best = max(benchmark.valid["cifar10"])
    rules = {"REA (mutate on)": baselines.regularised_evolution,
             "REA (near parent)": partial(baselines.regularised_evolution, child=near_parent),
             "random search": baselines.random_search}
    for name, run in rules.items():
        final = {300: [], 500: [], 900: []}
        for seed in parse_seeds(args.seeds):
            oracle = Oracle(benchmark, "cifar10", 900)
            run(benchmark.space, oracle, np.random.default_rng(seed))
            acc = np.maximum.accumulate([q.valid_acc for q in oracle.history])
            for b in final:
                final[b].append(acc[b - 1])
        cols = ", ".join(f"{b}: {np.mean(v):.3f} ± {np.std(v, ddof=1) / np.sqrt(len(v)):.3f}" for b, v in final.items())
        print(f"{name:18s} {cols}; best cell found at 900 in {np.mean(np.array(final[900]) >= best - 1e-9):.0%} of seeds")
    return 0


if __name__ == "__main__":
    sys.exit(main())
