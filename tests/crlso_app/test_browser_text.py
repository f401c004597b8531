"""Text for the back row, read from what the browser drew: on the Benchmark, Similarity,
Search and Convexity pages of the shipped examples at 1600×1000, every text of every Plotly
chart's SVG (ticks, legends, annotations, titles, colour bars) is 14 px or more and dark
(crlso_app/theme.py). Text Plotly draws on a bar in a colour chosen for contrast with the
bar is held to the size only."""

from __future__ import annotations

from pathlib import Path

import pytest

from crlso_app.theme import MIN_FONT, is_dark
from tools.serve import CHROMIUM, ROOT, app_server, browser_page

SHOTS = ROOT / "build" / "screenshots"
WIDENED = """() => [...document.querySelectorAll('.js-plotly-plot')].filter(g => g._fullLayout && g._fullLayout._size)
    .filter(g => { const asked = {l: 80, r: 80, t: 100, b: 80, ...(g.layout.margin || {})};
        return ['l', 'r', 't', 'b'].some(k => Math.round(g._fullLayout._size[k]) > asked[k]); })
    .map(g => [(g._fullLayout.title || {}).text, ['l', 'r', 't', 'b'].map(k => Math.round(g._fullLayout._size[k]))])"""
PLOTLY_TEXT = """() => [...document.querySelectorAll('.js-plotly-plot svg.main-svg text')]
    .filter(t => t.textContent.trim() && t.getClientRects().length && getComputedStyle(t).visibility !== 'hidden'
                 && getComputedStyle(t).display !== 'none' && parseFloat(getComputedStyle(t).opacity || '1') > 0)
    .map(t => ({text: t.textContent.trim().slice(0, 60), size: parseFloat(getComputedStyle(t).fontSize),
                fill: getComputedStyle(t).fill, onBar: !!t.closest('.bartext'),
                chart: ((t.closest('.js-plotly-plot').layout || {}).title || {}).text || ''}))"""


@pytest.fixture(scope="module")
def lesson(tmp_path_factory):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs it (apt-get install chromium).")
    runs = tmp_path_factory.mktemp("text-runs")
    with app_server(runs, runs / "streamlit.log") as url:  # only the shipped examples
        with browser_page(tmp_path_factory.mktemp("text-profile"), width=1600, height=1000) as page:
            yield url, page


def _wait_idle(page, timeout=120_000):
    page.wait_for_selector("[data-testid='stApp']", timeout=timeout)
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=timeout)


def _charts_drawn(page, count: int, timeout=120_000) -> None:
    page.wait_for_function("(n) => document.querySelectorAll('.js-plotly-plot svg.main-svg').length >= n", arg=count,
                           timeout=timeout)
    _wait_idle(page)
    page.wait_for_timeout(800)  # a chart's text settles after its first draw


def _too_small_or_light(page) -> tuple[int, list]:
    texts = page.evaluate(PLOTLY_TEXT)
    bad = [t for t in texts if t["size"] < MIN_FONT or (not t["onBar"] and not is_dark(t["fill"]))]
    return len(texts), bad


@pytest.mark.parametrize("path, charts, name", [
    ("/benchmark?space=nb201", 1, "benchmark"),
    ("/benchmark?space=nb301", 1, "benchmark-nb301"),
    ("/similarity?run=example-nb101", 4, "similarity-nb101"),
    ("/similarity?run=example-nb201", 4, "similarity"),
    ("/search?run=example-nb201", 2, "search"),
    ("/search?run=example-nb301", 2, "search-nb301"),
    ("/convexity?run=example-nb201&check=plane", 0, "convexity"),
])
def test_every_plotly_text_is_at_least_14_px_and_dark(lesson, path, charts, name):
    url, page = lesson
    page.goto(url + path)
    _wait_idle(page)
    if name == "convexity":  # its 2-D charts are pictures (tests/crlso_app/test_theme.py); the surface is Plotly's
        page.get_by_text("surface", exact=True).click()
        charts = 2
    _charts_drawn(page, charts)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"text-{name}.png"), full_page=True)
    count, bad = _too_small_or_light(page)
    assert count > 10  # the charts' text was read
    assert bad == []
    assert page.evaluate(WIDENED) == []  # the larger text fits each chart's margins: Plotly did not widen one (a second draw)
