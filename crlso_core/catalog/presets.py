"""The named presets (smoke, demo, paper), each tuned per space by the space's spec
(catalog/spaces.py), and `preset`, which the CLI, the bench and the pages all build
configs with."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from crlso_core.catalog.config import GVAEConfig, RunConfig, SearchConfig, TeacherConfig
from crlso_core.common.errors import CRLSOError, quoted


def _paper() -> RunConfig:
    """The authors' NB201 settings: the config's defaults (docs/fidelity.md)."""
    return RunConfig(preset="paper")


def _demo() -> RunConfig:
    """The paper's model, losses and search, trained shorter (and so at a higher lr): joint
    training at lr 1e-3 reconstructs every NB201 cell within ~10 epochs."""
    return RunConfig(
        preset="demo",
        teacher=TeacherConfig(epochs=60, lr=1e-3, lr_min=1e-4),
        gvae=GVAEConfig(epochs=12, lr=1e-3),
    )


def _lesson() -> RunConfig:
    """Between smoke and demo: a pair trained while a class waits (each space's times and
    quality: docs/presets.md)."""
    return RunConfig(
        preset="lesson",
        teacher=TeacherConfig(epochs=40, lr=1e-3, lr_min=1e-4),
        gvae=GVAEConfig(epochs=8, lr=1e-3),
        search=SearchConfig(finetune_epochs=20),
    )


def _smoke() -> RunConfig:
    return RunConfig(
        preset="smoke",
        labelled=30,
        budget=60,
        teacher=TeacherConfig(epochs=3, hidden=16, lr=1e-3),
        gvae=GVAEConfig(epochs=1, hidden=32, latent=8, lr=1e-3, icnn_hidden=16, icnn_layers=2),
        search=SearchConfig(finetune_epochs=2, top_k=5, max_retries=5, candidates_per_start=8),
    )


PRESETS = {"smoke": _smoke, "lesson": _lesson, "demo": _demo, "paper": _paper}  # smallest first
PRESET_NAMES = tuple(PRESETS)


def preset(name: str, **overrides: Any) -> RunConfig:
    """A preset's config, tuned for its space (the registry's preset overrides), with
    top-level fields overridden (None values are ignored)."""
    from crlso_core.catalog.registry import get_spec

    if name not in PRESETS:
        raise CRLSOError(f"Unknown preset {quoted(name, 40)}; choose one of {', '.join(PRESETS)}.")
    overrides = {k: v for k, v in overrides.items() if v is not None}
    config = PRESETS[name]()
    tuned = get_spec(overrides.get("space", config.space)).preset_overrides.get(name)
    if tuned:
        merged = config.to_dict()
        for key, value in tuned.items():
            merged[key] = {**merged[key], **value} if isinstance(value, dict) else value
        config = RunConfig.from_dict(merged)
    return replace(config, **overrides)
