"""The methods and a pair's sides: one record each, the one place every word about them is
spelled. A method's id is what `crlso bench --methods` takes, what results.csv and
summary.md show and what a latent search's queries carry as their source; a side is one of
a pair's two latent spaces.

Everything else reads these records: the bench (which methods exist, how a latent one is
configured), the CLI's --methods check, the app's pickers and progress panels (labels,
words), every chart (colours). The older names below (LATENT_METHODS, BASELINE_LABELS,
METHOD_COLOURS, ...) are read-only views of the table, computed on each read, so a record
added to METHOD_TABLE shows up in all of them at once.

Runners, and why they are named by a string. A record names the function that runs it as
"module:function" (`runner`). The catalog sits below the search and the pipeline in the
layers, so it must not import them; instead the layer that holds a kind's runners
registers them and calls `bind_runners(kind, registered)` when it is imported:
search/baselines.py for the baselines, bench/methods.py for the latent methods (all run by
one latent pipeline). `bind_runners` raises MethodTableError, naming the id, when a record
of that kind names no registered runner, and naming the runner when a registered runner has
no record. So a method added here without its runner, or a runner without its record, fails
when the bench, the CLI or the app imports it, never as a bench that silently writes no rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Callable, Iterator, Optional

from crlso_core.catalog.presets import preset
from crlso_core.common.errors import CRLSOError, quoted

KINDS = ("latent", "baseline")


class MethodTableError(ImportError):
    """The method table and the registered runners disagree: a contributor's mistake, raised
    when the module binding the runners is imported."""


@dataclass(frozen=True)
class LatentMethod:
    """How a latent method trains and searches (bench/methods.method_config builds its RunConfig)."""

    labelled: Optional[int]  # None: the preset's labelled-set size (300 in demo and paper)
    regularised: bool  # G-VAE trained with the ICNN term (CR-LS) or without (LS)
    predictor: str  # "icnn" or "mlp"
    rule: Optional[str]  # one of catalog.config.RULES; None: the preset's (or each of the bench's --rules)


@dataclass(frozen=True)
class Method:
    id: str  # what --methods takes and every row and query source carries
    label: str  # its name on every page, chart legend and table
    about: str  # one line for summary.md, plan.json and the README
    colour: Optional[str]  # its colour on every chart; None: one of OTHER_COLOURS by position
    kind: str  # one of KINDS
    runner: str  # "module:function" that runs it, registered by its layer (see the docstring)
    latent: Optional[LatentMethod] = None  # a latent method's settings; None for a baseline
    words: str = ""  # the method in a sentence ("regularised evolution"); empty: its label

    @property
    def in_words(self) -> str:
        return self.words or self.label


LATENT_RUNNER = "crlso_core.pipeline.stages:search_stage"  # every latent method's search
_BASELINES = "crlso_core.search.baselines"
OTHER_COLOURS = ["#e377c2", "#17becf", "#bcbd22", "#7f7f7f"]


def _latent(id: str, label: str, about: str, spec: LatentMethod, colour: Optional[str] = None) -> Method:
    return Method(id, label, about, colour, "latent", LATENT_RUNNER, spec)


def _baseline(id: str, label: str, about: str, colour: str, function: str, words: str = "") -> Method:
    return Method(id, label, about, colour, "baseline", f"{_BASELINES}:{function}", None, words)


_L = LatentMethod
METHOD_TABLE: dict[str, Method] = {m.id: m for m in (
    _latent("crlso", "CR-LSO", "CR-LSO: regularised latent, its joint ICNN, the preset's rule (or --rules)",
            _L(None, True, "icnn", None), colour="#1f63b4"),
    _latent("crlso-ray", "crlso-ray", "CR-LSO, ray rule: walk down the ICNN in code spacings to the first new cell",
            _L(None, True, "icnn", "ray")),
    _latent("crlso-step", "crlso-step", "CR-LSO, reference one-step rule", _L(None, True, "icnn", "step")),
    _latent("crlso-ranked", "crlso-ranked", "CR-LSO, ranked candidate steps", _L(None, True, "icnn", "ranked")),
    _latent("crlso-mixed", "crlso-mixed", "CR-LSO, ranked steps and incumbents' mutations", _L(None, True, "icnn", "mixed")),
    _latent("crlso50", "crlso50", "CR-LSO from 50 labelled cells, the preset's rule", _L(50, True, "icnn", None)),
    _latent("crlso50-step", "crlso50-step", "CR-LSO from 50 labelled cells, step rule", _L(50, True, "icnn", "step")),
    _latent("crlso50-ranked", "crlso50-ranked", "CR-LSO from 50 labelled cells, ranked", _L(50, True, "icnn", "ranked")),
    _latent("crlso50-mixed", "crlso50-mixed", "CR-LSO from 50 labelled cells, ranked steps and mutations",
            _L(50, True, "icnn", "mixed")),
    _latent("lso", "LSO", "LSO: plain latent, unconstrained MLP, the preset's rule", _L(None, False, "mlp", None),
            colour="#e8710a"),
    _latent("lso-ranked", "lso-ranked", "LSO: plain latent, unconstrained MLP, ranked", _L(None, False, "mlp", "ranked")),
    _latent("crls-mlp", "crls-mlp", "regularised latent, unconstrained MLP, the preset's rule", _L(None, True, "mlp", None)),
    _latent("ls-icnn", "ls-icnn", "plain latent, ICNN fitted afterwards, the preset's rule", _L(None, False, "icnn", None)),
    _baseline("rs", "random search", "random search", "#8e44ad", "random_search"),
    _baseline("rea", "REA", "regularised evolution (population 10, tournament 3, one-edge mutation)", "#2a9d3a",
              "regularised_evolution", words="regularised evolution"),
    _baseline("local", "local search",
              "local search (best-improvement over the neighbours one mutation away, random restart)", "#8c564b",
              "local_search"),
)}
del _L
# old names -> today's: "ls" also named the unregularised latent space; local search is "local"
RENAMED_BASELINES = {"ls": "local"}


def check_table(table: Mapping[str, Method] = METHOD_TABLE) -> None:
    """The table is whole: each record under its own id, of a known kind, with a runner
    reference, latent settings exactly on the latent ones, and no two labels alike (a chart
    finds a curve's colour by its label)."""
    labels: dict[str, str] = {}
    for key, m in table.items():
        problem = (
            f"is filed under {key!r}" if m.id != key else
            f"has kind {m.kind!r}, not one of {', '.join(KINDS)}" if m.kind not in KINDS else
            f"names its runner {m.runner!r}, not as 'module:function'" if m.runner.count(":") != 1 else
            "is latent without latent settings" if m.kind == "latent" and m.latent is None else
            "is a baseline with latent settings" if m.kind == "baseline" and m.latent is not None else
            f"has the label {m.label!r} of method {labels.get(m.label)!r}" if m.label in labels else ""
        )
        if problem:
            raise MethodTableError(f"Method {m.id!r} in catalog/methods.py {problem}.")
        labels[m.label] = m.id


check_table()


def runner_ref(function: Callable) -> str:
    """The "module:function" a record names `function` by."""
    return f"{function.__module__}:{function.__name__}"


def bind_runners(kind: str, registered: Mapping[str, Callable]) -> dict[str, Callable]:
    """Each method of `kind` with the runner its record names, out of `registered`
    ("module:function" -> function: every runner of that kind the calling layer has).
    Raises MethodTableError naming the method whose runner is missing, or the runner that no
    method names. Called when that layer's module is imported, and again on each read of a
    live view (search.baselines.BASELINES), so a record added later is checked too."""
    records = [m for m in METHOD_TABLE.values() if m.kind == kind]
    for m in records:
        if m.runner not in registered:
            raise MethodTableError(
                f"Method {m.id!r} ({kind}) names the runner {m.runner!r}, which is not registered; "
                f"registered {kind} runners: {', '.join(registered) or 'none'}."
            )
    named = {m.runner for m in records}
    for ref in registered:
        if ref not in named:
            raise MethodTableError(f"The {kind} runner {ref!r} has no method in catalog/methods.py's METHOD_TABLE.")
    return {m.id: registered[m.runner] for m in records}


# --- reading the table ----------------------------------------------------------------------

def method_ids(kind: Optional[str] = None) -> list[str]:
    return [m.id for m in METHOD_TABLE.values() if kind is None or m.kind == kind]


def method_label(method: str) -> str:
    """A method's label ("REA"); an unknown id is its own label."""
    m = METHOD_TABLE.get(method)
    return m.label if m else method


def method_words(method: str) -> str:
    """A method in a sentence ("regularised evolution"); an unknown id as it is."""
    m = METHOD_TABLE.get(method)
    return m.in_words if m else method


class _View(Mapping):
    """A read-only dict view of the table: `key` and `value` of each record passing `keep`,
    read afresh on every access."""

    def __init__(self, keep: Callable[[Method], bool], value: Callable[[Method], object],
                 key: Callable[[Method], str] = lambda m: m.id):
        self._keep, self._value, self._key = keep, value, key

    def _items(self) -> dict:
        return {self._key(m): self._value(m) for m in METHOD_TABLE.values() if self._keep(m)}

    def __getitem__(self, key):
        return self._items()[key]

    def __iter__(self) -> Iterator:
        return iter(self._items())

    def __len__(self) -> int:
        return len(self._items())

    def __repr__(self) -> str:
        return repr(self._items())


def _is_latent(m: Method) -> bool:
    return m.kind == "latent"


def _is_baseline(m: Method) -> bool:
    return m.kind == "baseline"


METHODS = _View(lambda m: True, lambda m: m.about)  # id -> about
LATENT_METHODS = _View(_is_latent, lambda m: m.latent)  # id -> LatentMethod
BASELINE_LABELS = _View(_is_baseline, lambda m: m.label)  # id -> label
BASELINE_ABOUT = _View(_is_baseline, lambda m: m.about)  # id -> about
METHOD_COLOURS = _View(lambda m: m.colour is not None, lambda m: m.colour, key=lambda m: m.label)  # label -> colour


def check_methods(methods: list[str]) -> None:
    renamed = [m for m in methods if m in RENAMED_BASELINES]
    if renamed:
        raise CRLSOError(f"Method {renamed[0]!r} is now called {RENAMED_BASELINES[renamed[0]]!r} (local search).")
    unknown = [m for m in methods if m not in METHOD_TABLE]
    if unknown:
        raise CRLSOError(f"Unknown method(s) {quoted(', '.join(unknown), 60)}; choose from {', '.join(METHOD_TABLE)}.")


def latent_labelled(method: str, preset_name: str, space: str = "nb201") -> Optional[int]:
    """Labelled-set size a latent method starts from; None for the baselines."""
    spec = LATENT_METHODS.get(method)
    if spec is None:
        return None
    return spec.labelled if spec.labelled is not None else preset(preset_name, space=space).labelled


def latent_method_name(regularised: bool, predictor: str) -> str:
    """The bench's id of a latent search on this latent space with this predictor, at the
    preset's labelled size and rule: the name its queries carry (search/origins.py adds what
    kind of move each was)."""
    for m in METHOD_TABLE.values():
        spec = m.latent
        if spec and spec.labelled is None and spec.rule is None and (spec.regularised, spec.predictor) == (regularised, predictor):
            return m.id
    raise CRLSOError(f"No latent method searches a {'regularised' if regularised else 'plain'} latent with a {predictor!r} predictor.")


def method_colour(label: str, i: int = 0) -> str:
    """A curve's colour from its method's label (a label may carry a run's name first: 'run: REA')."""
    return METHOD_COLOURS.get(label.rsplit(": ", 1)[-1], OTHER_COLOURS[i % len(OTHER_COLOURS)])


def colour_of(method: str, i: int = 0) -> str:
    """A method's colour from its id."""
    return method_colour(method_label(method), i)


# --- a pair's sides -------------------------------------------------------------------------

@dataclass(frozen=True)
class Side:
    """One of a pair's two latent spaces, trained and searched as its `method` is."""

    id: str  # "ls" or "crls": the end of its run folder's name, a job's stage prefix
    name: str  # the paper's name, in every title, widget and metric
    label: str  # the name with what it means
    method: str  # the id of the latent method its run trains and searches

    @property
    def spec(self) -> LatentMethod:
        return METHOD_TABLE[self.method].latent

    @property
    def icnn(self) -> bool:
        """Whether its G-VAE trains with the ICNN term."""
        return self.spec.regularised

    @property
    def predictor(self) -> str:
        return self.spec.predictor

    @property
    def colour(self) -> str:
        return METHOD_TABLE[self.method].colour

    def run_name(self, pair: str) -> str:
        """The folder name of this side's run in pair `pair`."""
        return pair_run_name(pair, self.id)


SIDE_TABLE: dict[str, Side] = {s.id: s for s in (
    Side("ls", "LS", "LS (no convexity term)", "lso"),  # the unregularised latent space
    Side("crls", "CR-LS", "CR-LS (convexity-regularised)", "crlso"),  # the convexity-regularised one
)}
SIDES = tuple(SIDE_TABLE)
SIDE_NAMES = {s.id: s.name for s in SIDE_TABLE.values()}
SIDE_LABELS = {s.id: s.label for s in SIDE_TABLE.values()}
SIDE_METHODS = {s.id: METHOD_TABLE[s.method].label for s in SIDE_TABLE.values()}  # the label of the search each side runs
SIDE_COLOURS = {s.id: s.colour for s in SIDE_TABLE.values()}


def side(side_id: str) -> Side:
    try:
        return SIDE_TABLE[side_id]
    except KeyError:
        raise CRLSOError(f"A pair side is {' or '.join(SIDES)}, got {quoted(side_id, 40)}.") from None


def side_name(side_id: str) -> str:
    return SIDE_NAMES.get(side_id, side_id.upper())


def side_of(icnn: bool) -> str:
    """The side a run trained with (True) or without the ICNN term belongs to."""
    return next(s.id for s in SIDE_TABLE.values() if s.icnn == icnn)


def pair_run_name(pair: str, side_id: str) -> str:
    """The folder name `<pair>-<side>` of one side's run of a pair. Not checked against
    SIDES: a copied example run trained alone keeps the word it has ("run")."""
    return f"{pair}-{side_id}"
