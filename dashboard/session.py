"""One browser session's run: the validated set-up and the model built from it.

Mesa's SolaraViz rebuilds the model on Reset by calling the model's class with the
"model parameters" it was given. The dashboard gives it one fixed parameter, a
per-session :class:`SettingsStore` holding the validated set-up from the run set-up
form, so that Reset always builds exactly what the form shows (scenario, policy, main
parameters, citizens, seed, months to run) and nothing is shared between browser
sessions. The same set-up is what the page's address (``dashboard/url_state.py``) and a
run's CSV header (``model.export.RunHeader``) record.
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from types import MappingProxyType
from typing import Any

import pandas as pd

from batch_runs.execution.manifest import code_version, git_commit
from model import SCHEMA, IranModel, ParameterError, list_scenarios, load_scenario
from model.export import RunHeader, parameter_text, parse_run_csv, run_csv_text
from model.model import check_seed
from model.scenarios import DEFAULT_SCENARIO, MAX_MONTHS

DEFAULT_SEED = 2011  # the year of the op-ed; any whole number >= 0 works

# The controls of the run set-up form: the schema's main parameters, in schema order.
MAIN_PARAMETERS: tuple[str, ...] = tuple(name for name, p in SCHEMA.items() if p.main)


def check_months(value: Any) -> int:
    """Months to run (the horizon): a whole number in the range a scenario's own
    ``months`` may take (``model/scenarios.py``: 1 to MAX_MONTHS); text is accepted,
    as a form gives it."""
    text = value.strip() if isinstance(value, str) else value
    if isinstance(text, str) and text.isdigit():
        text = int(text)
    if isinstance(text, bool) or not isinstance(text, int) or not 1 <= text <= MAX_MONTHS:
        raise ParameterError(
            f"months: {value!r} is not allowed; expected a whole number from 1 to {MAX_MONTHS}"
        )
    return text


def check_scenario(name: Any) -> str:
    """The name of a scenario shipped in ``model/scenarios/`` (the only ones the
    dashboard offers: an address or an uploaded file never names a file to read)."""
    known = list_scenarios()
    if name not in known:
        raise ParameterError(f"scenario: unknown scenario {name!r}; known: {', '.join(known)}")
    return name


@dataclass(frozen=True)
class RunSettings:
    """A validated run set-up: scenario name, seed, parameter overrides, months to run.

    Overrides hold the values of the form's controls (the main parameters) and any other
    parameter a loaded set-up (an address, a CSV) sets to a value other than the
    scenario's; any parameter not overridden keeps the scenario's value. ``months`` is
    the run's length (Play stops there); None means the scenario's own.
    """

    scenario: str = DEFAULT_SCENARIO
    seed: int = DEFAULT_SEED
    overrides: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    months: int | None = None

    def __post_init__(self) -> None:
        checked = {name: SCHEMA[name].validate(v) for name, v in dict(self.overrides).items()}
        object.__setattr__(self, "overrides", MappingProxyType(checked))
        object.__setattr__(self, "seed", check_seed(self.seed))
        months = load_scenario(self.scenario).months if self.months is None else self.months
        object.__setattr__(self, "months", check_months(months))

    @property
    def extra(self) -> dict[str, Any]:
        """The overrides of parameters the form has no control for."""
        return {n: v for n, v in self.overrides.items() if n not in MAIN_PARAMETERS}

    def changes(self) -> dict[str, Any]:
        """The overrides whose value differs from the scenario's own."""
        own = load_scenario(self.scenario).parameters
        return {n: v for n, v in self.overrides.items() if v != own[n]}

    def describe(self, policy: bool = True) -> str:
        """The set-up in words: scenario, seed, months and the parameters changed from
        the scenario's values (the Western policy only if ``policy``)."""
        changed = {n: v for n, v in self.changes().items() if policy or n != "western_policy"}
        text = f"scenario {self.scenario}, seed {self.seed}, {self.months} months"
        if changed:
            text += "; " + ", ".join(f"{n} = {parameter_text(v)}" for n, v in changed.items())
        return text

    def differences(self, other: RunSettings) -> list[str]:
        """What this set-up changes from ``other``, in words: scenario, seed, months,
        then each parameter whose value differs (``name = value``), as the run set-up
        card lists them before a Reset."""
        words = [f"scenario {self.scenario}"] if self.scenario != other.scenario else []
        words += [f"seed {self.seed}"] if self.seed != other.seed else []
        words += [f"{self.months} months"] if self.months != other.months else []
        mine, theirs = self.parameter_values(), other.parameter_values()
        return words + [f"{n} = {parameter_text(v)}" for n, v in mine.items() if v != theirs[n]]

    def parameter_values(self) -> dict[str, Any]:
        """Every parameter's value in a run of this set-up (the scenario's, overridden)."""
        return dict(load_scenario(self.scenario).parameters) | dict(self.overrides)

    def build(self) -> IranModel:
        """A fresh model with this set-up (raises ParameterError / ScenarioError)."""
        return DashboardModel(self)

    def without_policy(self) -> RunSettings:
        """This set-up with the scenario's Western policy: what a comparison of two
        policies (C9) depends on, since it sets the policy of each arm itself."""
        kept = {n: v for n, v in self.overrides.items() if n != "western_policy"}
        return replace(self, overrides=kept)

    @classmethod
    def for_scenario(cls, scenario: str, seed: int = DEFAULT_SEED) -> RunSettings:
        """The scenario's own values of the main parameters (what the form shows first)."""
        params = load_scenario(scenario).parameters
        return cls(scenario, seed, {name: params[name] for name in MAIN_PARAMETERS})

    @classmethod
    def from_values(
        cls, scenario: str, seed: Any, values: Mapping[str, Any], months: Any = None
    ) -> RunSettings:
        """The set-up of ``scenario`` with ``values`` of any parameters (validated): the
        main parameters the values do not give keep the scenario's values, and other
        parameters are kept only where they differ from the scenario's."""
        base = load_scenario(check_scenario(scenario)).parameters
        given = {name: SCHEMA[name].validate(v) for name, v in values.items() if name in SCHEMA}
        unknown = sorted(set(values) - set(SCHEMA))
        if unknown:
            raise ParameterError(f"unknown parameter {unknown[0]!r}")
        merged = dict(base) | given
        overrides = {n: merged[n] for n in MAIN_PARAMETERS}
        overrides |= {n: v for n, v in given.items() if n not in MAIN_PARAMETERS and v != base[n]}
        return cls(scenario, check_seed(seed), overrides, None if months is None else months)

    @classmethod
    def from_header(cls, header: RunHeader) -> RunSettings:
        """The set-up a run's CSV records (``model.export.RunHeader``); ParameterError if
        it was made from a scenario file, which the dashboard does not read."""
        if header.scenario_file:
            raise ParameterError(
                f"it was made from the scenario file {header.scenario_file}, which the "
                "dashboard does not read: rerun it with iran-sim run --from-csv"
            )
        return cls.from_values(header.scenario, header.seed, header.parameters, header.months)


def settings_from_csv(name: str, data: bytes) -> RunSettings:
    """The set-up recorded in the header of a run's CSV (``iran-sim run`` or the
    dashboard's download), given as its file name and bytes; ValueError with one line
    naming the file if it has none the dashboard can load."""
    try:
        header, _ = parse_run_csv(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise ValueError(f"{name}: not a run CSV of iran-sim (not UTF-8 text)") from None
    except ValueError as exc:
        raise ValueError(f"{name}: not a run CSV of iran-sim ({exc})") from None
    try:
        return RunSettings.from_header(header)
    except ValueError as exc:  # ParameterError and ScenarioError are ValueErrors
        raise ValueError(f"{name}: {exc}") from None


class SettingsStore:
    """A per-session holder of the current :class:`RunSettings` (what Reset builds)."""

    def __init__(self, settings: RunSettings | None = None, notice: str | None = None) -> None:
        self.settings = settings or RunSettings.for_scenario(DEFAULT_SCENARIO)
        self.notice = notice  # why the session did not start with the set-up it was given

    def __repr__(self) -> str:  # SolaraViz logs its model parameters
        return f"SettingsStore({self.settings!r})"


class DashboardModel(IranModel):
    """The IranModel of one dashboard session, built from the session's settings.

    ``DashboardModel(settings=store)`` is what SolaraViz calls on Reset. The settings
    were validated by the form, so building cannot fail on user input.
    """

    def __init__(self, settings: SettingsStore | RunSettings | None = None) -> None:
        if isinstance(settings, SettingsStore):
            settings = settings.settings
        run = settings or RunSettings.for_scenario(DEFAULT_SCENARIO)
        super().__init__(run.scenario, rng=run.seed, **run.overrides)
        # The run's length: Play stops here (model.running turns False at this month).
        self.months = run.months
        self.run_settings = run


@cache
def provenance() -> dict[str, str | None]:
    """The code this server runs (git commit, code version), for a CSV's header: read
    once, as the running code does not change while the server runs."""
    return {"git_commit": git_commit(), "code_version": code_version()}


def run_csv(model: IranModel) -> str:
    """The run on screen as CSV, exactly as ``iran-sim run`` writes it: its set-up
    (months: the run's horizon; steps: the months so far), then its months so far."""
    return run_csv_text(RunHeader.of_model(model, **provenance()), model.results())


_FRAMES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def frames(model: IranModel) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(model.results(), model.events())`` for the model's current month, cached so
    that all charts of one update share one copy."""
    cached = _FRAMES.get(model)
    if cached is None or cached[0] != model.steps:
        results = model.results()
        results.attrs["horizon"] = model.months  # the scenario's length, for the axes
        cached = (model.steps, results, model.events())
        _FRAMES[model] = cached
    return cached[1], cached[2]


def validate_form(
    scenario: str,
    seed_text: str,
    values: Mapping[str, Any],
    months_text: Any = None,
    extra: Mapping[str, Any] | None = None,
) -> tuple[RunSettings | None, dict[str, str]]:
    """Check the form's raw inputs; returns the settings (or None) and errors by field.

    ``values`` are the main parameters' controls, ``months_text`` the months to run
    (None: the scenario's own), ``extra`` the other parameters a loaded set-up gave.
    Every check is the schema's (or the seed check of the model): the messages are the
    ParameterError messages the command line prints.
    """
    errors: dict[str, str] = {}
    checked: dict[str, Any] = {}
    for name, value in values.items():
        try:
            checked[name] = SCHEMA[name].validate(value)
        except ParameterError as exc:
            errors[name] = str(exc)
    try:
        seed = check_seed(seed_text.strip() if isinstance(seed_text, str) else seed_text)
    except ParameterError as exc:
        errors["seed"] = str(exc)
    months = None
    if months_text is not None:
        try:
            months = check_months(months_text)
        except ParameterError as exc:
            errors["months"] = str(exc)
    if errors:
        return None, errors
    return RunSettings(scenario, seed, {**checked, **(extra or {})}, months), {}
