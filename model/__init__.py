"""The simulation engine: ``from model import IranModel, load_scenario, list_scenarios``.

Imports flow one way: ``model.parameters`` (the schema) and ``agents`` (which import
nothing from ``model``) come first; scenarios, submodels and ``IranModel`` build on them.
"""

from model.model import IranModel
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
