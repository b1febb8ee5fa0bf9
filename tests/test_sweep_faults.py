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
# A sweep long enough to be stopped in the middle however fast the engine gets: about
# a second of runs on 2 workers after its first rows land (2,000 citizens, 120 months).
REPLICATES = 160
ARGS = [
    *("--vary", "n_citizens=2000", "--steps", "120"),
    *("--replicates", str(REPLICATES), "--workers", "2"),
]
# ... and one that twenty kills leave unfinished: each kill once runs are recorded keeps
# the few runs that land within 0.3 s of its first (a handful; the batches that follow
# take 0.5 s).
FAULT_REPLICATES = 320
FAULT_ARGS = [*ARGS[:4], "--replicates", str(FAULT_REPLICATES), "--workers", "2"]


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


def _wait_for_runs(out: Path, count: int, process: subprocess.Popen) -> None:
    """Until more than ``count`` runs are recorded while the sweep's workers still run."""
    runs = out / "runs.csv"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError("the sweep ended before it could be stopped: lengthen ARGS")
        recorded = runs.exists() and runs.read_bytes().count(b"\n") > count
        if recorded and len(_session_processes(process.pid)) > 1:  # the parent, workers
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
    _wait_for_runs(out, 3, process)
    os.kill(process.pid, stop)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 130
    lines = err.strip().splitlines()
    assert "interrupted" in lines[-1] and "--resume" in lines[-1]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "interrupted"
    assert manifest["sessions"][-1]["status"] == "interrupted"
    assert 0 < manifest["counts"]["missing"] < REPLICATES
    _wait_until_gone(process.pid)
    _resume_equals_a_clean_run(out, tmp_path)


def test_workers_exit_when_their_parent_is_killed(tmp_path):
    out = tmp_path / "killed"
    process = _start(out)
    _wait_for_runs(out, 3, process)
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


def _recorded(out: Path) -> int:
    """Runs recorded in ``out/runs.csv`` so far."""
    runs = out / "runs.csv"
    return max(0, runs.read_bytes().count(b"\n") - 1) if runs.exists() else 0


def test_twenty_random_kills_and_resumes_end_in_the_clean_sweeps_files(tmp_path):
    """Kill the sweep 20 times (SIGKILL and SIGTERM in turn), resuming each time: half
    the kills at a random moment of its first second (loading, starting its workers),
    half at a random moment once this session's first runs are recorded (inside a
    batch, or as one is written). The files must then hold exactly the clean sweep's
    rows."""
    rng = random.Random(2026)
    out = tmp_path / "faulty"
    exe = Path(sys.executable).with_name("iran-sim")
    argv = [str(exe), "sweep", *FAULT_ARGS, "--out", str(out)]
    for kill in range(20):
        before = _recorded(out)
        process = subprocess.Popen(
            argv + (["--resume"] if out.exists() else []),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        if kill // 2 % 2 == 0:  # each signal meets both moments
            time.sleep(rng.uniform(0.0, 1.0))
        else:
            deadline = time.monotonic() + 120
            # more than before: a resume may first drop the rows of uncommitted runs
            while _recorded(out) <= before and process.poll() is None:
                assert time.monotonic() < deadline, "the sweep did not get going"
                time.sleep(0.005)
            time.sleep(rng.uniform(0.0, 0.3))
        assert process.poll() is None, (
            f"kill {kill + 1}: the sweep ended first (lengthen FAULT_ARGS)"
        )
        os.kill(process.pid, signal.SIGKILL if kill % 2 == 0 else signal.SIGTERM)
        process.wait()
        _wait_until_gone(process.pid)
    assert 0 < _recorded(out) < FAULT_REPLICATES  # some runs kept, some left to resume
    assert main(["sweep", *FAULT_ARGS, "--out", str(out), "--resume"]) == 0
    clean = tmp_path / "clean"
    assert main(["sweep", *FAULT_ARGS, "--out", str(clean)]) == 0
    for name in ("runs.csv", "steps.csv"):
        assert table(out / name) == table(clean / name)
