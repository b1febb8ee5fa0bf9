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

import csv
import math
import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from agents.faction import PRESTIGE_BOUND, FactionSpec
from agents.foreign_government import GovernmentSpec
from model.parameters import (
    BLAME_SIDES,
    SANCTIONS_TARGETS,
    WESTERN_POLICIES,
    Parameter,
    ParameterError,
    Parameters,
)

SCENARIO_DIR = Path(__file__).with_name("scenarios")
DEFAULT_SCENARIO = "baseline_2011"
# A run's default length when the scenario does not set ``months``: ten years.
DEFAULT_MONTHS = 120
MAX_MONTHS = 1200
_IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]*$")
_MONTH = re.compile(r"^([0-9]{4})-(0[1-9]|1[0-2])(-[0-3][0-9])?$")
# Oil prices a path may give (USD per barrel), the bounds of the simulated price too.
OIL_PRICE_BOUNDS = (1.0, 1000.0)
# Marks an optional event field whose absence means "use the parameter's value".
_UNSET = "unset"


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
        _field(
            "prestige",
            float,
            0.0,
            "initial prestige (added to approval)",
            -PRESTIGE_BOUND,
            PRESTIGE_BOUND,
        ),
        _field(
            "economic_appeal",
            float,
            0.0,
            "credibility of its promise of economic relief to voters (1 = most)",
            0,
            1,
        ),
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
    "talks_open": {
        "relief": _field(
            "relief",
            float,
            _UNSET,
            "share of sanctions a deal from these talks lifts (below the parameter "
            "deal_sanctions_relief: an interim deal); default deal_sanctions_relief",
            0,
            1,
        ),
        "constraint": _field(
            "constraint",
            float,
            _UNSET,
            "share of nuclear progress a deal from these talks halts; default "
            "deal_nuclear_constraint",
            0,
            1,
        ),
    },
    "talks_fail": {
        "blame": _field(
            "blame", str, None, "who the world blames for the breakdown", choices=BLAME_SIDES
        )
    },
    "refuse_offer": {},
    "sanctions_package": {
        "intensity": _field("intensity", float, None, "added sanctions intensity", 0, 1),
        "target": _field(
            "target",
            str,
            "trade",
            "what the package targets: trade (finance, trade, investment) or oil_exports "
            "(the share of oil exports barred)",
            choices=SANCTIONS_TARGETS,
        ),
    },
    "oil_shock": {
        "change": _field("change", float, None, "relative change of the oil price", -0.9, 3.0)
    },
    "policy_switch": {
        "policy": _field("policy", str, None, "new Western policy", choices=WESTERN_POLICIES)
    },
    "un_vote": {
        "sanctions": _field(
            "sanctions",
            float,
            1.0,
            "share of a full resolution's new sanctions the draft proposes (0 = demands "
            "without new sanctions)",
            0,
            1,
        )
    },
    "election_shock": {
        "grievance": _field(
            "grievance",
            float,
            None,
            "political grievance added to citizens, in proportion to their liberal ideology",
            0,
            1,
        ),
        "protest_share": _field(
            "protest_share",
            float,
            0.0,
            "share of citizens (the most aggrieved) who take to the streets that month",
            0,
            1,
        ),
    },
}
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
_OIL_PATH_KEYS = {"file", "prices", "source"}


@dataclass(frozen=True)
class EventSpec:
    """A dated event: at step ``month`` something happens (``kind`` with ``values``)."""

    month: int
    kind: str
    values: dict[str, Any] = field(default_factory=dict)
    note: str = ""


@dataclass(frozen=True)
class OilPricePath:
    """Absolute monthly oil prices that replace the random walk where given (C4).

    ``prices`` maps a calendar month, as the index ``year * 12 + month - 1``, to a
    price in USD per barrel; ``source`` says where the numbers come from.
    """

    prices: tuple[tuple[int, float], ...]
    source: str = ""

    def by_step(self, start_date: str) -> dict[int, float]:
        """The prices keyed by step for a run starting at ``start_date`` (YYYY-MM)."""
        start = month_index(start_date)
        return {index - start: price for index, price in self.prices if index >= start}


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
        return replace(self, parameters=self.parameters.replace(**overrides))


def month_index(date: str) -> int:
    """A calendar month YYYY-MM (or a day YYYY-MM-DD) as ``year * 12 + month - 1``."""
    match = _MONTH.match(date.strip())
    if match is None:
        raise ValueError(f"{date!r} is not a month YYYY-MM")
    return int(match.group(1)) * 12 + int(match.group(2)) - 1


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
    months = base.months if base else DEFAULT_MONTHS
    if "months" in data:
        months = data["months"]
        if isinstance(months, bool) or not isinstance(months, int) or not 1 <= months <= MAX_MONTHS:
            raise ScenarioError(
                f"{where}: key 'months' = {months!r}; expected a whole number of months "
                f"from 1 to {MAX_MONTHS} (the run's default length)"
            )
    oil_path = base.oil_price_path if base else None
    if "oil_price_path" in data:
        oil_path = _oil_price_path(data["oil_price_path"], path, where)
    return Scenario(
        name=name,
        title=data.get("title", base.title if base else name),
        description=data.get("description", base.description if base else ""),
        parameters=parameters,
        factions=factions,
        governments=governments,
        events=events,
        source=where,
        months=months,
        oil_price_path=oil_path,
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
            out[name] = None if spec.default == _UNSET else spec.default
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


def _oil_price_path(table: Any, path: Path, where: str) -> OilPricePath:
    """Read ``[oil_price_path]``: ``prices = {"YYYY-MM" = price, ...}`` inline, or
    ``file = "name.csv"`` (columns ``date,price``, next to the scenario), and ``source``."""
    what = "[oil_price_path]"
    if not isinstance(table, dict):
        raise ScenarioError(f"{where}: {what} must be a table with 'file' or 'prices'")
    unknown = set(table) - _OIL_PATH_KEYS
    if unknown:
        raise ScenarioError(
            f"{where}: {what}: unknown key '{sorted(unknown)[0]}'; expected one of "
            + ", ".join(sorted(_OIL_PATH_KEYS))
        )
    if ("file" in table) == ("prices" in table):
        raise ScenarioError(f"{where}: {what}: give either 'file' or 'prices', not both or neither")
    source = table.get("source", "")
    if not isinstance(source, str):
        raise ScenarioError(f"{where}: {what}: key 'source' must be text")
    if "prices" in table:
        prices = table["prices"]
        if not isinstance(prices, dict) or not prices:
            raise ScenarioError(
                f"{where}: {what}: 'prices' must be a non-empty table of \"YYYY-MM\" = price"
            )
        rows = [(str(k), v, f"{what} prices.{k}") for k, v in prices.items()]
    else:
        name = table["file"]
        if not isinstance(name, str) or not name:
            raise ScenarioError(f"{where}: {what}: 'file' must be a file name")
        csv_path = (path.parent / name).resolve()
        rows = _read_price_csv(csv_path, where)
    seen: dict[int, str] = {}
    prices_out = []
    for date, value, at in rows:
        try:
            index = month_index(date)
        except ValueError:
            raise ScenarioError(f"{where}: {at}: {date!r} is not a month YYYY-MM") from None
        if index in seen:
            raise ScenarioError(f"{where}: {at}: month {date} is given twice")
        seen[index] = date
        if isinstance(value, str):
            try:
                value = float(value)
            except ValueError:
                value = math.nan
        low, high = OIL_PRICE_BOUNDS
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
            or not low <= value <= high
        ):
            raise ScenarioError(
                f"{where}: {at}: price {value!r}; expected a number from {low:g} to {high:g} "
                "(USD per barrel)"
            )
        prices_out.append((index, float(value)))
    return OilPricePath(prices=tuple(sorted(prices_out)), source=source)


def _read_price_csv(csv_path: Path, where: str) -> list[tuple[str, Any, str]]:
    try:
        text = csv_path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError(f"{where}: [oil_price_path]: file {csv_path} not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"{where}: [oil_price_path]: cannot read {csv_path} ({exc})") from None
    reader = csv.reader(text.splitlines())
    header = next(reader, None)
    if header is None or [h.strip() for h in header] != ["date", "price"]:
        raise ScenarioError(
            f"{where}: [oil_price_path]: {csv_path} must start with the header 'date,price'"
        )
    rows = []
    for line, row in enumerate(reader, start=2):
        if not row:
            continue
        if len(row) != 2:
            raise ScenarioError(
                f"{where}: [oil_price_path]: {csv_path} line {line}: expected 2 fields "
                f"(date,price), got {len(row)}"
            )
        rows.append((row[0], row[1].strip(), f"{csv_path.name} line {line}"))
    if not rows:
        raise ScenarioError(f"{where}: [oil_price_path]: {csv_path} holds no prices")
    return rows
