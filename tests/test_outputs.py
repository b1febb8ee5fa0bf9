"""The output schema is the one declaration of every column; consumers derive from it."""

from __future__ import annotations

from batch_runs.analysis.outcomes import OUTCOMES, get_outcome
from batch_runs.reporting.figures import label_of, outcome_groups
from dashboard.comparison import main_outcomes
from model import IranModel
from model.outputs import BY_NAME, GROUPS, OUTPUTS, column_for, concrete_columns


def test_results_have_exactly_the_declared_columns_in_order():
    model = IranModel(n_citizens=100, rng=1)
    model.run(2)
    declared = [c.name for c in concrete_columns(model.factions, model.governments)]
    assert list(model.results().columns) == [n for n in declared if n != "run_id"]


def test_every_numeric_state_has_a_label_a_unit_and_a_chart_group():
    for column in OUTPUTS:
        assert column.label and column.description and column.unit, column.name
        if column.numeric and column.name not in ("run_id", "step"):
            assert column.group in GROUPS, column.name
        assert column.direction in (-1, 0, 1)


def test_outcomes_take_label_direction_claims_and_statistic_from_the_schema():
    for name, outcome in OUTCOMES.items():
        column = BY_NAME.get(name)
        if column is None:  # derived outcomes (factional balance, veto share, ...)
            continue
        assert (outcome.label, outcome.better, outcome.claims, outcome.statistic) == (
            column.label,
            column.direction,
            column.claims,
            column.statistic,
        )
    china = get_outcome("sanctions_support_china")
    assert china.better == BY_NAME["sanctions_support_<country>"].direction
    assert china.needs(None) == ["sanctions_support_china"]


def test_reports_and_the_dashboard_use_the_declared_labels_and_groups():
    model = IranModel(n_citizens=100, rng=1)
    for outcome in main_outcomes(model):
        assert outcome.label.startswith(column_for(outcome.column).label)
        assert column_for(outcome.column).headline
    assert label_of("power_hardliners") == "Power: hardliners"
    assert label_of("blame_west") == BY_NAME["blame_west"].label
    groups = outcome_groups(["blame_west", "power_x", "deals_total", "unknown"])
    assert groups == {
        "Factions: power": ["power_x"],
        "Society": ["blame_west"],
        "Diplomacy: counts so far": ["deals_total"],
        "Other": ["unknown"],
    }
