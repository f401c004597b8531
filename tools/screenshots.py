"""Screenshots of every page of the explorer on a trained, searched pair, for the README
and for reviewing the pages by eye:

    python -m tools.screenshots --runs /path/to/store --pair NAME [--out assets/screenshots]

A shipped example works as it is: --runs an empty folder --pair example-nb201 --space nb201.
Shot at 1600x1000, a projector's size.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from crlso_core.catalog.registry import get_spec
from tools.serve import POINT_JS, app_server, browser_page

ROOT = Path(__file__).resolve().parent.parent

CHARTS_DRAWN = """(n) => [...document.querySelectorAll('.js-plotly-plot')].filter(g => g._fullData && g._fullData.length).length
    + document.querySelectorAll('.crlso-cloud[data-drawn]').length >= n"""  # Plotly's charts and the Latent page's own
READY = {  # what shows that a page has finished drawing: (charts drawn, text on the page)
    "benchmark": (1, "cells shown:"), "train": (0, "Start training"), "similarity": (4, "mean top×worst"),
    "search": (3, "Move (0 = the start cell)"), "search-walk": (3, "Move (0 = the start cell)"),
    "convexity": (0, "The plane passes through the mean code"), "convexity-jensen": (0, "violations, true error"),
    "convexity-line": (0, "distinct cells along the line"), "runs": (0, "Runs to compare"),  # Convexity's charts are pictures
    "latent-umap": (1, "Decode a point"), "latent": (1, "Decode a point"),  # LS and CR-LS: two panels of one chart
    "search-found": (4, "Where each method looked"),
}
SCROLL_TO = {
    "search-walk": "Trajectory (from one start cell)",
    "search-found": "a star marks each method's best",
}  # the main area scrolls inside the page: shoot a later part


def settle(page, name: str) -> None:
    charts, text = READY[name]
    page.get_by_text(text).first.wait_for(timeout=300_000)
    page.wait_for_function(CHARTS_DRAWN, arg=charts, timeout=300_000)
    page.wait_for_timeout(1500)  # let plotly finish its transitions


def cache_projections(runs: Path, pair: str, methods: list[str]) -> None:
    """The Latent page computes t-SNE/UMAP only as a job a user starts; compute them here
    (as that job does, into the run folders) so that the page draws them."""
    import numpy as np

    from crlso_core.analysis.cache import cached_projection
    from crlso_core.store.pairs import list_pairs
    from crlso_core.store.view import load_view

    (found,) = [p for p in list_pairs(runs) if p.name == pair]
    for side in found.sides:
        run = load_view(found.path(side))
        for method in methods:
            cached_projection(run.path, np.asarray(run.codes), method, 2)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=Path, required=True)
    ap.add_argument("--pair", required=True)
    ap.add_argument("--out", type=Path, default=ROOT / "assets" / "screenshots")
    ap.add_argument("--space", default="nb201", help="the pair's space; other spaces' shots are named SPACE-PAGE.png")
    ap.add_argument("--found", action="store_true", help="also shoot the Search page's t-SNE of every method's queries")
    ap.add_argument("--only", nargs="*", help="shoot only these pages (names as in the output files)")
    args = ap.parse_args(argv)
    prefix = "" if args.space == "nb201" else f"{args.space}-"
    if args.space == "nb201":
        first = "?dataset=cifar10&cell=9930"
    else:  # the published sample where the space has one (NB301's 500 genotypes)
        first = f"?space={args.space}" + ("&sample=reference" if get_spec(args.space).reference else "")
    args.out.mkdir(parents=True, exist_ok=True)
    q = f"run={args.pair}"
    if not args.only or "latent-umap" in args.only:
        cache_projections(args.runs, args.pair, ["umap"])
    with tempfile.TemporaryDirectory() as tmp:
        with app_server(args.runs, Path(tmp) / "streamlit.log") as url, browser_page(Path(tmp) / "profile", 1600, 1000) as page:
            shots = [
                ("benchmark", f"{url}/{first}"),  # the default page lives at /
                ("train", f"{url}/train"),
                ("similarity", f"{url}/similarity?{q}"),
                ("search", f"{url}/search?{q}&proj=pca"),
                ("search-walk", f"{url}/search?{q}&proj=pca"),
                ("convexity", f"{url}/convexity?{q}&check=plane"),
                ("convexity-jensen", f"{url}/convexity?{q}&check=jensen"),
                ("convexity-line", f"{url}/convexity?{q}&check=line"),
                ("runs", f"{url}/runs"),
                ("latent-umap", f"{url}/latent?{q}&proj=umap"),
                ("latent", f"{url}/latent?{q}&proj=pca"),
            ] + ([("search-found", f"{url}/search?{q}&proj=pca&found=1")] if args.found else [])
            from crlso_core.store.index import list_runs

            if not list_runs(args.runs):  # an example-only store: the Runs page has nothing to compare
                print("runs: skipped, no runs of your own in --runs (the Runs page lists those, not the examples)")
                shots = [s for s in shots if s[0] != "runs"]
            for name, address in [s for s in shots if not args.only or s[0] in args.only]:
                page.goto(address)
                settle(page, name)
                if name == "latent":  # click the best cell, as a user would
                    x, y, _ = page.evaluate(POINT_JS, 0)
                    page.mouse.click(x, y)
                    page.get_by_role("heading", name="Selected cell").wait_for(timeout=60_000)
                    settle(page, name)
                if name == "search-walk":  # three moves on, as a class would step
                    slider = page.get_by_role("slider").last
                    slider.focus()
                    for _ in range(3):
                        page.keyboard.press("ArrowRight")
                        page.wait_for_timeout(600)
                if name in SCROLL_TO:
                    page.get_by_text(SCROLL_TO[name]).first.scroll_into_view_if_needed()
                    page.wait_for_timeout(1000)
                if name == "runs":
                    page.get_by_role("combobox", name="Runs to compare, export or delete").click()
                    page.get_by_role("option").first.click()
                    page.keyboard.press("Escape")
                    page.wait_for_function(CHARTS_DRAWN, arg=1, timeout=120_000)
                    page.wait_for_timeout(1500)
                page.screenshot(path=str(args.out / f"{prefix}{name}.png"))
                print(args.out / f"{prefix}{name}.png")
                if name == "latent":  # the picked cell as Graphviz draws it, at a projector's size
                    page.locator('[data-testid="stGraphVizChart"]').first.scroll_into_view_if_needed()
                    page.wait_for_timeout(1000)
                    page.screenshot(path=str(args.out / f"{prefix}cell.png"))
                    print(args.out / f"{prefix}cell.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
