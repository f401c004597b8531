"""The app's script in a process that is not a Streamlit page."""

import multiprocessing
from concurrent.futures import ProcessPoolExecutor

from streamlit.testing.v1 import AppTest

from tests.crlso_app.views.conftest import MAIN


def _square(x: int) -> int:
    return x * x


def test_a_worker_spawned_after_the_app_ran_in_this_process_does_not_run_the_app(monkeypatch, tmp_path):
    monkeypatch.setenv("CRLSO_RUNS", str(tmp_path))
    AppTest.from_file(str(MAIN), default_timeout=60).run()  # leaves the script as this process's __main__
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        assert list(pool.map(_square, range(4))) == [0, 1, 4, 9]
