"""The example pairs shipped inside the package: one trained, searched LS/CR-LS pair per
space, with its projections, so a fresh install opens every page at once. They are read
in place and never written: a page that must write (a new search) first copies the pair
into the runs root and works on the copy. `python -m tools.make_examples` makes them again."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

from crlso_core.catalog.methods import pair_run_name
from crlso_core.store.folder import RunFolder
from crlso_core.store.index import IndexedRun, index_run

EXAMPLES = Path(__file__).resolve().parents[1] / "data" / "examples"
PREFIX = "example-"  # every example pair's name starts so: a user's run never takes one's name
HIDE_ENV = "CRLSO_EXAMPLES"  # "off": list only the user's own runs (a lab's store, or a test of the empty state)


def is_example(path: Path) -> bool:
    try:
        return Path(path).resolve().is_relative_to(EXAMPLES)
    except OSError:
        return False


def example_runs() -> list[IndexedRun]:
    """The shipped runs, in the order the registry lists their spaces (none with $CRLSO_EXAMPLES=off)."""
    from crlso_core.catalog.registry import names

    if os.environ.get(HIDE_ENV, "").lower() == "off":
        return []
    order = {name: i for i, name in enumerate(names())}
    runs = []
    paths = sorted(EXAMPLES.glob(f"{PREFIX}*"), key=lambda p: (order.get(p.name.removeprefix(PREFIX).split("-")[0], 99), p.name))
    for path in paths:
        summary = RunFolder(path).summary_or_none() if path.is_dir() else None
        if summary is not None:
            runs.append(IndexedRun(path, path.name, summary, summary.created, inside_root=False))
    return runs


def copy_pair(paths: dict[str, Path], root: Path) -> str:
    """Copy an example pair's runs into the runs root under a new pair name (the example's,
    with the time); returns that name. The copies are the user's: searched, deleted."""
    name = f"{Path(next(iter(paths.values()))).name.rsplit('-', 1)[0].removeprefix(PREFIX)}-{time.strftime('%m%d-%H%M%S')}"
    for side, source in paths.items():
        target = Path(root) / pair_run_name(name, side)
        shutil.copytree(source, target)
        folder = RunFolder(target)
        summary = folder.summary()
        summary.pair = name
        folder.write_summary(summary)
        index_run(target, summary, root)
    return name
