"""The sweep runner: many runs of the model, in parallel, streamed to disk, resumable.

Public Python API (stable; ``iran-sim sweep``, ``iran-sim sensitivity`` and the
frontier map call it)::

    from batch_runs.spec import SweepSpec, load_spec
    from batch_runs.runner import run_sweep, read_runs, iter_steps, read_manifest

    spec = SweepSpec(
        scenario="baseline_2011",            # name or path; None = baseline_2011
        parameters={"n_citizens": 2000},     # fixed overrides for every run
        vary={"western_policy": ["engage", "refuse"],
              "leakage_rate": "0.2:0.8:4"},  # grid levels / ranges (see spec.py)
        sample="grid",                       # grid | lhs | sobol (+ samples=N)
        replicates=20, steps=120, seed=2011, every=1, format="csv",
    )
    # or an explicit design: SweepSpec(points=[{"leakage_rate": 0.3}, ...], ...)
    summary = run_sweep(spec, "out/dir", workers=2, backend="process",
                        scheduler=None, resume=False, progress=None)
    summary.ok, summary.failed, summary.total    # counts by status
    runs = read_runs("out/dir")                  # DataFrame, one row per run, by run_id
    for chunk in iter_steps("out/dir", columns=["run_id", "step", "economic_health"]):
        ...                                      # steps in bounded-memory chunks

Run ``run_id`` is ``point * replicates + replicate`` (``point`` indexes the design:
``spec.point(i)`` gives its overrides). Its seed is
``batch_runs.paired.run_seed(spec.seed, run_id)`` (or ``run_seed(spec.seed,
replicate)`` with ``common_random_numbers=True``, so that replicate j of every design
point shares its random numbers, as in ``iran-sim compare``). A run's results
therefore depend on the spec alone, never on workers, backend or completion order.

Files written in ``out_dir`` (documented in docs/sweeps.md):

- ``runs.csv``: one row per run (``run_id``, ``point``, ``replicate``, ``seed``, every
  parameter, ``status`` ok/failed, ``error``, ``duration_s``, ``final_<column>``, and
  the columns of a ``summary`` when one is given, e.g. the pattern scores of
  ``batch_runs.patterns``);
- ``steps.csv``: ``run_id`` plus the columns of ``IranModel.results()``, one row per
  run per collected month (every ``spec.every`` months, and the last month);
- ``manifest.json``: command, spec, master seed, code version, package versions,
  sessions with start and end times, counts by status.

Guarantees: results stream to disk as runs finish and the
parent keeps no results in memory (in-flight tasks are bounded); each run's rows are
appended whole (``steps`` first, then its ``runs`` row, which commits it), so Ctrl-C
or a killed process leaves no partial row that ``resume`` would keep; ``resume=True``
runs exactly the runs missing from ``runs.csv`` and refuses (SpecError) when the
spec or the code version differ from the manifest's; a run that raises is recorded
with ``status=failed`` and its error and the sweep goes on. With ``format="parquet"``
the CSV files are the journal while the sweep runs and are converted to
``runs.parquet`` / ``steps.parquet`` when every run is done.
"""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import json
import math
import os
import platform
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any, Protocol

import pandas as pd

from batch_runs.paired import run_seed
from batch_runs.paired import simulate as model_simulate
from batch_runs.spec import SpecError, SweepSpec
from model import IranModel
from model.export import write_atomic
from model.parameters import SCHEMA
from model.scenarios import Scenario, load_scenario

RUNS_FILE = "runs.csv"
STEPS_FILE = "steps.csv"
MANIFEST_FILE = "manifest.json"
RUNS_PARQUET = "runs.parquet"
STEPS_PARQUET = "steps.parquet"
BACKENDS = ("process", "dask")
RUN_KEYS = ("run_id", "point", "replicate", "seed")
STATUS_KEYS = ("status", "error", "duration_s")
MANIFEST_VERSION = 1
_FSYNC_INTERVAL_S = 2.0
_MAX_POOL_RESTARTS = 3
_ERROR_CHARS = 500

Simulate = Callable[[Any, Mapping[str, Any], int, int], pd.DataFrame]


class RunSummary(Protocol):
    """Numbers computed from each run's results in the worker and kept in ``runs.csv``.

    ``name`` identifies the summary in the manifest (``resume`` refuses another one);
    ``columns`` are the runs.csv columns it fills; calling it with a run's results and
    the sweep's scenario returns one number per column. Must be picklable.
    """

    name: str
    columns: tuple[str, ...]

    def __call__(self, results: pd.DataFrame, scenario: Scenario) -> Sequence[float]: ...


class SweepError(SpecError):
    """A sweep that cannot start or resume as asked (existing output, mismatched
    manifest, unusable folder or backend). Reported by ``iran-sim`` as one line, exit 2."""


@dataclass(frozen=True)
class SweepProgress:
    """Passed to the ``progress`` callback after each recorded run."""

    done: int
    ok: int
    failed: int
    total: int
    ran: int
    elapsed_s: float

    @property
    def remaining_s(self) -> float:
        """Estimated seconds left, from this session's rate (NaN before the first run)."""
        if self.ran == 0 or self.elapsed_s <= 0:
            return math.nan
        return (self.total - self.done) * self.elapsed_s / self.ran


@dataclass(frozen=True)
class SweepSummary:
    """What ``run_sweep`` did: counts by status, for the whole sweep and this session.

    ``lost`` counts runs whose worker died (they stay missing; ``resume`` retries them).
    ``status`` is ``complete`` when every run is recorded, else ``incomplete``.
    """

    out_dir: Path
    total: int
    ok: int
    failed: int
    skipped: int
    ran: int
    lost: int
    elapsed_s: float
    status: str
    files: tuple[str, ...] = ()

    @property
    def missing(self) -> int:
        """Runs not recorded yet."""
        return self.total - self.ok - self.failed

    def line(self) -> str:
        """One-line summary for the command line."""
        text = (
            f"{self.ok} ok, {self.failed} failed of {self.total} runs "
            f"({self.ran} run now, {self.skipped} already done) in {self.elapsed_s:.1f} s"
        )
        if self.missing:
            text += f"; {self.missing} missing (run again with --resume)"
        return text


# --- runs, executed in workers -------------------------------------------------------


@dataclass(frozen=True)
class _Context:
    """What every worker needs besides its jobs (small; pickled with each task)."""

    scenario: Scenario
    steps: int
    every: int
    columns: tuple[str, ...]
    code_version: str
    simulate: Simulate
    summary: RunSummary | None = None


_Job = tuple[int, int, int, int, dict[str, Any]]  # run_id, point, replicate, seed, overrides
_Record = tuple[int, bool, str, str]  # run_id, ok, runs line, steps lines


def _one_line(text: str) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= _ERROR_CHARS else text[: _ERROR_CHARS - 3] + "..."


def _plain(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value


def _csv_text(rows: Iterable[Sequence[Any]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


def _execute(ctx: _Context, job: _Job) -> _Record:
    """Run one job; never raises: a failure becomes a ``status=failed`` record."""
    run_id, point, replicate, seed, overrides = job
    start = time.perf_counter()
    scenario = ctx.scenario
    steps_text = ""
    finals: list[Any] = [""] * (len(ctx.columns) - 2)
    extras: list[Any] = [""] * len(ctx.summary.columns) if ctx.summary else []
    try:
        if code_version() != ctx.code_version:
            raise RuntimeError(
                f"worker runs code version {code_version()[:12]}, the sweep {ctx.code_version[:12]}"
            )
        frame = ctx.simulate(scenario, overrides, seed, ctx.steps)
        if tuple(frame.columns) != ctx.columns:
            raise RuntimeError("the run's results have other columns than the sweep's")
        cols = [frame[c].tolist() for c in ctx.columns]
        keep = [
            i for i, step in enumerate(cols[0]) if step % ctx.every == 0 or i == len(cols[0]) - 1
        ]
        if len(keep) < len(cols[0]):
            cols = [[col[i] for i in keep] for col in cols]
        if ctx.summary is not None:
            values = [float(v) for v in ctx.summary(frame, scenario)]
            if len(values) != len(ctx.summary.columns):
                raise RuntimeError("the run summary gave the wrong number of values")
            extras = values
        steps_text = _csv_text(zip(itertools.repeat(run_id), *cols))
        finals = [col[-1] for col in cols[2:]]
        status, error = "ok", ""
    except Exception as exc:  # a failing run is recorded, never fatal
        status, error = "failed", _one_line(f"{type(exc).__name__}: {exc}")
    try:
        params = scenario.parameters.replace(**overrides)
        values = [params[name] for name in SCHEMA]
    except Exception:
        values = [overrides.get(name, scenario.parameters[name]) for name in SCHEMA]
    duration = f"{time.perf_counter() - start:.4f}"
    row = [run_id, point, replicate, seed, *values, status, error, duration, *finals, *extras]
    return run_id, status == "ok", _csv_text([[_plain(v) for v in row]]), steps_text


def _execute_chunk(ctx: _Context, jobs: list[_Job]) -> list[_Record]:
    """Task body for both backends: run the jobs of one chunk in order."""
    return [_execute(ctx, job) for job in jobs]


def _ignore_sigint() -> None:
    """Worker initializer: Ctrl-C is the parent's to handle (it stops the pool)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


# --- executors -----------------------------------------------------------------------


class _InlineExecutor:
    """Runs each task at submission, in this process (one worker: no pickling at all)."""

    slots = 1
    in_flight = 1  # record each run before starting the next
    name = "inline"

    def submit(self, ctx: _Context, chunk: list[_Job]) -> Future:
        future: Future = Future()
        future.set_result(_execute_chunk(ctx, chunk))
        return future

    def wait(self, futures: set) -> tuple[set, set]:
        return set(futures), set()

    def restart(self) -> None:
        """Nothing to restart: no worker can die."""

    def close(self, cancel: bool = False) -> None:
        """Nothing to close."""


class _ProcessExecutor:
    """A ``concurrent.futures`` process pool (forkserver: safe with threads in the parent)."""

    name = "process"

    def __init__(self, workers: int) -> None:
        import multiprocessing

        self.slots = workers
        self.in_flight = 2 * workers
        self._context = multiprocessing.get_context("forkserver")
        self._context.set_forkserver_preload(["batch_runs.runner"])
        self._pool = self._new_pool()

    def _new_pool(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            max_workers=self.slots, mp_context=self._context, initializer=_ignore_sigint
        )

    def submit(self, ctx: _Context, chunk: list[_Job]) -> Future:
        return self._pool.submit(_execute_chunk, ctx, chunk)

    def wait(self, futures: set) -> tuple[set, set]:
        done, pending = wait(futures, return_when=FIRST_COMPLETED)
        return done, pending

    def restart(self) -> None:
        """Replace a broken pool (a worker died) by a fresh one."""
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._pool = self._new_pool()

    def close(self, cancel: bool = False) -> None:
        self._pool.shutdown(wait=True, cancel_futures=cancel)


class _DaskExecutor:
    """Tasks on a Dask distributed cluster: an existing scheduler, or a local cluster."""

    name = "dask"

    def __init__(self, workers: int, scheduler: Any) -> None:
        try:
            import distributed
        except ImportError:
            raise SweepError("--backend dask needs Dask: pip install 'iran-sim[dask]'") from None
        self._distributed = distributed
        self._cluster = None
        self._own_client = True
        if isinstance(scheduler, distributed.Client):
            self._client = scheduler
            self._own_client = False
        elif scheduler:
            try:
                self._client = distributed.Client(scheduler, timeout="10s")
            except (OSError, TimeoutError, ValueError) as exc:
                raise SweepError(
                    f"cannot connect to the Dask scheduler at {scheduler}: {_one_line(exc)}"
                ) from None
        else:
            import logging

            self._cluster = distributed.LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                silence_logs=logging.ERROR,
            )
            self._client = distributed.Client(self._cluster)
        self.slots = max(1, sum(self._client.nthreads().values()))
        self.in_flight = 2 * self.slots

    def submit(self, ctx: _Context, chunk: list[_Job]) -> Any:
        return self._client.submit(_execute_chunk, ctx, chunk, pure=False)

    def wait(self, futures: set) -> tuple[set, set]:
        done, pending = self._distributed.wait(list(futures), return_when="FIRST_COMPLETED")
        return set(done), set(pending)

    def restart(self) -> None:
        """Dask reschedules the tasks of lost workers itself."""

    def close(self, cancel: bool = False) -> None:
        if self._own_client:
            self._client.close()
        if self._cluster is not None:
            self._cluster.close()


# --- the journal: runs.csv and steps.csv, appended whole ------------------------------


@contextmanager
def _deferred_interrupt() -> Iterator[None]:
    """Hold Ctrl-C until the block is done (only in the main thread), so that a row is
    never cut in two by KeyboardInterrupt."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[Any] = []
    previous = signal.signal(signal.SIGINT, lambda *args: caught.append(args))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if caught and callable(previous):
            previous(*caught[0])


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


class _Journal:
    """Appends each finished run to steps.csv, then its row to runs.csv (the commit)."""

    def __init__(self, out_dir: Path) -> None:
        flags = os.O_WRONLY | os.O_APPEND
        self._runs = os.open(out_dir / RUNS_FILE, flags)
        self._steps = os.open(out_dir / STEPS_FILE, flags)
        self._synced = time.monotonic()

    def append(self, record: _Record) -> None:
        _, _, runs_line, steps_text = record
        with _deferred_interrupt():
            if steps_text:
                _write_all(self._steps, steps_text.encode())
            _write_all(self._runs, runs_line.encode())
        if time.monotonic() - self._synced > _FSYNC_INTERVAL_S:
            self.sync()

    def sync(self) -> None:
        os.fsync(self._steps)
        os.fsync(self._runs)
        self._synced = time.monotonic()

    def close(self) -> None:
        try:
            self.sync()
        finally:
            os.close(self._runs)
            os.close(self._steps)


def _truncate_partial_line(path: Path) -> None:
    """Cut a trailing line without its newline (a write cut short by a kill)."""
    size = path.stat().st_size
    if size == 0:
        return
    with open(path, "rb+") as handle:
        position = size
        while position > 0:
            step = min(65536, position)
            handle.seek(position - step)
            block = handle.read(step)
            newline = block.rfind(b"\n")
            if newline >= 0:
                end = position - step + newline + 1
                if end != size:
                    handle.truncate(end)
                return
            position -= step
        handle.truncate(0)


def _recover(out_dir: Path, runs_header: list[str], steps_header: list[str], total: int):
    """Make the journal consistent after an interruption; return recorded ids and counts.

    runs.csv keeps its whole lines; steps.csv loses the trailing rows of runs that have
    no runs.csv row (they were being written when the sweep stopped).
    """
    runs_path, steps_path = out_dir / RUNS_FILE, out_dir / STEPS_FILE
    for path, header in ((runs_path, runs_header), (steps_path, steps_header)):
        _truncate_partial_line(path)
        with open(path, newline="") as handle:
            first = next(csv.reader(handle), None)
        if first != header:
            raise SweepError(
                f"cannot resume {out_dir}: {path.name} does not have the sweep's columns"
            )
    done: set[int] = set()
    counts = {"ok": 0, "failed": 0}
    status_at = runs_header.index("status")
    with open(runs_path, newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        for row in reader:
            if len(row) != len(runs_header) or row[status_at] not in counts:
                raise SweepError(f"cannot resume {out_dir}: {RUNS_FILE} has a malformed row")
            run_id = int(row[0])
            if not 0 <= run_id < total or run_id in done:
                raise SweepError(f"cannot resume {out_dir}: {RUNS_FILE} has a bad run_id {run_id}")
            done.add(run_id)
            counts[row[status_at]] += 1
    _drop_orphan_steps(steps_path, done)
    return done, counts


def _drop_orphan_steps(path: Path, done: set[int]) -> None:
    """Truncate the tail of steps.csv whose run ids have no row in runs.csv.

    The rows of one run are written together and before its runs.csv row, so the rows
    of unrecorded runs can only form the end of the file. Reads backwards, in blocks.
    """
    with open(path, "rb+") as handle:
        header_end = len(handle.readline())
        limit = handle.seek(0, os.SEEK_END)
        carry = b""
        while limit > header_end:
            position = max(header_end, limit - 65536)
            handle.seek(position)
            data = handle.read(limit - position) + carry
            if position > header_end:
                cut = data.find(b"\n") + 1
                if cut == 0:  # no line starts inside this block
                    carry, limit = data, position
                    continue
                carry, body, body_start = data[:cut], data[cut:], position + cut
            else:
                carry, body, body_start = b"", data, position
            offset = body_start + len(body)
            for line in reversed(body.split(b"\n")[:-1]):
                if int(line.split(b",", 1)[0]) in done:
                    handle.truncate(offset)
                    return
                offset -= len(line) + 1
            limit = position
        handle.truncate(header_end)


# --- identity: code version, scenario digest, manifest -------------------------------

_ROOT = Path(__file__).resolve().parent.parent
_CODE_FILES = ("model/*.py", "agents/*.py", "batch_runs/paired.py", "batch_runs/spec.py")
_CODE_FILES += ("batch_runs/runner.py", "batch_runs/patterns.py", "batch_runs/baselines.py")


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


def _package_versions(extra: Sequence[str]) -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in ("iran-sim", "mesa", "numpy", "scipy", "pandas", "networkx", *extra):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def _git_commit() -> str | None:
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


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def read_manifest(out_dir: str | Path) -> dict[str, Any]:
    """The manifest of the sweep in ``out_dir`` (SweepError if missing or unreadable)."""
    path = Path(out_dir) / MANIFEST_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SweepError(f"{out_dir}: no sweep here ({MANIFEST_FILE} not found)") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SweepError(f"{path}: cannot read the manifest ({_one_line(exc)})") from None
    if not isinstance(data, dict) or data.get("manifest_version") != MANIFEST_VERSION:
        raise SweepError(f"{path}: not a sweep manifest of this version of iran-sim")
    return data


def _write_manifest(out_dir: Path, manifest: Mapping[str, Any]) -> None:
    text = json.dumps(manifest, indent=2, default=str) + "\n"
    write_atomic(out_dir / MANIFEST_FILE, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def _first_difference(old: Any, new: Any, where: str = "") -> str:
    if isinstance(old, dict) and isinstance(new, dict):
        for key in list(old) + [k for k in new if k not in old]:
            if old.get(key) != new.get(key):
                return _first_difference(old.get(key), new.get(key), f"{where}.{key}".strip("."))
    then, now = json.dumps(old, default=str), json.dumps(new, default=str)
    return f"{where or 'value'}: {then} then, {now} now"


def _check_resumable(out_dir: Path, manifest: Mapping[str, Any], identity: Mapping) -> None:
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


# --- the sweep -----------------------------------------------------------------------


def _headers(
    columns: Sequence[str], summary: RunSummary | None = None
) -> tuple[list[str], list[str]]:
    runs = [*RUN_KEYS, *SCHEMA, *STATUS_KEYS, *(f"final_{c}" for c in columns[2:])]
    runs += list(summary.columns) if summary is not None else []
    return runs, ["run_id", *columns]


def _probe(scenario: Scenario, spec: SweepSpec) -> pd.DataFrame:
    """A tiny run with the first design point: checks the combination, gives columns."""
    overrides = spec.point(0) | {"n_citizens": SCHEMA["n_citizens"].low}
    model = IranModel(scenario, rng=0, **overrides)
    return model.results()


def _jobs(spec: SweepSpec, done: set[int]) -> Iterator[_Job]:
    point_index, overrides = -1, {}
    for run_id in range(spec.n_runs):
        if run_id in done:
            continue
        point, replicate = divmod(run_id, spec.replicates)
        if point != point_index:
            point_index, overrides = point, spec.point(point)
        seed = run_seed(spec.seed, spec.run_seed_index(run_id))
        yield run_id, point, replicate, seed, overrides


def _chunks(jobs: Iterator[_Job], size: int) -> Iterator[list[_Job]]:
    while chunk := list(itertools.islice(jobs, size)):
        yield chunk


def _existing_outputs(out_dir: Path) -> list[str]:
    names = (MANIFEST_FILE, RUNS_FILE, STEPS_FILE, RUNS_PARQUET, STEPS_PARQUET)
    return [n for n in names if (out_dir / n).exists()]


def _prepare_folder(out_dir: Path) -> None:
    if out_dir.exists() and not out_dir.is_dir():
        raise SweepError(f"{out_dir}: exists and is not a folder")
    parent = next((p for p in [out_dir, *out_dir.parents] if p.exists()), Path("."))
    if not parent.is_dir():
        raise SweepError(f"{out_dir}: {parent} is not a folder")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise SweepError(f"{out_dir}: folder {parent} is not writable")


def run_sweep(
    spec: SweepSpec,
    out_dir: str | Path,
    *,
    workers: int | None = None,
    backend: str = "process",
    scheduler: Any = None,
    resume: bool = False,
    progress: Callable[[SweepProgress], None] | None = None,
    command: Sequence[str] | None = None,
    simulate: Simulate | None = None,
    chunk_size: int | None = None,
    summary: RunSummary | None = None,
) -> SweepSummary:
    """Run every run of ``spec`` (or, with ``resume``, the missing ones) into ``out_dir``.

    ``workers``: processes (process backend; default: CPU count; 1 runs in this
    process) or local Dask workers (dask backend without ``scheduler``).
    ``scheduler``: a Dask scheduler address (``tcp://host:8786``) or a
    ``distributed.Client``. ``progress`` is called after every recorded run.
    ``command`` is recorded in the manifest (default: none). ``simulate`` replaces
    ``batch_runs.paired.simulate`` (same signature; picklable for workers), e.g. for a
    model variant or for fault injection in tests. ``chunk_size``: runs per task
    (default: a few per task on large sweeps, to keep per-task overhead small).
    ``summary``: numbers computed from each run in its worker and kept in runs.csv
    (see :class:`RunSummary`).

    Validates everything before writing anything: bad input raises SpecError,
    SweepError, ParameterError or ScenarioError and leaves ``out_dir`` untouched.
    """
    started_clock = time.perf_counter()
    if not isinstance(spec, SweepSpec):
        raise TypeError("spec must be a SweepSpec (see batch_runs.spec.load_spec)")
    if backend not in BACKENDS:
        raise SweepError(f"backend: {backend!r} is not one of {', '.join(BACKENDS)}")
    if workers is None:
        workers = os.cpu_count() or 1
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise SweepError(f"workers: {workers!r} is not allowed; expected a whole number >= 1")
    if scheduler is not None and backend != "dask":
        raise SweepError("a scheduler address needs --backend dask")
    if spec.format == "parquet":
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            raise SweepError(
                "--format parquet needs pyarrow: pip install 'iran-sim[parquet]'"
            ) from None
    out_dir = Path(out_dir)
    scenario = load_scenario(spec.scenario)
    probe = _probe(scenario, spec)
    columns = tuple(probe.columns)
    runs_header, steps_header = _headers(columns, summary)
    identity = {
        "spec": spec.to_json(),
        "spec_digest": spec.digest(),
        "scenario_digest": scenario_digest(scenario),
        "code_version": code_version(),
        "summary": summary.name if summary is not None else None,
    }
    _prepare_folder(out_dir)
    existing = _existing_outputs(out_dir) if out_dir.is_dir() else []
    manifest: dict[str, Any] | None = None
    if existing:
        if not resume:
            raise SweepError(
                f"{out_dir} already holds a sweep ({existing[0]}); use --resume to complete "
                "it, or choose another --out"
            )
        manifest = read_manifest(out_dir)
        _check_resumable(out_dir, manifest, identity)
    parquet_done = (out_dir / RUNS_PARQUET).exists() and not (out_dir / RUNS_FILE).exists()
    pair = (RUNS_PARQUET, STEPS_PARQUET) if parquet_done else (RUNS_FILE, STEPS_FILE)
    present = [(out_dir / name).exists() for name in pair]
    if any(present) and not all(present):
        raise SweepError(f"cannot resume {out_dir}: {pair[present.index(False)]} is missing")

    executor: Any
    if backend == "dask":
        executor = _DaskExecutor(workers, scheduler)
    elif workers == 1:
        executor = _InlineExecutor()
    else:
        executor = _ProcessExecutor(workers)

    journal = None
    loop_done = False
    session: dict[str, Any] = {}
    try:
        try:
            out_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise SweepError(f"{out_dir}: cannot create the folder ({exc.strerror})") from None
        session = {
            "command": list(command) if command is not None else None,
            "started": _now(),
            "finished": None,
            "backend": executor.name,
            "workers": executor.slots,
            "ran": 0,
        }
        if manifest is None:
            manifest = {
                "manifest_version": MANIFEST_VERSION,
                "tool": "iran-sim sweep",
                "command": session["command"],
                **identity,
                "scenario_name": scenario.name,
                "master_seed": spec.seed,
                "seeds": (
                    "seed of run r = batch_runs.paired.run_seed(master_seed, "
                    + ("r mod replicates" if spec.common_random_numbers else "r")
                    + "), i.e. numpy SeedSequence(master_seed, spawn_key=(index,))"
                ),
                "git_commit": _git_commit(),
                "packages": _package_versions(("dask", "distributed") if backend == "dask" else ())
                | ({"pyarrow": metadata.version("pyarrow")} if spec.format == "parquet" else {}),
                "platform": platform.platform(),
                "files": {"runs": RUNS_FILE, "steps": STEPS_FILE},
                "columns": {"runs": runs_header, "steps": steps_header},
                "started": session["started"],
                "finished": None,
                "status": "running",
                "counts": {"total": spec.n_runs, "ok": 0, "failed": 0, "missing": spec.n_runs},
                "sessions": [],
            }
        manifest["sessions"].append(session)
        manifest["status"] = "running"
        _write_manifest(out_dir, manifest)
        if parquet_done:
            done, counts = _recorded_from_parquet(out_dir)
        elif all(present):
            done, counts = _recover(out_dir, runs_header, steps_header, spec.n_runs)
        else:
            for name, header in ((RUNS_FILE, runs_header), (STEPS_FILE, steps_header)):
                text = _csv_text([header])
                write_atomic(out_dir / name, lambda tmp, t=text: tmp.write_text(t))
            done, counts = set(), {"ok": 0, "failed": 0}
        skipped = len(done)
        ctx = _Context(
            scenario,
            spec.steps,
            spec.every,
            columns,
            identity["code_version"],
            simulate or model_simulate,
            summary,
        )
        remaining = spec.n_runs - skipped
        if chunk_size is None:
            chunk_size = max(1, min(8, remaining // (executor.slots * 16)))
        in_flight_limit = executor.in_flight
        state = {"lost": 0}
        clock = time.perf_counter()
        if remaining:
            journal = _Journal(out_dir)

        def record(records: list[_Record]) -> None:
            for rec in records:
                journal.append(rec)
                counts["ok" if rec[1] else "failed"] += 1
                session["ran"] += 1
                if progress is not None:
                    progress(
                        SweepProgress(
                            skipped + session["ran"],
                            counts["ok"],
                            counts["failed"],
                            spec.n_runs,
                            session["ran"],
                            time.perf_counter() - clock,
                        )
                    )

        chunks = _chunks(_jobs(spec, done), chunk_size)
        pending: dict[Any, list[_Job]] = {}
        restarts = 0
        while True:
            while len(pending) < in_flight_limit:
                chunk = next(chunks, None)
                if chunk is None:
                    break
                pending[executor.submit(ctx, chunk)] = chunk
            if not pending:
                break
            finished, _ = executor.wait(set(pending))
            broken = False
            for future in [f for f in pending if f in finished]:  # in submission order
                chunk = pending.pop(future)
                try:
                    records = future.result()
                except BrokenProcessPool:
                    broken = True
                    state["lost"] += len(chunk)
                except Exception:  # lost to the infrastructure: the runs stay missing
                    state["lost"] += len(chunk)
                else:
                    record(records)
            if broken:  # a worker died: the pool is unusable; its tasks are lost
                restarts += 1
                state["lost"] += sum(len(c) for c in pending.values())
                pending.clear()
                if restarts > _MAX_POOL_RESTARTS:
                    raise SweepError(
                        f"worker processes died {restarts} times; stopping (completed runs "
                        f"are kept in {out_dir}; --resume continues)"
                    )
                executor.restart()
        executor.close()
        loop_done = True
        complete = counts["ok"] + counts["failed"] == spec.n_runs
        if complete and spec.format == "parquet" and not parquet_done:
            if journal is not None:
                journal.close()
                journal = None
            _convert_to_parquet(out_dir, runs_header, steps_header, probe, summary)
        status = "complete" if complete else "incomplete"
        return SweepSummary(
            out_dir=out_dir,
            total=spec.n_runs,
            ok=counts["ok"],
            failed=counts["failed"],
            skipped=skipped,
            ran=session["ran"],
            lost=state["lost"],
            elapsed_s=time.perf_counter() - started_clock,
            status=status,
            files=tuple(_existing_outputs(out_dir)),
        )
    finally:
        if not loop_done:
            executor.close(cancel=True)
        if journal is not None:
            journal.close()
        if session and manifest is not None:
            _finish_manifest(out_dir, manifest, spec)


def _finish_manifest(out_dir: Path, manifest: dict[str, Any], spec: SweepSpec) -> None:
    """Record the end of this session: time, counts by status (read back from disk)."""
    if not out_dir.is_dir() or not (out_dir / MANIFEST_FILE).exists():
        return
    try:
        runs = read_runs(out_dir, columns=["run_id", "status"])
        ok = int((runs["status"] == "ok").sum())
        failed = int((runs["status"] == "failed").sum())
    except (OSError, ValueError, SweepError):
        ok = failed = 0
    session = manifest["sessions"][-1]
    session["finished"] = _now()
    manifest["finished"] = session["finished"]
    manifest["counts"] = {
        "total": spec.n_runs,
        "ok": ok,
        "failed": failed,
        "missing": spec.n_runs - ok - failed,
    }
    manifest["status"] = "complete" if ok + failed == spec.n_runs else "incomplete"
    if (out_dir / RUNS_PARQUET).exists() and not (out_dir / RUNS_FILE).exists():
        manifest["files"] = {"runs": RUNS_PARQUET, "steps": STEPS_PARQUET}
    _write_manifest(out_dir, manifest)


# --- reading results; parquet --------------------------------------------------------


def read_runs(out_dir: str | Path, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """``runs.csv`` (or ``runs.parquet``) of a sweep as a DataFrame, sorted by run_id.

    ``error`` is an empty string for runs that succeeded.
    """
    out_dir = Path(out_dir)
    wanted = None if columns is None else list(columns)
    try:
        if (out_dir / RUNS_FILE).exists():
            frame = pd.read_csv(out_dir / RUNS_FILE, usecols=wanted, dtype={"error": str})
        elif (out_dir / RUNS_PARQUET).exists():
            frame = pd.read_parquet(out_dir / RUNS_PARQUET, columns=wanted)
        else:
            raise SweepError(f"{out_dir}: no sweep results here ({RUNS_FILE} not found)")
    except _UNREADABLE as exc:
        raise SweepError(f"{out_dir}: cannot read the runs table ({_one_line(exc)})") from None
    if "run_id" not in frame:
        raise SweepError(f"{out_dir}: the runs table has no run_id column")
    if "error" in frame:
        frame["error"] = frame["error"].fillna("").astype(str)
    return frame.sort_values("run_id", kind="stable").reset_index(drop=True)


def iter_steps(
    out_dir: str | Path, columns: Sequence[str] | None = None, chunk_rows: int = 200_000
) -> Iterator[pd.DataFrame]:
    """``steps.csv`` (or ``steps.parquet``) in chunks of at most ``chunk_rows`` rows, in
    file order (completion order; sort by ``run_id`` and ``step`` if needed), so that
    large sweeps can be summarised in bounded memory."""
    out_dir = Path(out_dir)
    wanted = None if columns is None else list(columns)
    try:
        if (out_dir / STEPS_FILE).exists():
            yield from pd.read_csv(out_dir / STEPS_FILE, usecols=wanted, chunksize=chunk_rows)
        elif (out_dir / STEPS_PARQUET).exists():
            import pyarrow.parquet as pq

            for batch in pq.ParquetFile(out_dir / STEPS_PARQUET).iter_batches(
                batch_size=chunk_rows, columns=wanted
            ):
                yield batch.to_pandas()
        else:
            raise SweepError(f"{out_dir}: no sweep results here ({STEPS_FILE} not found)")
    except _UNREADABLE as exc:
        raise SweepError(f"{out_dir}: cannot read the steps table ({_one_line(exc)})") from None


# Errors of pandas and pyarrow when a results file is damaged or not what it should be.
_UNREADABLE = (ValueError, KeyError, UnicodeDecodeError, pd.errors.ParserError)


def _recorded_from_parquet(out_dir: Path) -> tuple[set[int], dict[str, int]]:
    runs = read_runs(out_dir, columns=["run_id", "status"])
    counts = {s: int((runs["status"] == s).sum()) for s in ("ok", "failed")}
    return set(runs["run_id"].tolist()), counts


def _arrow_type(dtype_or_kind: Any) -> Any:
    import pyarrow as pa

    if dtype_or_kind is bool or pd.api.types.is_bool_dtype(dtype_or_kind):
        return pa.bool_()
    if dtype_or_kind is int or pd.api.types.is_integer_dtype(dtype_or_kind):
        return pa.int64()
    if dtype_or_kind is float or pd.api.types.is_float_dtype(dtype_or_kind):
        return pa.float64()
    return pa.string()


def _convert_to_parquet(
    out_dir: Path,
    runs_header: list[str],
    steps_header: list[str],
    probe: pd.DataFrame,
    summary: RunSummary | None = None,
) -> None:
    """Convert the finished CSV journal to Parquet (streaming), then remove the CSVs.

    Each Parquet file is written atomically; the CSVs are removed only when both exist,
    so an interruption here leaves a sweep that ``resume`` converts again.
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    outcome_types = {c: _arrow_type(probe[c].dtype) for c in probe.columns}
    runs_types = {k: pa.int64() for k in RUN_KEYS}
    runs_types |= {name: _arrow_type(p.kind) for name, p in SCHEMA.items()}
    runs_types |= {"status": pa.string(), "error": pa.string(), "duration_s": pa.float64()}
    runs_types |= {f"final_{c}": outcome_types[c] for c in probe.columns[2:]}
    runs_types |= {c: pa.float64() for c in (summary.columns if summary else ())}
    steps_types = {"run_id": pa.int64()} | outcome_types
    if list(runs_types) != runs_header or list(steps_types) != steps_header:
        raise RuntimeError("internal error: Parquet column types do not match the CSV headers")

    def write_runs(tmp: Path) -> None:
        table = pacsv.read_csv(
            out_dir / RUNS_FILE,
            convert_options=pacsv.ConvertOptions(column_types=runs_types),
        )
        pq.write_table(table.sort_by("run_id"), tmp)

    def write_steps(tmp: Path) -> None:
        reader = pacsv.open_csv(
            out_dir / STEPS_FILE,
            convert_options=pacsv.ConvertOptions(column_types=steps_types),
        )
        with pq.ParquetWriter(tmp, reader.schema) as writer:
            for batch in reader:
                writer.write_batch(batch)

    write_atomic(out_dir / RUNS_PARQUET, write_runs)
    write_atomic(out_dir / STEPS_PARQUET, write_steps)
    (out_dir / RUNS_FILE).unlink()
    (out_dir / STEPS_FILE).unlink()
