"""Faults a sweep must survive: SIGTERM or SIGHUP like Ctrl-C, workers that die with a
killed parent, and --resume completing exactly what is missing."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sweep_helpers import exact_lines, small_spec, table

from batch_runs.execution import run_sweep
from cli.main import main

pytestmark = pytest.mark.slow
ARGS = ["--vary", "n_citizens=200", "--steps", "36", "--replicates", "16", "--workers", "2"]
FAULT_ARGS = ["--vary", "n_citizens=300", "--steps", "60", "--replicates", "120", "--workers", "2"]


def _start(out: Path) -> subprocess.Popen:
    """A real sweep in its own session (so that its worker processes can be found)."""
    exe = Path(sys.executable).with_name("iran-sim")
    return subprocess.Popen(
        [str(exe), "sweep", *ARGS, "--out", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def _wait_for_runs(out: Path, count: int) -> None:
    runs = out / "runs.csv"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if runs.exists() and runs.read_bytes().count(b"\n") > count:
            return
        time.sleep(0.01)
    raise AssertionError("the sweep did not get going")


def _session_processes(session: int) -> list[int]:
    """Process ids of the live processes in a session (zombies excluded)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z" and int(fields[3]) == session:
            found.append(int(stat.parent.name))
    return found


def _wait_until_gone(session: int, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while _session_processes(session) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _session_processes(session) == [], "worker processes outlived the sweep"


def _resume_equals_a_clean_run(out: Path, tmp_path: Path) -> None:
    assert main(["sweep", *ARGS, "--out", str(out), "--resume"]) == 0
    clean = tmp_path / "clean"
    assert main(["sweep", *ARGS, "--out", str(clean)]) == 0
    for name in ("runs.csv", "steps.csv"):
        assert table(out / name) == table(clean / name)


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_sigterm_and_sighup_stop_a_sweep_like_ctrl_c(tmp_path, stop):
    out = tmp_path / "stopped"
    process = _start(out)
    _wait_for_runs(out, 3)
    os.kill(process.pid, stop)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 130
    lines = err.strip().splitlines()
    assert "interrupted" in lines[-1] and "--resume" in lines[-1]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "interrupted"
    assert manifest["sessions"][-1]["status"] == "interrupted"
    assert 0 < manifest["counts"]["missing"] < 16
    _wait_until_gone(process.pid)
    _resume_equals_a_clean_run(out, tmp_path)


def test_workers_exit_when_their_parent_is_killed(tmp_path):
    out = tmp_path / "killed"
    process = _start(out)
    _wait_for_runs(out, 3)
    assert len(_session_processes(process.pid)) > 1  # the parent and its workers
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    _wait_until_gone(process.pid)
    _resume_equals_a_clean_run(out, tmp_path)


def test_a_kill_in_the_middle_of_a_batch_loses_only_uncommitted_batches(tmp_path):
    """Tasks of 4 runs on 2 workers; the parent is SIGKILLed while a worker is inside
    the batch of runs 8-11. What was recorded is whole batches (never 8-11); resume
    runs exactly the rest and ends in the clean sweep's rows."""
    out = tmp_path / "killed"
    code = (
        "import os, sys\n"
        f"sys.path.insert(0, {str(Path(__file__).parent)!r})\n"
        "from pathlib import Path\n"
        "from sweep_helpers import KillParent, small_spec\n"
        "from batch_runs.design.seeds import run_seed\n"
        "from batch_runs.execution import run_sweep\n"
        "spec = small_spec()\n"
        f"out = Path({str(out)!r})\n"
        "kill = KillParent(os.getpid(), run_seed(spec.seed, 9), out / 'runs.csv', 4)\n"
        "run_sweep(spec, out, workers=2, chunk_size=4, simulate=kill)\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", code], stderr=subprocess.DEVNULL, start_new_session=True
    )
    assert process.wait(timeout=120) == -signal.SIGKILL
    _wait_until_gone(process.pid)
    kept = {int(row[0]) for row in table(out / "runs.csv")[1:]}
    batches = [set(range(first, min(first + 4, 18))) for first in range(0, 18, 4)]
    assert kept and kept == set().union(*(b for b in batches if b <= kept))
    assert not kept & batches[2]
    summary = run_sweep(small_spec(), out, workers=1, resume=True)
    assert (summary.skipped, summary.ran, summary.ok) == (len(kept), 18 - len(kept), 18)
    clean = tmp_path / "clean"
    run_sweep(small_spec(), clean, workers=1)
    for name in ("runs.csv", "steps.csv", "journal.csv"):
        assert sorted(exact_lines(out / name)) == sorted(exact_lines(clean / name)), name


def test_twenty_random_kills_and_resumes_end_in_the_clean_sweeps_files(tmp_path):
    """Kill the sweep at random moments (SIGKILL and SIGTERM in turn) 20 times, resuming
    each time; the files must then hold exactly the clean sweep's rows."""
    rng = random.Random(2026)
    out = tmp_path / "faulty"
    exe = Path(sys.executable).with_name("iran-sim")
    argv = [str(exe), "sweep", *FAULT_ARGS, "--out", str(out)]
    kills = 0
    while kills < 20:
        process = subprocess.Popen(
            argv + (["--resume"] if out.exists() else []),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        time.sleep(rng.uniform(0.5, 2.5))
        if process.poll() is not None:  # it finished before the kill
            break
        os.kill(process.pid, signal.SIGKILL if kills % 2 == 0 else signal.SIGTERM)
        process.wait()
        kills += 1
        _wait_until_gone(process.pid)
    assert kills >= 10, "the sweep finished too fast to be killed often"
    assert main(["sweep", *FAULT_ARGS, "--out", str(out), "--resume"]) == 0
    clean = tmp_path / "clean"
    assert main(["sweep", *FAULT_ARGS, "--out", str(clean)]) == 0
    for name in ("runs.csv", "steps.csv"):
        assert table(out / name) == table(clean / name)
