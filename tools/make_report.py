"""Write BENCHMARKS.md from the committed bench results of every space, and the speed and
app-speed JSON files.

    python -m tools.make_report [--bench DIR [--bench DIR2 ...]]

With --bench, first copies that finished `crlso bench` folder (or several of one space,
their rows side by side and never averaged across presets, rules or settings) into results/
(<space>.csv, <space>_curves.csv), and its plan.json (<space>_plan.json); <space>_meta.json
takes the command, commit, times, machine and device from plan.json, which the bench wrote
itself (a folder without plan.json is refused: nothing here retypes a command or guesses a
machine). Then, for every registered space with committed results, stitches the sections
the bench's report renders (crlso_core/bench/report.py) from the committed files, each read
once, and redraws its plot (<space>_curves.png). Results committed before plan.json keep
the command their meta file recorded by hand, rendered as recorded. A bench that
reran only some methods: `--keep rea,rs,local` keeps the committed rows of methods it did not
run, and `--earlier "what changed"` moves the other committed rows to <space>_earlier.csv.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from crlso_core.bench import plan as bench_plan
from crlso_core.bench.figure_stats import compare, reference_path
from crlso_core.bench.figure_stats import markdown as figures_markdown
from crlso_core.bench.folder import read_own
from crlso_core.bench.report import TEST_NOTE, Report, draw, legend, tables
from crlso_core.bench.results import CURVE_FILE, RECON_FILE, RESULT_FILE, BenchRows, read, write_rows
from crlso_core.bench.tables import ablation_table, changed_table, markdown_table, paired_table, summarise
from crlso_core.benchmarks import NO_TEST
from crlso_core.catalog import registry
from crlso_core.common.errors import CRLSOError
from crlso_core.common.files import MAX_JSON_BYTES, write_bytes_atomic, write_json

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "results"  # results/__init__.py names the same folder; a module attribute, so tests can point it elsewhere


def utilisation_line(u: dict) -> str:
    """How near the hardware's limit training runs: the step's FLOP/s over the matmul peak."""
    step, enc = u["step"], u["encoder"]
    before = step.get("ms_item_per_step")
    was = (f" (with the three .item() reads per step the loop made before: {before:.1f} ms, "
           f"{100 * step['gflop'] / before * 1e3 / u['matmul_peak_gflop_per_s']:.0f} %)") if before else ""
    return (f"Utilisation on {u['device']} ({u['threads']} threads; `python -m measurements.speed --only utilisation`): "
            f"the paper-size joint G-VAE + ICNN training step (NB201, batch {u['batch_size']}) does {step['gflop']:.2f} GFLOP "
            f"in {step['ms']:.1f} ms, {step['gflop_per_s']:.0f} GFLOP/s, **{100 * step['utilisation']:.0f} %** of the fp32 matmul peak "
            f"measured beside it ({u['matmul_peak_gflop_per_s']:.0f} GFLOP/s){was}; the encoder alone (forward + backward) "
            f"{enc['gflop']:.2f} GFLOP in {enc['ms']:.1f} ms, **{100 * enc['utilisation']:.0f} %**. Medians of {u['rounds']} rounds "
            f"of {u['steps_per_round']} steps.")


def speed_section(speed: dict) -> str:
    enc, load, proj = speed["encoder"], speed["table_load"], speed["projections_s"]
    step, only = enc["step"], enc["encoder"]
    lines = [
        "## Speed",
        "",
        f"Measured by `python -m measurements.speed` in one process; each ratio is the median of {enc['rounds']} alternating rounds.",
        "",
        "| what | ours | baseline (same run) | ratio |",
        "|---|---|---|---:|",
        f"| encoder forward + backward, cells/s (hidden 256, 3 layers, batch 256) | {only['dense_cells_per_s']:.0f} (dense encoder) | "
        f"{only['pyg_cells_per_s']:.0f} (torch_geometric MessagePassing, same function) | {only['ratio_median']:.2f}x |",
        f"| whole G-VAE + ICNN training step, cells/s | {step['dense_cells_per_s']:.0f} | {step['pyg_cells_per_s']:.0f} "
        f"| {step['ratio_median']:.2f}x |",
        f"| load the NB201 table (15,625 cells) | {load['seconds']:.2f} s, +{load['rss_mb_added']:.0f} MB resident "
        f"({load['peak_rss_mb_process']:.0f} MB peak for the whole process, torch included) | "
        "official API: tens of GB of RAM (not installable here) | |",
        "",
        f"Outputs of the two encoders are identical for identical weights: {enc['identical_outputs']}.",
        "",
        "Projections of 15,625 16-d codes: " + ", ".join(f"{k.upper()} {v:.1f} s" for k, v in proj.items()) + ".",
    ]
    for key in [k for k in speed if k.startswith("utilisation")]:
        lines += ["", utilisation_line(speed[key])]
    if "nb301_surrogate" in speed:
        sur = speed["nb301_surrogate"]
        lines += ["", f"NB301 surrogate (YAHPO ONNX, {sur['cells']:,} cells, one CPU thread): {sur['one_per_call_us']:.0f} µs a cell "
                  f"one per call as shipped, {sur['batched_us']:.0f} µs batched as crlso loads it ({sur['speedup']:.1f}x); "
                  f"building the G-VAE's graphs {sur['graph_batch_us']:.0f} µs a cell."]
    if "nb301_pool_training" in speed:
        t = speed["nb301_pool_training"]
        lines += ["", f"NB301 demo pool training ({t['pool']:,} genotypes, batch {t['batch_size']}, joint G-VAE + ICNN): "
                  f"graphs built in {t['build_graphs_s']:.1f} s, {t['epoch_s']:.1f} s an epoch, so about "
                  f"{t['preset_training_s'] / 60:.1f} min for the preset's {t['preset_epochs']} epochs."]
    if "nb101" in speed:
        n = speed["nb101"]
        load = n["table_load"]
        lines += ["", f"NB101: enumerating the whole space ({n['enumerated_cells']:,} cells, official hashes) "
                  f"{n['enumeration_s']:.1f} s in one process; loading the offline 30k table {load['seconds']:.2f} s, "
                  f"+{load['rss_mb_added']:.0f} MB resident."]
        if isinstance(n.get("tfrecord"), dict):
            rec = n["tfrecord"]
            lines[-1] += (f" Reading the official TFRecord format: {rec['records_per_s']:,} records/s (CRC32C: {rec['crc32c']}), "
                          f"so about {rec['only108_estimate_s']:.0f} s for nasbench_only108.tfrecord's 1,270,872 records, disk aside.")
    if "paper_preset_s" not in speed:
        lines += ["", "Paper-preset wall time per stage (5 seeds, `crlso run --preset paper`): see the README's Measured section."]
    if "paper_preset_s" in speed:
        p = speed["paper_preset_s"]
        lines += ["", "Paper preset (NB201 CIFAR-10, seed 0), wall time per stage: "
                  f"teacher {p['teacher']:.0f} s, joint G-VAE + ICNN {p['gvae']:.0f} s, search {p['search']:.0f} s, "
                  f"total {p['total']:.0f} s."]
    return "\n".join(lines)


def app_section(app: dict, baseline: dict | None = None) -> str:
    """The interaction times; with `baseline` (the same script on an earlier commit, timed in
    the same session), its medians and the ratio beside each."""
    lines = [
        "## Explorer interaction times", "",
        f"Measured by `python -m measurements.app_speed` in headless Chromium against the app's server (`crlso app`) on "
        f"{app.get('machine', 'this machine')}, with the {app['cells']:,} cells of each side (LS and CR-LS) "
        + (f"of which the Latent page draws {app['drawn_per_side'][0]:,} and {app['drawn_per_side'][1]:,} "
           "(crlso_app/thinning.py); " if "drawn_per_side" in app else "all drawn; ")
        + (f"the pair: {app['pair_note']}; " if "pair_note" in app else "")
        + "from the action to its result on screen, medians.", "",
    ]
    if baseline is None:
        lines += ["| interaction | median s | times measured |", "|---|---:|---:|"]
        lines += [f"| {k} | {app['median_s'][k]:.2f} | {len(v)} |" for k, v in app["timings_s"].items()]
        return "\n".join(lines + cold_start_lines(app.get("cold_start")))
    if baseline.get("pair_note"):
        lines += [f"Beside it, {baseline['pair_note']}.", ""]
    lines += ["| interaction | median s | baseline s | ratio | times measured |", "|---|---:|---:|---:|---:|"]
    for k, v in app["timings_s"].items():
        before = baseline["median_s"].get(k)
        shown = f"{before:.2f} | {app['median_s'][k] / before:.2f}" if before else "- | -"
        lines.append(f"| {k} | {app['median_s'][k]:.2f} | {shown} | {len(v)} |")
    return "\n".join(lines + cold_start_lines(app.get("cold_start")))


def cold_start_lines(cold: dict | None) -> list[str]:
    """A class's first minutes (`app_speed --cold`): each checkout's medians side by side,
    and the same command's earlier run beside them when the file keeps one."""
    if not cold:
        return []
    runs = cold["runs"]
    names = [n for n in ("baseline", "this") if n in runs]
    heads = [f"{n} ({runs[n]['commit']})" for n in names]
    lines = ["", "### A class's first minutes: a fresh server, then each shipped example's pages", "",
             f"`python -m measurements.app_speed --cold --baseline DIR --repeat {cold['repeat']}` on {cold['machine']}: "
             f"{cold['what']}" + (f"; {cold['pair_note']}" if cold.get("pair_note") else "") + ". Medians, s.", ""]
    first = cold.get("first_run_of_the_same_command") or {}
    earlier = first.get("median_s", {})
    extra = [f"earlier run: {n} ({first.get('commits', {}).get(n, '?')})" for n in names] if earlier else []
    lines += ["| first load | " + " | ".join(heads + extra) + " |", "|---|" + "---:|" * (len(heads) + len(extra))]
    for key in runs[names[-1]]["median_s"]:
        row = [f"{runs[n]['median_s'].get(key, float('nan')):.2f}" for n in names]
        if earlier:
            row += [f"{earlier.get(key, {}).get(f'{n}_median_s', float('nan')):.2f}" for n in names]
        lines.append(f"| {key} | " + " | ".join(row) + " |")
    return lines


def store_dev(bench: Path | list[Path], space: str, note: str | None = None) -> None:
    """Benches run on development seeds (to choose a method's settings; never the reported
    seeds): stored beside the results and shown apart from them; several side by side."""
    benches = [bench] if isinstance(bench, Path) else list(bench)
    meta = bench_meta(benches, note)
    rows = BenchRows.side_by_side([BenchRows.of_folder(b) for b in benches], benches).results  # checked, each run once
    write_rows(RESULT_FILE, RESULTS / f"{space}_dev.csv", rows)
    _copy_plan(benches, RESULTS / f"{space}_dev_plan.json")
    (RESULTS / f"{space}_dev_meta.json").write_text(json.dumps(meta, indent=1) + "\n")


def _plans(benches: list[Path]) -> list[dict]:
    plans = [bench_plan.load(b) for b in benches]
    for bench, plan in zip(benches, plans):
        if plan is None:
            raise SystemExit(f"{bench} has no plan.json (a bench from before it was written): nothing says which command, "
                             "commit and machine produced it; rerun the bench with this version to store it")
    return plans


def bench_meta(benches: Path | list[Path], note: str | None) -> dict:
    """What produced the bench folders, as their plan.json files say (bench/plan.py's provenance)."""
    plan = bench_plan.joined(_plans([benches] if isinstance(benches, Path) else benches))
    return {**bench_plan.provenance(plan), **({"note": note} if note else {})}


def _copy_plan(benches: Path | list[Path], target: Path) -> None:
    """plan.json's bytes as read and checked by the bench's own reader (never through a link);
    several benches' plans joined into one."""
    benches = [benches] if isinstance(benches, Path) else benches
    if len(benches) == 1:
        write_bytes_atomic(target, read_own(benches[0] / bench_plan.PLAN_FILE, MAX_JSON_BYTES))
    else:
        write_json(target, bench_plan.joined(_plans(benches)))


def _provenance(meta: dict) -> str:
    """Machine, and where plan.json said them, device, commit and times (results committed
    before plan.json have the machine their meta recorded, and nothing more)."""
    text = f"Machine: {meta['machine']}."
    if "device" in meta:
        text += (f" Device: {meta['device']}. Commit: {meta['commit']}. Ran {meta['started']} to {meta['finished']} (UTC, "
                 f"{meta['sessions']} session{'s' if meta['sessions'] > 1 else ''}; {meta['outcome']}).")
    return text


def _rows_apart(space: str, kind: str, title: str, lead: str, rows: list) -> list[str]:
    """A section of rows kept beside the results but not in their tables
    (<space>_<kind>.csv, read once, with its meta): command, note, table, ablation and pairing."""
    meta = json.loads((RESULTS / f"{space}_{kind}_meta.json").read_text())
    ablation, paired = ablation_table(rows), paired_table(rows)
    return [f"### {title} ({registry.get_spec(space).title})", "", lead.format(**meta) + " " + _provenance(meta), "",
            "```bash", meta["command"], "```", "", *([meta["note"], ""] if meta.get("note") else []),
            markdown_table(summarise(rows)),
            *(["Ablation (validation accuracy, mean ± s.e.; last column: paired difference):", "", ablation, ""] if ablation else []),
            *(["Paired against REA on the same seeds:", "", paired, ""] if paired else [])]


def _apart(space: str, kind: str) -> list | None:
    path = RESULTS / f"{space}_{kind}.csv"
    return read(RESULT_FILE, path) if path.exists() else None


def dev_section(space: str) -> list[str]:
    rows = _apart(space, "dev")
    return [] if rows is None else _rows_apart(
        space, "dev", "Tried on development seeds",
        "Seeds outside the reported range, used to decide what the bench runs; these rows are not in the tables above.", rows)


def earlier_section(space: str, now: Report) -> list[str]:
    """Rows measured before a change of the space's settings: kept, and shown apart, until
    the methods they hold are rerun with the current settings (the meta says what changed)."""
    earlier = _apart(space, "earlier")
    if earlier is None:
        return []
    rows = _rows_apart(space, "earlier", "Measured with earlier settings", "Not comparable with the tables above: {changed}", earlier)
    preset = json.loads((RESULTS / f"{space}_earlier_meta.json").read_text()).get("preset")
    changed = changed_table(now.rows.results, earlier, preset, now.configs)
    if changed:
        lead = ("What the change did, paired by seed (now minus earlier"
                + (f"; today's {preset} settings only, each method's latest" if preset else "")
                + "; same trained models where the presets did not change):")
        rows += [lead, "", changed, ""]
    return rows


def settings_section(space: str) -> list[str]:
    """How the search settings were chosen (experiments/search_settings.py): searches from
    runs trained on development seeds, each setting against REA's mean over its own seeds."""
    path = RESULTS / f"{space}_search_settings.json"
    if not path.exists():
        return []
    lines = [f"### How the search settings were chosen ({registry.get_spec(space).title}, development seeds)", "",
             "Each experiment searches runs trained on development seeds (never the bench's) with the space's demo preset "
             "changed as each setting says; a row is the mean best validation accuracy of its searches (one per search seed) "
             "from the run's labelled cells, and the mean share of their search queries that were latent moves.", ""]
    for e in json.loads(path.read_text())["experiments"]:
        budgets = e["budgets"]
        lines += ["```bash", e["command"], "```", "",
                  f"{registry.dataset_title(e['dataset'])}; search seeds {e['search_seeds']}; REA, mean of {e['rea_seeds']} seeds: "
                  + ", ".join(f"{v:.2f}" for v in e["rea"]) + ".", "",
                  *[f"- {name}: `{json.dumps(change)}`" for name, change in e["settings"].items() if change is not None], "",
                  "| run | setting | " + " | ".join(f"{b} queries" for b in budgets) + " | latent moves |",
                  "|---|---|" + "---:|" * (len(budgets) + 1)]
        for run, rows in e["runs"].items():
            for name, row in rows.items():
                share = "not recorded" if row["latent_share"] is None else f"{100 * row['latent_share']:.0f} %"
                lines.append(f"| {run} | {name} | " + " | ".join(f"{v:.2f}" for v in row["best"]) + f" | {share} |")
        lines.append("")
    return lines


def _dev_experiment(space: str, stem: str, title: str, lead: str, render) -> list[str]:
    """A development-seed experiment's section from results/<space>_<stem>.json: its title and
    lead, then per entry (a setting or preset) the command that wrote it and `render(name, run)`."""
    path = RESULTS / f"{space}_{stem}.json"
    if not path.exists():
        return []
    lines = [f"### {title} ({registry.get_spec(space).title}, development seeds)", "", lead, ""]
    for name, run in json.loads(path.read_text()).items():
        lines += ["```bash", run["command"], "```", "", *render(name, run)]
    return lines


def teacher_scale_section(space: str) -> list[str]:
    """Why the teacher fits standardised accuracies (experiments/teacher_scale.py): its
    ranking of pool cells when trained on raw against standardised labels, dev seeds."""
    def render(setting: str, run: dict) -> list[str]:
        seeds = run["seeds"]
        mean = {k: np.mean([r[k] for r in seeds.values()]) for k in ("raw", "standardised")}
        return [f"| {setting} | " + " | ".join(f"seed {s}" for s in seeds) + " | mean |",
                "|---|" + "---:|" * (len(seeds) + 1),
                *[f"| {name} | " + " | ".join(f"{r[k]:.2f}" for r in seeds.values()) + f" | {mean[k]:.2f} |"
                  for name, k in (("raw accuracies", "raw"), ("standardised", "standardised"))],
                "", f"Ranked on {run['cells']:,} pool cells each.", ""]

    return _dev_experiment(space, "teacher_scale", "The teacher on raw or standardised accuracies",
                           "Kendall tau of the teacher's predictions against the benchmark's validation accuracy on pool cells; "
                           "each seed's labelled set is trained both ways with the same initialisation. CPU training is not "
                           "bit-reproducible: reruns move these figures by a few hundredths.", render)


def teacher_head_section(space: str) -> list[str]:
    """Whose teacher network (experiments/teacher_head.py): the authors' against ours, Kendall
    tau on pool cells, paired by development seed and dataset, per preset."""
    def render(preset_name: str, run: dict) -> list[str]:
        diff = run["reference_minus_pooled"]
        se = f" ± {diff['se']:.3f}" if diff.get("se") is not None else ""
        return ["| dataset | seed | pooled | reference |", "|---|---:|---:|---:|",
                *[f"| {registry.dataset_title(r['dataset'])} | {r['seed']} | {r['pooled_tau']:.3f} | {r['reference_tau']:.3f} |"
                  for r in run["rows"]],
                "", f"{preset_name} preset, {run['labelled']} labelled, {run['cells']:,} pool cells, {run['machine']}: "
                f"reference - pooled {diff['mean']:+.3f}{se} ({diff['verdict']}).", ""]

    return _dev_experiment(space, "teacher_head", "The authors' teacher network against ours",
                           "Kendall tau of each teacher's predictions against the benchmark's validation accuracy on pool cells, "
                           "both fitted with the preset's teacher settings on the same labelled set from the same initial draw "
                           "(docs/fidelity.md T2, T3; `reference` is theirs, `pooled` ours until settings version 3).", render)


def store_bench(bench: Path | list[Path], space: str, note: str | None = None, keep: tuple[str, ...] = (),
                earlier: str | None = None) -> None:
    """Copy a finished bench folder (or several of one space: their rows side by side, their
    plans joined) in as <space>.csv and its curves, and its plan.json. `keep`:
    methods whose committed rows (and curves) stay, because the bench did not rerun them
    (baselines that do not depend on the change). `earlier`: what changed; every other
    committed row moves to <space>_earlier.csv with its old command, shown apart and paired
    by seed with the new. Every file is read (and checked) before anything is written."""
    results, curves = RESULTS / f"{space}.csv", RESULTS / f"{space}_curves.csv"
    meta = bench_meta(bench, note)
    benches = [bench] if isinstance(bench, Path) else list(bench)
    new = BenchRows.side_by_side([BenchRows.of_folder(b) for b in benches], benches)  # each checked, none counted twice
    rows, curve_rows = list(new.results), list(new.curves)
    if keep or earlier:
        if not results.exists():
            raise SystemExit(f"--keep and --earlier need committed rows: {results} is missing")
        committed, committed_curves = read(RESULT_FILE, results), read(CURVE_FILE, curves)
        rerun = sorted({r.method for r in rows} & set(keep))
        if rerun:
            raise SystemExit(f"{', '.join(map(str, benches))} reran {', '.join(rerun)}: keep only methods the bench did not run")
        if earlier:
            target = RESULTS / f"{space}_earlier.csv"
            if target.exists():
                raise SystemExit(f"{target} exists: fold it into one earlier file by hand, with one note of what changed")
            old_meta = json.loads((RESULTS / f"{space}_meta.json").read_text())
            write_rows(RESULT_FILE, target, [r for r in committed if r.method not in keep], committed.columns)
            (RESULTS / f"{space}_earlier_meta.json").write_text(json.dumps({**old_meta, "changed": earlier}, indent=1) + "\n")
        rows += [r for r in committed if r.method in keep]
        curve_rows += [r for r in committed_curves if r.method in keep]
    write_rows(RESULT_FILE, results, rows)  # the bench's own columns: older rows keep the new ones empty
    write_rows(CURVE_FILE, curves, curve_rows)
    if new.recon:
        write_rows(RECON_FILE, RESULTS / f"{space}_reconstruction.csv", new.recon)
    _copy_plan(benches, RESULTS / f"{space}_plan.json")
    (RESULTS / f"{space}_meta.json").write_text(json.dumps(meta, indent=1) + "\n")


def quality_section(space: str) -> str:
    """The space's committed bench: what produced it, then the sections of its report."""
    spec = registry.get_spec(space)
    meta = json.loads((RESULTS / f"{space}_meta.json").read_text())
    files = [RESULTS / f"{space}{suffix}.csv" for suffix in ("", "_curves", "_reconstruction")]
    plan = RESULTS / f"{space}_plan.json"
    configs = bench_plan.settings_configs(json.loads(plan.read_text())) if plan.exists() else {}
    report = Report(BenchRows.of_files(*files), registry.load_benchmark(space), spec.title, configs=configs)
    draw(report, RESULTS / f"{space}_curves.png")
    note = TEST_NOTE if report.has_test else [f"Benchmark: {report.benchmark.title}; {NO_TEST}."]
    parts = [
        f"## Search quality on {spec.title}", "",
        f"Benchmark: {report.benchmark.title}. {_provenance(meta)}", "",
        "```bash", meta["command"], "```", "",
        *([meta["note"], ""] if meta.get("note") else []),
        f"![best-so-far accuracy against queries](results/{space}_curves.png)", "",
        *note, "", *legend(report), markdown_table(report.summary), *tables(report),
    ]
    parts += earlier_section(space, report)
    parts += teacher_scale_section(space)
    parts += teacher_head_section(space)
    parts += settings_section(space)
    parts += dev_section(space)
    return "\n".join(parts)


def figures_section(space: str, dataset: str) -> str:
    """The committed `crlso figures` table: each figure's statistic over seeds, LS beside CR-LS."""
    path = reference_path(space, dataset)
    meta = json.loads(path.with_suffix(".json").read_text())
    return "\n".join([
        f"## What the explorer's figures show, over seeds ({registry.get_spec(space).title}, {registry.dataset_title(dataset)})", "",
        f"Machine: {meta['machine']}. Each pair is trained as the app trains one; each statistic is computed as its page "
        "computes it (similarity blocks of the true-accuracy ranking, Jensen checks with 500 pairs and seed 0).", "",
        "```bash", meta["command"], "```", "",
        "'Reproduced' means the paper's direction for CR-LS holds by more than two standard errors of the paired "
        "difference over seeds. Seeds are the fixed range above; none was picked.", "",
        figures_markdown(compare(path)),
    ])


def _space(bench: Path, asked: str | None) -> str:
    """The bench's space as its plan.json says; --space only where it has none, or to agree."""
    plan = bench_plan.load(bench)
    space = plan["space"] if plan else asked or "nb201"
    if asked and asked != space:
        raise SystemExit(f"{bench} is a bench of {space} (its plan.json), not {asked}")
    return space


def _store(args: argparse.Namespace) -> None:
    if args.bench:
        space = _space(args.bench[0], args.space)
        for bench in args.bench[1:]:
            _space(bench, space)  # every bench of one space
        store_bench(args.bench, space, args.note, tuple(m for m in args.keep.split(",") if m), args.earlier)
    if args.dev_bench:
        space = _space(args.dev_bench[0], args.space)
        for bench in args.dev_bench[1:]:
            _space(bench, space)
        store_dev(args.dev_bench, space, args.dev_note or args.note)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bench", type=Path, action="append", help="a finished crlso bench folder to store first "
                        "(repeat it to store several benches of one space together)")
    parser.add_argument("--space", help="the space of --bench (default: its plan.json's, else nb201)")
    parser.add_argument("--note", help="what a reader of --bench's tables must know (seeds missing, ...)")
    parser.add_argument("--keep", default="", help="methods whose committed rows stay beside --bench's (not rerun: "
                        "baselines the change does not touch), comma-separated")
    parser.add_argument("--earlier", help="with --bench: what changed; the committed rows not kept move to <space>_earlier.csv")
    parser.add_argument("--dev-bench", type=Path, action="append",
                        help="a bench on development seeds to store first (shown apart; repeat it for several)")
    parser.add_argument("--dev-note", help="what a reader of --dev-bench's tables must know (default: --note)")
    parser.add_argument("--speed", type=Path, default=RESULTS / "speed.json")
    parser.add_argument("--app", type=Path, default=RESULTS / "app_speed.json")
    parser.add_argument("--app-baseline", type=Path, default=RESULTS / "app_speed_baseline.json",
                        help="the same script on an earlier commit, timed in the same session (shown beside, if present)")
    args = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    try:
        _store(args)
    except CRLSOError as exc:  # a damaged bench file: one line, nothing written
        raise SystemExit(f"make_report: {exc}") from None
    parts = ["# Benchmarks", "", "Generated by `python -m tools.make_report`; do not edit by hand.", ""]
    parts += [quality_section(s) + "\n" for s in registry.names() if (RESULTS / f"{s}.csv").exists()]
    parts += [figures_section(s, d) + "\n" for s in registry.names() for d in registry.get_spec(s).datasets
              if reference_path(s, d).exists()]
    if args.speed.exists():
        parts += [speed_section(json.loads(args.speed.read_text())), ""]
    if args.app.exists():
        baseline = json.loads(args.app_baseline.read_text()) if args.app_baseline.exists() else None
        parts += [app_section(json.loads(args.app.read_text()), baseline)]
    (ROOT / "BENCHMARKS.md").write_text("\n".join(parts).rstrip() + "\n")
    print(f"wrote {ROOT / 'BENCHMARKS.md'}")


if __name__ == "__main__":
    main()
