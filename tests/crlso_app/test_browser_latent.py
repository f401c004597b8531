"""The Latent page in a real headless Chromium, on the shipped NB201 example (nothing to
train), at a projector's 1600×1000 and a laptop's 1280×720: a box drawn on LS lights up the
same cells on CR-LS (read back from the chart), a picked cell's drawing, accuracies and
marked latent neighbours are on the first screen, and the mouse wheel over the chart scrolls
the page while Ctrl + wheel zooms, within limits. Screenshots go to build/screenshots/."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tools.serve import CHROMIUM, POINT_JS, ROOT, app_server, browser_page, wait_for_cell

SHOTS = ROOT / "build" / "screenshots"
CLOUD = ".crlso-cloud[data-drawn]"
SCROLLED = "() => Math.max(window.scrollY, ...[...document.querySelectorAll('*')].map(e => e.scrollTop))"  # whichever element scrolls


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs it (apt-get install chromium).")
    runs = tmp_path_factory.mktemp("latent-runs")
    with app_server(runs, runs / "streamlit.log") as url:  # the shipped examples: no training needed
        yield url


def _wait_idle(page, timeout=60_000):
    page.wait_for_selector("[data-testid='stApp']", timeout=timeout)
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=timeout)


def _chart(page, script: str, *args):
    return page.evaluate(f"([a, b]) => document.querySelector('{CLOUD}').{script}", list(args) + [None] * (2 - len(args)))


def _scroll_to_top(page) -> None:
    page.evaluate("() => { window.scrollTo(0, 0); document.querySelectorAll('*').forEach(e => { if (e.scrollTop) e.scrollTop = 0; }); }")
    page.wait_for_timeout(200)


@pytest.mark.parametrize("width,height", [(1600, 1000), (1280, 720)])
def test_linked_panels_a_picked_cell_on_the_first_screen_and_a_wheel_that_scrolls(server, tmp_path, width, height):
    SHOTS.mkdir(parents=True, exist_ok=True)
    shot = f"latent-{width}x{height}"
    with browser_page(tmp_path / "profile", width, height) as page:
        page.goto(f"{server}/latent?run=example-nb201")
        page.locator(CLOUD).wait_for(timeout=90_000)
        _wait_idle(page)
        canvas = page.locator(f"{CLOUD} canvas").bounding_box()
        assert canvas["y"] + canvas["height"] <= height  # the whole chart, x axis and its title, on the first screen

        # a click: the cell drawn beside the chart, its accuracies, and its neighbours marked on both panels
        x, y, label = page.evaluate(POINT_JS, 0)
        page.mouse.move(x, y)
        expect(page.locator(".crlso-cloud-tip")).to_contain_text(label, timeout=10_000)
        page.mouse.click(x, y)
        arch = wait_for_cell(page, label)
        _wait_idle(page)
        expect(page.locator('[data-testid="stGraphVizChart"]').first).to_have_attribute("aria-label", f"cell {arch}")
        _scroll_to_top(page)
        page.screenshot(path=str(SHOTS / f"{shot}-picked.png"))
        accuracies = page.get_by_text("True validation accuracy").first
        for what in (page.locator('[data-testid="stGraphVizChart"]').first, accuracies):
            box = what.bounding_box()
            assert box["y"] >= 0 and box["y"] + box["height"] <= height, what  # above the fold
            assert box["x"] > canvas["x"] + canvas["width"] - 5  # beside the chart, not under it
        assert "LS predicts" in accuracies.inner_text() and "CR-LS predicts" in accuracies.inner_text()
        for panel in (0, 1):
            marks = _chart(page, "markPoints(a)", panel)
            kinds = [m[2] for m in marks]
            assert kinds.count("mark") == 1 and kinds.count("set 0") == 10 and kinds.count("set 1") == 10  # k = 10 a side
            assert all(canvas["y"] <= m[1] <= min(height, canvas["y"] + canvas["height"]) for m in marks)
        expect(page.locator(".crlso-cloud-legend")).to_contain_text("10 nearest in the CR-LS latent space")

        # a box on LS: the same cells light up on CR-LS
        page.locator(f"{CLOUD} button[data-tool=box]").click()
        plot = _chart(page, "plotBox(a)", 0)
        x0, y0 = plot["x"] + plot["width"] * 0.3, plot["y"] + plot["height"] * 0.3
        page.mouse.move(x0, y0)
        page.mouse.down()
        page.mouse.move(x0 + plot["width"] * 0.2, y0 + plot["height"] * 0.2, steps=8)  # a cluster, not half the plane
        page.mouse.up()
        region = page.get_by_text("Selected region in LS")
        region.wait_for(timeout=60_000)
        _wait_idle(page)
        page.wait_for_function(f"() => document.querySelector('{CLOUD}').dataset.selected !== ','")
        count = int(region.inner_text().split(":")[1].split("cells")[0].replace(",", ""))
        left, right = _chart(page, "selectedLabels(a)", 0), _chart(page, "selectedLabels(a)", 1)
        assert count > 0 and sorted(left) == sorted(right) and len(left) == count  # each side draws its best last
        assert page.locator(f"{CLOUD}").get_attribute("data-selected") == f"{count},{count}"
        expect(page.get_by_text("whole space")).to_be_visible()
        expect(page.get_by_role("button", name=f"Download the {count:,} cells as CSV")).to_be_visible()
        _scroll_to_top(page)
        page.screenshot(path=str(SHOTS / f"{shot}-box.png"))
        box = page.locator(f"{CLOUD} canvas").bounding_box()
        assert box["y"] + box["height"] <= height  # with the selection's line in the legend, the x axis still shows

        # the wheel over a panel scrolls the page and leaves the zoom alone; no label stays behind
        page.locator(f"{CLOUD} button[data-tool=pick]").click()
        canvas = page.locator(f"{CLOUD} canvas").bounding_box()
        zoom = _chart(page, "zoomState()")
        x, y, label = page.evaluate(POINT_JS, 0)
        page.mouse.move(x, y)
        expect(page.locator(".crlso-cloud-tip")).to_be_visible()
        page.mouse.wheel(0, 400)
        page.wait_for_timeout(400)
        assert page.evaluate(SCROLLED) > 0 and _chart(page, "zoomState()") == zoom
        expect(page.locator(".crlso-cloud-tip")).to_be_hidden()

        # Ctrl + wheel zooms the panel under the pointer, no closer than MAX_ZOOM and no wider than the plane
        _scroll_to_top(page)
        scroll = page.evaluate(SCROLLED)
        plot = _chart(page, "plotBox(a)", 0)
        middle = (plot["x"] + plot["width"] * 0.5, plot["y"] + plot["height"] * 0.5)
        page.mouse.move(*middle)
        page.keyboard.down("Control")
        for _ in range(30):
            page.mouse.wheel(0, -300)
        page.keyboard.up("Control")
        page.wait_for_timeout(200)
        closest = json.loads(_chart(page, "zoomState()"))[0]
        assert page.evaluate(SCROLLED) == scroll  # the page stayed put
        plane = _chart(page, "planeRange(a)", 0)
        span = plane[1] - plane[0]
        assert closest is not None and abs((closest[1] - closest[0]) - span / 40) < span * 1e-6
        page.keyboard.down("Control")
        for _ in range(30):
            page.mouse.wheel(0, 300)
        page.keyboard.up("Control")
        page.wait_for_timeout(200)
        assert json.loads(_chart(page, "zoomState()"))[0] is None  # back to the whole plane, not a dot

        if width < 1600:
            return
        # the 3-D cloud too: Plotly's scene took every wheel; now the page scrolls and the camera stays
        page.get_by_role("radiogroup", name="Dimensions").get_by_text("3", exact=True).click()
        scene = "() => { const g = document.querySelector('.js-plotly-plot'); return g && g._fullLayout && g._fullLayout.scene; }"
        page.wait_for_function(scene, timeout=90_000)
        _wait_idle(page)
        _scroll_to_top(page)
        plotly = page.locator(".js-plotly-plot").first.bounding_box()
        camera = "() => JSON.stringify(document.querySelector('.js-plotly-plot')._fullLayout.scene._scene.getCamera())"
        before = page.evaluate(camera)
        page.mouse.move(plotly["x"] + plotly["width"] * 0.25, plotly["y"] + plotly["height"] * 0.5)
        page.mouse.wheel(0, 400)
        page.wait_for_timeout(400)
        assert page.evaluate(SCROLLED) > 0 and page.evaluate(camera) == before
        page.screenshot(path=str(SHOTS / f"{shot}-3d-scrolled.png"))
