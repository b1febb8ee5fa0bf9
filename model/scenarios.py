"""Scenarios: TOML files that set the parameters, the factions, the foreign governments
and dated events of a run.

A scenario file is data, never code. It has the keys ``name``, ``title``,
``description``, optionally ``base`` (the name of a scenario it extends: it inherits
everything and replaces what it gives), ``months`` (the run's default length), a
``[parameters]`` table (names from the parameter schema), ``[[factions]]``,
``[[foreign_governments]]`` and ``[[events]]`` arrays, and an ``[oil_price_path]`` of
absolute monthly prices (inline, or a CSV file next to the scenario). Every field is
checked; an error names the file, the key and what was expected.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from agents.faction import FactionSpec
from agents.foreign_government import GovernmentSpec
from model.export import read_data_file
from model.oil_price_path import (
    OIL_PRICE_BOUNDS,
    OilPricePath,
    month_index,
    read_oil_price_path,
)
from model.parameters import (
    Parameter,
    ParameterError,
    Parameters,
    get_parameter,
)
from model.scenario_fields import (
    EVENT_FIELDS,
    FACTION_FIELDS,
    GOVERNMENT_FIELDS,
    UNSET,
    ScenarioError,
)

SCENARIO_DIR = Path(__file__).with_name("scenarios")
DEFAULT_SCENARIO = "baseline_2011"
# A run's default length when the scenario does not set ``months``: ten years.
DEFAULT_MONTHS = 120
MAX_MONTHS = 1200
_IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]*$")


_COMMON_EVENT_FIELDS = {"month", "kind", "note"}
_TOP_KEYS = {
    "name",
    "title",
    "description",
    "base",
    "months",
    "parameters",
    "factions",
    "foreign_governments",
    "events",
    "oil_price_path",
}


@dataclass(frozen=True)
class EventSpec:
    """A dated event: at step ``month`` something happens (``kind`` with ``values``)."""

    month: int
    kind: str
    values: dict[str, Any] = field(default_factory=dict)
    note: str = ""


@dataclass(frozen=True)
class Scenario:
    """Everything a run starts from: parameters, factions, governments, events, and
    optionally an oil price path and a default length in ``months``."""

    name: str
    title: str
    description: str
    parameters: Parameters
    factions: tuple[FactionSpec, ...]
    governments: tuple[GovernmentSpec, ...]
    events: tuple[EventSpec, ...] = ()
    source: str = ""
    months: int = DEFAULT_MONTHS
    oil_price_path: OilPricePath | None = None

    def with_overrides(self, **overrides: Any) -> Scenario:
        """A copy whose parameters have ``overrides`` applied (validated)."""
        return replace(self, parameters=_overridden(self.parameters, overrides))


def _overridden(params: Parameters, overrides: dict[str, Any]) -> Parameters:
    """``params.replace(**overrides)``, checking only what can have changed.

    ``Parameters.replace`` validates every value again; a value that is still the
    schema's own default object needs no check (``Parameters`` takes it unchecked for
    every name it is not given), so only the scenario's and the overrides' values are
    passed on, and the result is the same. Building a model in a sweep does this once.
    """
    return Parameters(_not_defaults(params) | overrides)


# The values of recent Parameters objects that are not the schema's default objects,
# by the object's id (the object is kept, so its id stays its own): every run of a
# sweep overrides the same loaded scenario's parameters.
_NOT_DEFAULTS: dict[int, tuple[Parameters, dict[str, Any]]] = {}
_NOT_DEFAULTS_KEPT = 64


def _not_defaults(params: Parameters) -> dict[str, Any]:
    known = _NOT_DEFAULTS.get(id(params))
    if known is not None and known[0] is params:
        return known[1]
    values = {name: v for name, v in params.items() if v is not get_parameter(name).default}
    if len(_NOT_DEFAULTS) >= _NOT_DEFAULTS_KEPT:
        _NOT_DEFAULTS.clear()
    _NOT_DEFAULTS[id(params)] = (params, values)
    return values


def list_scenarios() -> list[str]:
    """Names of the scenarios shipped in ``model/scenarios/``, sorted."""
    return sorted(p.stem for p in SCENARIO_DIR.glob("*.toml"))


# Scenarios already read, by name or path (and the working folder, for a relative
# path): the files each was read from, with their contents, and the scenario. Every
# run of a sweep loads its scenario, and reading and checking a file costs more than
# building a small model; when a file's contents changed since (or it is gone), the
# scenario is read again.
_LOADED: dict[tuple[str, str], tuple[tuple[tuple[Path, bytes | None], ...], Scenario]] = {}


def load_scenario(name_or_path: str | Path | None = None) -> Scenario:
    """Load a scenario by name (from ``model/scenarios/``) or from a TOML file path."""
    text = str(name_or_path or DEFAULT_SCENARIO)
    relative = _is_path(text) and not os.path.isabs(text)
    key = (os.getcwd() if relative else "", text)
    cached = _LOADED.get(key)
    if cached is not None and all(_contents(f) == data for f, data in cached[0]):
        return cached[1]
    files: list[tuple[Path, bytes | None]] = []
    scenario = _load(text, chain=(), files=files)
    _LOADED[key] = (tuple(files), scenario)
    return scenario


def _contents(path: Path) -> bytes | None:
    """A file's bytes, None when it cannot be read (the loader then says why)."""
    try:
        return path.read_bytes()
    except OSError:
        return None


def _is_path(text: str) -> bool:
    """Whether a scenario argument is a file path rather than a shipped scenario's name."""
    return text.endswith(".toml") or "/" in text or "\\" in text


def _resolve(name_or_path: str | Path) -> Path:
    text = str(name_or_path)
    if _is_path(text):
        path = Path(text)
        if not path.is_file():
            raise ScenarioError(f"{text}: scenario file not found")
        return path
    path = SCENARIO_DIR / f"{text}.toml"
    if not path.is_file():
        raise ScenarioError(
            f"unknown scenario '{text}'; known: {', '.join(list_scenarios())} "
            "(or give a path to a .toml file)"
        )
    return path


def _load(name_or_path: str | Path, chain: tuple[Path, ...], files: list) -> Scenario:
    """The scenario of one file; ``files`` gets every file read, with its contents as
    they were before it was read (so that a change while reading is seen next time)."""
    given = _resolve(name_or_path)
    path = given.resolve()
    where = str(path)
    if path in chain:
        raise ScenarioError(f"{where}: 'base' forms a cycle")
    # Read again through the path as given, so that a link moved to another file counts.
    files.append((given, _contents(given)))
    data = _read_toml(path, where)
    base = _base_of(data, path, chain, where, files)
    for key in ("name", "title", "description"):
        if key in data and not isinstance(data[key], str):
            raise ScenarioError(f"{where}: key '{key}' must be text")
    name = data.get("name", path.stem)
    factions, governments = _actors(data, base, where)
    events = _events(data["events"], where) if "events" in data else (base.events if base else ())
    oil_path = base.oil_price_path if base else None
    if "oil_price_path" in data:
        table = data["oil_price_path"]
        if isinstance(table, dict) and isinstance(table.get("file"), str):
            csv_path = (path.parent / table["file"]).resolve()
            files.append((csv_path, _contents(csv_path)))
        oil_path = read_oil_price_path(table, path, where)
    return Scenario(
        name=name,
        title=data.get("title", base.title if base else name),
        description=data.get("description", base.description if base else ""),
        parameters=_parameters(data, base, where),
        factions=factions,
        governments=governments,
        events=events,
        source=where,
        months=_months(data, base, where),
        oil_price_path=oil_path,
    )


def _read_toml(path: Path, where: str) -> dict[str, Any]:
    data = read_data_file(
        path,
        tomllib.loads,
        ScenarioError,
        missing=f"{where}: scenario file not found",
        unreadable=f"{where}: cannot read file",
        invalid=f"{where}: not valid TOML",
    )
    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise ScenarioError(
            f"{where}: unknown key '{sorted(unknown)[0]}'; expected one of "
            + ", ".join(sorted(_TOP_KEYS))
        )
    return data


def _base_of(
    data: dict, path: Path, chain: tuple[Path, ...], where: str, files: list
) -> Scenario | None:
    """The scenario named by ``base`` (a name, or a file beside this one), loaded."""
    if "base" not in data:
        return None
    if not isinstance(data["base"], str):
        raise ScenarioError(f"{where}: key 'base' must be a scenario name")
    if data["base"].endswith(".toml"):
        return _load(path.parent / data["base"], chain + (path,), files)
    return _load(data["base"], chain + (path,), files)


def _parameters(data: dict, base: Scenario | None, where: str) -> Parameters:
    table = data.get("parameters", {})
    if not isinstance(table, dict):
        raise ScenarioError(f"{where}: [parameters] must be a table of name = value")
    try:
        return (base.parameters if base else Parameters()).replace(**table)
    except ParameterError as exc:
        raise ScenarioError(f"{where}: [parameters] {exc}") from None


def _actors(
    data: dict, base: Scenario | None, where: str
) -> tuple[tuple[FactionSpec, ...], tuple[GovernmentSpec, ...]]:
    """The factions and foreign governments: this file's, else the base scenario's."""
    factions = (
        _factions(data["factions"], where)
        if "factions" in data
        else (base.factions if base else None)
    )
    governments = (
        _governments(data["foreign_governments"], where)
        if "foreign_governments" in data
        else (base.governments if base else None)
    )
    if factions is None:
        raise ScenarioError(f"{where}: missing [[factions]] (or a 'base' scenario)")
    if governments is None:
        raise ScenarioError(f"{where}: missing [[foreign_governments]] (or a 'base' scenario)")
    return factions, governments


def _months(data: dict, base: Scenario | None, where: str) -> int:
    months = data.get("months", base.months if base else DEFAULT_MONTHS)
    if isinstance(months, bool) or not isinstance(months, int) or not 1 <= months <= MAX_MONTHS:
        raise ScenarioError(
            f"{where}: key 'months' = {months!r}; expected a whole number of months "
            f"from 1 to {MAX_MONTHS} (the run's default length)"
        )
    return months


def _table_rows(rows: Any, key: str, where: str) -> list[dict]:
    if not isinstance(rows, list) or not rows or not all(isinstance(r, dict) for r in rows):
        raise ScenarioError(f"{where}: '{key}' must be a non-empty array of tables [[{key}]]")
    return rows


def _checked(row: dict, fields: dict[str, Parameter], where: str, what: str) -> dict:
    unknown = set(row) - set(fields)
    if unknown:
        raise ScenarioError(
            f"{where}: {what}: unknown key '{sorted(unknown)[0]}'; expected one of "
            + ", ".join(fields)
        )
    out = {}
    for name, spec in fields.items():
        if name not in row:
            if spec.default is None:
                raise ScenarioError(f"{where}: {what}: missing key '{name}' ({spec.description})")
            out[name] = None if spec.default == UNSET else spec.default
            continue
        value = row[name]
        if spec.kind is not str and isinstance(value, str):
            raise ScenarioError(
                f"{where}: {what}: key '{name}' must be a {_kind(spec)}, got {value!r}"
            )
        try:
            out[name] = spec.validate(value)
        except ParameterError:
            raise ScenarioError(
                f"{where}: {what}: key '{name}' = {value!r}; expected {spec.range_text} "
                f"({spec.description})"
            ) from None
    if "name" in out and not _IDENTIFIER.match(out["name"]):
        raise ScenarioError(
            f"{where}: {what}: key 'name' = {out['name']!r}; expected lower case letters, "
            "digits and underscores"
        )
    return out


def _kind(spec: Parameter) -> str:
    return {bool: "boolean", int: "integer", float: "number"}.get(spec.kind, "text")


def _unique(names: list[str], where: str, key: str) -> None:
    seen = set()
    for n in names:
        if n in seen:
            raise ScenarioError(f"{where}: [[{key}]]: name '{n}' appears twice")
        seen.add(n)


def _factions(rows: Any, where: str) -> tuple[FactionSpec, ...]:
    checked = [
        _checked(r, FACTION_FIELDS, where, f"[[factions]] #{i + 1}")
        for i, r in enumerate(_table_rows(rows, "factions", where))
    ]
    _unique([c["name"] for c in checked], where, "factions")
    if len(checked) < 2:
        raise ScenarioError(f"{where}: [[factions]]: at least two factions are needed")
    if sum(c["president"] for c in checked) != 1:
        raise ScenarioError(
            f"{where}: [[factions]]: exactly one faction must have president = true"
        )
    total = sum(c["power"] for c in checked)
    if abs(total - 1.0) > 0.01:
        raise ScenarioError(
            f"{where}: [[factions]]: key 'power' must sum to 1 over factions, got {total:g}"
        )
    factions = []
    for c in checked:
        c["power"] = c["power"] / total
        c["label"] = c["label"] or c["name"].replace("_", " ").capitalize()
        factions.append(FactionSpec(**c))
    return tuple(factions)


def _governments(rows: Any, where: str) -> tuple[GovernmentSpec, ...]:
    checked = [
        _checked(r, GOVERNMENT_FIELDS, where, f"[[foreign_governments]] #{i + 1}")
        for i, r in enumerate(_table_rows(rows, "foreign_governments", where))
    ]
    _unique([c["name"] for c in checked], where, "foreign_governments")
    if not any(c["western"] for c in checked):
        raise ScenarioError(f"{where}: [[foreign_governments]]: at least one needs western = true")
    governments = []
    for c in checked:
        c["label"] = c["label"] or c["name"].upper()
        governments.append(GovernmentSpec(**c))
    return tuple(governments)


def _events(rows: Any, where: str) -> tuple[EventSpec, ...]:
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise ScenarioError(f"{where}: 'events' must be an array of tables [[events]]")
    events = []
    for i, row in enumerate(rows):
        what = f"[[events]] #{i + 1}"
        kind = row.get("kind")
        if kind not in EVENT_FIELDS:
            raise ScenarioError(
                f"{where}: {what}: key 'kind' = {kind!r}; expected one of "
                + ", ".join(EVENT_FIELDS)
            )
        month = row.get("month")
        if isinstance(month, bool) or not isinstance(month, int) or not 1 <= month <= 10_000:
            raise ScenarioError(
                f"{where}: {what}: key 'month' = {month!r}; expected a whole number of "
                "months from 1 to 10000 (the step at which it happens)"
            )
        note = row.get("note", "")
        if not isinstance(note, str):
            raise ScenarioError(f"{where}: {what}: key 'note' must be text")
        rest = {k: v for k, v in row.items() if k not in _COMMON_EVENT_FIELDS}
        fields = EVENT_FIELDS[kind]
        values = _checked(rest, fields, where, f"{what} ({kind})")
        events.append(EventSpec(month=month, kind=kind, values=values, note=note))
    return tuple(sorted(events, key=lambda e: e.month))


__all__ = [
    "DEFAULT_MONTHS",
    "MAX_MONTHS",
    "OIL_PRICE_BOUNDS",
    "EventSpec",
    "OilPricePath",
    "Scenario",
    "ScenarioError",
    "list_scenarios",
    "load_scenario",
    "month_index",
]
