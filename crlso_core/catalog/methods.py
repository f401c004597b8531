"""The names of the methods and of a pair's sides, their labels and colours: the one place
each is spelled. A method's name is what `crlso bench --methods` takes, what results.csv
and summary.md show and what a latent search's queries carry as their source; a side is
one of a pair's two latent spaces."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from crlso_core.catalog.presets import preset
from crlso_core.common.errors import CRLSOError, quoted

# --- a pair's sides -----------------------------------------------------------------------

SIDES = ("ls", "crls")  # the unregularised latent space, the convexity-regularised one
SIDE_NAMES = {"ls": "LS", "crls": "CR-LS"}  # the paper's names, in every title, widget and metric
SIDE_LABELS = {"ls": "LS (no convexity term)", "crls": "CR-LS (convexity-regularised)"}
SIDE_METHODS = {"ls": "LSO", "crls": "CR-LSO"}  # the search each side runs
SIDE_COLOURS = {"ls": "#e8710a", "crls": "#1f63b4"}


def side_name(side: str) -> str:
    return SIDE_NAMES.get(side, side.upper())


# --- baselines ----------------------------------------------------------------------------

BASELINE_LABELS = {"rs": "random search", "rea": "REA", "local": "local search"}
BASELINE_ABOUT = {
    "rs": "random search",
    "rea": "regularised evolution (population 10, tournament 3, one-edge mutation)",
    "local": "local search (best-improvement over the neighbours one mutation away, random restart)",
}
# old names -> today's: "ls" also named the unregularised latent space; local search is "local"
RENAMED_BASELINES = {"ls": "local"}

# --- latent methods -----------------------------------------------------------------------

@dataclass(frozen=True)
class LatentMethod:
    labelled: Optional[int]  # None: the preset's labelled-set size (300 in demo and paper)
    regularised: bool  # G-VAE trained with the ICNN term (CR-LS) or without (LS)
    predictor: str  # "icnn" or "mlp"
    rule: Optional[str]  # one of catalog.config.RULES; None: the preset's (or each of the bench's --rules)
    about: str


LATENT_METHODS = {
    "crlso": LatentMethod(None, True, "icnn", None, "CR-LSO: regularised latent, its joint ICNN, the preset's rule (or --rules)"),
    "crlso-ray": LatentMethod(None, True, "icnn", "ray", "CR-LSO, ray rule: walk down the ICNN in code spacings to the first new cell"),
    "crlso-step": LatentMethod(None, True, "icnn", "step", "CR-LSO, reference one-step rule"),
    "crlso-ranked": LatentMethod(None, True, "icnn", "ranked", "CR-LSO, ranked candidate steps"),
    "crlso-mixed": LatentMethod(None, True, "icnn", "mixed", "CR-LSO, ranked steps and incumbents' mutations"),
    "crlso50": LatentMethod(50, True, "icnn", None, "CR-LSO from 50 labelled cells, the preset's rule"),
    "crlso50-step": LatentMethod(50, True, "icnn", "step", "CR-LSO from 50 labelled cells, step rule"),
    "crlso50-ranked": LatentMethod(50, True, "icnn", "ranked", "CR-LSO from 50 labelled cells, ranked"),
    "crlso50-mixed": LatentMethod(50, True, "icnn", "mixed", "CR-LSO from 50 labelled cells, ranked steps and mutations"),
    "lso": LatentMethod(None, False, "mlp", None, "LSO: plain latent, unconstrained MLP, the preset's rule"),
    "lso-ranked": LatentMethod(None, False, "mlp", "ranked", "LSO: plain latent, unconstrained MLP, ranked"),
    "crls-mlp": LatentMethod(None, True, "mlp", None, "regularised latent, unconstrained MLP, the preset's rule"),
    "ls-icnn": LatentMethod(None, False, "icnn", None, "plain latent, ICNN fitted afterwards, the preset's rule"),
}
METHODS = {**{k: v.about for k, v in LATENT_METHODS.items()}, **BASELINE_ABOUT}


def check_methods(methods: list[str]) -> None:
    renamed = [m for m in methods if m in RENAMED_BASELINES]
    if renamed:
        raise CRLSOError(f"Method {renamed[0]!r} is now called {RENAMED_BASELINES[renamed[0]]!r} (local search).")
    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        raise CRLSOError(f"Unknown method(s) {quoted(', '.join(unknown), 60)}; choose from {', '.join(METHODS)}.")


def latent_labelled(method: str, preset_name: str, space: str = "nb201") -> Optional[int]:
    """Labelled-set size a latent method starts from; None for the baselines."""
    spec = LATENT_METHODS.get(method)
    if spec is None:
        return None
    return spec.labelled if spec.labelled is not None else preset(preset_name, space=space).labelled


def latent_method_name(regularised: bool, predictor: str) -> str:
    """The bench's name of a latent search on this latent space with this predictor: the name
    its queries carry (search/origins.py adds what kind of move each was)."""
    icnn = predictor == "icnn"
    if regularised:
        return "crlso" if icnn else "crls-mlp"
    return "ls-icnn" if icnn else "lso"


# --- colours ------------------------------------------------------------------------------

METHOD_COLOURS = {  # the same colour for a method on every page, by its label
    "CR-LSO": SIDE_COLOURS["crls"], "LSO": SIDE_COLOURS["ls"], "REA": "#2a9d3a", "random search": "#8e44ad",
    "local search": "#8c564b",
}
OTHER_COLOURS = ["#e377c2", "#17becf", "#bcbd22", "#7f7f7f"]


def method_colour(label: str, i: int = 0) -> str:
    """A curve's colour from its method (a label may carry a run's name first: 'run: REA')."""
    return METHOD_COLOURS.get(label.rsplit(": ", 1)[-1], OTHER_COLOURS[i % len(OTHER_COLOURS)])
