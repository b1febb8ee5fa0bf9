"""Identity and provenance of a result folder: code version, digests, the manifest.

Every result folder the engine writes (sweeps, the claims audit, comparisons,
sensitivity, frontier, calibration batches) carries the same ``manifest.json``: the
spec, master seed and seed rule, code version, package versions and the sessions that
ran it. ``resume`` refuses a folder whose spec, scenario or code differ.
"""

from __future__ import annotations

import hashlib
import json
import platform
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

from batch_runs.execution.common import (
    MANIFEST_FILE,
    RUNS_FILE,
    RUNS_PARQUET,
    STEPS_FILE,
    STEPS_PARQUET,
    SweepError,
)
from batch_runs.execution.readers import read_runs
from model.export import read_data_file, write_atomic
from model.scenarios import Scenario

MANIFEST_VERSION = 1

_ROOT = Path(__file__).resolve().parents[2]
# The sources whose change can change a run's numbers.
_CODE_FILES = (
    "model/*.py",
    "agents/*.py",
    "batch_runs/design/*.py",
    "batch_runs/execution/*.py",
    "batch_runs/analysis/outcomes.py",
    "batch_runs/patterns.py",
    "batch_runs/baselines.py",
    "batch_runs/claims.py",
)


@cache
def code_version() -> str:
    """SHA-256 over the source of the model, the agents and the sweep engine.

    Two installations with the same code version produce the same runs; ``resume``
    refuses to mix code versions, and every worker checks it against the parent's.
    """
    digest = hashlib.sha256()
    for pattern in _CODE_FILES:
        for path in sorted(_ROOT.glob(pattern)):
            digest.update(path.relative_to(_ROOT).as_posix().encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def scenario_digest(scenario: Scenario) -> str:
    """SHA-256 of everything a scenario sets (parameters, factions, governments, events,
    length and oil price path)."""
    path = scenario.oil_price_path
    data = {
        "parameters": dict(scenario.parameters),
        "factions": [asdict(f) for f in scenario.factions],
        "governments": [asdict(g) for g in scenario.governments],
        "events": [asdict(e) for e in scenario.events],
        "months": scenario.months,
        "oil_price_path": asdict(path) if path is not None else None,
    }
    text = json.dumps(data, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def package_versions(extra: Sequence[str]) -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in ("iran-sim", "mesa", "numpy", "scipy", "pandas", "networkx", *extra):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def git_commit() -> str | None:
    try:
        result = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=_ROOT,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout.strip() or None if result.returncode == 0 else None


def platform_name() -> str:
    """The operating system and machine, for the manifest."""
    return platform.platform()


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def read_manifest(out_dir: str | Path) -> dict[str, Any]:
    """The manifest of the sweep in ``out_dir`` (SweepError if missing or unreadable)."""
    path = Path(out_dir) / MANIFEST_FILE
    data = read_data_file(
        path,
        json.loads,
        SweepError,
        missing=f"{out_dir}: no sweep here ({MANIFEST_FILE} not found)",
        unreadable=f"{path}: cannot read the manifest",
    )
    if not isinstance(data, dict) or data.get("manifest_version") != MANIFEST_VERSION:
        raise SweepError(f"{path}: not a sweep manifest of this version of iran-sim")
    return data


def write_manifest(out_dir: Path, manifest: Mapping[str, Any]) -> None:
    text = json.dumps(manifest, indent=2, default=str) + "\n"
    write_atomic(out_dir / MANIFEST_FILE, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def _first_difference(old: Any, new: Any, where: str = "") -> str:
    if isinstance(old, dict) and isinstance(new, dict):
        for key in list(old) + [k for k in new if k not in old]:
            if old.get(key) != new.get(key):
                return _first_difference(old.get(key), new.get(key), f"{where}.{key}".strip("."))
    then, now = json.dumps(old, default=str), json.dumps(new, default=str)
    return f"{where or 'value'}: {then} then, {now} now"


def check_resumable(out_dir: Path, manifest: Mapping[str, Any], identity: Mapping) -> None:
    """Refuse (SweepError) to resume a sweep whose spec, scenario or code differ."""
    if manifest.get("spec_digest") != identity["spec_digest"]:
        diff = _first_difference(manifest.get("spec"), identity["spec"])
        raise SweepError(
            f"cannot resume {out_dir}: the spec differs from the manifest's ({diff}); "
            "give the same spec or choose another --out"
        )
    if manifest.get("scenario_digest") != identity["scenario_digest"]:
        raise SweepError(
            f"cannot resume {out_dir}: the scenario's content differs from the manifest's; "
            "restore it or choose another --out"
        )
    if manifest.get("summary") != identity["summary"]:
        raise SweepError(
            f"cannot resume {out_dir}: the sweep kept the run summary "
            f"{manifest.get('summary')!r}, not {identity['summary']!r}; choose another --out"
        )
    if manifest.get("code_version") != identity["code_version"]:
        raise SweepError(
            f"cannot resume {out_dir}: the model code differs from the code that started "
            f"the sweep (code version {str(manifest.get('code_version'))[:12]} then, "
            f"{identity['code_version'][:12]} now); choose another --out"
        )


def provenance(extra_packages: Sequence[str] = ()) -> dict[str, Any]:
    """What every result folder's manifest records about the code that made it."""
    return {
        "code_version": code_version(),
        "git_commit": git_commit(),
        "packages": package_versions(extra_packages),
        "platform": platform_name(),
    }


def new_manifest(
    spec: Any,
    identity: Mapping[str, Any],
    scenario_name: str,
    command: list[str] | None,
    started: str,
    columns: Mapping[str, list[str]],
    extra_packages: Sequence[str] = (),
) -> dict[str, Any]:
    """The manifest of a new sweep: its identity (spec, digests, code version), the seed
    rule, provenance, files and columns, and an empty list of sessions."""
    crn = "r mod replicates" if spec.common_random_numbers else "r"
    return {
        "manifest_version": MANIFEST_VERSION,
        "tool": "iran-sim sweep",
        "command": command,
        **identity,
        "scenario_name": scenario_name,
        "master_seed": spec.seed,
        "seeds": (
            f"seed of run r = batch_runs.design.seeds.run_seed(master_seed, {crn}), i.e. "
            "numpy SeedSequence(master_seed, spawn_key=(index,))"
        ),
        **{k: v for k, v in provenance(extra_packages).items() if k != "code_version"},
        "files": {"runs": RUNS_FILE, "steps": STEPS_FILE},
        "columns": dict(columns),
        "started": started,
        "finished": None,
        "status": "running",
        "counts": {"total": spec.n_runs, "ok": 0, "failed": 0, "missing": spec.n_runs},
        "sessions": [],
    }


def finish_manifest(
    out_dir: Path, manifest: dict[str, Any], spec: Any, interrupted: bool = False
) -> None:
    """Record the end of this session: time, counts by status (read back from disk), and
    ``interrupted`` when Ctrl-C, SIGTERM or SIGHUP stopped it before every run was done."""
    if not out_dir.is_dir() or not (out_dir / MANIFEST_FILE).exists():
        return
    try:
        runs = read_runs(out_dir, columns=["run_id", "status"])
        ok = int((runs["status"] == "ok").sum())
        failed = int((runs["status"] == "failed").sum())
    except (OSError, ValueError, SweepError):
        ok = failed = 0
    session = manifest["sessions"][-1]
    session["finished"] = now()
    manifest["finished"] = session["finished"]
    manifest["counts"] = {
        "total": spec.n_runs,
        "ok": ok,
        "failed": failed,
        "missing": spec.n_runs - ok - failed,
    }
    complete = ok + failed == spec.n_runs
    manifest["status"] = "complete" if complete else "interrupted" if interrupted else "incomplete"
    session["status"] = manifest["status"]
    if (out_dir / RUNS_PARQUET).exists() and not (out_dir / RUNS_FILE).exists():
        manifest["files"] = {"runs": RUNS_PARQUET, "steps": STEPS_PARQUET}
    write_manifest(out_dir, manifest)
