"""The `crlso` command's options: every subcommand, its arguments and their help. A bad
option is one line on stderr and exit 2, like every other error (cli.py)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from crlso_core.catalog import registry
from crlso_core.catalog.config import DEVICES, PREDICTORS, RULES
from crlso_core.catalog.presets import PRESET_NAMES, preset


class OneLineParser(argparse.ArgumentParser):
    """A bad option is one line, like every other error."""

    def error(self, message: str):
        print(f"crlso: error: {message} (see `{self.prog} --help`)", file=sys.stderr)
        raise SystemExit(2)


def _datasets_help() -> str:
    return "; ".join(f"{s.name}: {', '.join(s.datasets)}" for s in registry.specs())


def _add_space(p: argparse.ArgumentParser) -> None:
    p.add_argument("--space", choices=registry.names(), default="nb201",
                   help="; ".join(f"{s.name}: {s.title}, {s.about}" for s in registry.specs()))


def _demo_default(field: str) -> str:
    """What the demo preset sets `field` to in each space: the presets differ by space."""
    values = ", ".join(f"{name} {getattr(preset('demo', space=name), field)}" for name in registry.names())
    return f"default: the preset's; demo: {values}"


def _add_run_options(p: argparse.ArgumentParser, with_budget: bool = True) -> None:
    _add_space(p)
    p.add_argument("--dataset", help=f"the space's dataset (default: its first) - {_datasets_help()}")
    p.add_argument("--preset", choices=PRESET_NAMES, default="demo")
    p.add_argument("--seed", type=int, default=0)
    if with_budget:
        p.add_argument("--budget", type=int, help=f"total benchmark queries, labelled cells included ({_demo_default('budget')})")
    p.add_argument("--labelled", type=int, help=f"labelled cells drawn at random ({_demo_default('labelled')})")
    p.add_argument(
        "--pool",
        type=int,
        help="cells in the G-VAE's pool (default: the preset's; NB201 all 15,625, NB301 demo 10,000 random genotypes, "
        "NB101 the table's 30,001)",
    )
    p.add_argument("--rule", choices=RULES, help="search rule (default: the preset's; authors is the authors' rule, docs/fidelity.md)")
    p.add_argument("--predictor", choices=PREDICTORS, help="latent predictor used by the search")
    p.add_argument("--no-icnn", action="store_true", help="train the unregularised latent space (LS)")
    p.add_argument("--device", choices=DEVICES, default="auto")
    p.add_argument("--out", type=Path, help="run folder (default: RUNS_DIR/<name>-<time>)")
    _add_runs_dir(p)


def _add_runs_dir(p: argparse.ArgumentParser) -> None:
    p.add_argument("--runs-dir", type=Path, help="where runs and their index live (default: $CRLSO_RUNS, else ./runs)")


def _add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data-dir", type=Path, help="benchmark data folder (else $CRLSO_DATA_DIR, ./data, ../shared/data)")
    p.add_argument("--quiet", action="store_true", help="no progress bars")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="crlso", description="CR-LSO: convex latent-space search over NAS benchmarks.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("run", help="train, then search; print the summary")
    _add_run_options(p)
    _add_common(p)
    p = sub.add_parser("train", help="train the teacher and the G-VAE (+ICNN) into a run folder")
    _add_run_options(p)
    _add_common(p)
    p = sub.add_parser("search", help="search from a trained run folder")
    p.add_argument("--run", type=Path, required=True, help="a folder written by `crlso train` or `crlso run`")
    p.add_argument("--budget", type=int)
    p.add_argument("--rule", choices=RULES)
    _add_runs_dir(p)
    _add_common(p)
    p = sub.add_parser("runs", help="list the runs in a runs folder")
    _add_runs_dir(p)

    p = sub.add_parser("bench", help="compare search methods over datasets, seeds and budgets (resumable)")
    _add_space(p)
    p.add_argument("--datasets", help=f"comma list (default: all of the space's) - {_datasets_help()}")
    p.add_argument("--methods", default="crlso,lso,rea,rs,local", help="comma list; see the README for all methods")
    p.add_argument("--seeds", default="0-9", help="a range (0-9) or a list (0,1,2)")
    p.add_argument("--budgets", default="100,200,300,500")
    p.add_argument("--preset", choices=PRESET_NAMES, default="demo", help="training preset of the latent methods")
    p.add_argument("--rules", default="", help=f"comma list of search rules ({', '.join(RULES)}): each latent method without a "
                   "rule of its own runs once per rule, on one training (default: the preset's rule)")
    p.add_argument(
        "--workers", type=int, default=1, help="parallel processes (with --backend ray and no --address: the local Ray's jobs at a time)"
    )
    p.add_argument("--device", choices=DEVICES, default="auto")
    p.add_argument("--backend", choices=("process", "ray"), default="process",
                   help="process: worker processes on this machine; ray: one Ray task per job (see the README)")
    p.add_argument("--address", help="with --backend ray: the Ray cluster's head, e.g. 10.0.0.5:6379 (default: start a local Ray)")
    p.add_argument("--out", type=Path, required=True)
    _add_common(p)

    p = sub.add_parser("app", help="start the explorer in the browser (http://127.0.0.1:8501)")
    p.add_argument("--port", type=int, default=8501)
    p.add_argument("--host", default="127.0.0.1",
                   help="the address to listen on; anything but 127.0.0.1 lets whoever reaches it train and delete runs")
    _add_runs_dir(p)

    p = sub.add_parser("figures", help="train LS/CR-LS pairs over seeds and measure every figure's statistic (resumable)")
    _add_space(p)
    p.add_argument("--dataset", help="the space's dataset (default: its first)")
    p.add_argument("--presets", default="demo", help="comma list of presets, e.g. demo,paper")
    p.add_argument("--seeds", default="0-4", help="a range (0-4) or a list (0,1,2)")
    p.add_argument("--device", choices=DEVICES, default="auto")
    p.add_argument("--out", type=Path, required=True, help="folder for the pairs and figures.csv")
    _add_common(p)

    data = sub.add_parser("data", help="build benchmark tables from official files")
    dsub = data.add_subparsers(dest="data_command", required=True)
    p = dsub.add_parser("build-nb201", help="NB201 table from the official NATS-Bench 'simple' folder or .pth")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--nats-dir", type=Path, help="official NATS-tss-v1_0-3ffb9-simple folder")
    src.add_argument("--pth", type=Path, help="refused: the official .pth can only be read by unpickling it; use --nats-dir")
    p.add_argument("--out", type=Path, required=True, help="the table to write (gzipped when it ends in .gz); a new file unless --force")
    p.add_argument("--force", action="store_true", help="replace --out when it is an existing file (never the input)")
    p.add_argument("--epochs", choices=["200", "12"], default="200")
    p = dsub.add_parser("build-nb101", help="NB101 table from the official nasbench_only108 or nasbench_full .tfrecord (no TensorFlow)")
    p.add_argument("--tfrecord", type=Path, required=True, help="official nasbench_only108.tfrecord or nasbench_full.tfrecord")
    p.add_argument("--out", type=Path, required=True,
                   help="the table to write (gzipped when it ends in .gz, e.g. nb101_official.csv.gz); written whole or not at all")
    p.add_argument("--force", action="store_true", help="replace --out when it is an existing file (never the input)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser


