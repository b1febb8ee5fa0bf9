"""The sweep runner: many runs of the model, in parallel, streamed to disk, resumable.

The one engine that runs the model in batch: sweeps, the claims audit, comparisons,
sensitivity, the frontier map and calibration are all job lists for it.

Public Python API (stable; ``iran-sim sweep``, ``iran-sim sensitivity`` and the
frontier map call it)::

    from batch_runs.design.spec import SweepSpec, load_spec
    from batch_runs.execution import run_sweep, read_runs, iter_steps, read_manifest

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
``batch_runs.design.seeds.run_seed(spec.seed, run_id)`` (or ``run_seed(spec.seed,
replicate)`` with ``common_random_numbers=True``, so that replicate j of every design
point shares its random numbers, as in ``iran-sim compare``). A run's results
therefore depend on the spec alone, never on workers, backend or completion order.

Files written in ``out_dir`` (``runs.csv``, ``steps.csv`` or, with ``monthly=False``,
only its header, ``manifest.json``; Parquet on request) are documented in
docs/sweeps.md.

Guarantees: results stream to disk as tasks finish and the parent keeps no results in
memory (in-flight tasks are bounded). A task runs a batch of runs, sized to take about
``batches.TASK_SECONDS`` (batch size never changes a result or a row), and sends them back as
one compact binary batch of finished CSV bytes (``batches``); each batch's rows are
appended whole (``steps`` first, then the ``runs`` rows, each of which commits its
run), so Ctrl-C or a killed process leaves no partial row that ``resume`` would keep
and loses at most the runs of the batches not yet written; ``resume=True``
runs exactly the runs missing from ``runs.csv`` and refuses (SpecError) when the
spec or the code version differ from the manifest's; a run that raises is recorded
with ``status=failed`` and its error and the sweep goes on. With ``format="parquet"``
the CSV files are the journal while the sweep runs and are converted to
``runs.parquet`` / ``steps.parquet`` when every run is done.
"""

from __future__ import annotations

import itertools
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures.process import BrokenProcessPool
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from batch_runs.design.spec import SweepSpec
from batch_runs.execution.batches import Batch, BatchSizer
from batch_runs.execution.common import (
    BACKENDS,
    MANIFEST_FILE,
    RUNS_FILE,
    RUNS_PARQUET,
    STEPS_FILE,
    STEPS_PARQUET,
    RunSummary,
    Simulate,
    SweepError,
    SweepProgress,
    SweepSummary,
    csv_text,
)
from batch_runs.execution.executors import make_executor
from batch_runs.execution.journal import Journal, MemoryJournal
from batch_runs.execution.lock import folder_lock
from batch_runs.execution.manifest import (
    check_resumable,
    code_version,
    finish_manifest,
    new_manifest,
    now,
    read_manifest,
    scenario_digest,
    write_manifest,
)
from batch_runs.execution.readers import convert_to_parquet, recorded_from_parquet
from batch_runs.execution.recovery import JOURNAL_FILE, JOURNAL_HEADER, recover
from batch_runs.execution.worker import Job, RunContext, headers, jobs, probe_run, simulate_columns
from model.export import write_atomic
from model.model import resolve_scenario
from model.scenarios import Scenario

# A pool whose workers keep dying is broken beyond retrying: stop after this many.
_MAX_POOL_RESTARTS = 3


def run_sweep(
    spec: SweepSpec,
    out_dir: str | Path | None,
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

    ``out_dir=None`` keeps the results in memory instead (no manifest, no resume): the
    returned summary's ``runs`` and ``steps`` hold them, as the dashboard uses it.

    ``workers``: processes (process backend; default: CPU count; 1 runs in this
    process) or local Dask workers (dask backend without ``scheduler``).
    ``scheduler``: a Dask scheduler address (``tcp://host:8786``) or a
    ``distributed.Client``. ``progress`` is called after every recorded run.
    ``command`` is recorded in the manifest (default: none). ``simulate`` replaces
    the model's run (the signature of ``batch_runs.execution.simulate``, returning its
    results frame or, like the default ``simulate_columns``, the frame's columns;
    picklable for workers), e.g. for a model variant or for fault injection in tests.
    ``chunk_size``: runs per task (default: one in this process, else as many as take
    about ``batches.TASK_SECONDS``).
    ``summary``: numbers computed from each run in its worker and kept in runs.csv
    (see :class:`RunSummary`).

    Validates everything before writing anything: bad input raises SpecError,
    SweepError, ParameterError or ScenarioError and leaves ``out_dir`` untouched.
    """
    started = time.perf_counter()
    workers = _check_options(spec, backend, workers, scheduler)
    if out_dir is None and (resume or spec.format == "parquet"):
        raise SweepError("--resume and --format parquet need an output folder")
    folder = None if out_dir is None else Path(out_dir)
    sweep = _Sweep.plan(spec, folder, summary, simulate or simulate_columns)
    if folder is not None:
        _check_folder(folder)
    with nullcontext() if folder is None else folder_lock(folder):
        sweep.open_folder(resume)
        executor = make_executor(backend, workers, scheduler)
        loop_done = False
        try:
            sweep.start_session(executor, command, backend)
            sweep.loop(executor, progress, chunk_size)
            executor.close()
            loop_done = True
            return sweep.finish(time.perf_counter() - started)
        except KeyboardInterrupt:  # Ctrl-C, or SIGTERM / SIGHUP turned into it
            sweep.interrupted = True
            raise
        finally:
            if not loop_done:
                executor.close(cancel=True)
            sweep.close()


def _check_options(spec: SweepSpec, backend: str, workers: Any, scheduler: Any) -> int:
    """The number of workers, after checking the options (SweepError on bad ones)."""
    if not isinstance(spec, SweepSpec):
        raise TypeError("spec must be a SweepSpec (see batch_runs.design.spec.load_spec)")
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
    return workers


def _existing_outputs(out_dir: Path) -> list[str]:
    names = (MANIFEST_FILE, RUNS_FILE, STEPS_FILE, RUNS_PARQUET, STEPS_PARQUET)
    return [n for n in names if (out_dir / n).exists()]


def _check_folder(out_dir: Path) -> None:
    if out_dir.exists() and not out_dir.is_dir():
        raise SweepError(f"{out_dir}: exists and is not a folder")
    parent = next((p for p in [out_dir, *out_dir.parents] if p.exists()), Path("."))
    if not parent.is_dir():
        raise SweepError(f"{out_dir}: {parent} is not a folder")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise SweepError(f"{out_dir}: folder {parent} is not writable")


@dataclass
class _Sweep:
    """The state of one session of a sweep, from planning to the last manifest write."""

    spec: SweepSpec
    out_dir: Path | None
    scenario: Scenario
    probe: pd.DataFrame
    runs_header: list[str]
    steps_header: list[str]
    identity: dict[str, Any]
    summary: RunSummary | None
    simulate: Simulate
    manifest: dict[str, Any] | None = None
    session: dict[str, Any] = field(default_factory=dict)
    parquet_done: bool = False
    present: list[bool] = field(default_factory=list)
    done: set[int] = field(default_factory=set)
    counts: dict[str, int] = field(default_factory=lambda: {"ok": 0, "failed": 0})
    skipped: int = 0
    lost: int = 0
    journal: Journal | MemoryJournal | None = None
    interrupted: bool = False

    @classmethod
    def plan(
        cls,
        spec: SweepSpec,
        out_dir: Path | None,
        summary: RunSummary | None,
        simulate: Simulate,
    ) -> _Sweep:
        """Load the scenario and probe the design's first point: the columns it gives."""
        scenario = resolve_scenario(spec.scenario)
        probe = probe_run(scenario, spec)
        runs_header, steps_header = headers(tuple(probe.columns), summary, spec.monthly)
        identity = {
            "spec": spec.to_json(),
            "spec_digest": spec.digest(),
            "scenario_digest": scenario_digest(scenario),
            "code_version": code_version(),
            "summary": summary.name if summary is not None else None,
        }
        return cls(
            spec, out_dir, scenario, probe, runs_header, steps_header, identity, summary, simulate
        )

    def open_folder(self, resume: bool) -> None:
        """Refuse a folder that holds another sweep, or one that cannot be resumed."""
        out_dir = self.out_dir
        if out_dir is None:
            return
        existing = _existing_outputs(out_dir) if out_dir.is_dir() else []
        if existing:
            if not resume:
                raise SweepError(
                    f"{out_dir} already holds a sweep ({existing[0]}); use --resume to "
                    "complete it, or choose another --out"
                )
            if MANIFEST_FILE not in existing:
                raise SweepError(
                    f"cannot resume {out_dir}: {MANIFEST_FILE} is missing but "
                    f"{existing[0]} is there; restore the manifest or choose another --out"
                )
            self.manifest = read_manifest(out_dir)
            check_resumable(out_dir, self.manifest, self.identity)
        self.parquet_done = (out_dir / RUNS_PARQUET).exists() and not (out_dir / RUNS_FILE).exists()
        pair = (RUNS_PARQUET, STEPS_PARQUET) if self.parquet_done else (RUNS_FILE, STEPS_FILE)
        self.present = [(out_dir / name).exists() for name in pair]
        if any(self.present) and not all(self.present):
            missing = pair[self.present.index(False)]
            raise SweepError(f"cannot resume {out_dir}: {missing} is missing")

    def start_session(self, executor: Any, command: Sequence[str] | None, backend: str) -> None:
        """Create the folder, record this session in the manifest, open the journal."""
        if self.out_dir is None:
            self.session = {"started": now(), "backend": executor.name, "ran": 0}
            self.journal = MemoryJournal(self.runs_header, self.steps_header)
            return
        try:
            self.out_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise SweepError(f"{self.out_dir}: cannot create the folder ({exc.strerror})") from None
        resuming = self.manifest is not None
        if resuming:  # check and repair first: damage refused leaves the folder as it was
            self._recover_journal()
        session = {
            "command": list(command) if command is not None else None,
            "started": now(),
            "finished": None,
            "backend": executor.name,
            "workers": executor.slots,
            "ran": 0,
        }
        if self.manifest is None:
            self.manifest = self._new_manifest(backend, session)
        self.manifest["sessions"].append(session)
        self.manifest["status"] = "running"
        write_manifest(self.out_dir, self.manifest)
        self.session = session
        if not resuming:  # a new sweep: its files, with their headers
            self._recover_journal()
        if self.spec.n_runs - self.skipped:
            self.journal = Journal(self.out_dir)

    def _new_manifest(self, backend: str, session: dict[str, Any]) -> dict[str, Any]:
        extra = ("dask", "distributed") if backend == "dask" else ()
        extra += ("pyarrow",) if self.spec.format == "parquet" else ()
        return new_manifest(
            self.spec,
            self.identity,
            self.scenario.name,
            session["command"],
            session["started"],
            {"runs": self.runs_header, "steps": self.steps_header},
            extra,
        )

    def _recover_journal(self) -> None:
        """What is recorded already (after a stop), or a fresh journal with its headers."""
        if self.parquet_done:
            self.done, self.counts = recorded_from_parquet(self.out_dir)
        elif all(self.present):
            self.done, self.counts = recover(
                self.out_dir, self.runs_header, self.steps_header, self.spec.n_runs
            )
        else:
            for name, header in ((RUNS_FILE, self.runs_header), (STEPS_FILE, self.steps_header)):
                text = csv_text([header])
                write_atomic(self.out_dir / name, lambda tmp, t=text: tmp.write_text(t))
            write_atomic(self.out_dir / JOURNAL_FILE, lambda tmp: tmp.write_text(JOURNAL_HEADER))
        self.skipped = len(self.done)

    def loop(
        self,
        executor: Any,
        progress: Callable[[SweepProgress], None] | None,
        chunk_size: int | None,
    ) -> None:
        """Keep the executor busy with bounded in-flight batches; record each as it ends."""
        ctx = RunContext(
            self.scenario,
            self.spec.steps,
            self.spec.every,
            tuple(self.probe.columns),
            self.identity["code_version"],
            self.simulate,
            self.summary,
            self.spec.monthly,
        )
        sizer = BatchSizer(chunk_size or executor.runs_per_task, executor.slots)
        work = jobs(self.spec, self.done)
        unsent = self.spec.n_runs - self.skipped
        clock = time.perf_counter()
        pending: dict[Any, list[Job]] = {}
        restarts = 0
        while True:
            while len(pending) < executor.in_flight and unsent:
                chunk = list(itertools.islice(work, sizer.size(unsent)))
                unsent = unsent - len(chunk) if chunk else 0
                if chunk:
                    pending[executor.submit(ctx, chunk)] = chunk
            if not pending:
                return
            if self._collect(executor, pending, progress, clock, sizer):
                restarts += 1
                if restarts > _MAX_POOL_RESTARTS:
                    raise SweepError(
                        f"worker processes died {restarts} times; stopping (completed runs "
                        f"are kept in {self.out_dir}; --resume continues)"
                    )
                executor.restart()

    def _collect(
        self,
        executor: Any,
        pending: dict[Any, list[Job]],
        progress: Callable[[SweepProgress], None] | None,
        clock: float,
        sizer: BatchSizer,
    ) -> bool:
        """Record the batches that finished; True when a worker died (pool unusable)."""
        finished, _ = executor.wait(set(pending))
        broken = False
        for future in [f for f in pending if f in finished]:  # in submission order
            chunk = pending.pop(future)
            try:
                batch = future.result()
            except BrokenProcessPool:
                broken = True
                self.lost += len(chunk)
            except Exception:  # lost to the infrastructure: the runs stay missing
                self.lost += len(chunk)
            else:
                sizer.observe(batch)
                self._record(batch, progress, clock)
        if broken:  # its other tasks are lost too; resume retries them
            self.lost += sum(len(c) for c in pending.values())
            pending.clear()
        return broken

    def _record(
        self, batch: Batch, progress: Callable[[SweepProgress], None] | None, clock: float
    ) -> None:
        self.journal.append(batch)
        for _, ok in batch.outcomes():
            self.counts["ok" if ok else "failed"] += 1
            self.session["ran"] += 1
            if progress is not None:
                progress(
                    SweepProgress(
                        self.skipped + self.session["ran"],
                        self.counts["ok"],
                        self.counts["failed"],
                        self.spec.n_runs,
                        self.session["ran"],
                        time.perf_counter() - clock,
                    )
                )

    def finish(self, elapsed_s: float) -> SweepSummary:
        """Convert to Parquet when asked and complete; say what was done."""
        total = self.spec.n_runs
        complete = self.counts["ok"] + self.counts["failed"] == total
        runs = steps = None
        if isinstance(self.journal, MemoryJournal):
            runs, steps = self.journal.tables()
        if complete and self.spec.format == "parquet" and not self.parquet_done:
            if self.journal is not None:
                self.journal.close()
                self.journal = None
            convert_to_parquet(
                self.out_dir,
                self.runs_header,
                self.steps_header,
                self.probe,
                self.summary,
                self.spec.monthly,
            )
        return SweepSummary(
            out_dir=self.out_dir,
            total=total,
            ok=self.counts["ok"],
            failed=self.counts["failed"],
            skipped=self.skipped,
            ran=self.session["ran"],
            lost=self.lost,
            elapsed_s=elapsed_s,
            status="complete" if complete else "incomplete",
            files=() if self.out_dir is None else tuple(_existing_outputs(self.out_dir)),
            runs=runs,
            steps=steps,
        )

    def close(self) -> None:
        """Close the journal and record the end of the session (also after Ctrl-C)."""
        if self.journal is not None:
            self.journal.close()
            self.journal = None
        if self.session and self.manifest is not None:
            finish_manifest(self.out_dir, self.manifest, self.spec, self.interrupted)
