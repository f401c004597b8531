"""Shared fixtures: the real NB201 table (read in place from the shared data folder) and
one smoke run, trained once per session, that many tests inspect."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from crlso_core.benchmarks import load_table
from crlso_core.config import preset
from crlso_core.pipeline import full_run

torch.set_num_threads(2)


@pytest.fixture(scope="session")
def table():
    return load_table("nb201")


@pytest.fixture(scope="session")
def space(table):
    return table.space


@pytest.fixture(scope="session")
def smoke_run(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("runs") / "smoke"
    summary = full_run(preset("smoke", seed=3, device="cpu"), out)
    return out, summary


@pytest.fixture(scope="session")
def smoke_pair(tmp_path_factory) -> Path:
    """A run store holding one smoke LS/CR-LS pair, both searched, with REA beside CR-LS:
    what the app's pages read."""
    from crlso_core.pipeline import baseline_run, search_run, train_pair

    root = tmp_path_factory.mktemp("store")
    train_pair(preset("smoke", seed=5, device="cpu"), root, "pair")
    for side in ("ls", "crls"):
        search_run(root / f"pair-{side}")
    baseline_run(root / "pair-crls", "rea", 60)
    return root
