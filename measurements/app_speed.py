"""How fast the explorer answers, measured in a real headless Chromium against
the app's server as `crlso app` starts it (tools/serve.py): from an action to the moment its result is on screen, on a pair of the
user's (every cell of each side's pool in the Latent page's data; the page draws the share
`crlso_app/thinning.py` keeps). Needs a trained, searched pair whose UMAP is cached (the app's
own jobs make it).

    python -m measurements.app_speed --runs /path/to/store --pair NAME [--baseline DIR] [--repeat 5] [--note "..."]

Writes results/app_speed.json and prints a table of medians; with --baseline (a checkout of
another commit), that commit's app is timed first by this same script on the same pair, into
results/app_speed_baseline.json, which BENCHMARKS.md sets beside with the ratios. Each figure is the
whole time a user waits: the server's script, the transfer and the browser's drawing.

    python -m measurements.app_speed --cold [--baseline DIR] [--repeat 3] [--note "..."]

A class's first minutes instead: a fresh server on an empty runs folder (the shipped examples
only), its start (until it answers: `crlso app` warms the pages' caches first), the first
page after start, then each example's first load of every page (Latent in
2-D, 3-D and t-SNE, Similarity, Convexity, Search and its "where each method looked" map),
each in a server started afresh `--repeat` times. With --baseline (a checkout of another
commit, `git worktree add`), the same is timed on that checkout's app in the same invocation,
one server after the other, and the ratios are written beside. The figures go under
"cold_start" in the results file, beside the interaction figures already there.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from crlso_core.bench.plan import machine, machine_text
from results import RESULTS
from tools.serve import POINT_JS, app_server, browser_page, wait_for_cell

ROOT = Path(__file__).resolve().parent.parent

CELLS_DRAWN = """(n) => { const cloud = document.querySelector('.crlso-cloud');
    if (cloud) return cloud.dataset.drawn === n.join(',');
    const cells = [...document.querySelectorAll('.js-plotly-plot')]
    .flatMap(g => (g._fullData || []).filter(t => t.name === 'cells'));
    return cells.length >= n.length && n.every((k, i) => cells[i].x.length === k); }"""
# each side's cells (LS, then CR-LS): the Latent page's canvas chart (crlso_app/cloud_chart.js) says what it drew;
# before it (a baseline commit, timed by the same script) a Plotly chart, or one a side (the layout before 7aef376).
# The page draws the best and worst 5 % and an even share of the rest (crlso_app/thinning.py): n is what it draws a side
TITLE_HAS = ("(t) => [...document.querySelectorAll('.crlso-cloud')].some(c => (c.dataset.title || '').includes(t)) || "
             "[...document.querySelectorAll('.js-plotly-plot')].some(g => g._fullLayout && g._fullLayout.title "
             "&& (g._fullLayout.title.text || '').includes(t))")
IDLE = """() => !document.querySelector('[data-testid="stStatusWidget"]')"""
TRAJECTORY_TITLE = """() => [...document.querySelectorAll('.js-plotly-plot')].map(g => (g._fullLayout.title || {}).text || '')
    .find(t => /Trajectory #\\d+, move \\d+ of \\d+/.test(t))"""  # Search's trajectory chart: "Trajectory #1, move 0 of 7"


def trajectory_shown(page) -> tuple[int, int]:
    """(which trajectory Search's chart shows, its number of moves), read from the chart's title."""
    number, moves = re.search(r"Trajectory #(\d+), move \d+ of (\d+)", page.evaluate(TRAJECTORY_TITLE)).groups()
    return int(number), int(moves)


TEXT_SHOWN = "(t) => document.body.textContent.includes(t)"  # checked every frame: Playwright's own text wait
# polls at widening intervals, up to 500 ms apart, which once added up to half a second to a figure here
CONVEXITY_DRAWN = """() => { const main = document.querySelector('[data-testid="stMain"]') || document.body, text = main.textContent;
    const chooser = main.querySelector('[data-testid="stButtonGroup"]');
    const shown = chooser ? [new URLSearchParams(location.search).get('check') || 'plane'] : ['plane', 'jensen', 'line'];
    const plots = [...main.querySelectorAll('.js-plotly-plot')], pictures = [...main.querySelectorAll('img')];
    if (plots.length + pictures.length < shown.length || !plots.every(g => g._fullLayout && g.querySelector('.main-svg'))
        || !pictures.every(i => i.complete && i.naturalWidth > 0)) return false;
    const cells = [...main.querySelectorAll('[data-testid="stMarkdownContainer"]')]
        .map(m => /^(\\d+) distinct cells along the line/.exec(m.textContent.trim())).find(Boolean);
    const done = {plane: () => text.includes('The plane passes through the mean code'),
                  jensen: () => text.includes('violations, true error'),
                  line: () => cells && main.querySelectorAll('[data-testid="stGraphVizChart"] svg').length >= +cells[1]};
    return shown.every(check => done[check]()); }"""
# what the Convexity page shows, drawn: since 7a51396 one check at a time (?check=, the plane by default),
# its figure a picture; before it all three checks (contours, Jensen gaps, the line: Plotly charts before 110b40b)
# with the metrics and every cell along the line
CHECKS = {"jensen": "Jensen gaps", "line": "Cells along a line", "plane": "Predicted accuracy over the plane"}


def timed(action, wait) -> float:
    t0 = time.perf_counter()
    action()
    wait()
    return time.perf_counter() - t0


def choose(page, menu: str, option, done, opened: list[float]) -> float:
    """Open the drop-down `menu` until `option` (a locator) shows, then pick it until `done`
    returns: two interactions, timed apart (the opening goes to `opened`), so a page's answer
    to a choice is not mixed with the menu's own drawing."""
    opened.append(timed(lambda: page.get_by_role("combobox", name=menu).click(), lambda: option.wait_for(timeout=60_000)))
    return timed(lambda: option.click(), done)


def idle(page, timeout=60_000, settle=100):
    """Until the script is done. `settle` ms first let an action reach the server (not needed
    after a wait for the action's own result)."""
    page.wait_for_timeout(settle)
    page.wait_for_function(IDLE, timeout=timeout)


def latent(page, url: str, pair: str, repeat: int, shown: dict[str, list[int]]) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {}
    address = f"{url}/latent?run={pair}&proj=pca"
    drawn = lambda proj="pca": page.wait_for_function(CELLS_DRAWN, arg=shown[proj], timeout=120_000)  # noqa: E731
    out["latent page, first load (models read from disk)"] = [timed(lambda: page.goto(address), drawn)]
    out["latent page, reload"] = [timed(lambda: page.reload(), drawn) for _ in range(repeat)]
    clicks = []
    for n in range(repeat):
        drawn()
        page.wait_for_timeout(1000)  # let the chart wire up its click handlers (not timed)
        x, y, label = page.evaluate(POINT_JS, n)
        clicks.append(timed(lambda: page.mouse.click(x, y), lambda: wait_for_cell(page, label)))
    out["click a point -> its cell and latent neighbours shown"] = clicks
    switch, opened = [], []
    for n in range(repeat):
        target = "UMAP" if n % 2 == 0 else "PCA"
        switch.append(choose(page, "Projection", page.get_by_role("option", name=target, exact=True),
                             lambda: (page.wait_for_function(TITLE_HAS, arg=f"· {target}", timeout=60_000), drawn(target.lower())), opened))
    out["switch projection PCA <-> UMAP (cached)"] = switch
    out["open a drop-down menu (Projection)"] = opened
    return out


def search(page, url: str, pair: str, repeat: int) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {}
    page.goto(f"{url}/search?run={pair}&proj=pca")
    page.get_by_text("Move (0 = the start cell").first.wait_for(timeout=120_000)
    idle(page)
    slider = page.get_by_role("slider").last
    page.wait_for_function(TITLE_HAS, arg=", move 0 of", timeout=60_000)
    shown, last = trajectory_shown(page)  # the trajectory the page opens on, and its moves: the slider's end
    moves = []
    for n in range(min(repeat, last)):
        slider.focus()
        # until the chart shows the next move (the running indicator alone can be checked before the run shows it)
        moves.append(timed(lambda: page.keyboard.press("ArrowRight"),
                           lambda n=n: (page.wait_for_function(TITLE_HAS, arg=f", move {n + 1} of", timeout=60_000),
                                        idle(page, settle=0))))
    out["search: one move along a trajectory"] = moves
    picks, sides, opened = [], [], []
    menu = "Trajectory (from one start cell; opens on the one that found the most cells)"
    others = [k for k in range(6) if k + 1 != shown][1:]  # five others in turn, none needing the menu scrolled
    for n in range(repeat):
        # the main area scrolls inside the page: a click that must scroll first may land mid-scroll (not timed)
        page.get_by_role("combobox", name=menu).scroll_into_view_if_needed()
        page.wait_for_timeout(300)
        k = others[n % len(others)]  # each differs from the one before
        # (a click on an option at the menu's scrolled edge can leave the menu open and pick nothing)
        picks.append(choose(page, menu, page.get_by_role("option").nth(k),
                            lambda k=k: (page.wait_for_function(TITLE_HAS, arg=f"Trajectory #{k + 1}, move", timeout=60_000), idle(page)),
                            opened))
    out["search: pick another trajectory"] = picks
    for n in range(repeat):
        target = "LS" if n % 2 == 0 else "CR-LS"
        page.get_by_role("combobox", name="Latent space").scroll_into_view_if_needed()
        page.wait_for_timeout(300)
        sides.append(choose(page, "Latent space", page.get_by_role("option", name=target, exact=True),
                            lambda: (page.wait_for_function(TITLE_HAS, arg="every queried step", timeout=60_000), idle(page)), opened))
    out["search: switch LS <-> CR-LS (trajectories redrawn)"] = sides
    out["open a drop-down menu (Search's two)"] = opened
    return out


def other_pages(page, url: str, pair: str, repeat: int) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {}
    page.goto(f"{url}/similarity?run={pair}")
    page.wait_for_function(TITLE_HAS, arg="top-100 × top-100", timeout=120_000)
    ks = []
    for n in range(repeat):
        slider = page.get_by_role("slider").first
        slider.focus()
        ks.append(timed(lambda: page.keyboard.press("ArrowRight"),
                        lambda n=n: page.wait_for_function(TITLE_HAS, arg=f"top-{110 + 10 * n} × top-{110 + 10 * n}", timeout=60_000)))
    out["similarity: change k (heatmaps recomputed)"] = ks
    convexity = f"{url}/convexity?run={pair}"
    drawn = lambda: page.wait_for_function(CONVEXITY_DRAWN, timeout=180_000)  # noqa: E731
    out["convexity page, first load (surface + 500-pair Jensen check)"] = [timed(lambda: page.goto(convexity), drawn)]
    out["convexity page, reload"] = [timed(lambda: page.reload(), drawn) for _ in range(repeat)]
    if page.locator('[data-testid="stButtonGroup"]').count():  # one check at a time: each check in turn
        switch, reload = [], []
        for n in range(repeat):
            check = list(CHECKS)[n % 3]
            page.wait_for_timeout(300)  # a click in the instant the script ends can be dropped (not timed)
            switch.append(timed(lambda check=check: page.get_by_role("radio", name=CHECKS[check], exact=True).click(),
                                lambda check=check: (page.wait_for_function(f"() => location.search.includes('check={check}')",
                                                                            timeout=60_000), drawn(), idle(page, settle=0), drawn())))
            # drawn again once the script is done: until then the check before may still be on screen
        out["convexity: switch to another check (Jensen gaps, the line, the plane in turn)"] = switch
        for n in range(repeat):
            check = ("jensen", "line")[n % 2]
            reload.append(timed(lambda check=check: page.goto(f"{convexity}&check={check}"), drawn))
        out["convexity page, load of a link to the Jensen or the line check"] = reload
        page.goto(f"{convexity}&check=plane")  # the page switches below open the default check (not timed)
        drawn()
    table = lambda: page.wait_for_function(TEXT_SHOWN, arg="cells shown", timeout=120_000)  # noqa: E731
    out["benchmark page, load (15,625 cells)"] = [timed(lambda: page.goto(f"{url}/benchmark"), table) for _ in range(repeat)]
    return out


def page_switches(page, url: str, pair: str, repeat: int, shown: list[int]) -> dict[str, list[float]]:
    """A page chosen in the sidebar's menu, until its figures are drawn and the script is done
    (each page visited once before, as in a lesson: what is cached stays cached)."""
    def shows(title=None, text=None, cells=None, drawn=None):
        """Until the page's own figure (a title only it has), text, cells or whole drawing
        (a check in JavaScript) are on screen, then until its script is done: nothing left
        over from the page before can satisfy it."""
        def wait():
            if title:
                page.wait_for_function(TITLE_HAS, arg=title, timeout=120_000)
            if text:
                page.wait_for_function(TEXT_SHOWN, arg=text, timeout=120_000)
            if drawn:
                page.wait_for_function(drawn, timeout=120_000)
            if cells:
                page.wait_for_function(CELLS_DRAWN, arg=cells, timeout=120_000)
            idle(page, 120_000, settle=0)
        return wait

    route = [("Latent space", shows(cells=shown)), ("Search", shows(title="every queried step")),
             ("Similarity", shows(title="× worst-")), ("Convexity", shows(drawn=CONVEXITY_DRAWN)),
             ("Benchmark", shows(text="cells shown"))]
    page.goto(f"{url}/latent?run={pair}")
    idle(page, 120_000)
    out: dict[str, list[float]] = {f"switch to {name}": [] for name, _ in route}
    for n in range(repeat + 1):
        for name, done in route:
            spent = timed(lambda name=name: page.get_by_role("link", name=name, exact=True).click(), done)
            if n:  # the first round loads each page once (first loads are measured above)
                out[f"switch to {name}"].append(spent)
    return {f"page {k}": v for k, v in out.items()}


PARTS = ("latent", "search", "pages", "switches")

PAGE_DRAWN = """(stableMs) => { const main = document.querySelector('[data-testid="stMain"]');
    const whole = () => {
        if (!main || !main.querySelector('h1') || document.querySelector('[data-testid="stStatusWidget"]')
            || main.querySelector('[data-testid="stSpinner"]')) return false;
        const plots = [...main.querySelectorAll('[data-testid="stPlotlyChart"]')], pictures = [...main.querySelectorAll('img')];
        const clouds = [...main.querySelectorAll('.crlso-cloud')], tables = main.querySelectorAll('[data-testid="stDataFrame"]');
        return plots.length + pictures.length + clouds.length + tables.length > 0
            && plots.every(c => { const g = c.querySelector('.js-plotly-plot');
                                  return g && g._fullLayout && g.querySelector('.main-svg'); })
            && pictures.every(i => i.complete && i.naturalWidth > 0) && clouds.every(c => c.dataset.drawn); };
    const now = performance.now();
    if (!whole()) { window.__crlsoWholeSince = null; return false; }
    window.__crlsoWholeSince = window.__crlsoWholeSince || now;
    return now - window.__crlsoWholeSince >= stableMs ? now - window.__crlsoWholeSince : false; }"""
# a page drawn: its title, every chart it has sent drawn (Plotly, the canvas cloud, pictures) or tables, no
# script running and no spinner: one check for every page and every commit timed (each page's own texts change
# by commit). Streamlit shows its running widget only 500 ms into a run (IO=500 in its StatusWidget), so a page
# that shows its table first and computes its charts after looked whole for that long: the check must hold
# for STABLE_MS, and the time is taken at the moment it first held (`until_drawn` returns the difference).
STABLE_MS = 800


def until_drawn(page, timeout=180_000) -> float:
    """Waits until the page is whole and has stayed so for STABLE_MS; returns how long it has
    been whole (s), to take off the time."""
    return page.wait_for_function(PAGE_DRAWN, arg=STABLE_MS, timeout=timeout, polling=50).json_value() / 1000


def timed_load(page, action) -> float:
    """An action's time until the page is whole (not until the stability window has passed)."""
    t0 = time.perf_counter()
    action()
    whole_for = until_drawn(page)
    return time.perf_counter() - t0 - whole_for


SCENE_DRAWN = "() => [...document.querySelectorAll('.js-plotly-plot')].some(g => g._fullLayout && g._fullLayout.scene)"
EXAMPLE_PAIRS = ("example-nb201", "example-nb301", "example-nb101")


def cold_loads(page, url: str) -> dict[str, float]:
    """On a server just started: the first page, then every example's pages, each loaded once."""
    out = {"first page after start (the address of the app)": timed_load(page, lambda: page.goto(url))}
    for pair in EXAMPLE_PAIRS:
        for name in ("latent", "similarity", "convexity", "search"):
            out[f"{pair}: {name}, first load"] = timed_load(page, lambda name=name: page.goto(f"{url}/{name}?run={pair}"))
        toggle = page.get_by_text("Lay out every queried cell of every method in one t-SNE")
        toggle.scroll_into_view_if_needed()
        page.wait_for_timeout(300)  # not timed: the click must land on a still page
        out[f"{pair}: search, where each method looked (t-SNE map)"] = timed(
            lambda: toggle.click(), lambda: (page.wait_for_function(TITLE_HAS, arg="Every queried cell", timeout=180_000),
                                             idle(page, 180_000, settle=0)))
        out[f"{pair}: latent, t-SNE"] = timed_load(page, lambda: page.goto(f"{url}/latent?run={pair}&proj=tsne"))
        page.goto(f"{url}/latent?run={pair}&proj=pca")
        until_drawn(page)
        page.wait_for_timeout(300)
        dims = page.get_by_role("radiogroup", name="Dimensions")
        out[f"{pair}: latent, 3-D"] = timed(lambda: dims.get_by_text("3", exact=True).click(),
                                            lambda: (page.wait_for_function(SCENE_DRAWN, timeout=180_000), idle(page, 180_000, settle=0)))
        dims.get_by_text("2", exact=True).click()  # back to 2-D for the next pair (not timed)
        idle(page, 180_000)
    return out


def cold(root: Path, repeat: int) -> dict[str, list[float]]:
    timings: dict[str, list[float]] = {}
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            with app_server(Path(tmp) / "runs", Path(tmp) / "streamlit.log", timeout=300.0, root=root) as url:
                started = {"server start, until it answers (the launcher warms the caches first)": time.perf_counter() - t0}
                with browser_page(Path(tmp) / "profile", 1600, 1000) as page:
                    for key, value in {**started, **cold_loads(page, url)}.items():
                        timings.setdefault(key, []).append(value)
                        print(f"{root.name}: {key}: {value:.2f} s", flush=True)
    return timings


def cold_main(args) -> int:
    checkouts = {"this": ROOT, **({"baseline": args.baseline.resolve()} if args.baseline else {})}
    order = list(checkouts)[::-1]  # the baseline first, then this checkout: the same machine minutes apart
    runs = {}
    for name in order:
        load = os.getloadavg()
        timings = cold(checkouts[name], args.repeat)
        runs[name] = {"checkout": str(checkouts[name]), "commit": commit_of(checkouts[name]), "load_average_before": load,
                      "load_average_after": os.getloadavg(), "timings_s": timings,
                      "median_s": {k: round(statistics.median(v), 3) for k, v in timings.items()}}
    result = {"what": "a class's first minutes: a fresh server, the first page after start, then each shipped example's "
              "first load of every page (each figure from its own fresh server, `repeat` times)",
              "repeat": args.repeat, "machine": machine_text(machine()), **({"pair_note": args.note} if args.note else {}), "runs": runs}
    if "baseline" in runs:
        base, this = runs["baseline"]["median_s"], runs["this"]["median_s"]
        result["ratio_baseline_over_this"] = {k: round(base[k] / this[k], 2) for k in this if k in base and this[k] > 0}
    # beside the interaction figures already there (timed on a user's pair, with their own note), not over them
    kept = json.loads(args.out.read_text()) if args.out.exists() else {}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({**kept, "cold_start": result}, indent=1))
    print("| first load | " + " | ".join(f"{n} median s" for n in order) + " |\n|---|" + "---:|" * len(order))
    for key in runs["this"]["median_s"]:
        print(f"| {key} | " + " | ".join(f"{runs[n]['median_s'].get(key, float('nan')):.2f}" for n in order) + " |")
    return 0


def commit_of(root: Path) -> str:
    done = subprocess.run(["git", "-C", str(root), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    return done.stdout.strip()


def shown_cells(runs: Path, pair: str, method: str = "pca") -> list[int]:
    """How many cells the Latent page draws on each side (LS, CR-LS) for a 2-D projection
    coloured by rank (the page's default colouring)."""
    import numpy as np

    from crlso_app.thinning import drawn_rows
    from crlso_core.analysis.cache import cached_projection
    from crlso_core.store.pairs import list_pairs
    from crlso_core.store.view import load_view

    (found,) = [p for p in list_pairs(runs) if p.name == pair]
    shown = []
    for side in found.sides:
        run = load_view(found.path(side))
        coords = cached_projection(run.path, run.codes, method, 2).coords  # what the page reads (or makes)
        shown.append(len(drawn_rows(np.asarray(coords, dtype=np.float64), run.rank().astype(np.float64), reverse=True)))
    return shown


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=Path)
    ap.add_argument("--pair")
    ap.add_argument("--cold", action="store_true", help="time a class's first minutes on the shipped examples (see above)")
    ap.add_argument("--baseline", type=Path, help="a checkout of the commit to compare with (`git worktree add`), timed "
                    "first by the same script (the interactions' figures go to app_speed_baseline.json beside --out)")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--out", type=Path, default=RESULTS / "app_speed.json")
    ap.add_argument("--note", help="what a reader must know of the pair and the machine (which pair, idle or not)")
    ap.add_argument("--parts", default=",".join(PARTS), help=f"which groups of interactions to time, of {', '.join(PARTS)} "
                    "(a quick look at one change; the committed results time them all)")
    args = ap.parse_args(argv)
    if args.cold:
        return cold_main(args)
    if not (args.runs and args.pair):
        ap.error("--runs and --pair are needed (or --cold)")
    parts = args.parts.split(",")
    if unknown := set(parts) - set(PARTS):
        ap.error(f"unknown parts {', '.join(sorted(unknown))}: choose from {', '.join(PARTS)}")
    if args.baseline:  # the baseline's app first, the same script and pair, then this checkout's: minutes apart
        base = interactions(args, parts, args.baseline.resolve())
        baseline_note = f"baseline: commit {commit_of(args.baseline.resolve())}, timed right before by the same command"
        write_interactions(args.out.with_name("app_speed_baseline.json"), {**base, "pair_note": baseline_note})
    result = interactions(args, parts, ROOT)
    timings = result["timings_s"]
    write_interactions(args.out, result)
    print("| interaction | median s | runs |\n|---|---:|---:|")
    for k, v in timings.items():
        print(f"| {k} | {statistics.median(v):.2f} | {len(v)} |")
    return 0


def interactions(args, parts: list[str], root: Path) -> dict:
    """Every asked part timed on checkout `root`'s app, on the user's pair."""
    with tempfile.TemporaryDirectory() as tmp:
        with app_server(args.runs, Path(tmp) / "streamlit.log", root=root) as url, browser_page(Path(tmp) / "profile") as page:
            shown = {m: shown_cells(args.runs, args.pair, m) for m in ("pca", "umap")}
            timers = {"latent": lambda: latent(page, url, args.pair, args.repeat, shown),
                      "search": lambda: search(page, url, args.pair, args.repeat),
                      "pages": lambda: other_pages(page, url, args.pair, args.repeat),
                      "switches": lambda: page_switches(page, url, args.pair, args.repeat, shown["pca"])}
            timings = {}
            for part in parts:
                timings |= timers[part]()
    return {"cells": 15625, "drawn_per_side": shown_cells(args.runs, args.pair), "repeat": args.repeat,
            "machine": machine_text(machine()), "commit": commit_of(root),
            **({"pair_note": args.note} if args.note else {}), "timings_s": timings,
            "median_s": {k: round(statistics.median(v), 3) for k, v in timings.items()}}


def write_interactions(out: Path, result: dict) -> None:
    """The interaction figures, beside the cold-start figures already there (timed by --cold, with their own note)."""
    kept = json.loads(out.read_text()) if out.exists() else {}
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({**result, **({"cold_start": kept["cold_start"]} if "cold_start" in kept else {})}, indent=1))


if __name__ == "__main__":
    sys.exit(main())
