"""plan.json: what produced a bench folder, written by the bench itself so that nobody has
to retype the command, the commit or the machine afterwards (tools/make_report.py reads it).

One folder is one space; each invocation (the first and every resume) appends a session
with its command line, commit, machine, device and the full resolved settings of every
(method, rule) it runs, and on the way out its end, wall time and outcome. The file is
replaced whole (a temporary file beside it, then a rename), so a reader never sees half.

A resume is checked against it (check_resume): another space, preset or settings of a
method the folder already ran would report rows of one bench as another's, so each is
refused, naming the setting and its two values. New datasets, seeds, budgets, methods and
rules are a resume's purpose and add rows. A folder without plan.json (a bench of an
earlier version) is checked by its rows: each best_arch must be a cell of the space.
"""

from __future__ import annotations

import json
import os
import platform
import shlex
import subprocess
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Optional

from crlso_core.bench.folder import PLAN, read_own
from crlso_core.common.errors import CRLSOError, quoted
from crlso_core.common.files import MAX_JSON_BYTES, write_json

PLAN_FILE = PLAN
GIT_TIMEOUT_S = 5


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def load(out: Path) -> Optional[dict]:
    """The folder's plan.json, or None when it has none; anything but a plan is one error."""
    path = Path(out) / PLAN_FILE
    raw = read_own(path, MAX_JSON_BYTES)  # never through a link
    if raw is None:
        return None
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
        raise CRLSOError(f"{path} is corrupt ({str(exc)[:120]}); move it aside to run the bench in {out}.") from None
    if not isinstance(data, dict) or not isinstance(data.get("sessions"), list) or not data["sessions"]:
        raise CRLSOError(f"{path} is not a bench plan (no sessions); move it aside to run the bench in {out}.")
    return data


def _refuse(out: Path, what: str, before, now) -> CRLSOError:
    return CRLSOError(f"{out} holds a bench whose {what} is {before}, not {now}; resume it with the same "
                      "setting, or use another --out folder for this one.")


def _sessions(data: dict) -> list[dict]:
    return [s for s in data["sessions"] if isinstance(s, dict)]


def settings_configs(data: Optional[dict]) -> dict[str, dict]:
    """Each latent settings id the plan names -> its resolved config, in the order the ids
    first ran (sessions by start time): what tells two settings of one method apart. A config
    of an earlier settings version reads as today's fields (the values its model had), so a
    field added since shows its earlier value, not a gap."""
    from crlso_core.catalog.config import RunConfig

    def upgraded(config: dict) -> dict:
        try:
            return RunConfig.from_dict(config).to_dict()
        except CRLSOError:
            return config  # shown as recorded

    out: dict[str, dict] = {}
    if not data:
        return out
    for session in sorted(_sessions(data), key=lambda s: str(s.get("started"))):
        for entry in session.get("settings") or []:
            if isinstance(entry, dict) and isinstance(entry.get("config"), dict) and entry.get("settings"):
                out.setdefault(str(entry["settings"]), upgraded(entry["config"]))
    return out


def _ran_latent(data: dict) -> bool:
    return any(isinstance(e, dict) and "config" in e for s in _sessions(data) for e in s.get("settings") or [])


def _recorded(data: dict) -> dict[tuple, dict]:
    """The latest recorded settings entry of each (method, rule) the folder ran."""
    entries = {}
    for s in _sessions(data):
        for e in s.get("settings") or []:
            if isinstance(e, dict):
                entries[(e.get("method"), e.get("rule"))] = e
    return entries


def _first_difference(before: dict, now: dict, prefix: str = "") -> Optional[tuple[str, object, object]]:
    """The first setting (dotted name) whose values differ, seed, dataset, budget and device aside."""
    from crlso_core.bench.results import DROPPED_FROM_ID

    for key in sorted(set(before) | set(now)):
        if not prefix and key in DROPPED_FROM_ID:
            continue
        a, b = before.get(key, "(none)"), now.get(key, "(none)")
        if isinstance(a, dict) and isinstance(b, dict):
            found = _first_difference(a, b, f"{prefix}{key}.")
            if found:
                return found
        elif a != b:
            return f"{prefix}{key}", a, b
    return None


def _shown(value) -> str:
    return quoted(value, 40)


def check_resume(out: Path, plan, rows: list, benchmark) -> None:
    """Refuse to resume a folder whose bench differs in space, preset or the settings of a
    method it ran (one line naming the setting and both values); before anything is written."""
    data = load(out)
    if data is None:
        _check_rows_space(out, plan.space, rows, benchmark)
        return
    if data.get("space") != plan.space:
        raise _refuse(out, "space", _shown(data.get("space")), _shown(plan.space))
    before = data.get("preset")
    # the preset shapes latent methods only: a folder of baselines takes any
    if before != plan.preset and (_ran_latent(data) or any(e.get("config") for e in settings(plan))):
        raise _refuse(out, "preset", _shown(before), _shown(plan.preset))
    recorded = _recorded(data)
    for entry in settings(plan):
        old = recorded.get((entry["method"], entry["rule"]))
        if old is None or old.get("settings") == entry["settings"]:
            continue
        name = entry["method"] + (f" (rule {entry['rule']})" if entry["rule"] else "")
        now = json.loads(json.dumps(entry.get("config") or {}))  # as plan.json holds it: tuples are lists there
        diff = _first_difference(old.get("config") or {}, now)
        if diff is None:
            raise _refuse(out, f"{name} settings id", _shown(old.get("settings")), _shown(entry["settings"]))
        raise _refuse(out, f"{name} setting {diff[0]}", _shown(diff[1]), _shown(diff[2]))


def _check_rows_space(out: Path, space: str, rows: list, benchmark) -> None:
    """A folder of an earlier version, without plan.json: its cells must be this space's."""
    parsed: set[str] = set()
    for row in rows:
        arch = row.best_arch
        if arch in parsed:
            continue
        try:
            benchmark.space.parse(arch)
        except (CRLSOError, ValueError, TypeError, KeyError, IndexError):
            raise CRLSOError(f"{out} holds a bench of another space: its results.csv has {quoted(arch, 40)} "
                             f"for {row.method} seed {row.seed}, not a cell of {space}; use another --out folder for this one.") from None
        parsed.add(arch)


def git_commit(root: Optional[Path] = None) -> Optional[dict]:
    """{"sha", "dirty"} of the checkout holding the crlso_core package; None when it is not
    one (an installed package) or git cannot tell. Never an error: the bench runs anyway."""
    root = Path(root or Path(__file__).resolve().parents[2])

    def git(*args: str) -> Optional[str]:
        try:
            done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, timeout=GIT_TIMEOUT_S)
        except (OSError, subprocess.SubprocessError):
            return None
        return done.stdout if done.returncode == 0 else None

    top = git("rev-parse", "--show-toplevel")
    if top is None or Path(top.strip()).resolve() != root.resolve():
        return None  # not a checkout, or the package sits inside some other repository
    sha, status = git("rev-parse", "HEAD"), git("status", "--porcelain")
    if sha is None or status is None:
        return None
    return {"sha": sha.strip(), "dirty": bool(status.strip())}


def machine() -> dict:
    import torch

    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpu": model, "cpus": os.cpu_count(), "platform": platform.platform(),
            "python": platform.python_version(), "torch": torch.__version__}


def machine_text(m: dict) -> str:
    """A machine as one line: what a report says a bench ran on."""
    return f"{m['cpu']}, {m['cpus']} cores, {m['platform']}, Python {m['python']}, torch {m['torch']}"


def _commit_text(commit: Optional[dict]) -> str:
    if not commit:
        return "not a git checkout"
    return commit["sha"] + (" with uncommitted changes" if commit.get("dirty") else "")


def _command_text(argv: Optional[list[str]]) -> str:
    """The command a session ran, as typed: `crlso` whatever path or module started it."""
    return shlex.join(["crlso", *argv[1:]]) if argv else "(called from Python)"


def provenance(data: dict) -> dict:
    """What produced a bench folder, from its plan.json (load()): every session's command,
    the commit, start and end, machine and device; values several sessions share said once,
    values that differ each said, joined."""
    sessions = _sessions(data)

    def each(values) -> str:
        return "; ".join(dict.fromkeys(values))

    return {
        "command": "\n".join(dict.fromkeys(_command_text(s.get("argv")) for s in sessions)),
        "commit": each(_commit_text(s.get("commit")) for s in sessions),
        "started": sessions[0].get("started"), "finished": sessions[-1].get("finished"),
        "outcome": sessions[-1].get("outcome", "not finished"),
        "machine": each(machine_text(s["machine"]) for s in sessions), "device": each(s["device"] for s in sessions),
        "sessions": len(sessions),
    }


def joined(plans: list[dict]) -> dict:
    """Several benches' plans as one: every session, in the order they started (each names its own preset)."""
    if len(plans) == 1:
        return plans[0]
    sessions = sorted((s for p in plans for s in _sessions(p)), key=lambda s: str(s.get("started")))
    return {"space": plans[0].get("space"), "sessions": sessions}


def device_name(plan) -> str:
    """What the runs compute on: "cpu" or the GPU's name. On a Ray cluster the workers
    decide, so the driver's own device says nothing about them (and a driver without the
    GPU its workers have is no error: Ray itself says when no worker has one)."""
    import torch

    from crlso_core.models.training import resolve_device

    ray = f"{plan.device} (on the Ray cluster's workers)"
    if plan.backend == "ray" and plan.address:
        return ray
    try:
        device = resolve_device(plan.device)
    except CRLSOError:
        if plan.backend == "ray":
            return ray
        raise
    return torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu"


def settings(plan) -> list[dict]:
    """Every (method, rule) the plan runs, with its full resolved RunConfig for the first
    dataset and seed (at the largest budget) and its settings id; baselines say what they are."""
    from crlso_core.bench.methods import method_config
    from crlso_core.bench.results import baseline_settings_id, settings_id
    from crlso_core.catalog.methods import BASELINE_ABOUT

    entries = []
    for method, rule in plan.runs():
        if method in BASELINE_ABOUT:
            entries.append({"method": method, "rule": "", "settings": baseline_settings_id(method), "about": BASELINE_ABOUT[method]})
            continue
        config = method_config(method, rule, plan.preset, plan.space, plan.datasets[0], plan.seeds[0], max(plan.budgets))
        config.device = plan.device
        entries.append({"method": method, "rule": config.search.rule, "settings": settings_id(config.to_dict()),
                        "config": config.to_dict()})
    return entries


def _session(plan, argv: Optional[list[str]]) -> dict:
    return {
        "argv": list(argv) if argv is not None else None, "commit": git_commit(), "machine": machine(),
        "device": device_name(plan), "workers": plan.workers, "backend": plan.backend, "started": _now(),
        "preset": plan.preset, "datasets": plan.datasets, "methods": plan.methods, "rules": plan.rules,
        "seeds": plan.seeds, "budgets": plan.budgets, "settings": settings(plan),
    }


@contextmanager
def session(out: Path, plan, argv: Optional[list[str]] = None):
    """Append this invocation to plan.json now, and record how it ended on the way out
    (finished, interrupted by Ctrl-C or SIGTERM, or failed with its message)."""
    entry = _session(plan, argv)  # everything that can fail before the file is touched
    data = load(out) or {"space": plan.space, "sessions": []}
    data["preset"] = plan.preset  # the latest; each session keeps its own
    data["sessions"].append(entry)
    path = Path(out) / PLAN_FILE
    write_json(path, data)
    t0, outcome = time.monotonic(), "finished"
    try:
        yield entry
    except Exception as exc:
        outcome = f"failed: {exc}"
        raise
    except BaseException:  # KeyboardInterrupt, the CLI's Terminated
        outcome = "interrupted"
        raise
    finally:
        entry.update(finished=_now(), wall_s=round(time.monotonic() - t0, 1), outcome=outcome)
        try:
            write_json(path, data)
        except OSError:
            if outcome == "finished":
                raise  # otherwise the bench's own error is the one to show
