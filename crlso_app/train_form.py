"""What the Train page's form may send, checked on the server: a client can send any number
or choice, whatever the widgets allow (the hostile trial sent G-VAE epochs 100,000 to a
widget whose maximum is 1,000). The page builds its widgets from these limits and checks
every submitted value against them before anything starts."""

from __future__ import annotations

import math

from crlso_core.catalog.config import DEVICES
from crlso_core.catalog.methods import SIDE_NAMES, SIDES
from crlso_core.catalog.presets import PRESET_NAMES
from crlso_core.catalog.registry import get_spec, names
from crlso_core.common.errors import CRLSOError, quoted

SIDE_CHOICES = {  # what the box offers -> the sides trained
    f"{SIDE_NAMES['ls']} and {SIDE_NAMES['crls']} (the paper's pair)": SIDES,
    f"{SIDE_NAMES['crls']} only (ICNN on)": ("crls",),
    f"{SIDE_NAMES['ls']} only (ICNN off)": ("ls",),
}

KNOBS = {  # label and range of each number the form sends: the widgets' limits, and what start() accepts from any client
    "labelled": ("Labelled cells", 2, 5000), "latent": ("Latent size", 2, 128), "epochs": ("G-VAE epochs", 1, 1000),
    "teacher_epochs": ("Teacher epochs", 1, 1000), "beta": ("β (KL weight)", 0.0, 10.0), "seed": ("Seed", 0, 10**6),
}


def check_form(values: dict) -> None:
    """Every value the form sent, checked here on the server: a client can send any number
    or choice, whatever the widgets allow (G-VAE epochs 100,000 was accepted)."""
    for key, (label, low, high) in KNOBS.items():
        value = values[key]
        number = type(value) is int or (isinstance(low, float) and type(value) is float)
        if not (number and math.isfinite(value) and low <= value <= high):
            raise CRLSOError(f"{label} must be a number from {low:g} to {high:g}; the form sent {quoted(value, 40)}.")
    spec = get_spec(values["space"]) if values["space"] in names() else None
    choices = {"space": names(), "preset": PRESET_NAMES, "dataset": list(spec.datasets) if spec else [], "device": DEVICES}
    for key, allowed in choices.items():
        if values[key] not in allowed:
            raise CRLSOError(f"The form sent {key} {quoted(values[key], 40)}, which is not one of its choices.")
    if tuple(values["sides"]) not in SIDE_CHOICES.values():
        raise CRLSOError(f"The form sent the latent spaces {quoted(values['sides'], 40)}, which is not one of its choices.")
