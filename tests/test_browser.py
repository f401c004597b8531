"""End to end in a real headless Chromium (Debian's package, driven by Playwright): start
the app with `streamlit run` on 127.0.0.1, train a smoke pair through the Train page,
open the latent space, click a point, and see its cell rendered. Screenshots of every
step go to build/screenshots/ (look at them)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "build" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs it (apt-get install chromium).")
    runs = tmp_path_factory.mktemp("browser-runs")
    port = _free_port()
    log = open(runs / "streamlit.log", "wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app" / "main.py"), "--server.address", "127.0.0.1",
         "--server.port", str(port), "--server.headless", "true", "--browser.gatherUsageStats", "false",
         "--client.toolbarMode", "minimal"],
        cwd=ROOT, env={**os.environ, "CRLSO_RUNS": str(runs)}, stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 90
    while True:
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read().strip() == b"ok":
                break
        except OSError:
            pass
        if time.time() > deadline or proc.poll() is not None:
            proc.kill()
            pytest.fail(f"streamlit did not come up: {(runs / 'streamlit.log').read_text()[-2000:]}")
        time.sleep(0.5)
    yield url, runs
    proc.terminate()
    proc.wait(timeout=20)
    log.close()


@pytest.fixture(scope="module")
def page(server, tmp_path_factory):
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    profile = tmp_path_factory.mktemp("chromium-profile")  # a fresh user-data dir
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(profile), executable_path=CHROMIUM, args=FLAGS, headless=True, viewport={"width": 1400, "height": 1000},
        )
        yield context.new_page()
        context.close()


def _wait_idle(page, timeout=60_000):
    """Streamlit shows a running indicator while a script runs; wait until it is gone."""
    page.wait_for_selector("[data-testid='stApp']", timeout=timeout)
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=timeout)


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
    plots = page.locator(".js-plotly-plot")
    plots.first.wait_for(timeout=60_000)
    _wait_idle(page)
    page.screenshot(path=str(SHOTS / "3-latent.png"), full_page=True)
    # the best cell is drawn last (on top): click exactly where plotly put it
    x, y, arch = page.evaluate("""() => {
        const gd = document.querySelector('.js-plotly-plot');
        const t = gd._fullData[0], n = t.x.length - 1, L = gd._fullLayout, box = gd.getBoundingClientRect();
        return [box.left + L._size.l + L.xaxis.l2p(t.x[n]), box.top + L._size.t + L.yaxis.l2p(t.y[n]), t.text[n]];
    }""")
    page.mouse.click(x, y)
    page.get_by_role("heading", name="Selected cell").wait_for(timeout=60_000)
    _wait_idle(page)
    selected = page.locator("svg.crlso-cell").first
    selected.wait_for()
    assert selected.get_attribute("aria-label") == f"cell {arch}"
    assert "cell=" in page.url  # the selection lives in the URL
    page.get_by_text("Nearest 10 cells in the CRLS latent space").wait_for()
    selected.scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "4-latent-selected.png"), full_page=True)

    page.reload()  # a shared or reloaded URL shows the same cell
    page.get_by_role("heading", name="Selected cell").wait_for(timeout=60_000)
    assert page.locator("svg.crlso-cell").first.get_attribute("aria-label") == f"cell {arch}"
