"""One run in a worker: simulate, check, keep the collected months, summarise.

Runs in worker processes (or Dask workers): everything here is picklable and returns
text, so that the parent only appends it to the journal.
"""

from __future__ import annotations

import itertools
import os
import signal
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from batch_runs.design.changes import Change, apply_changes
from batch_runs.design.seeds import run_seed
from batch_runs.design.spec import SweepSpec
from batch_runs.execution.common import (
    RUN_KEYS,
    STATUS_KEYS,
    RunSummary,
    Simulate,
    csv_text,
    one_line,
    plain,
)
from batch_runs.execution.manifest import code_version
from model import DEFAULT_MONTHS, IranModel
from model.parameters import SCHEMA
from model.scenarios import Scenario


def simulate(
    scenario: Any, overrides: Mapping[str, Any], seed: int, steps: int = DEFAULT_MONTHS
) -> pd.DataFrame:
    """One run of the model; returns ``results()``. Picklable for worker processes."""
    model = IranModel(scenario, rng=seed, **dict(overrides))
    model.run(steps)
    return model.results()


@dataclass(frozen=True)
class RunContext:
    """What every worker needs besides its jobs (small; pickled with each task).

    ``monthly=False`` keeps no monthly rows (only the runs.csv row).
    """

    scenario: Scenario
    steps: int
    every: int
    columns: tuple[str, ...]
    code_version: str
    simulate: Simulate
    summary: RunSummary | None = None
    monthly: bool = True


# run_id, point, replicate, seed, parameter overrides, scenario changes
Job = tuple[int, int, int, int, dict[str, Any], tuple[Change, ...]]
Record = tuple[int, bool, str, str]  # run_id, ok, runs line, steps lines


def execute(ctx: RunContext, job: Job) -> Record:
    """Run one job; never raises: a failure becomes a ``status=failed`` record."""
    run_id, point, replicate, seed, overrides, changes = job
    start = time.perf_counter()
    scenario = ctx.scenario
    steps_text = ""
    finals: list[Any] = [""] * (len(ctx.columns) - 2) if ctx.monthly else []
    extras: list[Any] = [""] * len(ctx.summary.columns) if ctx.summary else []
    try:
        if code_version() != ctx.code_version:
            raise RuntimeError(
                f"worker runs code version {code_version()[:12]}, the sweep {ctx.code_version[:12]}"
            )
        scenario = apply_changes(scenario, changes)
        frame = ctx.simulate(scenario, overrides, seed, ctx.steps)
        if ctx.summary is not None:
            extras = _summarise(ctx.summary, frame, scenario)
        if ctx.monthly:  # the monthly rows and the final values, in the sweep's columns
            if tuple(frame.columns) != ctx.columns:
                raise RuntimeError("the run's results have other columns than the sweep's")
            cols = _collected_months(ctx, frame)
            steps_text = csv_text(zip(itertools.repeat(run_id), *cols))
            finals = [col[-1] for col in cols[2:]]
        status, error = "ok", ""
    except Exception as exc:  # a failing run is recorded, never fatal
        status, error = "failed", one_line(f"{type(exc).__name__}: {exc}")
    values = _parameter_values(scenario, overrides)
    duration = f"{time.perf_counter() - start:.4f}"
    row = [run_id, point, replicate, seed, *values, status, error, duration, *finals, *extras]
    return run_id, status == "ok", csv_text([[plain(v) for v in row]]), steps_text


def _collected_months(ctx: RunContext, frame: pd.DataFrame) -> list[list[Any]]:
    """The results' columns, kept every ``ctx.every`` months and at the last month."""
    cols = [frame[c].tolist() for c in ctx.columns]
    last = len(cols[0]) - 1
    keep = [i for i, step in enumerate(cols[0]) if step % ctx.every == 0 or i == last]
    if len(keep) < len(cols[0]):
        cols = [[col[i] for i in keep] for col in cols]
    return cols


def _summarise(summary: RunSummary, frame: pd.DataFrame, scenario: Scenario) -> list[float]:
    values = [float(v) for v in summary(frame, scenario)]
    if len(values) != len(summary.columns):
        raise RuntimeError("the run summary gave the wrong number of values")
    return values


def _parameter_values(scenario: Scenario, overrides: dict[str, Any]) -> list[Any]:
    """Every parameter's value in this run (the runs.csv record), even for a bad one."""
    try:
        params = scenario.parameters.replace(**overrides)
        return [params[name] for name in SCHEMA]
    except Exception:
        return [overrides.get(name, scenario.parameters[name]) for name in SCHEMA]


def execute_chunk(ctx: RunContext, jobs: list[Job]) -> list[Record]:
    """Task body for both backends: run the jobs of one chunk in order."""
    return [execute(ctx, job) for job in jobs]


# How often a worker checks that the sweep's parent process is still alive.
PARENT_CHECK_INTERVAL_S = 1.0


def init_worker(parent_pid: int) -> None:
    """Worker initializer: Ctrl-C is the parent's to handle (it stops the pool), and a
    worker whose parent has died (SIGKILL, a crash) exits instead of running on."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(
        target=_exit_with_parent, args=(parent_pid,), daemon=True, name="parent-watchdog"
    ).start()


def _exit_with_parent(parent_pid: int) -> None:
    while True:
        time.sleep(PARENT_CHECK_INTERVAL_S)
        try:
            os.kill(parent_pid, 0)  # signal 0: only asks whether the process exists
        except ProcessLookupError:
            os._exit(1)
        except PermissionError:  # it exists, under another user: a reused pid
            os._exit(1)


def headers(
    columns: Sequence[str], summary: RunSummary | None = None, monthly: bool = True
) -> tuple[list[str], list[str]]:
    """Columns of runs.csv and steps.csv. Without monthly rows runs.csv keeps no final
    values either: the run summary is the whole record."""
    finals = [f"final_{c}" for c in columns[2:]] if monthly else []
    runs = [*RUN_KEYS, *SCHEMA, *STATUS_KEYS, *finals]
    runs += list(summary.columns) if summary is not None else []
    return runs, ["run_id", *columns]


def probe_run(scenario: Scenario, spec: SweepSpec) -> pd.DataFrame:
    """A tiny run with the first design point: checks the combination, gives columns."""
    overrides = spec.point(0) | {"n_citizens": SCHEMA["n_citizens"].low}
    model = IranModel(apply_changes(scenario, spec.changes(0)), rng=0, **overrides)
    return model.results()


def jobs(spec: SweepSpec, done: set[int]) -> Iterator[Job]:
    """The jobs of ``spec`` not in ``done``, in run order."""
    point_index, overrides, changes = -1, {}, ()
    for run_id in range(spec.n_runs):
        if run_id in done:
            continue
        point, replicate = divmod(run_id, spec.replicates)
        if point != point_index:
            point_index, overrides, changes = point, spec.point(point), spec.changes(point)
        seed = run_seed(spec.seed, spec.run_seed_index(run_id))
        yield run_id, point, replicate, seed, overrides, changes


def chunks(jobs: Iterator[Job], size: int) -> Iterator[list[Job]]:
    while chunk := list(itertools.islice(jobs, size)):
        yield chunk
