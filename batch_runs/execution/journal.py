"""The journal: runs.csv, steps.csv and journal.csv, appended whole.

A run's monthly rows are appended first, then their count and checksum to journal.csv,
then its runs.csv row, which commits it; ``batch_runs.execution.recovery`` checks every
committed run against journal.csv when a sweep resumes.
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

from batch_runs.execution.common import RUNS_FILE, STEPS_FILE, csv_text
from batch_runs.execution.readers import tidy_runs
from batch_runs.execution.recovery import JOURNAL_FILE, journal_line
from batch_runs.execution.worker import Record

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
    """Appends each finished run to steps.csv, then its row to runs.csv (the commit)."""

    def __init__(self, out_dir: Path) -> None:
        flags = os.O_WRONLY | os.O_APPEND
        self._runs = os.open(out_dir / RUNS_FILE, flags)
        self._steps = os.open(out_dir / STEPS_FILE, flags)
        self._journal = os.open(out_dir / JOURNAL_FILE, flags)
        self._synced = time.monotonic()

    def append(self, record: Record) -> None:
        """The run's monthly rows, then their count and checksum, then its runs.csv row."""
        run_id, _, runs_line, steps_text = record
        with _deferred_interrupt():
            if steps_text:
                _write_all(self._steps, steps_text.encode())
            _write_all(self._journal, journal_line(run_id, steps_text).encode())
            _write_all(self._runs, runs_line.encode())
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
        self._runs = [csv_text([runs_header])]
        self._steps = [csv_text([steps_header])]

    def append(self, record: Record) -> None:
        _, _, runs_line, steps_text = record
        self._steps.append(steps_text)
        self._runs.append(runs_line)

    def close(self) -> None:
        """Nothing to flush."""

    def tables(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The runs table (as :func:`read_runs` gives it) and the monthly rows."""
        runs = pd.read_csv(io.StringIO("".join(self._runs)), dtype={"error": str})
        steps = pd.read_csv(io.StringIO("".join(self._steps)))
        return tidy_runs(runs), steps
