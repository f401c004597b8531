"""The one rule for commands that write into a run: the package's shipped examples are never
written. A search (or a baseline) asked to work on one, named directly or through a link in
a runs folder, works on a fresh copy in the runs root instead, and says so in one line."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Callable, Optional

from crlso_core.catalog.methods import pair_run_name
from crlso_core.common.errors import CRLSOError
from crlso_core.store.folder import RunFolder, check_root, default_root, in_package


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def writable_run(run_dir: Path, root: Optional[Path] = None, say: Optional[Callable[[str], None]] = None) -> Path:
    """The run folder a command may write: `run_dir` itself, or, for a shipped example, a
    copy of it made now in `root` (default: $CRLSO_RUNS or ./runs), announced through `say`
    (default: one line on stderr)."""
    from crlso_core.store.examples import copy_pair

    run_dir = Path(run_dir)
    if not in_package(run_dir):
        return run_dir
    source = run_dir.resolve()
    root = check_root(Path(root) if root is not None else default_root())
    side = RunFolder(source).summary().side or "run"
    for attempt in range(3):  # the copy's name has the second in it: a second copy in the same second waits one
        try:
            name = copy_pair({side: source}, root)
            break
        except FileExistsError:
            time.sleep(1.0)
    else:
        raise CRLSOError(f"Could not copy the example {source.name} into {root}; try again.")
    copy = root / pair_run_name(name, side)
    (say or _say)(f"{run_dir} is an example shipped with crlso and is never changed: working on a copy of it, {copy}")
    return copy
