"""Scenarios: TOML files that set the parameters, the factions, the foreign governments
and dated events of a run.

A scenario file is data, never code. It has the keys ``name``, ``title``,
``description``, optionally ``base`` (the name of a scenario it extends: it inherits
everything and replaces what it gives), a ``[parameters]`` table (names from the
parameter schema), ``[[factions]]``, ``[[foreign_governments]]`` and ``[[events]]``
arrays. Every field is checked; an error names the file, the key and what was expected.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from model.parameters import (
    WESTERN_POLICIES,
    Parameter,
    ParameterError,
    Parameters,
)

SCENARIO_DIR = Path(__file__).with_name("scenarios")
DEFAULT_SCENARIO = "baseline_2011"
_IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]*$")


class ScenarioError(ValueError):
    """A scenario that cannot be loaded; the message names the file and the key."""


def _field(name, kind, default, description, low=None, high=None, choices=None):
    return Parameter(
        name, kind, default, name, description, "—", "Scenario", low=low, high=high, choices=choices
    )


# Fields of the scenario's tables, with their types and ranges (``None`` default: required).
FACTION_FIELDS: dict[str, Parameter] = {
    f.name: f
    for f in (
        _field("name", str, None, "identifier (lower case, digits, underscores)"),
        _field("label", str, "", "name shown in charts and logs"),
        _field("power", float, None, "initial power share (shares are normalised)", 0, 1),
        _field("stance", float, None, "stance on compromise with the West (1 = most)", 0, 1),
        _field("president", bool, False, "whether this faction holds the presidency"),
        _field("prestige", float, 0.0, "initial prestige (added to approval)", -0.5, 0.5),
    )
}
GOVERNMENT_FIELDS: dict[str, Parameter] = {
    f.name: f
    for f in (
        _field("name", str, None, "identifier (lower case, digits, underscores)"),
        _field("label", str, "", "name shown in charts and logs"),
        _field("western", bool, False, "whether it carries the Western engagement policy"),
        _field("un_veto", bool, False, "whether it holds a Security Council veto"),
        _field("sanctions_support", float, None, "initial support for sanctions", 0, 1),
        _field("base_support", float, None, "support for sanctions on its own interests", 0, 1),
        _field("trade_ties", float, 0.0, "trade ties with Iran", 0, 1),
        _field("energy_ties", float, 0.0, "dependence on Iranian oil and gas", 0, 1),
        _field(
            "blame_iran",
            float,
            0.5,
            "initial view of who spoils diplomacy (1 = Iran, 0 = the West)",
            0,
            1,
        ),
    )
}
EVENT_FIELDS: dict[str, dict[str, Parameter]] = {
    "offer": {
        "concession": _field(
            "concession", bool, False, "whether the offer carries a real concession"
        )
    },
    "sanctions_package": {
        "intensity": _field("intensity", float, None, "added unilateral sanctions intensity", 0, 1)
    },
    "oil_shock": {
        "change": _field("change", float, None, "relative change of the oil price", -0.9, 3.0)
    },
    "policy_switch": {
        "policy": _field("policy", str, None, "new Western policy", choices=WESTERN_POLICIES)
    },
    "un_vote": {},
}
_COMMON_EVENT_FIELDS = {"month", "kind", "note"}
_TOP_KEYS = {
    "name",
    "title",
    "description",
    "base",
    "parameters",
    "factions",
    "foreign_governments",
    "events",
}


@dataclass(frozen=True)
class FactionSpec:
    """Initial state of one faction (C6: power and legitimacy; C2: the president)."""

    name: str
    label: str
    power: float
    stance: float
    president: bool = False
    prestige: float = 0.0


@dataclass(frozen=True)
class GovernmentSpec:
    """Initial state and fixed traits of one foreign government (C3, C4)."""

    name: str
    label: str
    western: bool
    un_veto: bool
    sanctions_support: float
    base_support: float
    trade_ties: float = 0.0
    energy_ties: float = 0.0
    blame_iran: float = 0.5


@dataclass(frozen=True)
class EventSpec:
    """A dated event: at step ``month`` something happens (``kind`` with ``values``)."""

    month: int
    kind: str
    values: dict[str, Any] = field(default_factory=dict)
    note: str = ""


@dataclass(frozen=True)
class Scenario:
    """Everything a run starts from: parameters, factions, governments and events."""

    name: str
    title: str
    description: str
    parameters: Parameters
    factions: tuple[FactionSpec, ...]
    governments: tuple[GovernmentSpec, ...]
    events: tuple[EventSpec, ...] = ()
    source: str = ""

    def with_overrides(self, **overrides: Any) -> Scenario:
        """A copy whose parameters have ``overrides`` applied (validated)."""
        return replace(self, parameters=self.parameters.replace(**overrides))


def list_scenarios() -> list[str]:
    """Names of the scenarios shipped in ``model/scenarios/``, sorted."""
    return sorted(p.stem for p in SCENARIO_DIR.glob("*.toml"))


def load_scenario(name_or_path: str | Path | None = None) -> Scenario:
    """Load a scenario by name (from ``model/scenarios/``) or from a TOML file path."""
    return _load(name_or_path or DEFAULT_SCENARIO, chain=())


def _resolve(name_or_path: str | Path) -> Path:
    text = str(name_or_path)
    if text.endswith(".toml") or "/" in text or "\\" in text:
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


def _load(name_or_path: str | Path, chain: tuple[Path, ...]) -> Scenario:
    path = _resolve(name_or_path).resolve()
    where = str(path)
    if path in chain:
        raise ScenarioError(f"{where}: 'base' forms a cycle")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"{where}: cannot read file ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{where}: not valid TOML ({exc})") from None
    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise ScenarioError(
            f"{where}: unknown key '{sorted(unknown)[0]}'; expected one of "
            + ", ".join(sorted(_TOP_KEYS))
        )
    base = None
    if "base" in data:
        if not isinstance(data["base"], str):
            raise ScenarioError(f"{where}: key 'base' must be a scenario name")
        if data["base"].endswith(".toml"):
            base_ref: str | Path = path.parent / data["base"]
        else:
            base_ref = data["base"]
        base = _load(base_ref, chain + (path,))
    for key in ("name", "title", "description"):
        if key in data and not isinstance(data[key], str):
            raise ScenarioError(f"{where}: key '{key}' must be text")
    name = data.get("name", path.stem)
    params_table = data.get("parameters", {})
    if not isinstance(params_table, dict):
        raise ScenarioError(f"{where}: [parameters] must be a table of name = value")
    try:
        start = base.parameters if base else Parameters()
        parameters = start.replace(**params_table)
    except ParameterError as exc:
        raise ScenarioError(f"{where}: [parameters] {exc}") from None
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
    events = _events(data["events"], where) if "events" in data else (base.events if base else ())
    return Scenario(
        name=name,
        title=data.get("title", base.title if base else name),
        description=data.get("description", base.description if base else ""),
        parameters=parameters,
        factions=factions,
        governments=governments,
        events=events,
        source=where,
    )


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
            out[name] = spec.default
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
