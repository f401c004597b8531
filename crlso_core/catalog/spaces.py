"""Each space's record for the registry: its names, datasets, data files, pool size, how
long its presets take and how its presets differ from the defaults (with the measurements
that chose them). The spaces and benchmarks themselves know nothing of this."""

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
    # measured on a 2-core CPU: smoke in the fresh-clone trial, demo in the classroom trial,
    # paper in the paper-preset bench (BENCHMARKS.md)
    preset_times={
        "smoke": "about 10 s for a pair: for a first look, nothing learned",
        "lesson": ("this page's job (both sides trained, no search) took 29 min in the one run measured, on a 2-core "
                   "AMD EPYC shared with other jobs (load average 8 to 15; benchmarks/lesson_time.py); a second run with one "
                   "core to itself took 12 min for LS and had not finished CR-LS after 25 min (cut there). Earlier, "
                   "`crlso run` took LS 34 s + CR-LS 33 s, each trained and searched (seed 1); reconstruction "
                   "100 % / 100 %, teacher Kendall tau 0.65, latent predictor's tau 0.58 / 0.62"),
        "demo": "about 80 s for a pair on a 2-core CPU",
        "paper": ("about 25 min for a pair on a 2-core CPU, the authors' settings: one side, searched, took 12-13 min "
                  "on one core (`crlso bench --preset paper`, CIFAR-10 seeds 0-1)"),
    },
    # The ray rule's points half a code spacing apart: on CIFAR-10 development seeds 101-102
    # (both sides, 3 search seeds each; benchmarks/search_settings.py) its best setting, mean best
    # validation accuracy 91.53 / 91.57 / 91.59 at 350 / 400 / 500 queries against 91.44 / 91.52 /
    # 91.57 at 0.2 spacings. The search rule stays the default (ranked): over 8 development runs
    # (seeds 101-102, all three datasets, both sides) it led the ray rule, minus REA's mean
    # +0.01 / +0.05 / +0.05 against -0.05 / +0.01 / -0.00 (turned rays) or +0.01 / +0.03 / +0.02
    # with the ray's fallbacks, which took up to 25 % of its queries on CR-LS.
    preset_overrides={name: {"search": {"ray_step": 0.5}} for name in ("smoke", "lesson", "demo", "paper")},
)

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
    # The paper's NB301 setting: 100 labelled cells, budgets up to 300. The smoke pool is
    # small so tests stay quick. The demo's was measured (G-VAE alone, seed 1): 10,000
    # genotypes, batch 64, 60 epochs reconstruct 100 % of the pool and 99.9 % of 2,000 unseen
    # genotypes in 8.5 min on 2 cores; 20,000 at batch 128 for 30 epochs gave 57 %. A 64-d
    # latent: in 16-d the ~60 bits of a genotype hardly learnt at all.
    # measured on a 2-core CPU: a smoke run takes about 5 s; the demo pair darts-pair took
    # 517 s (LS) and 515 s (CR-LS) through train_pair, search included; one CR-LS demo run on
    # an H200 took 106 s (G-VAE 1.4 s per epoch)
    preset_times={"smoke": "about 15 s for a pair: for a first look, nothing learned",
                  "lesson": ("this page's job (training only) not measured; `crlso run` took LS 59 s + CR-LS 60 s on "
                             "2 idle cores, each trained and searched (seed 1); and not worth showing: reconstruction 0 % on "
                             "both sides, teacher Kendall tau 0.48, latent predictor's tau 0.25 / 0.36; a demo pair is worth "
                             "showing (the shipped example is one)"),
                  "demo": "about 17 min for a pair on a 2-core CPU (each side about 8.5 min); about 2 min a side on an H200 GPU",
                  "paper": "not measured here: a pool of 100,000 genotypes and 200 epochs are for a GPU"},
    preset_overrides={
        "smoke": scale_free(pool=1_000, gvae={"readout": "mean"}),
        "lesson": scale_free(labelled=50, budget=150, pool=2_000, teacher={"standardise": True, "epochs": 60},
                             gvae={"readout": "mean", "latent": 64, "epochs": 30, "batch_size": 32}),
        "demo": scale_free(labelled=100, budget=300, pool=10_000,
                           gvae={"readout": "mean", "latent": 64, "epochs": 60, "batch_size": 64}),
        "paper": scale_free(labelled=100, budget=300, gvae={"readout": "mean", "latent": 64}),
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
    # The paper's NB101 setting (latent 64, hidden 512, KL weight 0.1, batch 512), with the
    # bench's 100 labelled cells and budgets up to 900. Smoke: 1,000 of the table's cells, in
    # seconds. Demo: the table's 30,001 cells; one G-VAE epoch measured (benchmarks/
    # nb101_demo_speed.py, nice 19, one thread, a 2-core machine busy with another job): 19.4 s
    # at batch 64, 16.8 at 128, 16.5 at 256; at batch 64, 3 epochs already reconstruct 99.97 %
    # of the pool and 99.9 % of 2,000 held-out random cells, so 20 epochs (~6.5 min) leave the
    # ICNN's convexity term time within ~10 min. A demo run with 1 G-VAE epoch took teacher
    # 4.3 s, G-VAE 32 s (encoding and the held-out check included), search 38 s (800 queries).
    # Paper: one epoch at batch 512, hidden 512 took 52 s there, so its 200 epochs are ~3 h a side.
    # smoke measured: the test suite's NB101 pair (both sides trained and searched, REA beside) took 11.8 s
    # demo measured alone on the 2-core machine, `crlso run --space nb101 --preset demo --seed 101`:
    # 290 s (teacher 3.3 s, G-VAE + ICNN 251 s, search 35 s). The search took 294 s on the raw
    # scale: its steps stalled at their start cells, so 549 of 634 rounds queried one cell, each
    # after a full fine-tuning; in code spacing about 10 cells a round.
    preset_times={"smoke": "about 12 s for a pair: for a first look, nothing learned",
                  "lesson": ("this page's job (training only) not measured; `crlso run` took LS 25 s + CR-LS 29 s on "
                             "2 idle cores, each trained and searched (seed 1); reconstruction 99.8 % / 99.2 % "
                             "(unseen cells 98.9 % / 97.0 %), teacher Kendall tau 0.58, latent predictor's tau 0.57 / 0.59"),
                  "demo": ("about 5 min a run on a 2-core CPU (G-VAE + ICNN 4.2 min, search of 800 queries 35 s), "
                           "a searched pair is two such runs"),
                  "paper": ("not measured end to end: about 3 h of G-VAE training a side on a 2-core CPU (one epoch "
                            "measured, 52 s, times 200): for a GPU")},
    preset_overrides={
        "smoke": scale_free(pool=1_000, gvae={"readout": "mean"}),
        "lesson": scale_free(labelled=50, budget=300, pool=3_000,
                             gvae={"readout": "mean", "latent": 32, "epochs": 20, "batch_size": 64}),
        "demo": scale_free(labelled=100, budget=900, gvae={"readout": "mean", "latent": 64, "epochs": 20, "batch_size": 64}),
        "paper": scale_free(labelled=100, budget=900,
                            gvae={"readout": "mean", "latent": 64, "hidden": 512, "beta": 0.1, "batch_size": 512}),
    },
)

SPACES = (NB201, NB301, NB101)  # in menu order
