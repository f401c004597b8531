"""One report of a bench, in sections that summary.md (beside a bench's files) and
BENCHMARKS.md (tools/make_report.py, from the committed results) both render: each of a
bench's files is read (and checked, bench/results.py) once, before anything is written, and
every table is made from those rows (bench/tables.py). A benchmark without test accuracy (a
surrogate, NB101's offline table) leaves those cells empty in results.csv; the report says
so instead of showing 0 or NaN.

summary.md and curves.png are each replaced whole by a rename, which replaces a link rather
than writing through it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from crlso_core.bench.curves import curve_bands, optima_of, plot_curves
from crlso_core.bench.folder import FIGURE, SUMMARY
from crlso_core.bench.plan import load as plan_load
from crlso_core.bench.plan import settings_configs
from crlso_core.bench.results import BenchRows
from crlso_core.bench.tables import (
    SummaryRow,
    ablation_table,
    markdown_table,
    paired_table,
    reconstruction_table,
    rules_table,
    settings_legend,
    settings_table,
    summarise,
    summarise_reconstruction,
)
from crlso_core.benchmarks.base import NO_TEST, Benchmark
from crlso_core.catalog.methods import METHODS
from crlso_core.common.files import write_bytes_atomic

TEST_NOTE = ["Test accuracy is that of the best-*validation* cell; the dashed line is the validation",
             "optimum and its test accuracy (what selecting by validation can reach)."]
GROUPING = ("Rows are grouped by what produced them, `method [preset, rule]` (baselines train nothing and have neither); "
            "rows of different presets, rules or settings are never averaged together, and rows from before benches "
            "recorded their settings read `[earlier settings]`.")
LATENT_MOVES = ("'latent moves': the share of a latent method's search queries (after its labelled set) that came from a "
                "decoded latent step or its nearest answerable cell, not a fallback neighbour, mutation or random cell.")
BASELINES = (("rea", "REA"), ("local", "local search"))  # each latent setting is paired against these


@dataclass
class Report:
    """A bench's rows, read once, and the benchmark they were measured on. `on`: the
    space's title where a heading needs it (BENCHMARKS.md holds several spaces)."""

    rows: BenchRows
    benchmark: Benchmark
    on: str = ""
    configs: dict = field(default_factory=dict)  # settings id -> resolved config (bench/plan.py settings_configs)
    summary: list[SummaryRow] = field(init=False)

    def __post_init__(self):
        self.summary = summarise(self.rows.results)

    @property
    def datasets(self) -> list[str]:
        return list(dict.fromkeys(r.dataset for r in self.summary))

    @property
    def has_test(self) -> bool:
        return all(self.benchmark.has_test(d) for d in self.datasets)

    def _on(self) -> str:
        return f" on {self.on}" if self.on else ""


def method_legend(methods: list[str]) -> str:
    return "\n".join(f"- `{m}`: {METHODS.get(m, '')}" for m in methods)


def legend(report: Report) -> list[str]:
    """Each method in words, then each latent setting's id (plan.json holds its settings)."""
    settings = settings_legend(report.summary)
    return [method_legend(list(dict.fromkeys(r.method for r in report.summary))), "", *([settings, ""] if settings else [])]


def tables(report: Report) -> list[str]:
    """Every table after the summary: the ablation, the rules against each other, each
    setting against the baselines, and the G-VAEs' reconstruction; a table with nothing
    to show is left out."""
    results, on, parts = report.rows.results, report._on(), []
    ablation = ablation_table(results)
    if ablation:
        parts += [f"### Ablation{on}: which latent space, which predictor", "",
                  "Validation accuracy, mean ± s.e. over seeds; the last column is the paired difference over the seeds both ran.", "",
                  ablation, ""]
    rules = rules_table(results)
    if rules:
        parts += [f"### Search rules against each other{on}, paired", "",
                  "For each method that ran several rules on the same trained models: one rule's best validation accuracy "
                  "minus another's on the same seed (mean ± s.e. over the seeds both ran).", "", rules, ""]
    for baseline, name in BASELINES:
        paired = paired_table(results, baseline)
        if paired:
            parts += [f"### Against {name}{on}, paired", "",
                      f"Each method's best validation accuracy minus {name}'s on the same seed (mean ± s.e. over the seeds both ran).",
                      "", paired, ""]
    changed = settings_table(results, report.configs)
    if changed:
        parts += [f"### One setting run with different settings ids{on}, paired", "",
                  "Where one method, preset and rule ran under two settings ids (the model or training changed between "
                  "benches): the later id's best validation accuracy minus the earlier's on the same seed, and what "
                  "differs between their configs (plan.json).", "", changed, ""]
    recon = summarise_reconstruction(report.rows.recon)
    if recon:
        parts += [f"### Reconstruction of the G-VAEs searched{on}", "",
                  "Exact-match decoding of the pool and of 2,000 random cells outside it (the same cells for every method of a seed).", "",
                  reconstruction_table(recon), ""]
    return parts


def draw(report: Report, png: Path) -> None:
    """The best-so-far curves of every setting, with the optimum where the benchmark knows it."""
    plot_curves(curve_bands(report.rows.curves), optima_of(report.benchmark, report.datasets), png)


def summary_text(report: Report) -> str:
    """summary.md: what the numbers mean, the tables, and every table after them."""
    if report.has_test:
        note = list(TEST_NOTE)
    else:
        note = [f"Results on {report.benchmark.title}: {NO_TEST}; methods are compared on validation accuracy."]
        if all(report.benchmark.optimum(d) is not None for d in report.datasets):
            note.append("The validation optimum (the dashed line, 'found valid optimum') is the best cell the benchmark holds.")
    return "\n".join([*note, "", *legend(report), GROUPING, "", LATENT_MOVES, "", markdown_table(report.summary), *tables(report)])


def write_report(out: Path, benchmark: Benchmark) -> Path:
    """summary.md and curves.png beside results.csv; returns the markdown path."""
    report = Report(BenchRows.of_folder(out), benchmark, configs=settings_configs(plan_load(out)))
    text = summary_text(report)
    draw(report, out / FIGURE)  # every file read and checked by now
    write_bytes_atomic(out / SUMMARY, text.encode())
    return out / SUMMARY
