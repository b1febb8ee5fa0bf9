"""Recovering a result folder after a stop, so that ``--resume`` is exact (see
docs/sweeps.md, "Failures, interruptions and resume").

Each committed run (a row of runs.csv) has its monthly rows in steps.csv and, in
``journal.csv``, how many rows they are and their CRC-32. On resume every run is
checked against it: a run whose rows are missing, cut short, doubled or damaged (a
crash mid-write, a full disk, a stray write) loses its runs.csv row and is run again;
rows of no committed run and unreadable lines are dropped. The repaired files replace
the old ones atomically. Damage that cannot be repaired (an unreadable runs.csv row,
a header that is not the sweep's) is refused with one line and nothing is changed.
"""

from __future__ import annotations

import csv
import zlib
from pathlib import Path

from batch_runs.execution.common import RUNS_FILE, STEPS_FILE, SweepError
from model.export import write_atomic

JOURNAL_FILE = "journal.csv"
JOURNAL_HEADER = "run_id,rows,crc32\n"
_BLOCK = 1 << 20


def recover(
    out_dir: Path, runs_header: list[str], steps_header: list[str], total: int
) -> tuple[set[int], dict[str, int]]:
    """Make the folder consistent; return the ids of the runs kept and their counts."""
    runs_path, steps_path = out_dir / RUNS_FILE, out_dir / STEPS_FILE
    for path, header in ((runs_path, runs_header), (steps_path, steps_header)):
        _truncate_partial_line(path)
        with open(path, newline="", encoding="utf-8", errors="replace") as handle:
            if next(csv.reader(handle), None) != header:
                raise SweepError(
                    f"cannot resume {out_dir}: {path.name} does not have the sweep's columns"
                )
    committed = _committed(out_dir, runs_header, total)
    journal = _read_journal(out_dir / JOURNAL_FILE)
    found, clean = _scan_steps(steps_path, committed)
    if journal is None:  # a folder from before the journal: trust it, start one
        good = set(committed)
    else:
        good = {r for r in committed if journal.get(r) == found.get(r, (0, 0))}
    if journal is None or not clean or good != set(committed):
        _rewrite(out_dir, committed, good, found)
    counts = {"ok": 0, "failed": 0}
    for run_id in good:
        counts[committed[run_id][1]] += 1
    return good, counts


def _committed(out_dir: Path, header: list[str], total: int) -> dict[int, tuple[bytes, str]]:
    """Each runs.csv row by run id, with its status (SweepError on a damaged row)."""
    status_at = header.index("status")
    rows: dict[int, tuple[bytes, str]] = {}
    with open(out_dir / RUNS_FILE, "rb") as handle:
        handle.readline()
        for number, line in enumerate(handle, start=2):
            try:
                row = next(csv.reader([line.decode("utf-8")]))
                run_id = int(row[0])
            except (ValueError, UnicodeDecodeError, StopIteration):
                raise SweepError(
                    f"cannot resume {out_dir}: {RUNS_FILE} line {number} is damaged; "
                    "restore it or start a new sweep in another --out"
                ) from None
            if len(row) != len(header) or row[status_at] not in ("ok", "failed"):
                raise SweepError(f"cannot resume {out_dir}: {RUNS_FILE} has a malformed row")
            if not 0 <= run_id < total or run_id in rows:
                raise SweepError(f"cannot resume {out_dir}: {RUNS_FILE} has a bad run_id {run_id}")
            rows[run_id] = (line, row[status_at])
    return rows


def _read_journal(path: Path) -> dict[int, tuple[int, int]] | None:
    """run id -> (rows, crc32); None when the folder has no journal. Unreadable lines
    count as missing (their runs are run again)."""
    if not path.exists():
        return None
    entries = {}
    with open(path, "rb") as handle:
        handle.readline()
        for line in handle:
            try:
                run_id, rows, crc = (int(x) for x in line.split(b","))
            except ValueError:
                continue
            entries[run_id] = (rows, crc)
    return entries


def _run_id(line: bytes) -> int | None:
    try:
        return int(line.split(b",", 1)[0])
    except ValueError:
        return None


def _scan_steps(
    path: Path, committed: dict[int, tuple[bytes, str]]
) -> tuple[dict[int, tuple[int, int]], bool]:
    """Rows and CRC-32 of each committed run's lines in steps.csv, and whether the file
    holds nothing else (no unreadable line, no rows of an uncommitted run)."""
    found: dict[int, tuple[int, int]] = {}
    clean = True
    with open(path, "rb") as handle:
        handle.readline()
        for line in handle:
            run_id = _run_id(line)
            if run_id not in committed or not line.endswith(b"\n"):
                clean = False
                continue
            rows, crc = found.get(run_id, (0, 0))
            found[run_id] = (rows + 1, zlib.crc32(line, crc))
    return found, clean


def _rewrite(
    out_dir: Path,
    committed: dict[int, tuple[bytes, str]],
    good: set[int],
    found: dict[int, tuple[int, int]],
) -> None:
    """runs.csv, steps.csv and journal.csv with the good runs only, each atomically."""
    steps_path = out_dir / STEPS_FILE

    def steps(tmp: Path) -> None:
        with open(steps_path, "rb") as source, open(tmp, "wb") as target:
            target.write(source.readline())
            for line in source:
                if _run_id(line) in good and line.endswith(b"\n"):
                    target.write(line)

    def runs(tmp: Path) -> None:
        with open(out_dir / RUNS_FILE, "rb") as source, open(tmp, "wb") as target:
            target.write(source.readline())
            for run_id, (line, _) in committed.items():
                if run_id in good:
                    target.write(line)

    def journal(tmp: Path) -> None:
        lines = [JOURNAL_HEADER]
        lines += [f"{r},{found.get(r, (0, 0))[0]},{found.get(r, (0, 0))[1]}\n" for r in good]
        tmp.write_text("".join(lines), encoding="utf-8")

    # steps first: a stop in between leaves runs.csv naming runs whose rows are then
    # missing, which the next resume finds and runs again.
    write_atomic(steps_path, steps)
    write_atomic(out_dir / JOURNAL_FILE, journal)
    write_atomic(out_dir / RUNS_FILE, runs)


def _truncate_partial_line(path: Path) -> None:
    """Cut a trailing line without its newline (a write cut short by a kill)."""
    size = path.stat().st_size
    if size == 0:
        return
    with open(path, "rb+") as handle:
        position = size
        while position > 0:
            step = min(_BLOCK, position)
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
