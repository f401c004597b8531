"""The server's part of the explorer's answers: each page's script run under Streamlit's
`AppTest` (no browser, no transfer), first visit and then visits with everything cached, on a
pair of the user's. The browser's part is the rest of `measurements/app_speed.py`'s figures.

    python -m measurements.page_scripts --runs /path/to/store --pair NAME [--repeat 5]

Prints a table of seconds: the first visit, and the median of the visits after it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES = ("latent", "similarity", "search", "convexity", "benchmark")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=Path, required=True)
    ap.add_argument("--pair", required=True)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args(argv)
    os.environ["CRLSO_RUNS"] = str(args.runs)
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "crlso_app" / "main.py"), default_timeout=600)
    at.query_params["run"] = args.pair
    at.run()
    spent: dict[str, list[float]] = {page: [] for page in PAGES}
    for _ in range(args.repeat + 1):
        for page in PAGES:  # in turn, as a lesson switches pages
            t0 = time.perf_counter()
            at.switch_page(f"views/{page}.py").run()
            spent[page].append(time.perf_counter() - t0)
            if at.exception:
                raise SystemExit(f"{page}: {at.exception[0].value}")
    print("| page script | first visit s | later visits, median s |\n|---|---:|---:|")
    for page, times in spent.items():
        print(f"| {page} | {times[0]:.2f} | {statistics.median(times[1:]):.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
