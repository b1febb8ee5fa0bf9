"""The journal: runs.csv, steps.csv and journal.csv, appended a whole batch at a time.

A batch's monthly rows are appended first, then their counts and checksums to
journal.csv, then its runs.csv rows, each of which commits its run; a stop in between
leaves runs without a runs.csv row, which ``batch_runs.execution.recovery`` drops (with
their rows) when a sweep resumes, after checking every committed run against
journal.csv.
"""

from __future__ import annotations

import io
import os
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd

from batch_runs.execution.batches import Batch
from batch_runs.execution.common import RUNS_FILE, STEPS_FILE, csv_text
from batch_runs.execution.readers import tidy_runs
from batch_runs.execution.recovery import JOURNAL_FILE

# The signals that stop a sweep the way Ctrl-C does (the command line turns SIGTERM and
# SIGHUP into KeyboardInterrupt).
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
# Longest time between fsyncs: a crash loses at most this much finished work.
_FSYNC_INTERVAL_S = 2.0


@contextmanager
def _deferred_interrupt() -> Iterator[None]:
    """Hold Ctrl-C, SIGTERM and SIGHUP until the block is done (only in the main
    thread), so that a row is never cut in two by an interruption."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[Any] = []
    previous = {s: signal.signal(s, lambda *args: caught.append(args)) for s in STOP_SIGNALS}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
        if caught and callable(handler := previous[caught[0][0]]):
            handler(*caught[0])


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


class Journal:
    """Appends each finished batch to steps.csv, then its rows to runs.csv (the commit)."""

    def __init__(self, out_dir: Path) -> None:
        flags = os.O_WRONLY | os.O_APPEND
        self._runs = os.open(out_dir / RUNS_FILE, flags)
        self._steps = os.open(out_dir / STEPS_FILE, flags)
        self._journal = os.open(out_dir / JOURNAL_FILE, flags)
        self._synced = time.monotonic()

    def append(self, batch: Batch) -> None:
        """The runs' monthly rows, then their counts and checksums, then their runs.csv
        rows: one write each, whatever the number of runs."""
        with _deferred_interrupt():
            if batch.steps:
                _write_all(self._steps, batch.steps)
            _write_all(self._journal, batch.journal_text())
            _write_all(self._runs, batch.runs)
        if time.monotonic() - self._synced > _FSYNC_INTERVAL_S:
            self.sync()

    def sync(self) -> None:
        for fd in (self._steps, self._journal, self._runs):
            os.fsync(fd)
        self._synced = time.monotonic()

    def close(self) -> None:
        try:
            self.sync()
        finally:
            for fd in (self._runs, self._steps, self._journal):
                os.close(fd)


class MemoryJournal:
    """The journal of a sweep without a folder (the dashboard's runs): the same records,
    kept in memory and read back as tables; nothing to resume, nothing on disk."""

    def __init__(self, runs_header: list[str], steps_header: list[str]) -> None:
        self._runs = [csv_text([runs_header]).encode()]
        self._steps = [csv_text([steps_header]).encode()]

    def append(self, batch: Batch) -> None:
        self._steps.append(batch.steps)
        self._runs.append(batch.runs)

    def close(self) -> None:
        """Nothing to flush."""

    def tables(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The runs table (as :func:`read_runs` gives it) and the monthly rows."""
        runs = pd.read_csv(io.BytesIO(b"".join(self._runs)), dtype={"error": str})
        steps = pd.read_csv(io.BytesIO(b"".join(self._steps)))
        return tidy_runs(runs), steps
