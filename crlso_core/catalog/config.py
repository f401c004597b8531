"""Typed configuration, one dataclass per stage, the named presets, and the option lists
that the CLI, the checks and the pages all read from here.

The CLI and the app build the same dataclasses; a run's `config.json` is `asdict` of
its RunConfig, and `RunConfig.from_dict` rebuilds it to reproduce the run.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any, Optional

from crlso_core.common.checks import check_ranges, check_types
from crlso_core.common.errors import CRLSOError

# the search's step rules (see SearchConfig): "authors" is NB201's presets', "ranked" NB101's and NB301's
RULES = ("ranked", "ray", "step", "mixed", "authors", "authors-uphill")
AUTHORS_RULES = ("authors", "authors-uphill")  # the authors' rule, downhill and with their code's sign
QUERIED_CODES = ("stepped", "encoded")  # the code a queried cell keeps in the search (SearchConfig.queried_code)
STEP_LENGTHS = ("gradient", "spacing")
PREDICTORS = ("icnn", "mlp")  # the latent predictor the search steps on
DEVICES = ("auto", "cpu", "cuda")
READOUTS = ("sum", "mean")  # how the G-VAE pools node states into a graph embedding
DECODERS = ("reference", "residual")  # crlso_core/models/gvae.py
KL_REDUCTIONS = ("mean", "sum")
TEACHER_HEADS = ("reference", "pooled")  # crlso_core/models/predictor.py
# Settings version: 2 since the alignment with the authors' code (docs/fidelity.md), 3 since
# their teacher (T2, T3). A stored config without a version was written before the first: the
# settings that version 2 added take the values that model had (EARLIER_SETTINGS); one of
# version 1 or 2, the teacher it had (BEFORE_VERSION_3). So its run folder still loads and
# reads as trained.
SETTINGS_VERSION = 3
EARLIER_SETTINGS = {
    "teacher": {"keep_true_labels": True},
    "gvae": {"decoder": "residual", "kl": "sum", "icnn_biases": True},
    "search": {"finetune_betas": (0.9, 0.999), "finetune_weight_decay": 0.0, "finetune_lr_min": None,
               "queried_code": "encoded"},
}
BEFORE_VERSION_3 = {"teacher": {"head": "pooled"}}


@dataclass
class TeacherConfig:
    """The GNN predictor trained on the labelled cells (reference: 200 epochs, batch 32)."""

    hidden: int = 64
    layers: int = 4
    epochs: int = 200
    batch_size: int = 32
    lr: float = 1e-4
    lr_min: float = 1e-5  # cosine schedule floor
    betas: tuple[float, float] = (0.0, 0.5)
    # Learn (accuracy - mean) / std, not raw accuracy. Accuracies of a space's random cells
    # sit within a percent of one value: on raw targets a small labelled set trains only the
    # offset (docs/presets.md). NB301's and NB101's presets turn it on (catalog/scale_free.py);
    # NB201's committed bench was measured without it.
    standardise: bool = False
    # The latent's target for a labelled cell: the teacher's prediction, as for every other
    # cell (False, the authors'), or its measured accuracy (True, this project's earlier choice).
    keep_true_labels: bool = False
    # The network: the authors' ("reference": the one-hot nodes read directly, W bias-free, the
    # last layer's node states flattened into an MLP; it ranks the pool better, Kendall tau
    # +0.14 on NB201 at the paper preset, results/nb201_teacher_head.json) or this project's
    # earlier one ("pooled": embedded nodes, the sum-pooled states of every layer).
    head: str = "reference"


@dataclass
class GVAEConfig:
    """Joint G-VAE + ICNN training over every cell of the space."""

    latent: int = 16
    hidden: int = 256
    layers: int = 3
    decoder_blocks: int = 2
    epochs: int = 200
    batch_size: int = 256
    lr: float = 1e-4
    lr_min: float = 0.0
    betas: tuple[float, float] = (0.0, 0.5)
    weight_decay: float = 3e-5
    beta: float = 0.005  # KL weight
    kl: str = "mean"  # KL averaged over latent dimensions (the authors') or summed over them ("sum": `latent` x stronger)
    noise_scale: float = 0.01  # z = mu + noise_scale * eps * sigma while training
    icnn: bool = True  # False trains the unregularised "LS" latent space
    icnn_weight: float = 1.0
    icnn_hidden: int = 128
    icnn_layers: int = 4  # convex layers after the first, affine one (the authors': 4); the LSO MLP has this + 1 hidden layers
    icnn_biases: bool = False  # biases on the ICNN's skips and output (the authors' have none)
    decoder: str = "reference"  # "reference": tanh(Linear(z)) then the authors' residual layers; "residual": the earlier one
    grad_clip: float = 5.0
    readout: str = "sum"  # graph embedding: "sum" of node states (the reference) or "mean" (large graphs)


@dataclass
class SearchConfig:
    """The CR-LSO loop (crlso_core/search/crlso.py). The defaults are the authors' NB201
    settings (docs/fidelity.md). `rule="authors"` is their rule with the descent sign the
    paper states: a noisy copy of each top start's code, one gradient step, the first new
    decoded cell queried (`"authors-uphill"`: their code's sign, a diagnostic). `"ranked"`
    proposes steps of several lengths along each start's descent direction, with and without
    noise, and queries the decoded cells the predictor ranks best (the demo's default until
    this alignment, chosen on development seeds: docs/presets.md); `"ray"`
    walks each start's descent direction in steps of the codes' spacing and queries the
    first new cell; `"step"` is one noiseless step with growing retries; `"mixed"` ranks the
    starts' one-mutation neighbours among the ranked rule's proposals."""

    rule: str = "authors"
    predictor: str = "icnn"  # "mlp": unconstrained predictor (the plain-LSO ablation)
    top_k: int = 10  # starts a round steps from (ray: starts that found a cell), and queries a ranked round makes
    # ray and ranked rules: how far down the queried cells, best first, a round may look for
    # starts whose moves still reach new cells (0: all of them)
    start_depth: int = 0
    # ray rule: when fewer than top_k gradient rays reach a new cell, each of the top_k starts
    # tries up to ray_tries rays turned from its descent direction by ray_spread (a random unit
    # vector times it, so about 27 degrees at 0.5), kept downhill
    ray_tries: int = 8
    ray_spread: float = 0.5
    # The predictor's refit each round, as the authors': 50 epochs of batch 32, Adam (0, 0.5),
    # weight decay 1e-5, lr cosine 1e-4 -> 1e-5 (None: constant), noise on z and labels
    finetune_epochs: int = 50
    finetune_lr: float = 1e-4
    finetune_lr_min: Optional[float] = 1e-5
    finetune_batch: int = 32
    finetune_betas: tuple[float, float] = (0.0, 0.5)
    finetune_weight_decay: float = 1e-5
    z_noise: float = 0.05  # noise on z and labels while fine-tuning
    label_noise: float = 0.01
    # authors rule: std of the Gaussian noise added to a start's code before every try (absolute)
    restart_noise: float = 0.5
    # the code a queried cell keeps for later refits and starts: the point whose decoding
    # queried it ("stepped", the authors') or its encoded mu ("encoded", the earlier choice)
    queried_code: str = "stepped"
    eta0: float = 0.2  # first step; with step_length "spacing" (and always on the ray) in code spacings
    eta_step: float = 0.2  # how much each retry adds
    ray_step: float = 0.2  # ray rule: code spacings between its points
    max_retries: int = 20  # step rule: retries; ray: most points along one ray (spread evenly to its end)
    candidates_per_start: int = 32  # ranked rule: step sizes x noise draws per start
    explore_noise: float = 0.1  # ranked rule: std of the noise added to some proposals
    # "spacing": eta steps of the pool codes' median nearest-neighbour distance along
    # -grad f / |grad f|, so the predictor's output scale does not set how far a step goes
    # (NB201's ICNN and NB301's narrow errors gave steps that never left the start cell, and
    # every query was a fallback mutation). "gradient": z - eta * grad f (the reference).
    step_length: str = "spacing"
    # Fine-tune on standardised errors, then scale back: on raw errors of that spread the
    # predictor hardly learns from the queries.
    standardise_refit: bool = False


@dataclass
class RunConfig:
    version: int = SETTINGS_VERSION
    space: str = "nb201"
    dataset: str = "cifar10"
    preset: str = "demo"
    seed: int = 0
    pool: Optional[int] = None  # cells in the G-VAE's pool; None: the space's default (NB201: all 15,625)
    labelled: int = 300
    budget: int = 500
    device: str = "auto"
    teacher: TeacherConfig = field(default_factory=TeacherConfig)
    gvae: GVAEConfig = field(default_factory=GVAEConfig)
    search: SearchConfig = field(default_factory=SearchConfig)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "RunConfig":
        if not isinstance(data, dict) or not all(isinstance(data.get(k, {}), dict) for k in ("teacher", "gvae", "search")):
            raise CRLSOError("config.json does not describe a run: it is not an object of settings.")
        data = _upgrade(data)
        try:
            nested = {
                "teacher": _build(TeacherConfig, data.get("teacher", {})),
                "gvae": _build(GVAEConfig, data.get("gvae", {})),
                "search": _build(SearchConfig, data.get("search", {})),
            }
            top = {k: v for k, v in data.items() if k not in nested}
            return _build(cls, top, **nested)
        except TypeError as exc:
            raise CRLSOError(f"config.json does not describe a run: {exc}.") from None

    def validate(self) -> "RunConfig":
        """Types, choices and bounds. The bounds keep a config from a file from asking for
        more memory than any real run needs (a latent size of 10**8 would take tens of GB)."""
        from crlso_core.catalog.registry import get_spec

        for part, where in ((self, "config"), (self.teacher, "teacher"), (self.gvae, "gvae"), (self.search, "search")):
            check_types(part, f"Bad setting in {where}")
        get_spec(self.space).check_dataset(self.dataset)
        check_ranges(self, "Bad setting", {"seed": (0, 2**32 - 1), "labelled": (2, 10**6), "budget": (2, 10**7), "pool": (2, 10**7)})
        check_ranges(
            self.teacher,
            "Bad teacher setting",
            {
                "hidden": (1, 1024),
                "layers": (1, 16),
                "epochs": (1, 100_000),
                "batch_size": (1, 100_000),
                "lr": (1e-12, 10),
                "lr_min": (0, 10),
            },
        )
        check_ranges(self.gvae, "Bad G-VAE setting", {
            "latent": (1, 512), "hidden": (1, 2048), "layers": (1, 16), "decoder_blocks": (0, 16), "epochs": (1, 100_000),
            "batch_size": (1, 100_000), "lr": (1e-12, 10), "lr_min": (0, 10), "weight_decay": (0, 10), "beta": (0, 1e6),
            "noise_scale": (0, 1e3), "icnn_weight": (0, 1e6), "icnn_hidden": (1, 2048), "icnn_layers": (1, 16), "grad_clip": (1e-12, 1e12)})
        check_ranges(
            self.search,
            "Bad search setting",
            {
                "top_k": (1, 10_000),
                "start_depth": (0, 10**7),
                "ray_tries": (0, 10_000),
                "ray_spread": (0, 100),
                "finetune_epochs": (0, 100_000),
                "finetune_lr": (1e-12, 10),
                "finetune_lr_min": (0, 10),
                "finetune_weight_decay": (0, 10),
                "restart_noise": (0, 1e3),
                "finetune_batch": (1, 100_000),
                "z_noise": (0, 1e3),
                "label_noise": (0, 1e3),
                "eta0": (0, 1e6),
                "eta_step": (0, 1e6),
                "ray_step": (0, 1e6),
                "max_retries": (1, 10_000),
                "candidates_per_start": (1, 10_000),
                "explore_noise": (0, 1e3),
            },
        )
        checks = [
            (self.labelled >= 2, f"labelled cells must be at least 2, got {self.labelled}"),
            (
                self.budget >= self.labelled,
                f"budget ({self.budget}) must be at least the labelled cells ({self.labelled}), which count toward it",
            ),
            (self.device in DEVICES, f"device must be one of {', '.join(DEVICES)}, got {self.device!r}"),
            (self.gvae.readout in READOUTS, f"G-VAE readout must be one of {', '.join(READOUTS)}, got {self.gvae.readout!r}"),
            (self.search.rule in RULES, f"search rule must be one of {', '.join(RULES)}, got {self.search.rule!r}"),
            (
                self.search.step_length in STEP_LENGTHS,
                f"step length must be one of {', '.join(STEP_LENGTHS)}, got {self.search.step_length!r}",
            ),
            (self.search.predictor in PREDICTORS, f"predictor must be one of {', '.join(PREDICTORS)}, got {self.search.predictor!r}"),
            (
                self.pool is None or self.pool >= self.labelled,
                f"the pool ({self.pool}) must hold at least the labelled cells ({self.labelled})",
            ),
            (all(len(b) == 2 for b in (self.teacher.betas, self.gvae.betas, self.search.finetune_betas)), "Adam's betas are two numbers"),
            (self.gvae.decoder in DECODERS, f"decoder must be one of {', '.join(DECODERS)}, got {self.gvae.decoder!r}"),
            (self.gvae.kl in KL_REDUCTIONS, f"kl must be one of {', '.join(KL_REDUCTIONS)}, got {self.gvae.kl!r}"),
            (self.search.queried_code in QUERIED_CODES,
             f"queried_code must be one of {', '.join(QUERIED_CODES)}, got {self.search.queried_code!r}"),
            (not (self.search.standardise_refit and self.search.predictor == "icnn" and not self.gvae.icnn_biases),
             "standardise_refit shifts the ICNN's output, which needs icnn_biases on (the authors' ICNN has no bias)"),
            (self.version in range(1, SETTINGS_VERSION + 1),
             f"settings version must be 1 to {SETTINGS_VERSION}, got {self.version}"),
            (self.teacher.head in TEACHER_HEADS, f"teacher head must be one of {', '.join(TEACHER_HEADS)}, got {self.teacher.head!r}"),
        ]
        for ok, message in checks:
            if not ok:
                raise CRLSOError(f"Bad setting: {message}.")
        return self


def _upgrade(data: dict[str, Any]) -> dict[str, Any]:
    """A config of an earlier settings version as today's fields: the fields it lacks take the
    values its model had, and its icnn_layers, which counted the ICNN's first layer, counts
    convex layers (a stored value wins over EARLIER_SETTINGS)."""
    if "version" not in data:
        data = {**data, "version": 1}
        for part, earlier in EARLIER_SETTINGS.items():
            data[part] = {**earlier, **data.get(part, {})}
        if "ray_step" not in data["search"] and "eta_step" in data["search"]:
            data["search"]["ray_step"] = data["search"]["eta_step"]  # the ray walked in eta_step spacings
        if isinstance(data["gvae"].get("icnn_layers"), int):
            data["gvae"]["icnn_layers"] = max(data["gvae"]["icnn_layers"] - 1, 1)
    if isinstance(data["version"], int) and data["version"] < 3:
        data = {**data, **{part: {**earlier, **data.get(part, {})} for part, earlier in BEFORE_VERSION_3.items()}}
    return data


def _build(cls, data: dict[str, Any], **extra):
    known = {f.name for f in fields(cls)}
    unknown = set(data) - known
    if unknown:
        raise TypeError(f"unknown {cls.__name__} field(s) {', '.join(sorted(unknown))}")
    values = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items()}
    return cls(**values, **extra)
