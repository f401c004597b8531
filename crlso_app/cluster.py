"""Where the app's jobs run: on the Ray cluster that $CRLSO_RAY_ADDRESS names while it
answers, else on this machine. A page says which within seconds (the address is probed,
not waited on), and a job never waits for a cluster that is not there."""

from __future__ import annotations

import os
from typing import Optional

import streamlit as st

from crlso_core.common.errors import CRLSOError
from crlso_core.pipeline.jobs.cluster import ADDRESS_ENV, cluster_resources


@st.cache_data(ttl=30, show_spinner="Asking the Ray cluster what it has…")
def _cluster(address: str) -> tuple[Optional[dict], Optional[str]]:
    """(CPUs and GPUs, None) of a cluster that answers, else (None, why not); asked again after 30 s."""
    try:
        return cluster_resources(address), None
    except CRLSOError as exc:
        return None, str(exc)


def job_address(say: bool = True) -> Optional[str]:
    """The cluster a job started now should run on; None: this machine. With `say`, a page
    is told when the configured cluster cannot be reached and jobs run here instead."""
    address = os.environ.get(ADDRESS_ENV)
    if not address:
        return None
    have, error = _cluster(address)
    if error is None:
        return address
    if say:
        st.warning(f"{error} Jobs started now run on this machine instead (the cluster is asked again every 30 s).",
                   icon=":material/cloud_off:")
    return None


def cluster_line() -> Optional[str]:
    """What the Train page says of the cluster jobs run on; None without one."""
    address = job_address(say=False)
    if address is None:
        return None
    have, _ = _cluster(address)
    gpus = f"{have['GPU']} GPU{'s' if have['GPU'] != 1 else ''}" if have["GPU"] else "no GPU (device cuda would be refused)"
    return (f"Jobs run on the **Ray cluster at {address}** ({ADDRESS_ENV}): **{have['CPU']} CPUs, {gpus}**; "
            "a run whose device is cuda goes to a GPU worker.")
