"""Each space's record for the registry: its names, datasets, data files, pool size, how
long its presets take and how its presets differ from the defaults, each with one line of
why (the measurements that chose them, and their commands, are in docs/presets.md). The
spaces and benchmarks themselves know nothing of this."""

from __future__ import annotations

from crlso_core.benchmarks import nb101, nb201, nb301
from crlso_core.catalog.scale_free import scale_free
from crlso_core.catalog.spec import SpaceSpec
from crlso_core.spaces.nb101.space import NB101Space
from crlso_core.spaces.nb201 import NB201Space
from crlso_core.spaces.nb301.space import NB301Space

NB201 = SpaceSpec(
    name="nb201",
    title="NAS-Bench-201",
    about="15,625 cells: 4 nodes, 6 edges, one of 5 ops on each edge",
    space=NB201Space,
    load_benchmark=nb201.load_nb201,
    datasets=nb201.DATASETS,
    data_files={nb201.DEFAULT_TABLE: nb201.HOW_TO_GET},
    preset_times={  # what the Train page promises; docs/presets.md has each measurement
        "smoke": "about 10 s for a pair: for a first look, nothing learned",
        "lesson": ("this page's job (both sides trained, no search): median 39 s over 3 runs on a 2-core AMD EPYC CPU "
                   "with nothing else running; 3 to 6.5 min beside a 2-worker bench, 29 min at load average 8 to 15"),
        "demo": "about 80 s for a pair on a 2-core CPU",
        "paper": "about 25 min for a pair on a 2-core CPU, the authors' settings",
    },
    # the ray rule's points half a code spacing apart: its best spacing on development seeds
    preset_overrides={name: {"search": {"ray_step": 0.5}} for name in ("smoke", "lesson", "demo", "paper")},
)

NB301_TEACHER = {"head": "pooled"}  # see NB301's presets

NB301 = SpaceSpec(
    name="nb301",
    title="NAS-Bench-301",
    about="about 10^18 DARTS cells (a normal and a reduction cell, 4 nodes of 2 ops from 7); surrogate accuracies",
    space=NB301Space,
    load_benchmark=nb301.load_nb301,
    datasets=nb301.DATASETS,
    data_files={name: nb301.HOW_TO_GET[name] for name in (nb301.MODEL_FILE, nb301.ENCODING_FILE)},
    pool_size=100_000,
    browse_sample=5000,
    reference=("the 500 NASLib reference genotypes", nb301.reference_genotypes),
    preset_times={"smoke": "about 15 s for a pair: for a first look, nothing learned",
                  "lesson": ("not measured as this page's job; `crlso run` (searched too) took about 1 min a side on 2 idle "
                             "cores and reconstructs no genotype: a demo pair is worth showing (the shipped example is one)"),
                  "demo": "about 17 min for a pair on a 2-core CPU (each side about 8.5 min); about 2 min a side on an H200 GPU",
                  "paper": "not measured here: a pool of 100,000 genotypes and 200 epochs are for a GPU"},
    # a mean readout, and past smoke a 64-d latent: in 16-d a genotype's ~60 bits hardly learnt. The teacher is
    # this project's (no authors' NB301 code to follow): the authors' NB201 one, flattening NB301's 14 node slots,
    # ranked worse on development seeds (Kendall tau -0.056 +- 0.018, results/nb301_teacher_head.json)
    preset_overrides={
        "smoke": scale_free(pool=1_000, teacher=NB301_TEACHER, gvae={"readout": "mean"}),  # a small pool, so tests stay quick
        # a pair in about 2 min, which reconstructs nothing: no NB301 G-VAE that reconstructs trains that fast on 2 cores
        "lesson": scale_free(labelled=50, budget=150, pool=2_000, teacher={**NB301_TEACHER, "epochs": 60},
                             gvae={"readout": "mean", "latent": 64, "epochs": 30, "batch_size": 32}),
        # the paper's 100 labelled and 300 queries; the smallest pool and schedule measured to reconstruct
        "demo": scale_free(labelled=100, budget=300, pool=10_000, teacher=NB301_TEACHER,
                           gvae={"readout": "mean", "latent": 64, "epochs": 60, "batch_size": 64}),
        "paper": scale_free(labelled=100, budget=300, teacher=NB301_TEACHER,  # the paper's NB301 setting
                            gvae={"readout": "mean", "latent": 64}),
    },
)

NB101 = SpaceSpec(
    name="nb101",
    title="NAS-Bench-101",
    about=("423,624 cells: DAGs of up to 7 vertices and 9 edges, one of 3 ops on each middle vertex; the offline table "
           "answers 30,001 of them (108-epoch validation, best of 3 runs; no test accuracy)"),
    space=NB101Space,
    load_benchmark=nb101.load_nb101,
    datasets=nb101.DATASETS,
    data_files=nb101.HOW_TO_GET,
    pool_size=None,  # the benchmark's own cells: the 30,001 of the offline table
    browse_sample=5000,
    preset_times={"smoke": "about 12 s for a pair: for a first look, nothing learned",
                  "lesson": ("not measured as this page's job; `crlso run` (searched too) took about half a minute a side "
                             "on 2 idle cores and reconstructs 99 % of its pool"),
                  "demo": "about 5 min a run on a 2-core CPU, search included; a searched pair is two such runs",
                  "paper": "not measured end to end: about 3 h of G-VAE training a side on a 2-core CPU, for a GPU"},
    preset_overrides={
        "smoke": scale_free(pool=1_000, gvae={"readout": "mean"}),  # 1,000 of the table's cells, in seconds
        "lesson": scale_free(labelled=50, budget=300, pool=3_000,  # a pair while a class waits
                             gvae={"readout": "mean", "latent": 32, "epochs": 20, "batch_size": 64}),
        # the bench's 100 labelled and 900 queries on all 30,001 cells: 3 epochs reconstruct, 20 (~6.5 min) shape the latent
        "demo": scale_free(labelled=100, budget=900, gvae={"readout": "mean", "latent": 64, "epochs": 20, "batch_size": 64}),
        "paper": scale_free(labelled=100, budget=900,  # the paper's NB101 setting
                            gvae={"readout": "mean", "latent": 64, "hidden": 512, "beta": 0.1, "batch_size": 512}),
    },
)

SPACES = (NB201, NB301, NB101)  # in menu order
