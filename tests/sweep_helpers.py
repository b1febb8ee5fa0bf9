"""Helpers for the sweep tests: a small spec, fault injection, file comparison.

``failing_simulate`` and ``interrupting_simulate`` stand in for
``batch_runs.execution.simulate`` through ``run_sweep(simulate=...)``; they live in an
importable module so that worker processes can unpickle them.
"""

from __future__ import annotations

import csv
import os
import signal
import time
from pathlib import Path
from typing import Any

import pandas as pd

from batch_runs.design.spec import SweepSpec
from batch_runs.execution import simulate
from batch_runs.execution.common import csv_text

FAIL_AT = 0.5  # leakage_rate of the design point whose runs fail
STOP_AFTER_FILE = "stop_after.txt"
# The smallest real claims audit: one claim, no critics, two pairs of 3-month runs.
SMALL_AUDIT = ["claims", "--claims", "C6", "--no-critics", "--replicates", "2", "--steps", "3"]
SMALL_AUDIT += ["--set", "n_citizens=100", "--workers", "1"]


def small_spec(**changes: Any) -> SweepSpec:
    """A 2 x 3 grid, 3 replicates (18 runs) of 200 citizens over 6 months."""
    base = {
        "parameters": {"n_citizens": 200},
        "vary": {"western_policy": "engage,refuse", "leakage_rate": "0.2:0.5:3"},
        "replicates": 3,
        "steps": 6,
        "seed": 11,
    }
    return SweepSpec(**(base | changes))


def failing_simulate(scenario: Any, overrides: dict, seed: int, steps: int) -> pd.DataFrame:
    """Like ``simulate``, but raises for the design points with leakage_rate 0.5."""
    if overrides.get("leakage_rate") == FAIL_AT:
        raise ValueError(f"injected failure\nat leakage_rate={FAIL_AT}")
    return simulate(scenario, overrides, seed, steps)


class Interrupt:
    """A simulate that raises KeyboardInterrupt (as Ctrl-C would) at its n-th call."""

    def __init__(self, after: int) -> None:
        self.after = after
        self.calls = 0

    def __call__(self, scenario: Any, overrides: dict, seed: int, steps: int) -> pd.DataFrame:
        self.calls += 1
        if self.calls > self.after:
            raise KeyboardInterrupt
        return simulate(scenario, overrides, seed, steps)


class KillParent:
    """A simulate that, at the run with ``seed``, waits until ``runs_file`` holds
    ``rows`` rows, then SIGKILLs the sweep's process ``pid`` (from its worker)."""

    def __init__(self, pid: int, seed: int, runs_file: Path, rows: int) -> None:
        self.pid, self.seed, self.runs_file, self.rows = pid, seed, runs_file, rows

    def __call__(self, scenario: Any, overrides: dict, seed: int, steps: int) -> pd.DataFrame:
        if seed == self.seed:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                if self.runs_file.read_bytes().count(b"\n") > self.rows:
                    break
                time.sleep(0.01)
            os.kill(self.pid, signal.SIGKILL)
            time.sleep(60)  # the watchdog ends this worker
        return simulate(scenario, overrides, seed, steps)


def table(path: Path, drop: tuple[str, ...] = ("duration_s",)) -> list[tuple[str, ...]]:
    """Rows of a CSV file without the ``drop`` columns, sorted (header first)."""
    with open(path, newline="") as handle:
        rows = list(csv.reader(handle))
    keep = [i for i, name in enumerate(rows[0]) if name not in drop]
    body = sorted(tuple(r[i] for i in keep) for r in rows[1:])
    return [tuple(rows[0][i] for i in keep), *body]


def exact_lines(path: Path, blank: str = "duration_s") -> list[bytes]:
    """A CSV file's lines, byte for byte and in order, with the ``blank`` column's values
    emptied (the run times, which differ between identical runs)."""
    lines = path.read_bytes().splitlines(keepends=True)
    header = next(csv.reader([lines[0].decode()]))
    if blank not in header:
        return lines
    at = header.index(blank)
    out = [lines[0]]
    for line in lines[1:]:
        row = next(csv.reader([line.decode()]))
        row[at] = ""
        out.append(csv_text([row]).encode())
    return out
