"""One browser session's run: the validated set-up and the model built from it.

Mesa's SolaraViz rebuilds the model on Reset by calling the model's class with the
"model parameters" it was given. The dashboard gives it one fixed parameter, a
per-session :class:`SettingsStore` holding the validated set-up from the run set-up
form, so that Reset always builds exactly what the form shows (scenario, policy, main
parameters, citizens, seed) and nothing is shared between browser sessions.
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import pandas as pd

from model import SCHEMA, IranModel, ParameterError, load_scenario
from model.model import check_seed
from model.scenarios import DEFAULT_SCENARIO

DEFAULT_SEED = 2011  # the year of the op-ed; any whole number >= 0 works

# The controls of the run set-up form: the schema's main parameters, in schema order.
MAIN_PARAMETERS: tuple[str, ...] = tuple(name for name, p in SCHEMA.items() if p.main)


@dataclass(frozen=True)
class RunSettings:
    """A validated run set-up: scenario name, seed and parameter overrides.

    Overrides hold the values of the form's controls (the main parameters); any
    parameter not overridden keeps the scenario's value.
    """

    scenario: str = DEFAULT_SCENARIO
    seed: int = DEFAULT_SEED
    overrides: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    def __post_init__(self) -> None:
        checked = {name: SCHEMA[name].validate(v) for name, v in dict(self.overrides).items()}
        object.__setattr__(self, "overrides", MappingProxyType(checked))
        object.__setattr__(self, "seed", check_seed(self.seed))

    def build(self) -> IranModel:
        """A fresh model with this set-up (raises ParameterError / ScenarioError)."""
        return IranModel(self.scenario, rng=self.seed, **self.overrides)

    @classmethod
    def for_scenario(cls, scenario: str, seed: int = DEFAULT_SEED) -> RunSettings:
        """The scenario's own values of the main parameters (what the form shows first)."""
        params = load_scenario(scenario).parameters
        return cls(scenario, seed, {name: params[name] for name in MAIN_PARAMETERS})


class SettingsStore:
    """A per-session holder of the current :class:`RunSettings` (what Reset builds)."""

    def __init__(self, settings: RunSettings | None = None) -> None:
        self.settings = settings or RunSettings.for_scenario(DEFAULT_SCENARIO)

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
        self.run_settings = run


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
    scenario: str, seed_text: str, values: Mapping[str, Any]
) -> tuple[RunSettings | None, dict[str, str]]:
    """Check the form's raw inputs; returns the settings (or None) and errors by field.

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
    if errors:
        return None, errors
    return RunSettings(scenario, seed, checked), {}
