"""What a task sends back: its runs' rows as one compact binary batch.

A task runs several runs (a batch, sized by :class:`BatchSizer` to take about
``TASK_SECONDS``) in a worker and returns one :class:`Batch`: the
runs' ``steps.csv`` lines and ``runs.csv`` lines, each as one bytes buffer in run
order, and an int64 index with, per run, its id, status, the length of its lines and
the row count and CRC-32 of its monthly rows (the ``journal.csv`` entry). Pickling it
is a copy of three buffers, so the parent only writes bytes it receives and never
parses, formats or checksums a row. The CSV text is made in the workers, where the
cost is shared (``batch_runs.execution.lines``).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

# One index row per run: run id, 1 if ok, bytes of its steps.csv lines, their rows and
# CRC-32, bytes of its runs.csv line.
INDEX_FIELDS = ("run_id", "ok", "steps_bytes", "steps_rows", "steps_crc32", "runs_bytes")
# Runs per task are sized so that a task takes about this long: the per-task costs
# (pickling it, waking the parent, three writes) then vanish beside the runs, while
# progress stays lively and a kill loses little.
TASK_SECONDS = 0.5
# ... but a task holds no more than this share of the runs left per worker, so that the
# workers finish together, ...
_TASKS_PER_WORKER_LEFT = 4
# ... and no more results than this, so that the parent stays small.
_MAX_BATCH_BYTES = 16 << 20

RunRecord = tuple[int, bool, bytes, bytes]  # run id, ok, runs.csv line, steps.csv lines


@dataclass(frozen=True)
class Batch:
    """The records of one task's runs, in run order, in compact binary form.

    ``index`` is int64 with one row of :data:`INDEX_FIELDS` per run; ``steps`` and
    ``runs`` are the runs' lines of steps.csv and runs.csv, concatenated in that order;
    ``seconds`` is the time the worker spent on them (the runner sizes tasks by it).
    """

    index: np.ndarray
    steps: bytes
    runs: bytes
    seconds: float

    @classmethod
    def pack(cls, records: Sequence[RunRecord], seconds: float) -> Batch:
        """One batch from the records of its runs (in run order)."""
        index = np.array(
            [
                (run_id, ok, len(steps), steps.count(b"\n"), zlib.crc32(steps), len(runs))
                for run_id, ok, runs, steps in records
            ],
            dtype=np.int64,
        ).reshape(-1, len(INDEX_FIELDS))
        steps = b"".join(record[3] for record in records)
        runs = b"".join(record[2] for record in records)
        return cls(index, steps, runs, seconds)

    def __len__(self) -> int:
        return len(self.index)

    def outcomes(self) -> list[tuple[int, bool]]:
        """(run id, ok) of each run, in order."""
        return [(run_id, bool(ok)) for run_id, ok in self.index[:, :2].tolist()]

    def journal_text(self) -> bytes:
        """The runs' journal.csv lines: run id, rows in steps.csv, their CRC-32."""
        rows = self.index[:, [0, 3, 4]].tolist()
        return "".join(f"{run_id},{n},{crc}\n" for run_id, n, crc in rows).encode()

    def records(self) -> Iterator[RunRecord]:
        """The runs' records again, one by one (the inverse of :meth:`pack`)."""
        steps_end = np.cumsum(self.index[:, 2]).tolist()
        runs_end = np.cumsum(self.index[:, 5]).tolist()
        steps_start = runs_start = 0
        for (run_id, ok), s_end, r_end in zip(self.outcomes(), steps_end, runs_end, strict=True):
            yield run_id, ok, self.runs[runs_start:r_end], self.steps[steps_start:s_end]
            steps_start, runs_start = s_end, r_end


@dataclass
class BatchSizer:
    """Runs per task (batch) for ``slots`` workers: ``fixed``, or as many as take about
    ``TASK_SECONDS`` by the runs timed so far (one each until then), but at most a
    ``_TASKS_PER_WORKER_LEFT``-th of the runs left per worker and ``_MAX_BATCH_BYTES``
    of results. Only the grouping of runs into tasks depends on it, never a run's
    results or rows."""

    fixed: int | None
    slots: int
    seconds: float = 0.0
    runs: int = 0
    size_bytes: int = 0

    def observe(self, batch: Batch) -> None:
        """Count a finished batch's runs, time and size."""
        self.seconds += batch.seconds
        self.runs += len(batch)
        self.size_bytes += len(batch.steps) + len(batch.runs)

    def size(self, unsent: int) -> int:
        """Runs in the next task, with ``unsent`` runs not yet sent."""
        if self.fixed:
            return self.fixed
        if not self.runs:
            return 1
        wanted = TASK_SECONDS * self.runs / max(self.seconds, 1e-9)
        fitting = _MAX_BATCH_BYTES * self.runs / max(self.size_bytes, 1)
        share = unsent / (_TASKS_PER_WORKER_LEFT * self.slots)
        return max(1, int(min(wanted, fitting, share)))
