"""The `crlso` command: run, train, search, list runs, and build benchmark tables.

One error boundary: errors a user can cause (a CRLSOError, a bad option, a full disk, a
folder that cannot be written) print one line and exit 2; SIGINT and SIGTERM stop the
work, discard the unfinished stage and exit 130 / 143; anything else is a bug, printed
as one line with the error log's path (where the traceback went) and exit 1."""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import Optional, Sequence

from crlso_core.catalog import registry
from crlso_core.catalog.config import DEVICES, PREDICTORS, RULES
from crlso_core.catalog.presets import PRESET_NAMES, preset
from crlso_core.common.errors import CRLSOError, describe_os_error
from crlso_core.common.progress import ProgressEvent


class OneLineParser(argparse.ArgumentParser):
    """A bad option is one line, like every other error."""

    def error(self, message: str):
        print(f"crlso: error: {message} (see `{self.prog} --help`)", file=sys.stderr)
        raise SystemExit(2)


class Terminated(BaseException):
    """SIGTERM (what timeout, kill and container stops send): unwind like Ctrl-C, so the
    unfinished stage is discarded on the way out."""


BAR_UNITS = {"search": " queries", "check": " steps", "nb101-table": "B"}
BYTE_STAGES = {"nb101-table"}  # steps are bytes read: shown as kB, MB


class ProgressBars:
    """One tqdm bar per stage, fed by the same progress callback the app uses."""

    def __init__(self, enabled: bool = True):
        self.enabled, self.stage, self.bar = enabled, None, None

    def __call__(self, event: ProgressEvent) -> None:
        if not self.enabled:
            return
        from tqdm import tqdm

        if event.stage != self.stage:
            self.close()
            self.stage = event.stage
            self.bar = tqdm(total=event.total, desc=event.stage, unit=BAR_UNITS.get(event.stage, " ep"),
                            unit_scale=event.stage in BYTE_STAGES, leave=True, file=sys.stderr)
        self.bar.n = event.step
        self.bar.set_postfix({k: f"{v:.4g}" for k, v in event.metrics.items()}, refresh=False)
        self.bar.refresh()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


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


def _config_from(args: argparse.Namespace):
    dataset = args.dataset or registry.get_spec(args.space).default_dataset
    config = preset(
        args.preset, space=args.space, dataset=dataset, seed=args.seed,
        budget=getattr(args, "budget", None), labelled=args.labelled, device=args.device, pool=args.pool,
    )
    if args.rule:
        config.search.rule = args.rule
    if args.predictor:
        config.search.predictor = args.predictor
    if args.no_icnn:
        config.gvae.icnn = False
    return config.validate()


def _runs_dir(args: argparse.Namespace) -> Path:
    from crlso_core.store.folder import default_root

    return args.runs_dir if args.runs_dir is not None else default_root()


def _out_dir(args: argparse.Namespace, config) -> Path:
    from crlso_core.store.folder import new_run_dir

    if args.out:
        return args.out
    tag = "ls" if not config.gvae.icnn else "crls"
    return new_run_dir(_runs_dir(args), f"{config.space}-{config.dataset}-{config.preset}-{tag}-s{config.seed}")


def _print_summary(summary, run_dir: Path) -> None:
    from crlso_core.search.origins import Origins

    print(json.dumps(summary.headline(), indent=2))
    if summary.complete and summary.query_origins:
        print(f"query origins: {Origins.from_counts(summary.query_origins).describe()}")
    print(f"run folder: {run_dir}")


def _bench(args: argparse.Namespace) -> None:
    from crlso_core.bench.grid import BenchPlan, parse_list, parse_seeds, run_bench
    from crlso_core.bench.report import write_report

    datasets = parse_list(args.datasets) if args.datasets else list(registry.get_spec(args.space).datasets)
    plan = BenchPlan(
        args.space, datasets, parse_list(args.methods), parse_seeds(args.seeds),
        sorted(parse_list(args.budgets, int)), args.preset, args.workers, args.device, args.backend, args.address,
        parse_list(args.rules),
    )
    bar = None

    def progress(done: int, total: int, what: str) -> None:
        nonlocal bar
        if args.quiet:
            return
        from tqdm import tqdm

        bar = bar or tqdm(total=total, desc="bench", unit=" runs", file=sys.stderr)
        bar.n = done
        bar.set_postfix_str(what, refresh=True)

    try:
        results = run_bench(plan, args.out, args.data_dir, progress, argv=args.argv)
    finally:
        if bar is not None:
            bar.close()
    summary = write_report(args.out, registry.load_benchmark(args.space, args.data_dir))
    print(summary.read_text())
    print(f"results: {results}")


def _shown(value, missing: str = "-") -> str:
    return missing if value is None else f"{value:.2f}"


def _figures(args: argparse.Namespace) -> None:
    from crlso_core.bench.figure_stats import FigurePlan, compare, markdown, run_figures
    from crlso_core.bench.grid import parse_list, parse_seeds

    dataset = args.dataset or registry.get_spec(args.space).default_dataset
    registry.get_spec(args.space).check_dataset(dataset)
    plan = FigurePlan(args.space, dataset, parse_list(args.presets), parse_seeds(args.seeds), args.device)

    def progress(done: int, total: int, what: str) -> None:
        if not args.quiet:
            print(f"figures: {done}/{total} pairs · {what}", file=sys.stderr, flush=True)

    path = run_figures(plan, args.out, args.data_dir, progress)
    print(markdown(compare(path)))
    print(f"results: {path}")


def _app(args: argparse.Namespace) -> None:
    """Start the explorer, found as an installed package (the core never imports it); it
    stops with crlso, whatever stops crlso (explorer_process.py)."""
    import importlib.util

    from crlso_core.explorer_process import check_address, environment, serve, signal_name

    found = importlib.util.find_spec("crlso_app")
    if found is None or found.origin is None:
        raise CRLSOError("The explorer (the crlso_app package) is not installed; install the project with `pip install .`.")
    check_address(args.host, args.port)
    print(f"CR-LSO explorer: http://{args.host}:{args.port} answers once it has loaded the example runs (the line "
          "'Warmed up in … s' below says when; Ctrl-C stops it)", flush=True)
    # the app's launcher warms the pages' caches, then runs `streamlit run` in its own process
    code, last, stopped_by = serve([sys.executable, "-m", "crlso_app.launch", str(Path(found.origin).parent / "main.py"),
                                    "--server.address", args.host, "--server.port", str(args.port)],
                                   environment(args.runs_dir))
    if stopped_by is not None:
        print(f"crlso: the explorer stopped ({signal_name(stopped_by)}); its server is closed.", file=sys.stderr, flush=True)
    elif code not in (0, -2, 130):
        said = f": {last[:200]}" if last else "; its messages are above"
        raise CRLSOError(f"The explorer stopped with exit code {code}{said}.")


def _dispatch(args: argparse.Namespace, bars: ProgressBars) -> None:
    if args.command in ("run", "train"):
        from crlso_core.pipeline.run import full_run, train_run

        config = _config_from(args)
        out = _out_dir(args, config)
        job = full_run if args.command == "run" else train_run
        summary = job(config, out, args.data_dir, bars, index_root=_runs_dir(args))
        bars.close()
        _print_summary(summary, out)
    elif args.command == "search":
        from crlso_core.pipeline.run import search_run
        from crlso_core.store.copies import writable_run

        run = writable_run(args.run, _runs_dir(args))  # a shipped example: a copy in the runs folder, said in one line
        summary = search_run(run, args.data_dir, args.budget, args.rule, bars, index_root=_runs_dir(args))
        bars.close()
        _print_summary(summary, run)
    elif args.command == "runs":
        from crlso_core.store.index import list_runs

        for r in list_runs(_runs_dir(args)):
            s = r.summary
            print(f"{r.name}\t{s.status}\t{s.space}\t{s.dataset}\tvalid={_shown(s.best_valid_acc)}\ttest={_shown(s.best_test_acc, 'none')}")
    elif args.command == "bench":
        _bench(args)
    elif args.command == "figures":
        _figures(args)
    elif args.command == "app":
        _app(args)
    elif args.command == "data" and args.data_command == "build-nb101":
        from crlso_core.benchmarks.readers.nb101_official_table import build_table
        from crlso_core.common.files import check_output

        built = build_table(args.tfrecord, check_output(args.out, [args.tfrecord], args.force), bars)
        bars.close()
        print(f"wrote {built.cells:,} cells ({built.records:,} runs, epoch budgets {', '.join(map(str, built.budgets))}) "
              f"to {built.out} in {built.seconds:.1f} s (CRC32C: {built.crc32c})")
    elif args.command == "data":
        from crlso_core.benchmarks.readers.nats_simple import read_nats_simple, write_table
        from crlso_core.common.files import check_output

        if args.pth:
            raise CRLSOError("The official .pth file can only be read by unpickling it, which would run any code it holds; "
                             "this program never does that with a file it is handed. Use the NATS-Bench 'simple' folder (--nats-dir).")
        sources = [p for p in args.nats_dir.iterdir()] if args.nats_dir.is_dir() else [args.nats_dir]
        out = check_output(args.out, sources, args.force)
        rows = read_nats_simple(args.nats_dir, args.epochs)
        write_table(rows, out)
        print(f"wrote {len(rows)} cells to {args.out}")


@contextmanager
def _notes():
    """A DataFallback (a named data folder without a file; the package's copy used) is one
    line on stderr, once; other warnings are shown as Python shows them."""
    from crlso_core.benchmarks.data_dir import DataFallback

    shown: set[str] = set()
    with warnings.catch_warnings():
        warnings.simplefilter("always", DataFallback)
        default = warnings.showwarning

        def show(message, category, filename, lineno, file=None, line=None):
            if not issubclass(category, DataFallback):
                return default(message, category, filename, lineno, file, line)
            if str(message) not in shown:
                shown.add(str(message))
                print(f"crlso: note: {message}", file=sys.stderr, flush=True)

        warnings.showwarning = show
        yield


def _on_sigterm(signum, frame):
    raise Terminated()


def main(argv: Optional[Sequence[str]] = None) -> int:
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # --help, or a bad option already said in one line
        return int(exc.code or 0)
    args.argv = list(sys.argv) if argv is None else ["crlso", *argv]  # what plan.json records
    bars = ProgressBars(enabled=not getattr(args, "quiet", False))
    import signal
    import threading

    handler = signal.signal(signal.SIGTERM, _on_sigterm) if threading.current_thread() is threading.main_thread() else None
    try:
        with _notes():
            _dispatch(args, bars)
        return 0
    except CRLSOError as exc:
        return _fail(bars, f"crlso: error: {exc}", 2)
    except KeyboardInterrupt:
        return _fail(bars, "crlso: interrupted; finished files are kept, the unfinished stage was discarded.", 130)
    except Terminated:
        return _fail(bars, "crlso: terminated; finished files are kept, the unfinished stage was discarded.", 143)
    except OSError as exc:  # a full disk, a folder that cannot be written, a file in the way
        return _fail(bars, f"crlso: error: {describe_os_error(exc)}", 2)
    except MemoryError:
        return _fail(bars, "crlso: error: out of memory; use a smaller preset, pool or batch.", 2)
    except Exception as exc:  # a bug: one line here, the traceback in the error log
        from crlso_core.common.errorlog import log_exception

        where = log_exception(exc, f"crlso {args.command}")
        return _fail(bars, f"crlso: unexpected error ({type(exc).__name__}: {str(exc)[:200]}). This is a bug; "
                           f"the traceback is in {where}. Please report it.", 1)
    finally:
        if handler is not None:
            signal.signal(signal.SIGTERM, handler)


def _fail(bars: ProgressBars, message: str, code: int) -> int:
    bars.close()
    print(message, file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
