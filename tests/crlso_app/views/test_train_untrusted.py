"""The Train page against what a client or the environment may send it: a Ray address
that accepts and never answers, and form values beyond the widgets' limits (a client can
send any number; the server checks every value)."""

import time

from crlso_core.pipeline.jobs.local import cancel_job, list_jobs, wait_for
from tests.pipeline.jobs.test_cluster import listener


def _start(at):
    next(b for b in at.button if b.label == "Start training").click().run()


def test_a_cluster_address_that_never_answers_costs_the_page_seconds(open_page, empty_store, monkeypatch):
    """The trial's page waited 67 s on ray.init; the probe now refuses within seconds."""
    from crlso_core.pipeline.jobs.cluster import ADDRESS_ENV

    with listener(None) as address:
        monkeypatch.setenv(ADDRESS_ENV, address)
        start = time.monotonic()
        at = open_page("train", empty_store, expect_clean=False)
        took = time.monotonic() - start
    assert not at.exception and not at.error
    (warning,) = [w.value for w in at.warning if address in w.value]
    assert "did not answer within 3 s" in warning and "cannot be used" in warning and "run on this machine" in warning
    assert at.button and any(b.label == "Start training" for b in at.button)  # the form is drawn
    assert took < 30, f"the page took {took:.0f} s"


def test_a_value_beyond_the_widgets_limits_never_reaches_a_job(open_page, empty_store):
    """A client sends G-VAE epochs 100,000 (the widget's maximum is 1,000). Streamlit 1.67
    puts it back to the widget's default before the page sees it; an earlier Streamlit
    (pyproject.toml allows one) passes it through, and check_form then refuses it
    (tests/crlso_app/test_train_form.py). Either way no job trains 100,000 epochs."""
    at = open_page("train", empty_store)
    at.selectbox(key="w-preset").select("smoke").run()
    at.number_input(key="epochs-nb201-smoke").set_value(100_000)
    at.text_input(key="run-name").input("sent")
    _start(at)
    assert not at.exception
    for job in list_jobs(empty_store):
        cancel_job(job)
        wait_for(job, timeout=60)
        assert job.params["config"]["gvae"]["epochs"] <= 1000
