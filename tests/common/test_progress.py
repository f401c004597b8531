"""The job's ETA: an estimate of the whole job that says "estimating…" (None) until a step
has been measured, never 0 s before the end, and no jump when a stage ends."""

from crlso_core.common.progress import STAGE_WEIGHTS, job_fraction, job_left, stage_left

PLAN = ["ls:teacher", "ls:gvae", "ls:check", "crls:teacher", "crls:gvae", "crls:check"]


def test_the_job_eta_is_estimating_until_the_first_g_vae_epoch_is_measured():
    assert job_left(PLAN, None, 0, 40, 5.0) is None  # no report yet
    assert job_left(PLAN, 0, 1, 40, 5.0) is None and job_left(PLAN, 0, 40, 40, 8.0) is None  # the teacher's seconds say little
    assert job_left([], 0, 3, 40, 5.0) is None
    assert job_left(PLAN, 1, 1, 8, 60.0) is not None


def test_the_job_eta_never_says_0_before_the_end():
    for index, stage in enumerate(PLAN):
        for step in range(1, 41):
            if index == len(PLAN) - 1 and step == 40:
                continue
            left = job_left(PLAN, index, step, 40, 30.0)
            assert (left is None and index <= 1) or left >= 1, (stage, step)  # estimating, or at least 1 s
    assert job_left(PLAN, 5, 40, 40, 100.0) == 0.0  # the last step of the last stage: the end
    assert job_left(PLAN, 1, 8, 8, 500.0) >= 1  # a stage at its last step is not the job's end (the old ETA said 0 s here)


def test_a_job_that_keeps_the_measured_pace_gets_a_steady_estimate_across_stages():
    """A job whose stages take their weights' shares: the estimate of the whole job stays
    the same at every report (the old one jumped from 6 s to 87 s when a stage ended)."""
    total = 200.0
    weights = [STAGE_WEIGHTS["start"], *(STAGE_WEIGHTS[s.rpartition(":")[2]] for s in PLAN)]
    whole = sum(weights)
    estimates = []
    for index in range(len(PLAN)):
        before = sum(weights[:index + 1]) / whole * total
        for step in range(1, 9):
            seconds = before + weights[index + 1] / whole * total * step / 8
            left = job_left(PLAN, index, step, 8, seconds)
            if left:
                estimates.append(seconds + left)
    assert max(estimates) - min(estimates) < 0.01 * total


def test_the_fraction_done_grows_from_above_0_to_1_over_the_plan():
    fractions = [job_fraction(PLAN, i, step, 8) for i in range(len(PLAN)) for step in range(0, 9)]
    assert fractions == sorted(fractions) and 0 < fractions[0] < 0.5 and fractions[-1] == 1.0


def test_a_stage_eta_waits_for_its_second_report_and_never_says_0_before_its_end():
    assert stage_left(1, 8, 0.0) is None  # the first epoch's report starts the stage's clock: the old ETA said 0 s here
    assert stage_left(2, 8, 10.0) == 60.0
    assert stage_left(7, 8, 0.001) == 1.0
    assert stage_left(8, 8, 20.0) == 0.0
    assert stage_left(0, 5, 0.0, first_step=0) is None and stage_left(1, 5, 2.0, first_step=0) == 8.0
