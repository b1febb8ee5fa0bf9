"""The simulation engine: ``from model import IranModel, load_scenario, list_scenarios``.

``IranModel`` is imported lazily, so that ``agents`` (which use the model's scenario
types and network) can be imported first without a cycle.
"""

from typing import Any

from model.parameters import SCHEMA, Parameter, ParameterError, Parameters
from model.scenarios import (
    DEFAULT_MONTHS,
    Scenario,
    ScenarioError,
    list_scenarios,
    load_scenario,
)

__all__ = [
    "DEFAULT_MONTHS",
    "SCHEMA",
    "IranModel",
    "Parameter",
    "ParameterError",
    "Parameters",
    "Scenario",
    "ScenarioError",
    "list_scenarios",
    "load_scenario",
]


def __getattr__(name: str) -> Any:
    if name == "IranModel":
        from model import model as _model

        return getattr(_model, name)
    raise AttributeError(f"module 'model' has no attribute {name!r}")
