"""bench/report.py: summary.md renders the sections BENCHMARKS.md renders (the same tables
under the same headings, from rows read once), and says what its numbers mean."""

from crlso_core.bench.folder import SUMMARY
from crlso_core.bench.report import TEST_NOTE, Report, tables, write_report
from crlso_core.bench.results import (
    CURVE_FILE,
    RECON_FILE,
    RESULT_FILE,
    BenchRows,
    Produced,
    append_rows,
    curve_cells,
    recon_cells,
    result_cells,
)
from crlso_core.catalog.registry import load_benchmark

LATENT = {m: Produced(m, "smoke", "ranked", f"{m:x>10}"[:10]) for m in ("lso", "ls-icnn", "crls-mlp", "crlso")}
REA = Produced("rea", "", "", "r" * 10)


def _bench(out, values):
    """A toy bench folder written through the bench's own writer: every latent method of
    the ablation and REA, two seeds each."""
    out.mkdir(exist_ok=True)
    runs = [(p, v) for p, v in [*((p, values[m]) for m, p in LATENT.items()), (REA, values["rea"])]]
    append_rows(RESULT_FILE, out / RESULT_FILE.name, [
        result_cells(p, dataset="synthetic", seed=s, budget=60, best_arch="x", best_valid_acc=v + s, best_test_acc=None,
                     found_valid_optimum=None, queries_to_best=30, labelled=20, wall_s=1.0)
        for p, v in runs for s in range(2)])
    append_rows(CURVE_FILE, out / CURVE_FILE.name, [
        curve_cells(p, dataset="synthetic", seed=s, queries=q, best_valid_acc=v + s - 60 + q, best_test_acc=None)
        for p, v in runs for s in range(2) for q in (20, 60)])
    append_rows(RECON_FILE, out / RECON_FILE.name, [
        recon_cells(p, dataset="synthetic", seed=s, recon_pool=0.9, recon_heldout=0.5) for p in LATENT.values() for s in range(2)])
    return out


def test_summary_md_renders_the_sections_benchmarks_md_renders(tmp_path):
    _bench(tmp_path, {"lso": 80.0, "ls-icnn": 81.0, "crls-mlp": 82.0, "crlso": 83.0, "rea": 79.0})
    text = write_report(tmp_path, load_benchmark("toy")).read_text()
    report = Report(BenchRows.of_folder(tmp_path), load_benchmark("toy"))
    shared = "\n".join(tables(report))
    assert shared and shared in text  # the very sections make_report stitches under a space's title
    for heading in ("### Ablation: which latent space, which predictor", "### Against REA, paired",
                    "### Reconstruction of the G-VAEs searched"):
        assert heading in text
    assert "`crlso [smoke, ranked]` - `rea`" in text and "4.00 ± 0.00 (n=2)" in text  # crlso - REA, seed by seed
    assert "no test accuracy in this benchmark" in text and TEST_NOTE[0] not in text  # the toy space has none
    assert (tmp_path / SUMMARY).read_text() == text and (tmp_path / "curves.png").stat().st_size > 1000


def test_a_report_reads_each_file_once(tmp_path, monkeypatch):
    from crlso_core.bench import results

    _bench(tmp_path, {"lso": 80.0, "ls-icnn": 81.0, "crls-mlp": 82.0, "crlso": 83.0, "rea": 79.0})
    reads = []
    real = results.read_own
    monkeypatch.setattr(results, "read_own", lambda path, limit: reads.append(path.name) or real(path, limit))
    write_report(tmp_path, load_benchmark("toy"))
    assert sorted(reads) == ["curves.csv", "reconstruction.csv", "results.csv"]
