"""End to end in a real headless Chromium (Debian's package, driven by Playwright): start
the app as `crlso app` starts it (crlso_app/launch.py) on 127.0.0.1, train a smoke pair through the Train page,
open the latent space, click a point, and see its cell rendered. Screenshots of every
step go to build/screenshots/ (look at them)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect

from tools.serve import CHROMIUM, POINT_JS, ROOT, app_server, browser_page, wait_for_cell

SHOTS = ROOT / "build" / "screenshots"
CELL = '[data-testid="stGraphVizChart"]'  # a cell drawn by show_cell (its alt text names the cell)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs it (apt-get install chromium).")
    runs = tmp_path_factory.mktemp("browser-runs")
    with app_server(runs, runs / "streamlit.log", examples=False) as url:  # the user's own runs only, trained here
        yield url, runs


@pytest.fixture(scope="module")
def page(server, tmp_path_factory):
    SHOTS.mkdir(parents=True, exist_ok=True)
    with browser_page(tmp_path_factory.mktemp("chromium-profile")) as page:  # a fresh user-data dir
        yield page


def _wait_idle(page, timeout=60_000):
    """Streamlit shows a running indicator while a script runs; wait until it is gone."""
    page.wait_for_selector("[data-testid='stApp']", timeout=timeout)
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=timeout)


def _wait_for_address(page, part: str, page_path: str = "", timeout=60_000) -> None:
    """Until the address holds `part` (and `page_path`, e.g. "/latent?"): what the page's script
    writes into the URL arrives after the menu's change of path."""
    page.wait_for_function("([p, q]) => location.href.includes(p) && location.href.includes(q)", arg=[part, page_path], timeout=timeout)


CLOUD = ".crlso-cloud[data-drawn]"  # the Latent page's 2-D chart, once drawn (crlso_app/cloud_chart.js)
WIDENED = """() => [...document.querySelectorAll('.js-plotly-plot')].filter(g => g._fullLayout && g._fullLayout._size)
    .filter(g => { const asked = {l: 80, r: 80, t: 100, b: 80, ...(g.layout.margin || {})};  // Plotly's defaults, then the figure's
        return ['l', 'r', 't', 'b'].some(k => Math.round(g._fullLayout._size[k]) > asked[k]); })
    .map(g => (g._fullLayout.title || {}).text)"""


def _no_chart_drawn_twice(page) -> None:
    """Every chart's margins hold its axes, colour bars and legends: Plotly widens one that is
    too narrow by drawing the whole chart again (crlso_app/figures.py's MARGIN)."""
    page.wait_for_timeout(500)  # a chart's margins settle after its first draw
    assert page.evaluate(WIDENED) == []


def _choose(page, label: str, option: str) -> None:
    page.get_by_role("combobox", name=label).click()
    page.get_by_role("option", name=option, exact=True).click()


def test_train_then_click_a_point_in_the_latent_space(server, page):
    url, runs = server
    page.goto(f"{url}/train")
    page.get_by_role("heading", name="Train").wait_for()
    _choose(page, "Preset", "smoke")
    _wait_idle(page)
    page.get_by_role("button", name="Start training").click()
    page.get_by_text("LS · ").first.wait_for(timeout=60_000)  # live progress of the LS side
    page.screenshot(path=str(SHOTS / "1-train-progress.png"), full_page=True)
    page.get_by_text("finished").wait_for(timeout=300_000)
    page.screenshot(path=str(SHOTS / "2-train-done.png"), full_page=True)
    trained = sorted(p.name.rsplit("-", 1)[1] for p in runs.iterdir() if (p / "summary.json").exists())
    assert trained == ["crls", "ls"]  # one click trained the pair the paper compares

    page.goto(f"{url}/latent")
    page.locator(CLOUD).wait_for(timeout=60_000)
    _wait_idle(page)
    page.screenshot(path=str(SHOTS / "3-latent.png"), full_page=True)
    # the best cell is drawn last (on top): click exactly where the chart put it, after its hover label names it
    x, y, label = page.evaluate(POINT_JS, 0)
    page.mouse.move(x, y)
    expect(page.locator(".crlso-cloud-tip")).to_contain_text(label, timeout=10_000)
    page.mouse.click(x, y)
    page.get_by_role("heading", name="Selected cell").wait_for(timeout=60_000)
    arch = wait_for_cell(page, label)  # the cell drawn is the one clicked (charts label cells compactly)
    assert page.locator(CELL).first.get_attribute("aria-label") == f"cell {arch}"
    assert "cell=" in page.url  # the selection lives in the URL
    page.get_by_text("Nearest 10 cells in the CR-LS latent space").wait_for()
    _wait_idle(page)
    page.screenshot(path=str(SHOTS / "4-latent-selected.png"), full_page=True)

    page.reload()  # a shared or reloaded URL shows the same cell
    page.get_by_role("heading", name="Selected cell").wait_for(timeout=60_000)
    # retried until the page has drawn: one CI run read another cell there right after the heading showed, most
    # likely the decode section's (lower on the page) drawn before the selected one
    expect(page.locator(CELL).first).to_have_attribute("aria-label", f"cell {arch}", timeout=30_000)

    # a box drawn with the chart's own tool summarises the cells inside it
    page.locator(f"{CLOUD} button[data-tool=box]").click()
    area = page.locator(f"{CLOUD} canvas").bounding_box()  # the left panel is the left half
    x0, y0 = area["x"] + area["width"] * 0.15, area["y"] + area["height"] * 0.3
    page.mouse.move(x0, y0)
    page.mouse.down()
    page.mouse.move(x0 + area["width"] * 0.15, y0 + area["height"] * 0.3, steps=8)
    page.mouse.up()
    region = page.get_by_text("Selected region in LS")
    region.wait_for(timeout=60_000)
    assert int(region.inner_text().split(":")[1].split("cells")[0].replace(",", "")) > 0
    _wait_idle(page)
    page.screenshot(path=str(SHOTS / "5-latent-box.png"), full_page=True)

    # the picked cell follows to another page through the menu (which drops the query string)
    page.get_by_role("link", name="Benchmark").click()
    # the grid keeps a hidden copy of its header ("rank"), so wait for the drawn cell itself
    page.locator(f'{CELL}[aria-label="cell {arch}"]').first.wait_for(timeout=60_000)
    _wait_idle(page)
    assert page.locator(CELL).first.get_attribute("aria-label") == f"cell {arch}"
    page.screenshot(path=str(SHOTS / "6-benchmark-same-cell.png"), full_page=True)

    # a run exported from this store imports into another through the Runs page's uploader
    from crlso_core.store.bundles import export_zip
    from crlso_core.store.index import list_runs

    crls = next(r for r in list_runs(runs) if r.name.endswith("-crls"))
    bundle = runs.parent / "class-bundle.zip"
    bundle.write_bytes(export_zip(crls.path))
    for r in list_runs(runs):
        from crlso_core.store.index import delete_run

        delete_run(r.path, runs)  # the store is empty again: the import must bring the run back
    page.get_by_role("link", name="Runs").click()
    page.get_by_text("Import run bundles").first.wait_for(timeout=60_000)
    page.locator("input[type=file]").set_input_files(str(bundle))
    page.get_by_role("button", name="Import").click()
    page.get_by_text(f"Imported {crls.name}").wait_for(timeout=60_000)
    assert [r.name for r in list_runs(runs)] == [crls.name]
    page.screenshot(path=str(SHOTS / "7-runs-imported.png"), full_page=True)


def test_a_pasted_darts_genotype_is_drawn_as_two_cells_on_nb301(server, page):
    from crlso_core.catalog.registry import get_space

    url, _ = server
    darts_v2 = ("Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('sep_conv_3x3', 1), "
                "('sep_conv_3x3', 1), ('skip_connect', 0), ('skip_connect', 0), ('dil_conv_3x3', 2)], normal_concat=[2, 3, 4, 5], "
                "reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1), ('max_pool_3x3', 0), "
                "('skip_connect', 2), ('skip_connect', 2), ('max_pool_3x3', 1)], reduce_concat=[2, 3, 4, 5])")
    page.goto(f"{url}/?space=nb301&sample=reference")
    page.get_by_text("500 of 500 cells shown").wait_for(timeout=120_000)  # the reference genotypes, with the surrogate's accuracies
    box = page.get_by_role("textbox", name="Find a cell (type or paste its string)")
    box.fill(darts_v2)
    box.press("Enter")
    canonical = get_space("nb301").format(get_space("nb301").parse(darts_v2))  # a node's two inputs in canonical order
    drawn = page.locator(f'{CELL}[aria-label="cell {canonical}"]')
    drawn.wait_for(timeout=60_000)
    assert drawn.get_by_text("normal cell").count() == 1 and drawn.get_by_text("reduction cell").count() == 1
    assert drawn.locator("g.op-sep_conv_3x3").count() >= 4  # op-labelled edges of the normal cell
    _wait_idle(page)
    page.screenshot(path=str(SHOTS / "8-nb301-genotype.png"), full_page=True)


@pytest.fixture(scope="module")
def fresh_install(tmp_path_factory):
    """An app with an empty runs folder: only the shipped examples."""
    runs = tmp_path_factory.mktemp("lesson-runs")
    with app_server(runs, runs / "streamlit.log") as url:
        yield url, runs


def test_a_lesson_walks_the_examples_and_every_choice_follows_across_pages(fresh_install, page):
    url, runs = fresh_install
    page.set_viewport_size({"width": 1600, "height": 1000})  # a projector (one browser per module: Playwright's sync API)
    outside = []  # a classroom may be offline: nothing the app loads may come from elsewhere (a favicon once did)
    page.on("request", lambda r: outside.append(r.url) if urlparse(r.url).scheme in ("http", "https", "ws", "wss")
            and urlparse(r.url).hostname not in ("127.0.0.1", "localhost") else None)
    page.goto(f"{url}/latent")  # nothing trained: the first example (NB201) opens at once
    page.locator(CLOUD).wait_for(timeout=60_000)
    _wait_idle(page)
    assert "run=example-nb201" in page.url and "space=nb201" in page.url
    page.get_by_text("An example shipped with the app").first.wait_for()
    # the landing page draws no Plotly chart, yet once it is drawn the browser loads Plotly for the pages
    # that do (crlso_app/plotly_warm.py): the first Similarity visit took 2.1 s with it, 0.9 s without
    page.wait_for_function("() => performance.getEntriesByType('resource').some(r => /PlotlyChart\\./.test(r.name))",
                           timeout=15_000)
    assert page.locator(".js-plotly-plot").count() == 0
    page.screenshot(path=str(SHOTS / "lesson-1-latent-example.png"), full_page=True)
    _no_chart_drawn_twice(page)

    neighbours = page.get_by_role("spinbutton", name="Neighbours to list")
    neighbours.fill("7")
    neighbours.press("Enter")
    _wait_idle(page)
    x, y, label = page.evaluate(POINT_JS, 0)
    page.mouse.click(x, y)
    page.get_by_role("heading", name="Selected cell").wait_for(timeout=60_000)
    arch = wait_for_cell(page, label)
    page.get_by_text("Nearest 7 cells in the CR-LS latent space").wait_for()
    # a cell of the other panel, then the first one again: each click picks its cell (with Plotly's selection
    # a second click on the same point did not)
    other_x, other_y, other = page.evaluate("() => document.querySelector('.crlso-cloud').screenPoints(1).at(-1)")
    page.mouse.click(other_x, other_y)
    wait_for_cell(page, other)
    page.mouse.click(x, y)
    assert wait_for_cell(page, label) == arch
    _wait_idle(page)
    # another projection is a redraw of the same chart, not a new one (what keeps the switch under a second)
    page.evaluate("() => { document.querySelector('.crlso-cloud').__kept = true; }")
    for projection in ("UMAP", "PCA"):
        _choose(page, "Projection", projection)
        page.wait_for_function("(p) => document.querySelector('.crlso-cloud').dataset.title.endsWith(p)", arg=f"· {projection}",
                               timeout=60_000)
    assert page.evaluate("() => document.querySelector('.crlso-cloud').__kept === true")
    _wait_idle(page)

    page.get_by_role("link", name="Search").click()  # choices made on Search must survive a round trip
    _wait_idle(page)
    page.get_by_role("radiogroup", name="Curve").get_by_text("test", exact=True).click()  # the curve metric
    assert page.get_by_role("radio", name="test", exact=True).is_checked()
    # the server has the click once the curves are redrawn on the new metric (a link clicked in the same
    # instant can reach the server with it, and Streamlit then drops it with the page's widget state)
    page.get_by_text("test accuracy of best-validation cell", exact=False).first.wait_for(timeout=60_000)
    _no_chart_drawn_twice(page)  # the curves, the origins of the queries, the trajectories
    page.get_by_role("link", name="Benchmark").click()
    page.locator(f'{CELL}[aria-label="cell {arch}"]').first.wait_for(timeout=60_000)  # the picked cell followed
    _wait_idle(page)
    page.get_by_role("link", name="Search").click()
    _wait_idle(page)
    expect(page.get_by_role("radio", name="test", exact=True)).to_be_checked(timeout=30_000)  # once the page has drawn
    page.get_by_role("link", name="Latent space").click()
    page.get_by_role("heading", name="Selected cell").wait_for(timeout=60_000)
    assert page.get_by_role("spinbutton", name="Neighbours to list").input_value() == "7"
    assert wait_for_cell(page, label) == arch
    page.get_by_text("Nearest 7 cells in the CR-LS latent space").wait_for()

    # Convexity shows one check at a time; its charts are pictures drawn on the server, each arriving whole at the
    # width it was drawn for
    page.get_by_role("link", name="Convexity").click()
    pictures = page.locator('[data-testid="stMain"] img')
    loaded = """(n) => { const i = [...document.querySelectorAll('[data-testid="stMain"] img')];
        return i.length === n && i.every(p => p.complete && p.naturalWidth === 1240); }"""
    page.wait_for_function(loaded, arg=1, timeout=120_000)
    assert pictures.first.get_attribute("alt").startswith("Contours") and "check=plane" in page.url
    page.get_by_role("radio", name="Jensen gaps", exact=True).click()
    page.get_by_text("violations, true error").first.wait_for(timeout=60_000)
    _wait_idle(page)
    page.wait_for_function(loaded, arg=1, timeout=60_000)
    jensen = pictures.first.get_attribute("src")
    assert pictures.first.get_attribute("alt").startswith("Jensen gaps") and "check=jensen" in page.url
    seed = page.get_by_role("spinbutton", name="Seed")
    seed.fill("1")
    seed.press("Enter")  # other pairs: another picture
    page.wait_for_function("(old) => { const i = document.querySelector('[data-testid=\"stMain\"] img');"
                           " return i && i.getAttribute('src') !== old && i.complete && i.naturalWidth; }", arg=jensen, timeout=60_000)
    _wait_idle(page)
    page.screenshot(path=str(SHOTS / "lesson-convexity-jensen.png"), full_page=True)
    page.get_by_role("radio", name="Cells along a line", exact=True).click()
    page.locator(CELL).first.wait_for(timeout=60_000)  # the cells the decoder makes along the line
    _wait_idle(page)
    page.get_by_role("link", name="Latent space").click()
    page.locator(CLOUD).wait_for(timeout=60_000)
    _wait_idle(page)
    page.get_by_role("link", name="Convexity").click()  # the check chosen follows the user
    page.locator(CELL).first.wait_for(timeout=60_000)
    expect(page.get_by_role("radio", name="Cells along a line", exact=True)).to_be_checked()
    _wait_idle(page)
    page.get_by_role("link", name="Latent space").click()
    page.locator(CLOUD).wait_for(timeout=60_000)
    _wait_idle(page)

    # the run decides the space every page shows. A menu link first changes the path alone (the menu drops
    # the query string); the page's script then writes run and space back: wait for the address, not for
    # the running indicator, which may not have appeared yet (an NB301 walk read the bare path that way)
    for space in ("nb101", "nb301"):
        _choose(page, "Run", f"example-{space} (example)")
        page.locator(CLOUD).wait_for(timeout=120_000)
        _wait_for_address(page, f"space={space}")
        page.get_by_role("link", name="Benchmark").click()
        _wait_for_address(page, f"space={space}", page_path="/benchmark?")  # the app opens on Latent space; Benchmark has its own path
        _wait_idle(page, timeout=120_000)
        page.screenshot(path=str(SHOTS / f"lesson-2-benchmark-{space}.png"), full_page=True)
        _no_chart_drawn_twice(page)
        page.get_by_role("link", name="Latent space").click()
        _wait_for_address(page, f"run=example-{space}", page_path="/latent?")
    assert not [p for p in runs.iterdir() if p.name.startswith("example")]  # nothing was copied: only looked at
    assert outside == []
