"""Start the app on 127.0.0.1 and a headless Chromium to drive it: shared by the browser
test and the interaction-speed benchmark."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from crlso_core.common.lifeline import preexec_die_with_parent

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"  # Debian's package; never a Playwright-downloaded browser
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def launcher(root: Path) -> list[str]:
    """How `crlso app` starts the server of checkout `root`: its launcher, which warms the
    caches before serving (crlso_app/launch.py), or plain `streamlit run` in a checkout older
    than the launcher (a benchmark's baseline)."""
    if (Path(root) / "crlso_app" / "launch.py").exists():
        return [sys.executable, "-m", "crlso_app.launch"]
    return [sys.executable, "-m", "streamlit", "run"]


@contextmanager
def app_server(runs: Path, log_path: Path, timeout: float = 90.0, examples: bool = True, root: Path = ROOT):
    """The app of checkout `root`, started as `crlso app` starts it (`launcher`), (this one by default; another one's
    packages go first on its path, as measurements/app_speed.py's baseline needs) on a free local
    port, serving the run store `runs` (and the shipped example pairs unless `examples` is
    false); yields its URL once /_stcore/health answers."""
    port = free_port()
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [*launcher(root), str(root / "crlso_app" / "main.py"), "--server.port", str(port), "--server.headless", "true"],
            cwd=root, env={**os.environ, "CRLSO_RUNS": str(runs), "CRLSO_EXAMPLES": "on" if examples else "off",
                           **({"PYTHONPATH": str(root)} if Path(root).resolve() != ROOT else {})},
            stdout=log, stderr=subprocess.STDOUT,
            preexec_fn=preexec_die_with_parent(),  # a test run killed outright leaves no server holding its port
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.time() + timeout
            while True:
                try:
                    if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read().strip() == b"ok":
                        break
                except OSError:
                    pass
                if time.time() > deadline or proc.poll() is not None:
                    raise RuntimeError(f"streamlit did not come up: {Path(log_path).read_text()[-2000:]}")
                time.sleep(0.2)  # fine-grained: measurements/app_speed.py times a server's start
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


@contextmanager
def browser_page(profile: Path, width: int = 1400, height: int = 1000):
    """A page in a fresh headless Chromium profile."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"{CHROMIUM} is missing: `make test` installs it (apt-get install chromium).")
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(profile), executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True, viewport={"width": width, "height": height},
        )
        try:
            yield context.new_page()
        finally:
            context.close()


POINT_JS = """(window) => {
    const cloud = document.querySelector('.crlso-cloud');
    let pts;
    if (cloud) {
        pts = cloud.screenPoints(0);
    } else {  // a Plotly chart (the Latent page's 3-D chart, or a commit before the canvas chart)
        const gd = document.querySelectorAll('.js-plotly-plot')[0];
        const t = gd._fullData[0], L = gd._fullLayout, box = gd.getBoundingClientRect();
        pts = [...t.x].map((x, i) => [box.left + L._size.l + L.xaxis.l2p(x), box.top + L._size.t + L.yaxis.l2p(t.y[i]), t.text[i]]);
    }
    const n = pts.length;
    let best = n - 1, bestGap = -1;
    for (let i = n - 1 - window * 200; i > n - 1 - (window + 1) * 200 && i >= 0; i--) {
        let gap = Infinity;
        for (let j = 0; j < n; j++) {
            if (j === i) continue;
            const d = (pts[i][0] - pts[j][0]) ** 2 + (pts[i][1] - pts[j][1]) ** 2;
            if (d < gap) gap = d;
        }
        if (gap > bestGap) { bestGap = gap; best = i; }
    }
    return pts[best];
}"""  # screen position and cell of the most isolated of 200 cells of the first panel (window 0: the 200
# drawn last, the best): a click there hits that cell and no neighbour


def wait_for_cell(page, hover_text: str, timeout: float = 60.0, space: str = "nb201") -> str:
    """Wait until a drawn cell (a Graphviz chart, with its string in the code block the pages
    show beside it) is the one a chart labelled `hover_text` (the space's short label);
    returns its full cell string."""
    from crlso_core.catalog.registry import get_space
    from crlso_core.common.errors import CRLSOError

    the_space = get_space(space)
    deadline = time.time() + timeout
    while time.time() < deadline:
        if page.locator("[data-testid='stGraphVizChart'] svg").count():
            for text in page.locator("[data-testid='stCode'] code").all_inner_texts():
                try:
                    if the_space.label(the_space.parse(text.strip())) == hover_text:
                        return text.strip()
                except CRLSOError:
                    continue
        page.wait_for_timeout(50)
    raise TimeoutError(f"no drawn cell {hover_text!r} within {timeout:.0f} s")
