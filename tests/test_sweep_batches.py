"""What a task ships back: its runs as one compact binary batch of CSV bytes.

The fast CSV lines equal csv.writer's for every column dtype, for floats of every
magnitude, and for a real run's columns with and without a frame, and read back to the
same values; a batch survives pickling between processes unchanged, its journal lines
match its rows; and the process pool ships every dtype exactly.
"""

from __future__ import annotations

import csv
import io
import math
import pickle
import zlib
from multiprocessing.reduction import ForkingPickler

import numpy as np
import pandas as pd
import pytest

from batch_runs.execution import code_version
from batch_runs.execution.batches import INDEX_FIELDS, TASK_SECONDS, Batch, BatchSizer
from batch_runs.execution.common import RUN_KEYS, csv_text
from batch_runs.execution.executors import ProcessExecutor
from batch_runs.execution.lines import column_lines, frame_lines
from batch_runs.execution.worker import RunContext, execute, execute_chunk
from model import IranModel, load_scenario
from model.parameters import SCHEMA

FLOATS = [0.1 + 0.2, -0.0, 5e-324, 1e-05, 1e16, 1e22, -1.5e-300, 123456789.123, 2.0, math.pi]
FLOATS += [math.nan, math.inf, -math.inf, 0.6519842171552847, 1 / 3]
ROWS = len(FLOATS)


def every_dtype() -> pd.DataFrame:
    """A results-like frame (``step`` first) with a column of every dtype a run can give."""
    rng = np.random.default_rng(5)
    return pd.DataFrame(
        {
            "step": np.arange(ROWS, dtype=np.int64),
            "date": [f"2011-{m:02d}" for m in range(1, ROWS + 1)],
            "float64": FLOATS,
            "random": rng.random(ROWS) * 10.0 ** rng.integers(-8, 20, ROWS),
            "float32": np.linspace(0.1, 7.7, ROWS, dtype=np.float32),
            "int64": np.array([np.iinfo(np.int64).min, np.iinfo(np.int64).max] * 7 + [0]),
            "int8": np.arange(ROWS, dtype=np.int8) - 7,
            "uint64": np.full(ROWS, np.iinfo(np.uint64).max, dtype=np.uint64),
            "bool": [True, False, True] * 5,
            "text": ["reformists", "", "é ü 中"] * 5,
        }
    )


# Columns whose values csv.writer quotes or writes its own way: they take csv.writer.
AWKWARD = {
    "quoted": ["a,b", 'say "no"', "two\nlines", "cr\r", "plain"] * 3,
    "missing": pd.array(["x", None, "z"] * 5, dtype="str"),
    "objects": [None, (1, 2), np.float64(0.5), 7, "s"] * 3,
    "nullable": pd.array([1, None, 3] * 5, dtype="Int64"),
    "datetimes": pd.date_range("2011-06-01", periods=ROWS, freq="MS"),
}


def _writer_text(run_id: int, frame: pd.DataFrame) -> str:
    """What csv.writer writes for the frame's rows (the lines the sweep always wrote)."""
    columns = [frame[c].tolist() for c in frame.columns]
    return csv_text([run_id, *row] for row in zip(*columns, strict=True))


def _lines(run_id: int, frame: pd.DataFrame) -> str:
    return frame_lines(run_id, frame).decode()


def _same(value: object, text: str, dtype: object) -> bool:
    """Whether ``text`` read back gives exactly ``value`` of a column of ``dtype``."""
    value = value.item() if hasattr(value, "item") else value
    kind = getattr(dtype, "kind", "O")
    if kind == "f":
        back = float(text)
        return (math.isnan(value) and math.isnan(back)) or (
            back == value and math.copysign(1, back) == math.copysign(1, value)
        )
    if kind in "iu":
        return int(text) == value
    if kind == "b":
        return text == str(value)
    return text == value


def test_the_fast_lines_equal_csv_writers_for_every_dtype():
    frame = every_dtype()
    for column in frame.columns[1:]:  # each column alone, then all together
        part = frame[["step", column]]
        assert _lines(42, part) == _writer_text(42, part), column
    assert _lines(7, frame) == _writer_text(7, frame)
    for name, values in AWKWARD.items():
        awkward = frame.assign(**{name: values})
        assert _lines(3, awkward) == _writer_text(3, awkward), name


def test_the_fast_path_takes_every_plain_column_and_leaves_the_rest_to_csv_writer():
    frame = every_dtype()
    columns = [
        series.to_numpy(dtype=object if name == "text" else None) for name, series in frame.items()
    ]
    assert column_lines(4, columns).decode() == _writer_text(4, frame)
    as_lists = [column.tolist() if column.dtype == object else column for column in columns]
    assert column_lines(4, as_lists).decode() == _writer_text(4, frame)
    for name, values in AWKWARD.items():
        awkward = frame.assign(**{name: values})
        column = awkward[name].to_numpy(dtype=object)
        assert column_lines(3, [*columns, column]) is None, name
    assert column_lines(1, []) == b"" and column_lines(1, [np.array([])]) == b""
    no_columns = pd.DataFrame(index=range(2))
    assert frame_lines(3, no_columns) == csv_text([[3], [3]]).encode() == b"3\n3\n"


def _float_samples(rng: np.random.Generator) -> np.ndarray:
    """Doubles of every magnitude: random bit patterns, every decade's mantissas, whole
    numbers, and the neighbours of the bounds where repr starts writing an exponent."""
    bits = rng.integers(0, 2**64, 100_000, dtype=np.uint64, endpoint=False).view(np.float64)
    decades = rng.random(100_000) * 10.0 ** rng.integers(-330, 309, 100_000)
    whole = rng.integers(-(2**53), 2**53, 20_000).astype(np.float64)
    short = np.round(rng.random(20_000) * 10.0 ** rng.integers(-6, 18, 20_000), 3)
    bounds = np.array([1e-4, 1e16, 1e-5, 1e15, 2.0**53, 5e-324, 2.2250738585072014e-308])
    edges = np.concatenate([np.nextafter(bounds, 0.0), bounds, np.nextafter(bounds, np.inf)])
    special = np.array([0.0, -0.0, np.nan, np.inf, -np.inf, 1.7976931348623157e308])
    return np.concatenate([bits, decades, whole, short, edges, -edges, special])


def test_floats_of_every_magnitude_are_written_as_repr_writes_them():
    values = _float_samples(np.random.default_rng(20261202))
    for dtype in (np.float64, np.float32, np.float16):
        with np.errstate(over="ignore", invalid="ignore"):  # casting down to float16
            column = values.astype(dtype)
        text = column_lines(0, [column]).decode().splitlines()
        assert text == [f"0,{value!r}" for value in column.tolist()], dtype


def test_a_runs_columns_give_the_same_lines_as_its_results_frame():
    model = IranModel(load_scenario(None), rng=3, n_citizens=100)
    model.run(24)
    columns = model.datacollector.columns()
    frame = model.results()
    assert list(columns) == list(frame.columns)
    for name, values in columns.items():
        assert np.asarray(values).tolist() == frame[name].tolist(), name
    text = column_lines(8, list(columns.values()))
    assert text == frame_lines(8, frame) == _writer_text(8, frame).encode()
    assert columns["date"] == frame["date"].tolist()


def test_every_value_reads_back_exactly():
    frame = every_dtype()
    rows = list(csv.reader(io.StringIO(_lines(9, frame))))
    assert len(rows) == ROWS
    for i, row in enumerate(rows):
        assert row[0] == "9"
        for text, (name, dtype) in zip(row[1:], frame.dtypes.items(), strict=True):
            assert _same(frame[name].iloc[i], text, dtype), (name, i, text)


def _records(frame: pd.DataFrame) -> list[tuple[int, bool, bytes, bytes]]:
    return [
        (5, True, b"5,ok,a\n", _lines(5, frame).encode()),
        (6, False, b'6,failed,"x, y"\n', b""),
        (11, True, b"11,ok,b\n", _lines(11, frame.iloc[:3]).encode()),
    ]


def test_a_batch_survives_pickling_and_gives_back_its_records():
    records = _records(every_dtype())
    batch = Batch.pack(records, 0.25)
    for dumps in (pickle.dumps, lambda b: bytes(ForkingPickler.dumps(b))):
        back = pickle.loads(dumps(batch))
        assert list(back.records()) == records
        assert back.index.dtype == np.int64 and back.index.shape == (3, len(INDEX_FIELDS))
        assert back.outcomes() == [(5, True), (6, False), (11, True)]
        assert back.seconds == 0.25
    journal = batch.journal_text().decode().splitlines()
    expected = [f"{r},{s.count(b'\n')},{zlib.crc32(s)}" for r, _, _, s in records]
    assert journal == expected
    assert batch.steps == b"".join(r[3] for r in records)
    assert batch.runs == b"".join(r[2] for r in records)
    empty = Batch.pack([], 0.0)
    assert len(empty) == 0 and list(empty.records()) == [] and empty.journal_text() == b""


def _every_dtype_run(scenario, overrides, seed, steps):
    """A stand-in for ``simulate`` whose results hold every dtype (picklable)."""
    frame = every_dtype()
    frame["float64"] = frame["float64"] * (seed + 1)
    return frame


def _mixed_columns(scenario, overrides, seed, steps):
    """Columns as a collector keeps them when a reporter's first value is None or its
    values mix types: lists that pandas converts when it makes the results frame."""
    return {
        "step": np.arange(4, dtype=np.int64),
        "date": ["2011-06", "2011-07", "2011-08", "2011-09"],
        "late": [None, 0.5, 0.25 * seed, 1e-7],
        "maybe": ["a", None, "b", "c"],
        "mixed": [1, 2.5, 3, seed],
        "share": np.linspace(0.0, 1.0, 4),
    }


def _mixed_frame(scenario, overrides, seed, steps):
    return pd.DataFrame(_mixed_columns(scenario, overrides, seed, steps))


def _mixed_series(scenario, overrides, seed, steps):
    frame = _mixed_frame(scenario, overrides, seed, steps)
    return {name: frame[name] for name in frame.columns}


def _text_series(scenario, overrides, seed, steps):
    """Columns as pandas Series (not arrays or lists), every one of plain text."""
    frame = pd.DataFrame({"step": ["0", "1"], "date": ["2011-06", "2011-07"], "x": ["a", "b"]})
    return {name: frame[name] for name in frame.columns}


def test_columns_given_as_series_are_taken_as_their_frame():
    ctx = RunContext(load_scenario(None), 2, 1, ("step", "date", "x"), code_version(), _text_series)
    run_id, ok, runs_line, steps = execute(ctx, (4, 0, 0, 1, {}, ()))
    assert ok, runs_line
    assert steps == b"4,0,2011-06,a\n4,1,2011-07,b\n"
    assert runs_line.decode().rstrip("\n").endswith(",b")  # the final value of x


@pytest.mark.parametrize("every", [1, 2])
def test_columns_that_pandas_converts_give_the_lines_of_their_frame(every):
    """A run's columns are written as the frame they make (results()) whenever pandas
    would change them: the same steps.csv and runs.csv text by every path."""
    scenario = load_scenario(None)
    names = tuple(_mixed_columns(None, {}, 0, 0))
    records = {}
    for run in (_mixed_frame, _mixed_columns, _mixed_series):
        ctx = RunContext(scenario, 4, every, names, code_version(), run)
        record = execute(ctx, (7, 0, 0, 3, {}, ()))
        assert record[1], run.__name__
        fields = next(csv.reader([record[2].decode()]))
        del fields[len(RUN_KEYS) + len(SCHEMA) + 2]  # duration_s
        records[run.__name__] = (fields, record[3])
    assert records["_mixed_columns"] == records["_mixed_frame"] == records["_mixed_series"]
    assert b"nan" in records["_mixed_frame"][1]  # pandas's None, not csv.writer's ""


@pytest.mark.slow
def test_the_process_pool_ships_every_dtype_exactly():
    frame = every_dtype()
    scenario = load_scenario(None)
    ctx = RunContext(scenario, 0, 1, tuple(frame.columns), code_version(), _every_dtype_run)
    jobs = [(r, 0, r, r, {}, ()) for r in range(4)]
    executor = ProcessExecutor(2)
    try:
        batch = executor.submit(ctx, jobs).result(timeout=120)
    finally:
        executor.close()
    inline = execute_chunk(ctx, jobs)
    assert batch.steps == inline.steps and np.array_equal(batch.index, inline.index)
    rows = list(csv.reader(io.StringIO(batch.steps.decode())))
    assert len(rows) == 4 * ROWS
    for n, row in enumerate(rows):
        run_id, i = divmod(n, ROWS)
        expected = _every_dtype_run(scenario, {}, run_id, 0)
        assert row[0] == str(run_id)
        for text, (name, dtype) in zip(row[1:], expected.dtypes.items(), strict=True):
            assert _same(expected[name].iloc[i], text, dtype), (name, i, text)


def _timed_batch(runs: int, seconds: float, size: int) -> Batch:
    return Batch(np.zeros((runs, len(INDEX_FIELDS)), dtype=np.int64), b"x" * size, b"", seconds)


def test_tasks_take_about_task_seconds_within_their_limits():
    assert BatchSizer(7, 2).size(1000) == 7  # a fixed size is kept
    sizer = BatchSizer(None, 2)
    assert sizer.size(1000) == 1  # nothing timed yet
    sizer.observe(_timed_batch(4, 4 * 0.01, 4 * 1000))  # 10 ms and 1 kB a run
    assert sizer.size(10_000) == round(TASK_SECONDS / 0.01)
    assert sizer.size(80) == 10  # a quarter of the 40 runs left per worker
    assert sizer.size(3) == 1
    sizer.observe(_timed_batch(4, 0.0, 4 * 999_000))  # now 0.5 MB a run
    assert sizer.size(10_000) == 16 * 2**20 * 8 // 4_000_000
