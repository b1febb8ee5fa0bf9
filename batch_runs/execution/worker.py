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

import numpy as np
import pandas as pd

from batch_runs.design.changes import Change, apply_changes
from batch_runs.design.seeds import run_seed
from batch_runs.design.spec import SweepSpec
from batch_runs.execution.batches import Batch, RunRecord
from batch_runs.execution.common import (
    RUN_KEYS,
    STATUS_KEYS,
    RunSummary,
    Simulate,
    csv_text,
    one_line,
    plain,
)
from batch_runs.execution.lines import column_lines, frame_lines
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


def simulate_columns(
    scenario: Any, overrides: Mapping[str, Any], seed: int, steps: int = DEFAULT_MONTHS
) -> dict[str, Any]:
    """One run of the model; returns its collector's columns, of which ``results()``
    is the frame (``ArrayDataCollector.columns``). A sweep's default: it writes the
    rows from the columns, which is cheaper than building the frame first."""
    model = IranModel(scenario, rng=seed, **dict(overrides))
    model.run(steps)
    return model.datacollector.columns()


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
    steps_text = b""
    finals: list[Any] = [""] * (len(ctx.columns) - 2) if ctx.monthly else []
    extras: list[Any] = [""] * len(ctx.summary.columns) if ctx.summary else []
    try:
        if code_version() != ctx.code_version:
            raise RuntimeError(
                f"worker runs code version {code_version()[:12]}, the sweep {ctx.code_version[:12]}"
            )
        scenario = apply_changes(scenario, changes)
        frame, columns = _results(ctx, scenario, overrides, seed)
        if ctx.summary is not None:  # of the frame, or what results() makes of the columns
            results = frame if frame is not None else pd.DataFrame(columns, copy=False)
            extras = _summarise(ctx.summary, results, scenario)
        if ctx.monthly:  # the monthly rows and the final values, in the sweep's columns
            names = tuple(columns) if frame is None else tuple(frame.columns)
            if names != ctx.columns:
                raise RuntimeError("the run's results have other columns than the sweep's")
            steps_text, finals = _collected_months(ctx, run_id, frame, columns)
        status, error = "ok", ""
    except Exception as exc:  # a failing run is recorded, never fatal
        status, error = "failed", one_line(f"{type(exc).__name__}: {exc}")
    values = _point_fields(ctx.scenario, changes, overrides, scenario)
    duration = f"{time.perf_counter() - start:.4f}"
    keys = _csv_fields([run_id, point, replicate, seed])
    rest = _csv_fields([status, error, duration, *finals, *extras])
    runs_line = f"{keys},{values},{rest}\n"
    return run_id, status == "ok", runs_line.encode(), steps_text


def _csv_fields(values: list[Any]) -> str:
    """The fields csv.writer writes for ``values`` (as Python values), without the line
    end: a runs.csv line is three of them joined by commas, as csv.writer quotes each
    field by itself."""
    return csv_text([[plain(v) for v in values]])[:-1]


def _results(
    ctx: RunContext, scenario: Scenario, overrides: dict[str, Any], seed: int
) -> tuple[pd.DataFrame | None, dict[str, Any]]:
    """What ``ctx.simulate`` gives: a results frame (and no columns), or the columns
    of one (and no frame). Columns other than 1-D arrays and lists (e.g. Series) are
    taken as the frame they make."""
    results = ctx.simulate(scenario, overrides, seed, ctx.steps)
    if isinstance(results, pd.DataFrame):
        return results, {}
    columns = dict(results)
    if all(_is_column(values) for values in columns.values()):
        return None, columns
    return pd.DataFrame(columns, copy=False), {}


def _is_column(values: Any) -> bool:
    return type(values) is list or (isinstance(values, np.ndarray) and values.ndim == 1)


def _collected_months(
    ctx: RunContext, run_id: int, frame: pd.DataFrame | None, columns: dict[str, Any]
) -> tuple[bytes, list[Any]]:
    """The steps.csv lines (UTF-8) of the months kept (every ``ctx.every`` months and
    the last one), from the frame or else the columns, and the last month's values
    after ``step`` and ``date`` (the final values in runs.csv)."""
    values = list(columns.values())
    if not len(frame if frame is not None else values[0]):
        raise RuntimeError("the run's results have no months")
    if frame is None:
        if ctx.every > 1:
            kept = _kept(np.asarray(values[0]), ctx.every)
            values = [_rows_of(column, kept) for column in values]
        lines = column_lines(run_id, values)
        if lines is not None:
            return lines, [column[-1] for column in values[2:]]
        # A column pandas converts (a list holding None or mixed numbers): the rows of
        # the frame the columns make, as results() gives it.
        frame = pd.DataFrame(columns, copy=False)
    if ctx.every > 1:
        frame = frame.iloc[_kept(frame.iloc[:, 0].to_numpy(), ctx.every)]
    last = frame.iloc[-1:].to_numpy(dtype=object).tolist()
    return frame_lines(run_id, frame), last[0][2:]


def _rows_of(column: np.ndarray | list, kept: np.ndarray) -> np.ndarray | list:
    if isinstance(column, np.ndarray):
        return column[kept]
    return [column[i] for i in kept.tolist()]


def _kept(step: np.ndarray, every: int) -> np.ndarray:
    """Indices of the rows kept: ``step`` a multiple of ``every``, and the last row."""
    kept = step % every == 0
    kept[-1:] = True
    return np.flatnonzero(kept)


def _summarise(summary: RunSummary, frame: pd.DataFrame, scenario: Scenario) -> list[float]:
    values = [float(v) for v in summary(frame, scenario)]
    if len(values) != len(summary.columns):
        raise RuntimeError("the run summary gave the wrong number of values")
    return values


# The parameter values (as runs.csv fields) of the design points seen last, by the
# identity of their overrides and changes (kept alive here, so that their ids cannot
# pass to other objects): the runs of a point share those objects, and validating and
# writing every parameter is a noticeable part of a short run's cost.
_POINT_FIELDS: dict[tuple[int, int, int], tuple[Any, ...]] = {}
_POINTS_KEPT = 64


def _point_fields(
    base: Scenario, changes: Any, overrides: dict[str, Any], scenario: Scenario
) -> str:
    """The runs.csv fields of :func:`_parameter_values` of a run of ``scenario``
    (``base`` with ``changes``, or ``base`` if they failed: the same for every run of a
    point), made once per point."""
    key = (id(base), id(changes), id(overrides))
    if (known := _POINT_FIELDS.get(key)) is None:
        if len(_POINT_FIELDS) >= _POINTS_KEPT:
            _POINT_FIELDS.clear()
        fields = _csv_fields(_parameter_values(scenario, overrides))
        known = (base, changes, overrides, fields)
        _POINT_FIELDS[key] = known
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
