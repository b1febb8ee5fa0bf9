"""Unit tests of the dashboard's pure parts: figures, network sample, form, comparison.

No browser and no server: the figure dicts are validated by ``plotly.graph_objects``.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import pytest

from dashboard import charts
from dashboard.comparison import (
    ComparisonRequest,
    difference_figure,
    difference_table,
    main_outcomes,
    run_comparison,
    trajectories_figure,
)
from dashboard.controls import control_kind, form_values, slider_step
from dashboard.explanations import CHART_HELP, grounding_markdown, odd_markdown
from dashboard.live_figure import apply_figure, same_value
from dashboard.network import citizens_figure, sample_for, snowball_sample
from dashboard.prose import to_html
from dashboard.session import (
    MAIN_PARAMETERS,
    DashboardModel,
    RunSettings,
    SettingsStore,
    frames,
    validate_form,
)
from dashboard.views import csv_filename, results_csv
from model import SCHEMA, IranModel, list_scenarios, load_scenario


@pytest.fixture(scope="module")
def model() -> IranModel:
    m = IranModel(rng=7, western_policy="refuse", n_citizens=400)
    m.run(30)
    return m


def figures(m: IranModel) -> dict[str, dict]:
    results, events = frames(m)
    factions, governments = charts.faction_series(m), charts.government_series(m)
    return {
        "balance": charts.factional_balance_figure(results, events, factions),
        "legitimacy": charts.legitimacy_figure(results, factions),
        "population": charts.population_figure(results),
        "sanctions": charts.sanctions_figure(results, governments),
        "nuclear": charts.nuclear_figure(results),
        "network": citizens_figure(m),
    }


def test_every_figure_is_valid_plotly_with_title_size_and_legend(model: IranModel) -> None:
    for name, spec in figures(model).items():
        fig = go.Figure(spec)  # raises on any invalid property
        assert fig.layout.title.text, name
        assert fig.layout.width and fig.layout.height, name
        assert all(t.name for t in fig.data), name
        assert name in CHART_HELP


def test_time_charts_have_axis_titles_with_units_and_one_point_per_month(model: IranModel) -> None:
    months = model.steps + 1
    for name, spec in figures(model).items():
        if name == "network":
            continue
        fig = go.Figure(spec)
        assert fig.layout.xaxis.title.text == "month"
        assert "(" in fig.layout.yaxis.title.text  # the unit, e.g. "(0–1)" or "(%)"
        lines = [t for t in fig.data if t.mode != "markers"]
        assert all(len(t.x) == months and len(t.y) == months for t in lines), name
        assert all(t.hovertemplate for t in fig.data), name


def test_balance_is_stacked_power_plus_event_markers_with_hover_text(model: IranModel) -> None:
    results, events = frames(model)
    spec = charts.factional_balance_figure(results, events, charts.faction_series(model))
    stacked = [t for t in spec["data"] if t.get("stackgroup") == "power"]
    assert len(stacked) == len(model.factions)
    total = np.sum([t["y"] for t in stacked], axis=0)
    assert np.allclose(total, 1.0)
    markers = [t for t in spec["data"] if t["mode"] == "markers"]
    assert sum(len(t["x"]) for t in markers) == len(events)
    refusals = next(t for t in markers if t["name"] == charts.EVENT_MARKERS["refusal"][0])
    assert all("refused" in text for text in refusals["text"])


def test_faction_colours_run_from_hardline_to_compromise(model: IranModel) -> None:
    series = {s.name: s.colour for s in charts.faction_series(model)}
    hardline = min(model.factions, key=lambda f: f.stance)
    assert series[hardline.name] == charts.FACTION_PALETTE[0]
    assert len(set(series.values())) == len(series)


def test_axes_span_the_run_horizon_from_the_start(model: IranModel) -> None:
    results, _ = frames(model)
    assert charts.time_range(results) == ["2011-06", "2021-06"]
    assert charts.time_range(results.iloc[:1]) == ["2011-06", "2021-06"]


def test_axes_span_the_scenarios_own_length() -> None:
    history = DashboardModel(RunSettings.for_scenario("history_2003"))
    results, _ = frames(history)
    assert charts.time_range(results) == ["2003-01", "2009-05"]


def test_about_page_shows_the_check_against_history() -> None:
    text = grounding_markdown()
    assert text.startswith("### Grounded in history")
    html = to_html(text)
    assert "<table>" in html and "P01" in html and "coin" in html.lower()


def test_network_sample_is_connected_seeded_and_cached(model: IranModel) -> None:
    adjacency = model.population.adjacency
    ids = snowball_sample(adjacency, 100, seed=3)
    assert len(ids) == 100 and len(set(ids)) == 100
    assert np.array_equal(ids, snowball_sample(adjacency, 100, seed=3))
    assert sample_for(model) is sample_for(model)
    spec = citizens_figure(model)
    shown = sum(len(t["x"]) for t in spec["data"][1:])
    assert shown == len(sample_for(model).ids)
    assert model.date in spec["layout"]["title"]["text"]


def test_live_update_sends_only_changed_data() -> None:
    m = IranModel(rng=1, n_citizens=200)
    widget = go.Figure()
    first = charts.population_figure(frames(m)[0])
    apply_figure(widget, first, None)
    m.step()
    second = charts.population_figure(frames(m)[0])
    apply_figure(widget, second, first)
    assert len(widget.data) == len(second["data"])
    assert list(widget.data[0].y) == list(second["data"][0]["y"])
    assert same_value(first["layout"]["title"], second["layout"]["title"])
    assert not same_value(first["data"][0]["y"], second["data"][0]["y"])


def test_controls_come_from_the_schema() -> None:
    assert tuple(n for n, p in SCHEMA.items() if p.main) == MAIN_PARAMETERS
    assert control_kind(SCHEMA["western_policy"]) == "select"
    assert control_kind(SCHEMA["n_citizens"]) == "text"
    p = SCHEMA["oil_volatility"]
    assert control_kind(p) == "slider_float"
    assert slider_step(p) == pytest.approx((p.high - p.low) / 100)


def test_form_shows_the_scenario_values_not_the_schema_defaults() -> None:
    for name in list_scenarios():
        settings = RunSettings.for_scenario(name)
        params = load_scenario(name).parameters
        assert all(settings.overrides[k] == params[k] for k in MAIN_PARAMETERS)
    values = form_values(RunSettings.for_scenario(list_scenarios()[0]))
    assert isinstance(values["n_citizens"], str)


def test_invalid_form_input_gives_the_schema_message() -> None:
    settings, errors = validate_form("baseline_2011", "x", {"n_citizens": "50"})
    assert settings is None
    assert "n_citizens" in errors and "[100, 200000]" in errors["n_citizens"]
    assert "seed" in errors
    settings, errors = validate_form("baseline_2011", " 12 ", {"n_citizens": "300"})
    assert errors == {} and settings.seed == 12 and settings.overrides["n_citizens"] == 300


def test_reset_builds_the_sessions_settings() -> None:
    store = SettingsStore(RunSettings("baseline_2011", 5, {"western_policy": "engage"}))
    m = DashboardModel(store)
    assert (m.seed, m.western_policy) == (5, "engage")
    assert m.run_settings == store.settings


def test_csv_export_matches_the_run(model: IranModel) -> None:
    text = results_csv(model)
    assert text == model.results().to_csv(index=False)
    assert csv_filename(model).endswith(f"{model.date}.csv")


def test_comparison_runs_both_arms_and_summarises_differences() -> None:
    m = IranModel(rng=3, n_citizens=200)
    outcomes = main_outcomes(m)
    request = ComparisonRequest(m.scenario_spec, "engage", "refuse", 3, 3, outcomes, steps=12)
    seen: list[tuple[int, int]] = []
    result = run_comparison(request, lambda done, total: seen.append((done, total)))
    assert seen[-1] == (6, 6)
    assert len(result.runs_a) == len(result.runs_b) == 3
    fig = trajectories_figure(result.runs_a, result.runs_b, outcomes, "engage", "refuse")
    names = {t.name for t in fig.data if t.showlegend}
    assert {"A: engage (mean)", "B: refuse (mean)"} <= names
    table = difference_table(result.differences, outcomes, "engage", "refuse")
    assert len(table) == len(outcomes)
    assert np.allclose(table["A − B"], table["A: engage"] - table["B: refuse"], atol=2e-3)
    forest = difference_figure(result.differences, outcomes, "engage", "refuse")
    assert len(forest.data[0].x) == len(outcomes)


def test_texts_render_offline() -> None:
    assert "<h3" in to_html("### A heading")
    assert "ODD" in odd_markdown()
