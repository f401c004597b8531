"""The app's script in a process that is not a Streamlit page."""

import multiprocessing
from concurrent.futures import ProcessPoolExecutor

from streamlit.testing.v1 import AppTest

from tests.crlso_app.views.conftest import MAIN, page_components


def _square(x: int) -> int:
    return x * x


def test_a_worker_spawned_after_the_app_ran_in_this_process_does_not_run_the_app(monkeypatch, tmp_path):
    monkeypatch.setenv("CRLSO_RUNS", str(tmp_path))
    AppTest.from_file(str(MAIN), default_timeout=60).run()  # leaves the script as this process's __main__
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        assert list(pool.map(_square, range(4))) == [0, 1, 4, 9]


def test_the_app_opens_on_the_latent_space_of_the_first_example_as_the_readme_lesson_does(monkeypatch, tmp_path):
    monkeypatch.setenv("CRLSO_RUNS", str(tmp_path / "runs"))
    monkeypatch.delenv("CRLSO_EXAMPLES", raising=False)
    at = AppTest.from_file(str(MAIN), default_timeout=180).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Latent space"
    assert at.query_params["run"] == "example-nb201" and page_components(at)  # the pair drawn, nothing clicked



def test_an_address_to_the_app_keeps_its_query_on_the_landing_page(monkeypatch, tmp_path):
    """/?run=... (a link a lecturer shares) opens that pair on the landing page: the hidden default
    page forwards the query (Streamlit serves its default page at / only, so the landing page is
    not the default itself: /latent stays its own address)."""
    monkeypatch.setenv("CRLSO_RUNS", str(tmp_path / "runs"))
    monkeypatch.delenv("CRLSO_EXAMPLES", raising=False)
    at = AppTest.from_file(str(MAIN), default_timeout=180)
    at.query_params["run"] = "example-nb301"
    at.run()
    assert not at.exception and at.title[0].value == "Latent space" and at.query_params["run"] == "example-nb301"


def test_a_benchmark_link_made_when_it_was_the_landing_page_still_opens_benchmark(monkeypatch, tmp_path):
    monkeypatch.setenv("CRLSO_RUNS", str(tmp_path / "runs"))
    at = AppTest.from_file(str(MAIN), default_timeout=180)
    at.query_params["space"] = "nb201"
    at.query_params["sample"] = "reference"  # /?space=nb201&sample=reference: the Benchmark page's address before
    at.run()
    assert not at.exception and at.title[0].value == "Benchmark"
