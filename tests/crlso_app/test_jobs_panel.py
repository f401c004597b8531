"""The job panel's words: estimating before it can know, never 0 s before the end, no ICNN
fit on a side without an ICNN, and only the page's own run's jobs."""

from pathlib import Path

from crlso_app.jobs_panel import concerns, job_left, runs_of, shown_metrics, stage_label, stage_text
from crlso_core.pipeline.jobs.local import JobInfo

PLAN = ["ls:teacher", "ls:gvae", "ls:check", "crls:teacher", "crls:gvae", "crls:check"]


def progress(stage, step, total, elapsed=0.0, **metrics):
    return {"stage": stage, "step": step, "total": total, "metrics": metrics, "plan": PLAN, "index": PLAN.index(stage),
            "eta_s": 0.0, "stage_elapsed_s": elapsed}


def test_the_texts_say_estimating_where_the_old_ones_said_0_s():
    assert "estimating" in job_left(progress("ls:teacher", 40, 40, 2.2), 8.0)  # the old panel: "at least 0 s left in all"
    measured = progress("ls:gvae", 2, 8, 60.0)
    assert "estimating" not in job_left(measured, 150.0) and " 0 s" not in job_left(measured, 150.0)
    gvae = progress("ls:gvae", 1, 8, 0.0)  # the screenshot: "1 / 8 epochs · 0 s left in this stage"
    assert stage_text(gvae) == "LS · G-VAE training: 1 / 8 epochs · estimating the time left in this stage…"
    assert "0 s left" not in stage_text(progress("ls:gvae", 7, 8, 0.001))


def test_the_ls_side_shows_no_icnn_fit_and_the_crls_side_does():
    assert shown_metrics(progress("ls:gvae", 3, 8, 5.0, recon=1.72, icnn=0.0)) == {"reconstruction loss": 1.72}
    assert shown_metrics(progress("crls:gvae", 3, 8, 5.0, recon=1.7, icnn=0.02))["ICNN fit (MSE)"] == 0.02


def _job(kind, params):
    return JobInfo("j", Path("/tmp/j"), kind, "t", params, 0.0, "running", None, None, None, None)


def test_a_job_concerns_only_the_runs_it_reads_or_writes(tmp_path):
    page = (str(tmp_path / "a-ls"), str(tmp_path / "a-crls"))
    assert concerns(_job("search", {"runs": [str(tmp_path / "a-crls")]}), tmp_path, page)
    assert not concerns(_job("search", {"runs": [str(tmp_path / "b-crls")]}), tmp_path, page)
    assert concerns(_job("train_pair", {"name": "a", "sides": ["ls", "crls"]}), tmp_path, page)
    assert not concerns(_job("train_pair", {"name": "b", "sides": ["ls"]}), tmp_path, page)
    assert not concerns(_job("train_pair", {}), tmp_path, page)
    assert concerns(_job("train_pair", {}), tmp_path, None)  # a page about no one run shows every job


def test_a_baseline_stage_is_said_in_its_methods_words():
    assert stage_label("ls:rea") == "LS · regularised evolution" and stage_label("rs") == "random search"
    assert stage_label("crls:local") == "CR-LS · local search" and stage_label("ls:gvae") == "LS · G-VAE training"


def test_a_trainings_run_folders_are_the_pairs_folders(tmp_path):
    from crlso_core.store.pairs import pair_folders

    made = runs_of(_job("train_pair", {"name": "a", "sides": ["crls"]}), tmp_path)
    assert made == {str(p.resolve()) for p in pair_folders(tmp_path, "a", ["crls"]).values()}
