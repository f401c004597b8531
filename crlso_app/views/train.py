"""Train: presets and the main knobs; one action trains the pair the paper compares (LS and
CR-LS, same seed) in a background process, with live progress and cancel."""

import re
import time

import pandas as pd
import streamlit as st
import torch

from crlso_app.cluster import cluster_line, job_address
from crlso_app.jobs_panel import job_panel
from crlso_app.reference import preset_effects
from crlso_app.state import guard, kept_widget, runs_root, url_select
from crlso_app.train_form import KNOBS, SIDE_CHOICES, check_form
from crlso_core.catalog.config import DEVICES
from crlso_core.catalog.methods import side_name
from crlso_core.catalog.presets import PRESET_NAMES, preset
from crlso_core.catalog.registry import get_spec, names
from crlso_core.common.errors import CRLSOError
from crlso_core.models.training import resolve_device
from crlso_core.pipeline.jobs.local import list_jobs, start_job
from crlso_core.store.pairs import pair_folder

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def projection_time(space: str, config) -> str:
    """What t-SNE and UMAP add to a pair, scaled from 15,625 codes to the preset's pool."""
    from crlso_core.pipeline.jobs.work import PROJECTION_SECONDS

    cells = config.pool or get_spec(space).pool_size or 15_625
    seconds = 2 * (PROJECTION_SECONDS["tsne"] + PROJECTION_SECONDS["umap"]) * cells / 15_625
    return f"about {seconds:.0f} s more for a pair on a 2-core CPU" if seconds < 120 else f"about {seconds / 60:.0f} min more"


def device_line() -> str:
    on_cluster = cluster_line()
    if on_cluster:  # jobs run there, not here
        return on_cluster
    if torch.cuda.is_available():
        return f"This machine has a GPU: **{torch.cuda.get_device_name(0)}** (auto uses it)."
    return "This machine has **no CUDA GPU**: training runs on the CPU (auto picks the CPU)."


def job_sentence(sides) -> str:
    """What the job started here does, in words: a promised time is for exactly this job."""
    trained = " and ".join(side_name(s) for s in sides)
    return (f"Start training runs one job: {trained} {'each ' if len(sides) > 1 else ''}trained (teacher, G-VAE, then the "
            "codes, the reconstruction check and the search's predictor), one after the other; it does not search "
            "(the Search page does, from the trained pair).")


def build_config(values: dict):
    config = preset(values["preset"], space=values["space"], dataset=values["dataset"], seed=values["seed"],
                    labelled=values["labelled"], device=values["device"])
    config.budget = max(config.budget, config.labelled)  # the search page sets the real budget
    config.gvae.latent, config.gvae.epochs, config.gvae.beta = values["latent"], values["epochs"], values["beta"]
    config.teacher.epochs = values["teacher_epochs"]
    config.validate()
    resolve_device(config.device)  # a GPU asked for on a machine without one: say so now
    return config


def start(values: dict) -> None:
    check_form(values)
    config = build_config(values)
    name = values["name"].strip() or f"{config.space}-{config.dataset}-{config.preset}-seed{config.seed}-{time.strftime('%m%d-%H%M%S')}"
    if not NAME.match(name):
        raise CRLSOError("A run name may use letters, digits, '-', '_' and '.', up to 64 characters.")
    root = runs_root()
    taken = [side for side in values["sides"] if pair_folder(root, name, side).exists()]
    if taken:
        raise CRLSOError(f"A run named {name} already exists; choose another name or delete it on the Runs page.")
    sides = values["sides"]
    projections = ["tsne", "umap"] if values["projections"] else []
    start_job(
        root,
        "train_pair",
        {"config": config.to_dict(), "name": name, "sides": list(sides), "projections": projections},
        f"Train {' + '.join(side_name(s) for s in sides)} '{name}' "
        f"({get_spec(config.space).title}, {config.preset}, {config.dataset}, seed {config.seed})",
        job_address(say=False),
    )


job_address()  # says at once when the configured cluster cannot be reached (jobs then run here)
st.markdown(device_line())
top = st.columns(4)
with top[0]:
    space = url_select("Search space", "space", names(), format_func=lambda n: get_spec(n).title,
                       help=" · ".join(f"{get_spec(n).title}: {get_spec(n).about}" for n in names()))
spec = get_spec(space)
preset_name = kept_widget(top[1].selectbox, "Preset", "preset", "lesson", options=PRESET_NAMES,
                          help=" · ".join(f"{n}: {t}" for n, t in spec.preset_times.items()) or None)
base = preset(preset_name, space=space)
dataset = top[2].selectbox("Dataset", list(spec.datasets), format_func=spec.dataset_title, key=f"train-dataset-{space}")
sides_label = top[3].selectbox("Latent spaces", list(SIDE_CHOICES), key="sides")
with st.form("knobs"):
    c = st.columns(4)
    knob = f"{space}-{preset_name}"  # a knob starts at its preset's value for this space
    values = dict(
        space=space, preset=preset_name, dataset=dataset, sides=SIDE_CHOICES[sides_label],
        labelled=c[0].number_input(*KNOBS["labelled"], base.labelled, key=f"labelled-{knob}"),
        latent=c[1].number_input(*KNOBS["latent"], base.gvae.latent, key=f"latent-{knob}"),
        epochs=c[2].number_input(*KNOBS["epochs"], base.gvae.epochs, key=f"epochs-{knob}"),
        teacher_epochs=c[3].number_input(*KNOBS["teacher_epochs"], base.teacher.epochs, key=f"tepochs-{knob}"),
        beta=c[0].number_input(*KNOBS["beta"], base.gvae.beta, format="%.4f", key=f"beta-{knob}"),
        seed=c[1].number_input(*KNOBS["seed"], 0, key="seed"),
        device=c[2].selectbox("Device", DEVICES, key="device"),
        name=c[3].text_input("Name (optional)", key="run-name", placeholder="made from the settings"),
        projections=kept_widget(st.checkbox, f"Also compute t-SNE and UMAP of the codes ({projection_time(space, base)}); "
                                "PCA is always there", "with-projections", False, form=True),
    )
    st.caption(job_sentence(values["sides"]) + (f" {preset_name}: {spec.preset_times[preset_name]}."
                                                 if preset_name in spec.preset_times else ""))
    preset_effects(space, dataset, preset_name)
    submitted = st.form_submit_button("Start training", type="primary")
if submitted:
    with guard():  # a refused start says why, and the progress below still shows
        start(values)

st.subheader("Progress")
job_panel(("train_pair",))

with st.expander("Recent jobs"):
    jobs = list_jobs(runs_root())[:20]
    if jobs:
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "started": time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(j.created)),
                        "job": j.title,
                        "status": j.status,
                        "took": "" if j.seconds is None else f"{j.seconds:.0f} s" if j.seconds < 120 else f"{j.seconds / 60:.1f} min",
                        "error": j.error or "",
                    }
                    for j in jobs
                ]
            ),
            hide_index=True,
        )
    else:
        st.caption("No jobs yet.")
