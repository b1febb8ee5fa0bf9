"""The claims audit's experiments as data (ODD §10): types, the claims file, the plan.

An :class:`Experiment` isolates one claim's cause (C1–C9) as two arms that change the
same thing; a :class:`Critic` is a critics' mechanism (K1–K3) with its own check. They
are read from a TOML file with keyword fields (``claims.toml`` beside this module, or
the user's own), so that a reader can see and change every design without reading
code; :func:`check_design` verifies that the two arms differ in exactly one thing.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from batch_runs.analysis.outcomes import Statistic, get_outcome
from batch_runs.design.changes import Change, SetParameter, change_from_json
from model.export import read_data_file
from model.parameters import ParameterError
from model.scenarios import EventSpec, Scenario

CLAIMS_FILE = Path(__file__).with_name("claims.toml")


class ClaimsFileError(ParameterError):
    """A claims file that cannot be read: one line naming the file and the entry."""


@dataclass(frozen=True)
class Experiment:
    """A paired experiment testing one claim's stated effect.

    ``arm_a`` is the cause as the claim states it, ``arm_b`` its counterfactual; they
    change the same target to different values. ``context`` applies to both arms (it
    sets up the situation, e.g. the overture whose answer differs). ``expected`` is the
    sign of ``A - B`` that the claim predicts (+1 or -1).
    """

    id: str
    claim: str
    statement: str
    cause: str
    arm_a: Change
    arm_b: Change
    label_a: str
    label_b: str
    outcome: str
    statistic: Statistic
    expected: int
    context: tuple[Change, ...] = ()

    def __post_init__(self) -> None:
        if self.expected not in (1, -1):
            raise ValueError(f"{self.id}: expected sign must be +1 or -1")
        if self.arm_a.target != self.arm_b.target or self.arm_a == self.arm_b:
            raise ValueError(f"{self.id}: arms must change the same target to different values")
        get_outcome(self.outcome)  # unknown outcomes fail at definition

    def scenarios(self, base: Scenario) -> tuple[Scenario, Scenario]:
        """The scenarios of arm A and arm B, built from ``base``."""
        for change in self.context:
            base = change.apply(base)
        return self.arm_a.apply(base), self.arm_b.apply(base)

    def steps(self, max_steps: int) -> int:
        """Months each run lasts: the statistic's horizon, at most ``max_steps``."""
        return self.statistic.months_needed(max_steps)

    def design_text(self) -> str:
        """The cause in words: ``A vs B``."""
        return f"{self.label_a} vs {self.label_b}"


@dataclass(frozen=True)
class Setting:
    """A version of the scenario the audit runs under (e.g. with K1 switched on)."""

    name: str
    changes: tuple[Change, ...] = ()
    note: str = ""

    def apply(self, scenario: Scenario) -> Scenario:
        for change in self.changes:
            scenario = change.apply(scenario)
        return scenario


@dataclass(frozen=True)
class Critic:
    """A critics' mechanism: its parameter, the value that switches it on, and the
    check that switching it on under engagement moves its outcome its way."""

    id: str
    statement: str
    parameter: str
    on: float
    check: Experiment = field(repr=False)

    @property
    def setting(self) -> Setting:
        """The audit's setting with this mechanism switched on."""
        return Setting(
            f"{self.id} on",
            (SetParameter(self.parameter, self.on),),
            f"{self.parameter}={self.on:g}: {self.statement}",
        )


BASELINE = Setting("baseline", (), "the scenario's parameters as given")


# --- The claims file ----------------------------------------------------------------

# Keys of an [[experiment]]: the Experiment's fields, its statistic given as
# ``statistic`` (mean or final), ``horizon`` and ``start``.
_EXPERIMENT_KEYS = {f.name for f in fields(Experiment)} | {"horizon", "start"}
# Keys of a [[critic]]: its fields but the check, which the file describes by the check's
# outcome, statistic and expected sign.
_CRITIC_KEYS = {f.name for f in fields(Critic)} - {"check"}
_CRITIC_KEYS |= {"outcome", "statistic", "horizon", "start", "expected"}


def load_claims(
    path: str | Path = CLAIMS_FILE,
) -> tuple[tuple[Experiment, ...], tuple[Critic, ...]]:
    """The experiments and critics of a claims file (ClaimsFileError naming the entry)."""
    path = Path(path)
    data = read_data_file(
        path,
        tomllib.loads,
        ClaimsFileError,
        missing=f"{path}: claims file not found",
        unreadable=f"{path}: cannot read the claims file",
    )
    unknown = sorted(set(data) - {"arms", "contexts", "experiment", "critic"})
    if unknown:
        raise ClaimsFileError(f"{path}: unknown table '{unknown[0]}'")
    names = _Names(path, data.get("arms", {}), data.get("contexts", {}))
    experiments = tuple(
        _experiment(row, names, f"{path}: [[experiment]] #{i + 1}")
        for i, row in enumerate(data.get("experiment", []))
    )
    critics = tuple(
        _critic(row, f"{path}: [[critic]] #{i + 1}") for i, row in enumerate(data.get("critic", []))
    )
    ids = [e.id for e in experiments] + [c.id for c in critics]
    duplicate = next((i for i in ids if ids.count(i) > 1), None)
    if duplicate:
        raise ClaimsFileError(f"{path}: id '{duplicate}' is used twice")
    return experiments, critics


@dataclass(frozen=True)
class _Names:
    """The named arms and contexts of a claims file."""

    path: Path
    arms: Mapping[str, Any]
    contexts: Mapping[str, Any]

    def change(self, raw: Any, where: str) -> Change:
        if isinstance(raw, str):
            if raw not in self.arms:
                raise ClaimsFileError(f"{where}: no arm named '{raw}' in [arms]")
            raw = self.arms[raw]
        return change_from_json(raw, where)

    def context(self, raw: Any, where: str) -> tuple[Change, ...]:
        changes: list[Change] = []
        for j, item in enumerate(raw):
            if isinstance(item, str):
                if item not in self.contexts:
                    raise ClaimsFileError(f"{where}: no context named '{item}' in [contexts]")
                changes += [change_from_json(c, f"{where} ({item})") for c in self.contexts[item]]
            else:
                changes.append(change_from_json(item, f"{where}[{j}]"))
        return tuple(changes)


def _checked_keys(row: Any, allowed: set[str], where: str) -> Mapping[str, Any]:
    if not isinstance(row, Mapping):
        raise ClaimsFileError(f"{where}: expected a table")
    unknown = sorted(set(row) - allowed)
    if unknown:
        raise ClaimsFileError(f"{where}: unknown key '{unknown[0]}'")
    return row


def _statistic(row: Mapping[str, Any], where: str) -> Statistic:
    try:
        return Statistic(row["statistic"], horizon=row.get("horizon"), start=row.get("start", 1))
    except KeyError as exc:
        raise ClaimsFileError(f"{where}: missing key {exc}") from None
    except (TypeError, ValueError) as exc:
        raise ClaimsFileError(f"{where}: {exc}") from None


def _experiment(row: Any, names: _Names, where: str) -> Experiment:
    row = _checked_keys(row, _EXPERIMENT_KEYS, where)
    try:
        return Experiment(
            id=row["id"],
            claim=row["claim"],
            statement=row["statement"],
            cause=row["cause"],
            arm_a=names.change(row["arm_a"], f"{where} arm_a"),
            arm_b=names.change(row["arm_b"], f"{where} arm_b"),
            label_a=row["label_a"],
            label_b=row["label_b"],
            outcome=row["outcome"],
            statistic=_statistic(row, where),
            expected=row["expected"],
            context=names.context(row.get("context", ()), f"{where} context"),
        )
    except KeyError as exc:
        raise ClaimsFileError(f"{where}: missing key {exc}") from None
    except ValueError as exc:
        raise ClaimsFileError(f"{where}: {exc}") from None


def _critic(row: Any, where: str) -> Critic:
    """A critic and its check: the parameter on vs off (0), under engagement."""
    row = _checked_keys(row, _CRITIC_KEYS, where)
    try:
        cid, parameter, on = row["id"], row["parameter"], row["on"]
        check = Experiment(
            cid,
            cid,
            row["statement"],
            f"{parameter} on vs off, under engagement",
            SetParameter(parameter, on),
            SetParameter(parameter, 0.0),
            f"on ({on:g})",
            "off (0)",
            row["outcome"],
            _statistic(row, where),
            row["expected"],
            context=(SetParameter("western_policy", "engage"),),
        )
        return Critic(cid, row["statement"], parameter, on, check)
    except KeyError as exc:
        raise ClaimsFileError(f"{where}: missing key {exc}") from None
    except ValueError as exc:
        raise ClaimsFileError(f"{where}: {exc}") from None


EXPERIMENTS, CRITICS = load_claims()


def get_experiments(
    ids: Sequence[str] | None = None, experiments: Sequence[Experiment] = EXPERIMENTS
) -> list[Experiment]:
    """The claim experiments with the given ids (or claim ids such as ``C7``); all if None."""
    if not ids:
        return list(experiments)
    chosen = [e for e in experiments if e.id in ids or e.claim in ids]
    known = {e.id for e in experiments} | {e.claim for e in experiments}
    unknown = [i for i in ids if i not in known]
    if unknown:
        hint = " (K1-K3 always run with the audit; --no-critics skips them)"
        hint = hint if unknown[0].upper().startswith("K") else ""
        raise ValueError(f"unknown claim {unknown[0]!r}; expected one of C1..C9 or an id{hint}")
    return chosen


# --- The paired design, checked ---------------------------------------------------


def event_key(e: EventSpec) -> tuple:
    return (e.month, e.kind, tuple(sorted(e.values.items())), e.note)


def scenario_differences(a: Scenario, b: Scenario) -> list[str]:
    """Everything that differs between two scenarios, one line per item (parameters,
    faction fields, government fields, events). Name, title and text are ignored."""
    diffs = [
        f"parameter {k}: {a.parameters[k]!r} vs {b.parameters[k]!r}"
        for k in a.parameters
        if a.parameters[k] != b.parameters[k]
    ]
    for kind, xs, ys in (
        ("faction", a.factions, b.factions),
        ("government", a.governments, b.governments),
    ):
        if len(xs) != len(ys):
            diffs.append(f"{kind}s: {len(xs)} vs {len(ys)}")
            continue
        for x, y in zip(xs, ys, strict=True):
            for name in x.__dataclass_fields__:
                if getattr(x, name) != getattr(y, name):
                    diffs.append(
                        f"{kind} {x.name} {name}: {getattr(x, name)!r} vs {getattr(y, name)!r}"
                    )
    ea = sorted(map(event_key, a.events))
    eb = sorted(map(event_key, b.events))
    if ea != eb:
        diffs.append(f"events: {ea} vs {eb}")
    return diffs


def check_design(experiment: Experiment, base: Scenario) -> None:
    """Raise ValueError unless the two arms differ in exactly one thing."""
    a, b = experiment.scenarios(base)
    diffs = scenario_differences(a, b)
    if len(diffs) != 1:
        raise ValueError(
            f"{experiment.id}: the arms must differ in exactly one thing, found {diffs or 'none'}"
        )


CRITICS_SETTING = Setting("critics", (), "each critics' mechanism switched on vs off")


def audit_plan(
    claims: Sequence[str] | None = None,
    critics: bool = True,
    claims_file: str | Path | None = None,
) -> list[tuple[Setting, Experiment]]:
    """The (setting, experiment) cells of the whole audit (ODD §10).

    The claims under the scenario as given (setting ``baseline``); with ``critics``,
    the checks of K1–K3 (setting ``critics``) and the claims again with each K
    switched on (settings ``K1 on``, ...). ``claims_file``: another claims file than
    the shipped one.
    """
    all_experiments, all_critics = (
        (EXPERIMENTS, CRITICS) if claims_file is None else load_claims(claims_file)
    )
    experiments = get_experiments(claims, all_experiments)
    plan = [(BASELINE, e) for e in experiments]
    if critics:
        plan += [(CRITICS_SETTING, c.check) for c in all_critics]
        plan += [(c.setting, e) for c in all_critics for e in experiments]
    return plan
