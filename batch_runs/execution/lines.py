"""A run's ``steps.csv`` lines, made fast and exactly as ``csv.writer`` makes them.

A sweep of many short runs spends more time writing its numbers as text than the
runner spends on anything else, and the files must stay byte for byte what they always
were: ``csv.writer`` writes each float as ``repr`` (the shortest text that reads back
to the same number) and everything else as ``str``. :func:`column_lines` writes a run's
columns (numpy arrays or lists, one per column) in one pass per column:

- floats through ``orjson``, whose Ryu conversion gives the same shortest digits as
  ``repr`` and writes them the same way whenever ``repr`` writes no exponent, that is
  for zero and for magnitudes in [1e-4, 1e16). The few other values (smaller, larger,
  ``nan``, ``inf``) are written by ``repr`` itself;
- whole numbers through ``orjson`` too (``str`` of an integer), booleans as
  ``True``/``False``, text as it is when ``csv.writer`` would not quote it.

A column of any other kind (objects, dates, missing values, text that needs quotes)
makes :func:`column_lines` return None, and the caller takes ``csv.writer``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import orjson
import pandas as pd

from batch_runs.execution.common import csv_text

# ``repr`` writes a float without an exponent, as Ryu's text in orjson does, when it is
# zero or its magnitude lies in [1e-4, 1e16): the bounds are exact, as a float just
# below 1e-4 (or 1e16) has a shortest text below it too.
_POSITIONAL_LOW = 1e-4
_POSITIONAL_HIGH = 1e16
# Characters that make csv.writer quote a field (its delimiter, quote character and line
# breaks) or refuse it (NUL): a text column holding one goes through csv.writer.
_NEEDS_CSV = re.compile('[,"\r\n\0]')
_FLOAT_KINDS = (np.float16, np.float32, np.float64)
_BLOCK_TYPES = {"f": np.float64, "i": np.int64, "u": np.uint64}


def column_lines(run_id: int, columns: Sequence[Any]) -> bytes | None:
    """The ``steps.csv`` lines of a run, UTF-8: ``run_id``, then one value of each column
    per line, exactly as ``csv.writer`` writes the columns' ``tolist()`` values; or None if
    a column is of a kind only ``csv.writer`` writes (see the module's docstring).

    ``columns`` are equally long 1-D numpy arrays (floats, integers, booleans, or
    objects) or lists."""
    rows = len(columns[0]) if columns else 0
    if not rows:
        return b""
    # Each run of neighbouring number columns of one kind goes through orjson as one
    # rows x columns block, which gives each line's part of it as one string: far fewer
    # strings to make than one per value.
    parts: list[list[bytes]] = [[str(run_id).encode()] * rows]
    kind, block = "", []
    for column in [*columns, None]:
        next_kind = _number_kind(column)
        if block and next_kind != kind:
            parts.append(
                _number_texts(np.stack(block, axis=1).astype(_BLOCK_TYPES[kind], copy=False))
            )
            block = []
        if column is None:
            break
        kind = next_kind
        if kind:
            block.append(column)
        elif isinstance(column, np.ndarray) and column.dtype.kind == "b":
            parts.append(np.where(column, b"True", b"False").tolist())
        else:
            values = column.tolist() if isinstance(column, np.ndarray) else list(column)
            if not _plain_text(values):
                return None
            # One encoding for the column: no value holds a line break.
            parts.append("\n".join(values).encode().split(b"\n"))
    return b"\n".join(map(b",".join, zip(*parts, strict=True))) + b"\n"


def _number_kind(column: Any) -> str:
    """ "f" for a column of floats, "i" or "u" for integers, "" for anything else."""
    if not isinstance(column, np.ndarray):
        return ""
    if column.dtype.type in _FLOAT_KINDS:
        return "f"
    return column.dtype.kind if column.dtype.kind in "iu" else ""


def _number_texts(block: np.ndarray) -> list[bytes]:
    """Each row of a block of numbers as csv.writer writes it (fields and commas)."""
    texts = orjson.dumps(block, option=orjson.OPT_SERIALIZE_NUMPY)[2:-2].split(b"],[")
    if block.dtype.kind == "f":
        magnitude = np.abs(block)
        positional = (magnitude >= _POSITIONAL_LOW) & (magnitude < _POSITIONAL_HIGH)
        for row in np.flatnonzero((~positional & (block != 0.0)).any(axis=1)).tolist():
            texts[row] = ",".join(map(repr, block[row].tolist())).encode()
    return texts


def frame_lines(run_id: int, frame: pd.DataFrame) -> bytes:
    """The ``steps.csv`` lines of a run's results frame, UTF-8: what ``csv.writer`` writes
    for ``run_id`` and each row's values (as ``frame.to_numpy(dtype=object)`` gives
    them), by :func:`column_lines` when the columns allow it."""
    if not len(frame):
        return b""
    if not len(frame.columns):  # csv.writer writes the run id alone on each line
        return csv_text([[run_id]] * len(frame)).encode()
    # A column of a pandas dtype (nullable integers, text) as objects: its to_numpy()
    # could turn a missing integer into a float nan.
    columns = [
        series.to_numpy() if isinstance(series.dtype, np.dtype) else series.to_numpy(dtype=object)
        for _, series in frame.items()
    ]
    fast = column_lines(run_id, columns)
    if fast is not None:
        return fast
    return csv_text([run_id, *row] for row in frame.to_numpy(dtype=object).tolist()).encode()


def _plain_text(values: list[Any]) -> bool:
    """Whether every value is a str that csv.writer writes as it is (unquoted)."""
    if not set(map(type, values)) <= {str}:
        return False
    return _NEEDS_CSV.search("".join(values)) is None
