"""What each `crlso` subcommand does, once its options are parsed (cli_parser.py): run,
train, search, runs, bench, figures, app and data; progress shows as one tqdm bar per
stage on stderr. Errors are raised, for cli.py's one error boundary to print."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from crlso_core.catalog import registry
from crlso_core.catalog.presets import preset
from crlso_core.common.errors import CRLSOError
from crlso_core.common.progress import ProgressEvent

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


def dispatch(args: argparse.Namespace, bars: ProgressBars) -> None:
    """Do what the parsed command line asks."""
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


