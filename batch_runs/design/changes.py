"""Changes to a scenario that a design point can carry besides parameter values.

A run request is *scenario + changes + parameter overrides + seed*. Changes are what an
override cannot say: a field of the president's faction, an offer of talks scheduled
in a given month, a switch of Western policy from a given month (the causes and
contexts of the claims audit, ODD §10). Each is a small frozen dataclass with a JSON
form (``{"kind": "offer", "month": 1, "concession": false}``), so that sweep specs,
manifests and claim files can hold them, and they are applied in order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields, replace
from typing import Any, Protocol

from model.parameters import ParameterError, get_parameter
from model.scenario_fields import FACTION_FIELDS
from model.scenarios import EventSpec, Scenario


class Change(Protocol):
    """One change to a scenario. ``target`` names what it changes (two arms of an
    experiment must change the same target to different values)."""

    @property
    def target(self) -> str: ...

    def apply(self, scenario: Scenario) -> Scenario: ...

    def describe(self) -> str: ...


@dataclass(frozen=True)
class SetParameter:
    """Set one parameter of the schema (validated)."""

    name: str
    value: Any

    def __post_init__(self) -> None:
        get_parameter(self.name).validate(self.value)

    @property
    def target(self) -> str:
        return f"parameter {self.name}"

    def apply(self, scenario: Scenario) -> Scenario:
        return scenario.with_overrides(**{self.name: self.value})

    def describe(self) -> str:
        return f"{self.name}={self.value}"


@dataclass(frozen=True)
class SetPresidentFaction:
    """Set the initial ``power`` or ``prestige`` of the faction holding the presidency
    (C1: his standing; C2: his power). Power shares are renormalised by the model."""

    field: str
    value: float

    def __post_init__(self) -> None:
        if self.field not in ("power", "prestige"):
            raise ValueError(f"president's faction field {self.field!r}; expected power/prestige")
        FACTION_FIELDS[self.field].validate(self.value)  # the scenario file's own range

    @property
    def target(self) -> str:
        return f"president's faction {self.field}"

    def apply(self, scenario: Scenario) -> Scenario:
        factions = tuple(
            replace(f, **{self.field: self.value}) if f.president else f for f in scenario.factions
        )
        return replace(scenario, factions=factions)

    def describe(self) -> str:
        return f"president's initial {self.field} {self.value:+g}"


@dataclass(frozen=True)
class ScheduleOffer:
    """An Iranian offer of talks at ``month`` (replacing any other offer that month):
    the overture whose answer some experiments vary (C3–C7)."""

    month: int = 1
    concession: bool = False

    @property
    def target(self) -> str:
        return f"offer at month {self.month}"

    def apply(self, scenario: Scenario) -> Scenario:
        kept = [e for e in scenario.events if not (e.kind == "offer" and e.month == self.month)]
        offer = EventSpec(
            month=self.month,
            kind="offer",
            values={"concession": self.concession},
            note="overture of the claims audit",
        )
        return replace(scenario, events=tuple(sorted([*kept, offer], key=lambda e: e.month)))

    def describe(self) -> str:
        what = "with" if self.concession else "without"
        return f"an offer at month {self.month} {what} a concession"


@dataclass(frozen=True)
class SwitchPolicy:
    """From ``month`` on, the West follows ``policy`` (None: the scenario's own policy,
    read when the change is applied). Used so that arms differ only in the answer to
    the first overture."""

    month: int
    policy: str | None = None

    @property
    def target(self) -> str:
        return f"policy from month {self.month}"

    def apply(self, scenario: Scenario) -> Scenario:
        policy = self.policy or scenario.parameters.western_policy
        switch = EventSpec(
            month=self.month,
            kind="policy_switch",
            values={"policy": policy},
            note="claims audit: back to the scenario's policy",
        )
        events = sorted([*scenario.events, switch], key=lambda e: e.month)
        return replace(scenario, events=tuple(events))

    def describe(self) -> str:
        return f"from month {self.month}: {self.policy or 'the scenario policy'}"


CHANGE_KINDS: dict[str, type] = {
    "parameter": SetParameter,
    "president_faction": SetPresidentFaction,
    "offer": ScheduleOffer,
    "policy_switch": SwitchPolicy,
}
_KIND_OF = {cls: kind for kind, cls in CHANGE_KINDS.items()}


def change_to_json(change: Change) -> dict[str, Any]:
    """The JSON form of ``change``: its kind and its fields."""
    return {"kind": _KIND_OF[type(change)], **asdict(change)}


def change_from_json(data: Mapping[str, Any], where: str = "change") -> Change:
    """The change described by ``data`` (ParameterError naming ``where`` when invalid)."""
    if not isinstance(data, Mapping):
        raise ParameterError(f"{where}: expected a table with a 'kind'")
    kind = data.get("kind")
    if kind not in CHANGE_KINDS:
        raise ParameterError(f"{where}: kind {kind!r} is not one of {', '.join(CHANGE_KINDS)}")
    cls = CHANGE_KINDS[kind]
    names = {f.name for f in fields(cls)}
    values = {k: v for k, v in data.items() if k != "kind"}
    unknown = sorted(set(values) - names)
    if unknown:
        raise ParameterError(f"{where}: {kind} has no field {unknown[0]!r}")
    try:
        return cls(**values)
    except (TypeError, ValueError) as exc:
        raise ParameterError(f"{where}: {exc}") from None


def apply_changes(scenario: Scenario, changes: Sequence[Change]) -> Scenario:
    """``scenario`` with each change applied in order (later changes see earlier ones)."""
    for change in changes:
        scenario = change.apply(scenario)
    return scenario
