"""How long headless Chromium takes to draw the Latent page's scatter charts with nothing
else around them (no Streamlit, no server): Plotly's own drawing, the floor under the page's
interaction times. Two charts of n points (the page before 7aef376: one per side) against one
chart holding both sides as two subplots (the page from 7aef376 until its 2-D chart became our own canvas,
crlso_app/cloud_chart.py), WebGL (scattergl) and SVG (scatter); and the Convexity
page's chart (the app's own `contour_figure` a side, a 60 x 60 grid each) with n cells drawn
over each contour, with the app's margins and with margins too narrow for the axes and colour
bars, which Plotly widens by drawing the chart again.

    python -m benchmarks.plot_draw [--sizes 5000,2500,1500] [--dots 0,800,3000] [--repeat 3]

Prints tables of median milliseconds.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
from pathlib import Path

import numpy as np
import plotly

from tools.serve import browser_page

PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
DRAW = """async ([figures]) => {
    const t0 = performance.now();
    for (let i = 0; i < figures.length; i++) await Plotly.newPlot('p' + i, figures[i].data, figures[i].layout);
    await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));  // until painted
    const spent = performance.now() - t0;
    for (let i = 0; i < figures.length; i++) Plotly.purge('p' + i);
    return spent; }"""


def _trace(kind: str, n: int, rng: np.random.Generator) -> dict:
    return {"type": kind, "mode": "markers", "x": rng.normal(size=n).round(3).tolist(), "y": rng.normal(size=n).round(3).tolist(),
            "text": [f"3x3 | 3x3 pool | skip 1x1 none {i}" for i in range(n)],
            "marker": {"color": rng.random(n).round(3).tolist(), "colorscale": "Viridis", "size": 5, "showscale": True}}


def figures(layout: str, kind: str, n: int, rng: np.random.Generator) -> list[dict]:
    if layout == "two charts":
        return [{"data": [_trace(kind, n, rng)], "layout": {"width": 600, "height": 460}} for _ in range(2)]
    left, right = _trace(kind, n, rng), _trace(kind, n, rng)
    right.update(xaxis="x2", yaxis="y2")
    right["marker"]["showscale"] = False
    return [{"data": [left, right], "layout": {"width": 1200, "height": 460, "xaxis": {"domain": [0, 0.45]},
                                                "xaxis2": {"domain": [0.55, 1]}, "yaxis2": {"anchor": "x2"}}}]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="5000,2500,1500")
    ap.add_argument("--dots", default="0,800,3000", help="cells over each contour (the page draws CONTOUR_DOTS)")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as tmp:
        page_file = Path(tmp) / "draw.html"
        page_file.write_text("<html><body><div id=p0></div><div id=p1></div><script>" + PLOTLY_JS.read_text() + "</script></body></html>")
        with browser_page(Path(tmp) / "profile") as page:
            page.goto(page_file.as_uri())
            print("| layout | trace | points a side | median ms |\n|---|---|---:|---:|")
            for layout in ("two charts", "one chart, two subplots"):
                for kind in ("scattergl", "scatter"):
                    for n in (int(v) for v in args.sizes.split(",")):
                        spent = [page.evaluate(DRAW, [figures(layout, kind, n, rng)]) for _ in range(args.repeat)]
                        print(f"| {layout} | {kind} | {n:,} | {statistics.median(spent):.0f} |", flush=True)
            print("\n| the Convexity chart (both contours) | cells a side | median ms |\n|---|---:|---:|")
            for dots in (int(v) for v in args.dots.split(",")):
                for margins, name in ((None, "the app's margins"), (NARROW, "10 px margins (Plotly widens them: a second draw)")):
                    spent = [page.evaluate(DRAW, [[contours(dots, rng, margins)]]) for _ in range(args.repeat)]
                    print(f"| {name} | {dots:,} | {statistics.median(spent):.0f} |", flush=True)
    return 0


NARROW = dict(l=10, r=10, t=40, b=10)  # the margins every chart had before crlso_app/figures.py's MARGIN


def contours(dots: int, rng: np.random.Generator, margins: dict | None = None) -> dict:
    """The Convexity page's chart, as the app builds it: both sides' contours with `dots`
    cells each, at the width the page gives it at 1600 px; `margins` replace the app's."""
    import plotly.io as pio

    from crlso_app import figures as app_figures
    from crlso_core.analysis.convexity import SurfaceInfo

    grid = np.linspace(-3, 3, 60)
    gx, gy = np.meshgrid(grid, grid)
    info = SurfaceInfo(grid, grid, 90 - gx**2 - gy**2, rng.normal(size=(max(dots, 1), 2)).astype(np.float32), np.array([0.3, 0.2]))
    saved = app_figures.CONTOUR_DOTS
    app_figures.CONTOUR_DOTS = dots
    try:
        panels = [app_figures.contour_figure(info, rng.uniform(50, 94, max(dots, 1)), side) for side in ("LS", "CR-LS")]
    finally:
        app_figures.CONTOUR_DOTS = saved
    fig = app_figures.side_by_side(panels, "LS and CR-LS: predicted accuracy", gap=0.17)
    fig.update_layout(width=1140, **({"margin": margins} if margins else {}))
    return json.loads(pio.to_json(fig))


if __name__ == "__main__":
    raise SystemExit(main())
