"""How long the Train page's lesson pair job takes: the very job the page starts (a
`train_pair` job with the page's default knobs: both sides trained, no search, no t-SNE or
UMAP), run N times through the app's own job launcher, timed from the click (the job's
creation) to its end, with each stage's seconds read from its progress file.

    python -m measurements.lesson_time [--space nb201] [--runs 3] [--out /tmp/lesson-time] [--loaded "beside what"]

Writes results/lesson_time_<space>.json: every run's seconds and stages, their
median, the machine (CPU, cores) and the load average before and after (the machine may be
shared: the figures say how busy it was). The Train page's promise (catalog/spaces.py's
preset_times["lesson"]) and the ETA's stage weights (crlso_core/common/progress.py) are
taken from this file's medians.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

from crlso_core.catalog.presets import preset
from crlso_core.pipeline.jobs.local import job_info, start_job
from results import RESULTS


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(), "host": platform.node()}


def run_once(root: Path, space: str, dataset: str, seed: int, name: str) -> dict:
    """One lesson pair job as the Train page starts it (views/train.py: start, build_config)."""
    config = preset("lesson", space=space, dataset=dataset, seed=seed, device="auto")
    config.budget = max(config.budget, config.labelled)
    config.validate()
    params = {"config": config.to_dict(), "name": name, "sides": ["ls", "crls"], "projections": []}
    load_before = os.getloadavg()
    info = start_job(root, "train_pair", params, f"lesson time {name}", ray_address=None)
    ends: dict[str, float] = {}  # stage -> its last report (a stage reports its last step always): its end
    while True:
        info = job_info(info.path)
        p = info.progress
        if p:
            ends[p["stage"]] = p["updated"]
        if not info.active:
            break
        time.sleep(0.1)
    if info.status != "done":
        raise SystemExit(f"{name}: the job {info.status}: {info.error}")
    # a stage's first report comes after its first epoch, so a stage runs from the previous one's end
    starts = [info.created, *list(ends.values())[:-1]]
    return {
        "name": name, "seconds": round(info.seconds, 1),
        "stages_s": {stage: round(end - start, 1) for (stage, end), start in zip(ends.items(), starts)},
        "load_before": [round(x, 2) for x in load_before], "load_after": [round(x, 2) for x in os.getloadavg()],
    }


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--space", default="nb201")
    p.add_argument("--dataset", default="cifar10")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--out", type=Path, default=Path("/tmp/lesson-time"))
    p.add_argument("--max-minutes", type=float, default=12.0, help="start no further run after this long (a shared machine)")
    p.add_argument("--loaded", metavar="WHAT", help="the machine is busy on purpose (say with what): the runs go to "
                   "loaded_runs, beside the idle runs already there, not over them")
    args = p.parse_args(argv)
    root = args.out / time.strftime("%Y%m%d-%H%M%S")
    root.mkdir(parents=True)
    rows, t0 = [], time.time()
    for i in range(args.runs):
        if i and time.time() - t0 > 60 * args.max_minutes:
            print(f"stopping after {i} runs: past --max-minutes", flush=True)
            break
        rows.append(run_once(root, args.space, args.dataset, seed=i, name=f"lesson-{i}"))
        print(json.dumps(rows[-1]), flush=True)
        if args.loaded:
            write_loaded(rows[-1], args, argv)
        else:
            write(rows, args, argv)


def write_loaded(row: dict, args, argv) -> None:
    """One run on a busy machine, added to loaded_runs with its command, time and what kept the machine busy."""
    out = RESULTS / f"lesson_time_{args.space}.json"
    result = json.loads(out.read_text()) if out.exists() else {}
    command = " ".join(["python -m measurements.lesson_time", *(argv if argv is not None else sys.argv[1:])])
    result.setdefault("loaded_runs", []).append({**row, "command": command, "when": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
                                                 "what": args.loaded})
    out.write_text(json.dumps(result, indent=1) + "\n")
    print(f"{row['seconds']:.0f} s on the busy machine -> {out} (loaded_runs)")


def write(rows: list[dict], args, argv) -> None:
    """The results so far (after every run: a run cut short keeps the ones before it)."""
    seconds = [r["seconds"] for r in rows]
    kinds: dict[str, list[float]] = {}
    for r in rows:
        for stage, s in r["stages_s"].items():
            kinds.setdefault(stage, []).append(s)
    result = {
        "command": " ".join(["python -m measurements.lesson_time", *(argv if argv is not None else sys.argv[1:])]),
        "job": "the Train page's lesson pair job: train_pair, LS and CR-LS each trained (teacher, G-VAE, codes and "
               "checks), no search, no t-SNE/UMAP; timed from the job's creation (the click) to its end",
        "space": args.space, "dataset": args.dataset, "when": time.strftime("%Y-%m-%d %H:%M:%S %Z"), "machine": machine(),
        "runs_asked": args.runs, "runs": rows, "median_s": statistics.median(seconds), "min_s": min(seconds), "max_s": max(seconds),
        "median_stage_s": {stage: statistics.median(v) for stage, v in kinds.items()},
    }
    out = RESULTS / f"lesson_time_{args.space}.json"
    kept = json.loads(out.read_text()) if out.exists() else {}
    # the runs timed on a busy machine (each with its command, time and load) and their note stay beside these
    result |= {key: kept[key] for key in ("loaded_runs", "note") if key in kept}
    out.write_text(json.dumps(result, indent=1) + "\n")
    print(f"median {result['median_s']:.0f} s over {len(rows)} runs -> {out}")


if __name__ == "__main__":
    main()
