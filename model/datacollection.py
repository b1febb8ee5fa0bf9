"""The model's outputs: one row per month, the columns declared in ``model.outputs``.

The DataCollector reads each column as its :class:`model.outputs.Column` says;
``docs/columns.md`` and the README's table are generated from the same declarations,
and a test checks that ``results()`` has exactly these columns (ODD §2).

:class:`ArrayDataCollector` is Mesa's DataCollector for model reporters, storing each
month's values in preallocated numpy arrays instead of lists of deep copies, so that a
month's row costs a few microseconds and the results frame is built from arrays. It
gives exactly the frame Mesa's own DataCollector gives for the same reporters (same
columns, values and dtypes); a test compares the two (ODD §3.1, phase 8).
"""

from __future__ import annotations

import keyword
import types
from collections.abc import Callable
from copy import deepcopy
from functools import lru_cache, partial
from operator import attrgetter
from typing import TYPE_CHECKING, Any

import mesa
import numpy as np
import pandas as pd

from model.outputs import COUNTRY, FACTION, OUTPUTS, Column

if TYPE_CHECKING:
    from model.model import IranModel

# Rows a collector holds before its first collect when it is not told the run's length;
# it doubles its arrays whenever a run goes on past them.
DEFAULT_CAPACITY = 128
# Compiled row writers kept: one per set of columns (a scenario's factions and
# governments, a model class).
COMPILED_ROWS = 64
# Values stored as they are: Mesa's deep copy of them is the value itself.
_ATOMIC = frozenset({str, bytes, type(None)})
# Integers above this lose precision in float64 storage (2^53).
_EXACT_INTEGERS = 2**53


class Attribute:
    """A reporter that reads the attribute ``path`` (dotted: ``"leader.distrust"``) of
    ``owner``, the model or one of its agents.

    Mesa's DataCollector calls it without arguments, as it calls a bound method;
    :class:`ArrayDataCollector` compiles it into a plain attribute read.
    """

    __slots__ = ("get", "owner", "path")

    def __init__(self, owner: Any, path: str) -> None:
        self.owner = owner
        self.path = path
        self.get = attrgetter(path)

    def __call__(self) -> Any:
        return self.get(self.owner)

    def __repr__(self) -> str:
        return f"Attribute({type(self.owner).__name__}, {self.path!r})"


def _reader(reporter: Any) -> Callable[[Any], Any]:
    """The reporter as a function of the model, called as Mesa's ``collect`` calls it."""
    if isinstance(reporter, types.LambdaType | partial):
        return reporter
    if isinstance(reporter, str):
        return partial(_attribute_or_none, name=reporter)
    if isinstance(reporter, list):
        function, params = reporter
        return lambda _model: function(*params)
    return lambda _model: reporter()


def _attribute_or_none(model: Any, name: str) -> Any:
    return getattr(model, name, None)


def _first_value(reporter: Any, model: Any) -> Any:
    """A reporter's first value; a missing attribute is an error, as in Mesa's check."""
    return getattr(model, reporter) if isinstance(reporter, str) else _reader(reporter)(model)


_PYTHON_DTYPES = {bool: np.dtype(np.bool_), int: np.dtype(np.int64), float: np.dtype(np.float64)}


def _dtype_of(value: Any) -> np.dtype | None:
    """The dtype pandas gives a column of values of this type; None for object columns."""
    dtype = _PYTHON_DTYPES.get(type(value))
    if dtype is not None:
        return dtype
    if isinstance(value, np.generic):
        return value.dtype if value.dtype.kind in "biuf" else None
    for kind, dtype in ((bool, np.bool_), (int, np.int64), (float, np.float64)):
        if isinstance(value, kind):
            return np.dtype(dtype)
    return None


def _typed(values: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """A float64 storage column in its column's dtype. A column of integers or booleans
    that stopped holding whole numbers (or 0 and 1) stays float64, as pandas makes a
    column of mixed values."""
    if dtype.kind == "f":
        return values.astype(dtype, copy=False)
    typed = values.astype(dtype)
    if np.array_equal(typed, values) and np.abs(values).max() < _EXACT_INTEGERS:
        return typed
    return values


class ArrayDataCollector(mesa.DataCollector):
    """Mesa's DataCollector for model reporters, with each column in a numpy array.

    ``model_reporters`` take Mesa's forms (an attribute name, a function of the model, a
    ``[function, params]`` list, a method) and :class:`Attribute`. The first ``collect``
    reads each one as Mesa does (a reporter that fails gets Mesa's validation message);
    the type of each value fixes its column's dtype (bool, int64, float64 or another
    numpy number type; else object). Later rows are written by one compiled function
    (:func:`compile_row_writer`) into a float64 array for the numbers and an object
    array for the rest, each with ``capacity`` rows (the run's months + 1), doubled
    when a run goes on. ``model_vars`` (lists, as in Mesa) and
    ``get_model_vars_dataframe()`` read them back; the frame is a copy, so later months
    never change a frame already returned, nor the frame the collector.
    """

    def __init__(self, model_reporters: dict[str, Any], capacity: int = DEFAULT_CAPACITY):
        self._capacity = max(1, capacity)
        self._rows = 0
        self._numbers = np.empty((0, 0))
        self._objects = np.empty((0, 0), dtype=object)
        self._times = np.empty(0)
        # name -> (is_number, column in its store, dtype); filled by the first collect.
        self._layout: dict[str, tuple[bool, int, np.dtype | None]] = {}
        self._write_row: Callable[[Any, np.ndarray, np.ndarray, int], None] | None = None
        super().__init__()
        # Set directly: Mesa's ``_new_model_reporter`` would also write ``model_vars``.
        self.model_reporters = dict(model_reporters)

    # Mesa's constructor sets ``model_vars`` to a dict of empty lists; the arrays are
    # the store here, and ``model_vars`` reads them back.
    @property
    def model_vars(self) -> dict[str, list]:
        """Each reporter's values so far, as lists (Mesa's ``model_vars``)."""
        return {
            name: values.tolist() if isinstance(values, np.ndarray) else values
            for name, values in self.columns().items()
        }

    @model_vars.setter
    def model_vars(self, value: dict) -> None:
        if any(value.values()):
            raise AttributeError("model_vars is read from the collector's arrays")

    @property
    def _collection_steps(self) -> list[float]:
        """Model time at each collect (Mesa's record, read by ``mesa.batch_run``)."""
        return self._times[: self._rows].tolist()

    @_collection_steps.setter
    def _collection_steps(self, value: list) -> None:
        if value:
            raise AttributeError("_collection_steps is read from the collector's arrays")

    def collect(self, model: Any) -> None:
        """Store one row: every model reporter's value at this moment."""
        if not self.model_reporters:
            return
        row = self._rows
        if self._write_row is None:
            self._first_collect(model)
        else:
            if row == self._capacity:
                self._grow()
            self._write_row(model, self._numbers, self._objects, row)
        self._times[row] = model.time
        self._rows = row + 1

    def get_model_vars_dataframe(self) -> pd.DataFrame:
        """One row per collect, one column per model reporter (as Mesa's), a copy."""
        if not self.model_reporters:
            raise UserWarning(
                "No model reporters have been defined in the DataCollector, "
                "returning empty DataFrame."
            )
        return pd.DataFrame(self.columns(), copy=False)

    def columns(self) -> dict[str, Any]:
        """Each model reporter's values so far, without building a frame: a new numpy
        array in its column's dtype for numbers, a list for other values (as Mesa keeps
        them, so that pandas infers the same dtype). ``get_model_vars_dataframe`` is
        ``pd.DataFrame`` of these; a sweep writes its rows from them directly."""
        if not self._layout:
            return {name: [] for name in self.model_reporters}
        rows = self._rows
        # One copy, transposed, so that each number column is a new contiguous array.
        numbers = self._numbers[:rows].T.copy()
        columns: dict[str, Any] = {}
        for name, (is_number, index, dtype) in self._layout.items():
            if is_number:
                columns[name] = _typed(numbers[index], dtype)
            else:
                columns[name] = self._objects[:rows, index].tolist()
        return columns

    # --- storage ----------------------------------------------------------------------

    def _grow(self) -> None:
        self._capacity *= 2
        self._numbers = _resized(self._numbers, self._capacity)
        self._objects = _resized(self._objects, self._capacity)
        self._times = _resized(self._times, self._capacity)

    def _first_collect(self, model: Any) -> None:
        """Read every reporter as Mesa does, fix the columns' dtypes from the values,
        and compile the writing of later rows."""
        try:
            values = {name: _first_value(r, model) for name, r in self.model_reporters.items()}
        except Exception:
            # Mesa's validation names the reporter that failed and how to write it.
            for name, reporter in self.model_reporters.items():
                self._validate_model_reporter(name, reporter, model)
            raise
        self._validated = True
        numbers: dict[str, Any] = {}
        objects: dict[str, Any] = {}
        for name, reporter in self.model_reporters.items():
            dtype = _dtype_of(values[name])
            store = objects if dtype is None else numbers
            self._layout[name] = (dtype is not None, len(store), dtype)
            store[name] = reporter
        self._numbers = np.empty((self._capacity, len(numbers)))
        self._objects = np.empty((self._capacity, len(objects)), dtype=object)
        self._times = np.empty(self._capacity)
        self._numbers[0] = [values[name] for name in numbers]
        for index, name in enumerate(objects):
            self._objects[0, index] = _stored(values[name])
        self._write_row = compile_row_writer(model, numbers, objects)


def _stored(value: Any) -> Any:
    """What Mesa stores of a value: a deep copy (text and None are their own copy)."""
    return value if type(value) in _ATOMIC else deepcopy(value)


def _resized(array: np.ndarray, rows: int) -> np.ndarray:
    bigger = np.empty((rows, *array.shape[1:]), dtype=array.dtype)
    bigger[: len(array)] = array
    return bigger


@lru_cache(maxsize=1024)
def _is_path(text: str) -> bool:
    """Whether ``text`` is a dotted path of Python identifiers (safe to compile)."""
    return all(part.isidentifier() and not keyword.iskeyword(part) for part in text.split("."))


def compile_row_writer(
    model: Any, numbers: dict[str, Any], objects: dict[str, Any]
) -> Callable[[Any, np.ndarray, np.ndarray, int], None]:
    """One function ``write_row(model, numbers, objects, row)`` that stores a row: the
    ``numbers`` reporters' values in ``numbers[row]``, the ``objects`` reporters'
    values (copied as Mesa copies them) in ``objects[row]``, in their order.

    Attribute reporters become attribute reads in the function's body (``model.x``,
    ``owner.y.z``) and every other reporter a call, as Mesa's ``collect`` calls it: one
    Python call a month instead of one per column, compiled the way ``dataclasses``
    compiles ``__init__``. The source holds only identifiers from the reporters'
    paths; owners and functions are passed in as values.
    """
    values: dict[str, Any] = {"atomic": _ATOMIC, "deepcopy": deepcopy}
    owners: dict[int, str] = {id(model): "model"}

    def expression(reporter: Any) -> str:
        if isinstance(reporter, str) and "." not in reporter and _is_path(reporter):
            return f"model.{reporter}"
        if isinstance(reporter, Attribute) and _is_path(reporter.path):
            owner = owners.get(id(reporter.owner))
            if owner is None:
                owner = owners[id(reporter.owner)] = f"owner{len(values)}"
                values[owner] = reporter.owner
            return f"{owner}.{reporter.path}"
        call = f"call{len(values)}"
        values[call] = _reader(reporter)
        return f"{call}(model)"

    lines = [f"numbers[row] = [{', '.join(expression(r) for r in numbers.values())}]"]
    for index, reporter in enumerate(objects.values()):
        lines += [
            f"value = {expression(reporter)}",
            f"objects[row, {index}] = value if type(value) in atomic else deepcopy(value)",
        ]
    body = "".join(f"        {line}\n" for line in lines)
    source = (
        f"def bind({', '.join(values)}):\n"
        "    def write_row(model, numbers, objects, row):\n"
        f"{body}"
        "    return write_row\n"
    )
    return _compiled(source)(**values)


@lru_cache(maxsize=COMPILED_ROWS)
def _compiled(source: str) -> Callable[..., Callable[[Any, np.ndarray, np.ndarray, int], None]]:
    """The ``bind`` function of ``source``, compiled once: every run of a scenario
    shares it (compiling takes longer than building the rest of a small model)."""
    namespace: dict[str, Any] = {}
    exec(source, namespace)  # the source holds identifiers only, checked above
    return namespace["bind"]


def _reporters(column: Column, template: str | None, model: IranModel) -> dict[str, Any]:
    """The DataCollector reporters of one declared column (several for a template).

    A dotted attribute path reads through the model's parts; a template's attribute is
    read from each faction or government, and its function is called with the model
    and the member (Mesa's ``[function, params]`` form).
    """
    read = column.reporter
    members = {FACTION: model.factions, COUNTRY: model.governments}.get(template)
    if members is None:
        if isinstance(read, str) and "." in read:
            return {column.name: Attribute(model, read)}
        return {column.name: read}
    return {
        column.name.replace(template, x.name): (
            Attribute(x, read) if isinstance(read, str) else [read, [model, x]]
        )
        for x in members
    }


# The declared columns the model reports, with their templates (None for one column).
_COLLECTED = tuple((c, c.template) for c in OUTPUTS if c.reporter is not None)


def make_datacollector(model: IranModel) -> ArrayDataCollector:
    """The model's DataCollector: one model reporter per column, in the declared order,
    with room for the scenario's months (and month 0)."""
    reporters: dict[str, Any] = {}
    for column, template in _COLLECTED:
        reporters |= _reporters(column, template, model)
    return ArrayDataCollector(reporters, capacity=model.months + 1)


def _direction(column: Column) -> str:
    return {1: "higher", -1: "lower", 0: ""}[column.direction]


def columns_table_markdown() -> str:
    """The table of output columns in ``docs/columns.md``, generated from ``OUTPUTS``.

    ``favours compromise`` says which way the column moves when things go the way the
    op-ed expects engagement to take them (the sign of the engagement advantage).
    """
    lines = [
        "| column | meaning | unit and range | claims | favours compromise | chart group |",
        "|---|---|---|---|---|---|",
    ]
    lines += [
        f"| `{c.name}` | {c.description} | {c.unit} | {c.claims} | {_direction(c)} | {c.group} |"
        for c in OUTPUTS
    ]
    return "\n".join(lines) + "\n"
