"""One run in a worker: simulate, check, keep the collected months, summarise.

Runs in worker processes (or Dask workers): everything here is picklable, and a task
returns its runs as one :class:`~batch_runs.execution.batches.Batch` of finished CSV
bytes, so that the parent only appends them to the journal.
"""

from __future__ import annotations

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
from batch_runs.execution.batches import Batch, RunRecord, month_lines
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


def execute(ctx: RunContext, job: Job) -> RunRecord:
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
            rows = _collected_months(ctx, frame)
            steps_text = month_lines(run_id, rows, list(frame.dtypes))
            finals = rows[-1][2:]
        status, error = "ok", ""
    except Exception as exc:  # a failing run is recorded, never fatal
        status, error = "failed", one_line(f"{type(exc).__name__}: {exc}")
    values = _point_values(ctx.scenario, changes, overrides, scenario)
    duration = f"{time.perf_counter() - start:.4f}"
    row = [run_id, point, replicate, seed, *values, status, error, duration, *finals, *extras]
    runs_line = csv_text([[plain(v) for v in row]])
    return run_id, status == "ok", runs_line.encode(), steps_text.encode()


def _collected_months(ctx: RunContext, frame: pd.DataFrame) -> list[list[Any]]:
    """The results' rows as Python values (as ``tolist`` gives them), kept every
    ``ctx.every`` months and at the last month."""
    rows = frame.to_numpy(dtype=object).tolist()
    if ctx.every > 1:
        last = len(rows) - 1
        rows = [row for i, row in enumerate(rows) if row[0] % ctx.every == 0 or i == last]
    return rows


def _summarise(summary: RunSummary, frame: pd.DataFrame, scenario: Scenario) -> list[float]:
    values = [float(v) for v in summary(frame, scenario)]
    if len(values) != len(summary.columns):
        raise RuntimeError("the run summary gave the wrong number of values")
    return values


# Parameter values of the design points seen last, by the identity of their overrides
# and changes (kept alive here, so that their ids cannot pass to other objects): the
# runs of a point share those objects, and validating every parameter is a noticeable
# part of a short run's cost.
_POINT_VALUES: dict[tuple[int, int, int], tuple[Any, ...]] = {}
_POINTS_KEPT = 64


def _point_values(
    base: Scenario, changes: Any, overrides: dict[str, Any], scenario: Scenario
) -> list[Any]:
    """:func:`_parameter_values` of a run of ``scenario`` (``base`` with ``changes``, or
    ``base`` if they failed: the same for every run of a point), once per point."""
    key = (id(base), id(changes), id(overrides))
    if (known := _POINT_VALUES.get(key)) is None:
        if len(_POINT_VALUES) >= _POINTS_KEPT:
            _POINT_VALUES.clear()
        known = (base, changes, overrides, _parameter_values(scenario, overrides))
        _POINT_VALUES[key] = known
    return known[3]


def _parameter_values(scenario: Scenario, overrides: dict[str, Any]) -> list[Any]:
    """Every parameter's value in this run (the runs.csv record), even for a bad one."""
    try:
        params = scenario.parameters.replace(**overrides)
        return [params[name] for name in SCHEMA]
    except Exception:
        return [overrides.get(name, scenario.parameters[name]) for name in SCHEMA]


def execute_chunk(ctx: RunContext, jobs: list[Job]) -> Batch:
    """Task body for every backend: run the jobs of one chunk in order, as one batch."""
    start = time.perf_counter()
    records = [execute(ctx, job) for job in jobs]
    return Batch.pack(records, time.perf_counter() - start)


# How often a worker checks that the sweep's parent process is still alive.
PARENT_CHECK_INTERVAL_S = 1.0


def init_worker(parent_pid: int) -> None:
    """Worker initializer: Ctrl-C is the parent's to handle (it stops the pool), other
    stop signals end the worker (not the parent's handlers, which a forked worker
    inherits), and a worker whose parent has died (SIGKILL, a crash) exits instead of
    running on."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for number in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(number, signal.SIG_DFL)
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
