"""The simulation engine: ``from model import IranModel, load_scenario, list_scenarios``."""

from model.model import DEFAULT_MONTHS, IranModel
from model.parameters import SCHEMA, Parameter, ParameterError, Parameters
from model.scenarios import Scenario, ScenarioError, list_scenarios, load_scenario

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
