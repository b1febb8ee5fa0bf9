"""One writer per result folder: a second iran-sim on the same --out is refused."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from sweep_helpers import SMALL_AUDIT

from batch_runs.execution import SweepError
from batch_runs.execution.lock import HOLDER_FILE, LOCK_FILES, folder_lock
from cli.main import main

HOLD = """
import sys, time
from pathlib import Path
from batch_runs.execution.lock import folder_lock
with folder_lock(Path(sys.argv[1])):
    print("held", flush=True)
    time.sleep(60)
"""


@pytest.fixture
def held(tmp_path: Path):
    """A folder held by another process (killed at the end of the test)."""
    folder = tmp_path / "out"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(folder)], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout.readline().strip() == "held"
    yield folder, holder.pid
    holder.kill()
    holder.wait()


def test_a_second_writer_is_refused_naming_the_holder(held, capsys):
    folder, pid = held
    argv = ["sweep", "--vary", "leakage_rate=0.2,0.4", "--vary", "n_citizens=100"]
    assert main([*argv, "--steps", "2", "--workers", "1", "--out", str(folder)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and f"is in use by another iran-sim (pid {pid}" in err[0]
    assert sorted(p.name for p in folder.iterdir()) == sorted(LOCK_FILES)  # nothing written
    other = folder.parent / "a"
    assert main([*SMALL_AUDIT, "--out", str(other)]) == 0  # another folder is free


def test_the_lock_is_released_when_its_holder_dies(held):
    folder, pid = held
    with pytest.raises(SweepError, match="in use"), folder_lock(folder):
        pass
    subprocess.run(["kill", "-9", str(pid)], check=True)
    for _ in range(50):  # the operating system releases the lock with the process
        try:
            with folder_lock(folder):
                break
        except SweepError:
            time.sleep(0.1)
    else:
        raise AssertionError("the lock outlived its holder")


def test_a_refused_or_invalid_command_leaves_no_folder_behind(tmp_path):
    folder = tmp_path / "new"
    with pytest.raises(RuntimeError), folder_lock(folder):
        assert (folder / HOLDER_FILE).exists()
        raise RuntimeError("the command failed")
    assert not folder.exists()
