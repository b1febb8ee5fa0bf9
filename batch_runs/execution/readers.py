"""Reading a result folder: the runs table, the monthly rows in chunks, Parquet."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from batch_runs.execution.common import (
    RUN_KEYS,
    RUNS_FILE,
    RUNS_PARQUET,
    STEPS_FILE,
    STEPS_PARQUET,
    RunSummary,
    SweepError,
    one_line,
)
from model.export import write_atomic
from model.parameters import SCHEMA


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
        raise SweepError(f"{out_dir}: cannot read the runs table ({one_line(exc)})") from None
    if "run_id" not in frame:
        raise SweepError(f"{out_dir}: the runs table has no run_id column")
    return tidy_runs(frame)


def tidy_runs(frame: pd.DataFrame) -> pd.DataFrame:
    """A runs table as readers return it: sorted by run_id, ``error`` "" when none."""
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
        raise SweepError(f"{out_dir}: cannot read the steps table ({one_line(exc)})") from None


# Errors of pandas and pyarrow when a results file is damaged or not what it should be.
_UNREADABLE = (ValueError, KeyError, UnicodeDecodeError, pd.errors.ParserError)


def recorded_from_parquet(out_dir: Path) -> tuple[set[int], dict[str, int]]:
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


def convert_to_parquet(
    out_dir: Path,
    runs_header: list[str],
    steps_header: list[str],
    probe: pd.DataFrame,
    summary: RunSummary | None = None,
    monthly: bool = True,
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
    if monthly:
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
    (out_dir / "journal.csv").unlink(missing_ok=True)  # it checked the CSV files only
