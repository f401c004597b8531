"""Runs: list, compare (summaries and curves), delete, and export a run as a zip. The
shipped examples are listed after the user's own runs and compare and export like them;
they are never deleted."""

import time

import pandas as pd
import streamlit as st

from crlso_app.figures import curves_figure
from crlso_app.jobs_panel import runs_of
from crlso_app.state import md, runs_root
from crlso_core.analysis.curves import run_curves
from crlso_core.catalog.methods import side_name
from crlso_core.catalog.registry import dataset_title, get_spec, load_benchmark
from crlso_core.common.errors import CRLSOError, describe_os_error
from crlso_core.pipeline.jobs.local import active_job
from crlso_core.store.bundles import export_zip, import_zip, merged
from crlso_core.store.examples import example_runs, is_example
from crlso_core.store.folder import SUMMARY, RunFolder
from crlso_core.store.index import IndexedRun, delete_run, list_runs

MISSING = "–"  # a value a run does not have (no test accuracy on NB101 or NB301, not searched yet): never "None"


def _number(value, digits: int, scale: float = 1.0) -> str:
    """A number as the table shows it, or MISSING: Streamlit prints an empty cell as "None"."""
    return MISSING if value is None or value != value else f"{scale * value:.{digits}f}"


def _where(r: IndexedRun) -> str:
    if is_example(r.path):
        return "shipped example (read only)"
    return "in this runs folder" if r.inside_root else str(r.path)


def run_frame(rows: list[IndexedRun]) -> pd.DataFrame:
    records = []
    for r in rows:
        s = r.summary
        records.append({
            "run": r.name, "status": s.status, "best valid": _number(s.best_valid_acc, 2), "best test": _number(s.best_test_acc, 2),
            "recon %": _number(s.recon_acc, 0, 100), "recon unseen %": _number(s.recon_heldout, 0, 100),
            "predictor τ": _number(s.icnn_kendall_tau, 2), "side": side_name(s.side_name),
            **{key: MISSING if value is None else value for key, value in {
                "space": s.space, "dataset": s.dataset, "preset": s.preset, "seed": s.seed, "budget": s.budget,
                "device": s.device}.items()},
            "created": time.strftime("%m-%d %H:%M", time.localtime(s.created)), "folder": _where(r),
        })
    return pd.DataFrame(records)


def empty_note(examples: int) -> str:
    """What the page says when the user has no runs of their own, true beside the examples."""
    if examples:
        return (f"No runs of your own yet: train a pair on the Train page. The {examples} shipped example runs are listed "
                "below; they can be compared and exported like your own, not deleted.")
    return "No runs yet: train a pair on the Train page."


def busy_paths() -> set[str]:
    """The run folders the running job reads or writes (a training writes only its own pair)."""
    job = active_job(runs_root())
    return set() if job is None else runs_of(job, runs_root())


def import_panel() -> None:
    """Bring a run (or a pair) exported elsewhere into this runs folder."""
    with st.expander("Import run bundles (zips written by Export: a run or a pair each)", expanded=not list_runs(runs_root())):
        bundles = st.file_uploader("Run bundles", type=["zip"], key="bundle", label_visibility="collapsed", accept_multiple_files=True)
        if bundles and st.button("Import", key="import"):
            try:  # all of them or none; a bundle that is refused is one message here, and the runs stay listed below
                folders = import_zip(merged([b.getvalue() for b in bundles], [b.name for b in bundles]), runs_root())
            except CRLSOError as exc:
                st.error(md(str(exc)), icon=":material/error:")
            else:
                st.success(f"Imported {', '.join(f.name for f in folders)}.", icon=":material/check_circle:")


import_panel()
own = list_runs(runs_root())
examples = example_runs()
rows = own + examples
if not own:
    st.info(empty_note(len(examples)))
    st.caption(f"Your runs folder: `{runs_root()}`")
if not rows:
    st.stop()
frame = run_frame(rows)
st.dataframe(frame, hide_index=True, key="runs", column_config={
    "run": st.column_config.TextColumn(pinned=True),
    "recon unseen %": st.column_config.TextColumn(help="exact reconstruction of 2,000 random cells outside the pool")})
st.caption(f"{MISSING}: the run has no such value (NB101 and NB301 have no test accuracy; a run not searched has no best cell).")
counts = {}
for r in rows:
    counts[r.name] = counts.get(r.name, 0) + 1
names = [r.name if counts[r.name] == 1 else str(r.path) for r in rows]  # a run made elsewhere may share a name
chosen = st.multiselect("Runs to compare, export or delete", names, key="chosen")
picked = [rows[names.index(n)] for n in chosen]
if not picked:
    st.stop()

st.subheader(f"{len(picked)} selected")
by_problem: dict[tuple[str, str], list] = {}  # curves compare only on one space and dataset
for r in picked:
    try:  # one unreadable run must not keep the others from being compared, exported or deleted
        curves = run_curves(r.path, load_benchmark(r.summary.space), r.summary.dataset, r.name, prefix=f"{r.name}: ")
    except CRLSOError as exc:
        st.warning(f"{r.name}: {exc}", icon=":material/warning:")
        curves = []
    by_problem.setdefault((r.summary.space, r.summary.dataset), []).extend(curves)
for (space, dataset), curves in by_problem.items():
    where = f"{get_spec(space).title}, {dataset_title(dataset)}"
    if curves:
        best = load_benchmark(space).optimum(dataset)
        labelled = {r.summary.labelled for r in picked if (r.summary.space, r.summary.dataset) == (space, dataset)}
        st.plotly_chart(curves_figure(curves, best.valid if best else None, f"Best so far on {where}",
                                      labelled=labelled.pop() if len(labelled) == 1 else None), key=f"cmp-{space}-{dataset}")
    else:
        st.caption(f"No searched runs among those selected on {where}: nothing to plot.")

pairs: dict[str, list[IndexedRun]] = {}
for r in picked:
    pairs.setdefault(r.summary.pair or r.name, []).append(r)
exportable = [r for r in picked if not r.path.is_symlink() and RunFolder(r.path).has(SUMMARY)]
if len(exportable) > 1:  # a pair (or any selection) as one bundle: one file to carry, one import
    st.download_button(f"Export the {len(exportable)} selected runs as one bundle",
                       lambda: merged([export_zip(r.path) for r in exportable]), file_name=f"{'+'.join(pairs)}.zip",
                       mime="application/zip", key="zip-all")
cols = st.columns(len(picked) if len(picked) <= 4 else 4)
for i, r in enumerate(picked):
    if r not in exportable:
        cols[i % len(cols)].caption(f"{r.name} is not a finished run: nothing to export.")
        continue
    # the zip is built when the button is pressed, not on every rerun of the page
    cols[i % len(cols)].download_button(f"Export {r.name}.zip", lambda path=r.path: export_zip(path), file_name=f"{r.name}.zip",
                                        mime="application/zip", key=f"zip-{r.path}")

shipped = [r for r in picked if is_example(r.path)]
picked = [r for r in picked if not is_example(r.path)]
if shipped:
    st.caption(f"{', '.join(r.name for r in shipped)}: shipped with the app, never deleted.")
if not picked:
    st.stop()
with st.form("delete"):
    sure = st.checkbox(f"Yes, delete the {len(picked)} selected run(s) and their files (runs made outside "
                       f"{runs_root()} are only removed from this list)", key="sure")
    if st.form_submit_button("Delete"):
        busy = busy_paths()
        if not sure:
            st.warning("Tick the box to confirm.")
        elif any(str(r.path.resolve()) in busy for r in picked):
            st.error("The running job is using a selected run; wait for it or cancel it before deleting that run.")
        else:
            deleted, failed = 0, None
            for r in picked:
                try:  # a read-only runs folder, say: one message, and the run stays listed
                    deleted += delete_run(r.path, runs_root())
                except CRLSOError as exc:
                    failed = str(exc)
                except OSError as exc:
                    failed = describe_os_error(exc)
                if failed:
                    break
            if failed:
                done = f" {deleted} run(s) were deleted before it." if deleted else ""
                st.error(md(f"{failed}{done}"), icon=":material/error:")
            else:
                kept = len(picked) - deleted
                st.toast(f"Deleted {deleted} run(s)." + (f" {kept} run(s) made outside {runs_root()} were removed from "
                                                          "this list; their files were kept." if kept else ""))
                st.rerun()
