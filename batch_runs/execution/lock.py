"""One writer per result folder: a lock that a second iran-sim cannot take.

Two sweeps (or two ``--resume``) writing one folder would interleave their rows. The
first to start holds an operating-system lock on ``.iran-sim.lock`` inside the folder
(``filelock``, released when the process ends, however it ends) and writes who holds it
beside it; any other writer is refused with one line naming the holder.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from filelock import FileLock, Timeout

from batch_runs.execution.common import SweepError

LOCK_FILE = ".iran-sim.lock"
HOLDER_FILE = ".iran-sim.lock.holder"
LOCK_FILES = (LOCK_FILE, HOLDER_FILE)


@contextmanager
def folder_lock(folder: Path) -> Iterator[None]:
    """Hold ``folder`` for this process (SweepError naming the holder if another has it).

    The folder is created if missing; when this call created it and the block fails
    before writing anything else, it is removed again, so that a refused or invalid
    command leaves no trace.
    """
    created = not folder.exists()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SweepError(f"{folder}: cannot create the folder ({exc.strerror})") from None
    lock = FileLock(folder / LOCK_FILE)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        raise SweepError(
            f"{folder} is in use by {_holder(folder)}; wait for it to finish or choose "
            "another --out"
        ) from None
    try:
        holder = f"pid {os.getpid()} on {socket.gethostname()} since {_now()}"
        (folder / HOLDER_FILE).write_text(holder + "\n", encoding="utf-8")
        yield
    finally:
        (folder / HOLDER_FILE).unlink(missing_ok=True)
        lock.release()
        if created:
            _remove_if_unused(folder)


def _holder(folder: Path) -> str:
    try:
        text = (folder / HOLDER_FILE).read_text(encoding="utf-8").strip()
    except OSError:
        text = ""
    return f"another iran-sim ({text})" if text else "another iran-sim"


def _remove_if_unused(folder: Path) -> None:
    """Remove a folder this process created if nothing but the lock is in it."""
    try:
        names = {p.name for p in folder.iterdir()}
        if names <= set(LOCK_FILES):
            for name in names:
                (folder / name).unlink(missing_ok=True)
            folder.rmdir()
    except OSError:
        pass


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
