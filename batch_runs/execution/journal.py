"""The journal: runs.csv and steps.csv, appended whole, and recovered after a stop.

A run's monthly rows are appended first, then its runs.csv row, which commits it; so
Ctrl-C or a killed process leaves at most a tail that :func:`recover` removes.
"""

from __future__ import annotations

import csv
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

from batch_runs.execution.common import RUNS_FILE, STEPS_FILE, SweepError, csv_text
from batch_runs.execution.readers import tidy_runs
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
        self._synced = time.monotonic()

    def append(self, record: Record) -> None:
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


def recover(out_dir: Path, runs_header: list[str], steps_header: list[str], total: int):
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
