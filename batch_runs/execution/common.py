"""What the sweep engine's parts share: file names, errors, progress and summaries."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import pandas as pd

from batch_runs.design.spec import SpecError
from model.scenarios import Scenario

RUNS_FILE = "runs.csv"
STEPS_FILE = "steps.csv"
MANIFEST_FILE = "manifest.json"
RUNS_PARQUET = "runs.parquet"
STEPS_PARQUET = "steps.parquet"
BACKENDS = ("process", "dask")
RUN_KEYS = ("run_id", "point", "replicate", "seed")
STATUS_KEYS = ("status", "error", "duration_s")
# Errors kept in runs.csv are cut to this length: one readable line per failed run.
_ERROR_CHARS = 500

# A run: (scenario, parameter overrides, seed, months) -> its results frame, or the
# frame's columns by name (as ``ArrayDataCollector.columns`` gives them).
Simulate = Callable[[Any, Mapping[str, Any], int, int], pd.DataFrame | Mapping[str, Any]]


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

    out_dir: Path | None
    total: int
    ok: int
    failed: int
    skipped: int
    ran: int
    lost: int
    elapsed_s: float
    status: str
    files: tuple[str, ...] = ()
    # Without an output folder, the results themselves (runs table, monthly rows).
    runs: pd.DataFrame | None = field(default=None, compare=False, repr=False)
    steps: pd.DataFrame | None = field(default=None, compare=False, repr=False)

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


def one_line(text: Any) -> str:
    """``text`` on one line, cut to a readable length (errors in runs.csv and messages)."""
    text = " ".join(str(text).split())
    return text if len(text) <= _ERROR_CHARS else text[: _ERROR_CHARS - 3] + "..."


def plain(value: Any) -> Any:
    """A numpy scalar as the Python value (so that CSV shows ``0.5``, not ``np.float64``)."""
    return value.item() if hasattr(value, "item") else value


def csv_text(rows: Iterable[Sequence[Any]]) -> str:
    """CSV lines for ``rows``, as written to the journal."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue()
