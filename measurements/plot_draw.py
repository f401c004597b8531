"""How long headless Chromium takes to draw the Latent page's scatter charts with nothing
else around them (no Streamlit, no server): Plotly's own drawing, the floor under the page's
interaction times. Two charts of n points (the page before 7aef376: one per side) against one
chart holding both sides as two subplots (the page from 7aef376 until its 2-D chart became our own canvas,
crlso_app/cloud_chart.py), WebGL (scattergl) and SVG (scatter). (Until the Convexity page's
2-D charts became pictures drawn on the server, crlso_app/pictures.py, it also timed that page's
Plotly contour chart with its cells and with margins too narrow for its axes.)

    python -m measurements.plot_draw [--sizes 5000,2500,1500] [--repeat 3]

Prints tables of median milliseconds.
"""

from __future__ import annotations

import argparse
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
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
