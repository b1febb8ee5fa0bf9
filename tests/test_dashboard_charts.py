"""Unit tests of the dashboard's pure parts: figures, network sample, form, comparison,
and the background runs (rendered without a browser).

No browser and no server: the figure dicts are validated by ``plotly.graph_objects``.
"""

from __future__ import annotations

import json
import textwrap
import threading

import ipyvuetify as v
import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
import solara

from agents.population import COMPROMISE_STANCE
from batch_runs.reporting.chart_style import (
    LEGEND_LINE,
    MONTH_FORMAT,
    POLICY_COLOURS,
    TITLE_LINE,
    rgba,
    title,
)
from batch_runs.reporting.claims_figures import claims_figure
from batch_runs.reporting.comparison_figures import (
    difference_figure,
    difference_table,
    forest_rows,
    main_outcomes,
    trajectories_figure,
    trajectories_title,
)
from dashboard import charts
from dashboard.background_runs import (
    ComparisonRequest,
    audit_request,
    comparison_error_text,
    comparison_request,
    failure_text,
    in_process,
    run_comparison,
    use_background_run,
)
from dashboard.controls import control_kind, form_values, slider_step
from dashboard.explanations import CHART_HELP, grounding_markdown, odd_markdown
from dashboard.live_figure import (
    PLOTLY_JS_DIR,
    PLOTLY_JS_FILE,
    LiveFigure,
    PlotlyChart,
    fit_container,
    serve_plotly_js,
)
from dashboard.monitors import change_text, monitors_for, short_label
from dashboard.network import citizens_figure, network_layout, sample_for, snowball_sample
from dashboard.prose import to_html
from dashboard.run_controls import ReplicatesSlider, RunButton, show_progress
from dashboard.session import (
    MAIN_PARAMETERS,
    DashboardModel,
    RunSettings,
    SettingsStore,
    frames,
    validate_form,
)
from dashboard.views import SIMULATION_CHARTS, RunHeader, csv_filename, results_csv
from model import SCHEMA, IranModel, ParameterError, list_scenarios, load_scenario
from model.outputs import BY_NAME


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


def test_every_figure_is_valid_plotly_with_title_height_and_legend(model: IranModel) -> None:
    for name, spec in figures(model).items():
        fig = go.Figure(spec)  # raises on any invalid property
        assert fig.layout.title.text, name
        assert fig.layout.height and fig.layout.autosize, name
        assert all(t.name for t in fig.data), name
        assert name in CHART_HELP


def test_figures_take_their_containers_width_and_legends_go_below(model: IranModel) -> None:
    """No fixed width anywhere: a figure is as wide as its grid cell or page, from a
    390 px phone to a wide screen; the legend sits at the bottom of the figure."""
    m = IranModel(rng=3, n_citizens=200)
    outcomes = main_outcomes(m)
    request = ComparisonRequest(m.scenario_spec, "engage", "refuse", 2, 3, outcomes, steps=6)
    done = run_comparison(request)
    others = [
        trajectories_figure(done.runs_a, done.runs_b, outcomes, "engage", "refuse"),
        difference_figure(done.differences, outcomes, "engage", "refuse"),
    ]
    for fig in [go.Figure(spec) for spec in figures(model).values()] + others:
        assert fig.layout.width is None and fig.layout.autosize, fig.layout.title.text
        assert fig.layout.legend.orientation == "h" and fig.layout.legend.yref == "container"
    audit = pd.DataFrame(
        {
            "setting": ["baseline"] * 2,
            "id": ["C1", "C2"],
            "statement": ["a", "b"],
            "expected": ["+", "-"],
            "effect": [0.1, -0.2],
            "ci_low": [0.05, -0.3],
            "ci_high": [0.15, -0.1],
            "n": [10, 10],
            "verdict": ["supported", "supported"],
        }
    )
    assert claims_figure(audit).layout.width is None


def test_time_charts_hover_with_the_month(model: IranModel) -> None:
    """One hover for all series at a month, headed by the month (YYYY-MM)."""
    for name, spec in figures(model).items():
        if name == "network":
            continue
        layout = spec["layout"]
        assert layout["hovermode"] == "x unified", name
        assert layout["xaxis"]["hoverformat"] == MONTH_FORMAT == "%Y-%m", name
    m = IranModel(rng=3, n_citizens=200)
    outcomes = main_outcomes(m)[:2]
    request = ComparisonRequest(m.scenario_spec, "engage", "refuse", 1, 3, outcomes, steps=4)
    done = run_comparison(request)
    fig = trajectories_figure(done.runs_a, done.runs_b, outcomes, "engage", "refuse")
    assert fig.layout.hovermode == "x unified"
    assert {ax.hoverformat for ax in fig.select_xaxes()} == {MONTH_FORMAT}


def test_legend_entries_and_titles_wrap_to_fit_a_phone(model: IranModel) -> None:
    """Long faction and government names wrap onto lines a 390 px screen can show: the
    whole name is there, no line longer than the limit."""
    for spec in figures(model).values():
        for trace in spec["data"]:
            lines = trace["name"].split("<br>")
            assert all(len(line) <= LEGEND_LINE for line in lines), trace["name"]
        assert all(len(x) <= TITLE_LINE for x in spec["layout"]["title"]["text"].split("<br>"))
    names = [t["name"] for t in figures(model)["balance"]["data"]]
    for faction in model.factions:
        assert " ".join(textwrap.wrap(faction.label, LEGEND_LINE)).replace(" ", "") in [
            n.replace("<br>", "").replace(" ", "") for n in names
        ]
    assert title("T") == {"text": "T", "x": 0.01, "xanchor": "left", "font": {"size": 15}}
    long = title("engage (A) vs refuse (B): mean of 20 paired runs, 95% band")
    assert long["text"].count("<br>") == 1


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
    assert np.allclose(total, 1.0, atol=1e-3)  # shares sent to 4 decimals
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
    shown = sum(len(t["x"]) for t in spec["data"])
    assert shown == len(sample_for(model).ids)
    assert model.date in spec["layout"]["title"]["text"]


def test_figures_go_to_the_browser_as_plain_json_without_a_width(model: IranModel) -> None:
    """What the browser's plotly.js gets: JSON (no NaN, no numpy), dates as text, gaps
    as null, the height kept and the width left to the container."""
    for name, spec in figures(model).items():
        sent = fit_container(spec)
        json.dumps(sent, allow_nan=False)  # raises on NaN, infinities or numpy values
        assert "width" not in sent["layout"] and sent["layout"]["autosize"] is True, name
        assert sent["layout"]["height"] == spec["layout"]["height"], name
    ties = fit_container(figures(model)["network"])["layout"]["shapes"][0]["path"]
    assert ties.startswith("M") and ties.count("M") == ties.count("L") > 100
    fig = go.Figure(go.Scatter(x=pd.to_datetime(["2011-06", "2011-07"]), y=[0.5, np.nan]))
    fig.update_layout(width=1140, height=300)
    sent = fit_container(fig)
    assert sent["data"][0]["x"][0].startswith("2011-06-01") and sent["data"][0]["y"][1] is None
    assert "width" not in sent["layout"] and sent["layout"]["height"] == 300
    gaps = fit_container({"data": [{"y": np.array([0.1, np.nan, np.inf])}], "layout": {}})
    assert gaps["data"][0]["y"] == [0.1, None, None]


def test_live_figure_sends_the_figure_when_it_changes() -> None:
    m = IranModel(rng=1, n_citizens=200)
    shown = solara.reactive(charts.population_figure(frames(m)[0]))

    @solara.component
    def Probe() -> None:
        LiveFigure(shown.value)

    box, rc = solara.render(Probe(), handle_error=False)
    widget = rc.find(PlotlyChart).widget
    assert json.loads(widget.figure) == fit_container(shown.value)
    assert widget.config["responsive"] is True
    sent: list[int] = []
    widget.observe(lambda change: sent.append(1), "figure")
    m.step()
    shown.value = charts.population_figure(frames(m)[0])
    assert len(sent) == 1 and len(json.loads(widget.figure)["data"][0]["y"]) == 2
    shown.value = charts.population_figure(frames(m)[0])  # the same figure again
    assert len(sent) == 1
    rc.close()


def test_plotly_js_is_served_from_the_installed_package() -> None:
    from solara.server import settings

    serve_plotly_js()
    assert (PLOTLY_JS_DIR / PLOTLY_JS_FILE).is_file()
    assert str(PLOTLY_JS_DIR) in settings.assets.extra_locations
    assert f"/static/assets/{PLOTLY_JS_FILE}" in PlotlyChart._esm


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
    assert "n_citizens" in errors and "out of range" in errors["n_citizens"]
    assert "seed" in errors
    settings, errors = validate_form("baseline_2011", " 12 ", {"n_citizens": "300"})
    assert errors == {} and settings.seed == 12 and settings.overrides["n_citizens"] == 300


def test_reset_builds_the_sessions_settings() -> None:
    store = SettingsStore(RunSettings("baseline_2011", 5, {"western_policy": "engage"}))
    m = DashboardModel(store)
    assert (m.seed, m.western_policy) == (5, "engage")
    assert m.run_settings == store.settings


def test_csv_export_matches_the_run(model: IranModel) -> None:
    text = results_csv(model)  # '#' lines with the set-up, then the months (iran-sim run)
    assert text.endswith(model.results().to_csv(index=False)) and text.startswith("#")
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


def test_simulation_page_lists_every_chart_in_reading_order(model: IranModel) -> None:
    keys = [key for key, _ in SIMULATION_CHARTS]
    assert keys == ["balance", "sanctions", "legitimacy", "population", "nuclear", "network"]
    shown = {key: figure(model) for key, figure in SIMULATION_CHARTS}
    for key, spec in figures(model).items():
        assert go.Figure(shown[key]) == go.Figure(spec), key


def test_event_markers_are_read_from_their_table_in_order() -> None:
    markers = charts.EVENT_MARKERS
    assert list(markers)[:3] == ["offer", "talks", "refusal"] and len(markers) == 13
    assert markers["veto"] == ("deal vetoed by the Leader", "square", "#000000")
    assert all(len(c) == 7 and c.startswith("#") for _, _, c in markers.values())
    assert charts.read_marker_table("\n a | b c | d |#123456 \n") == {"a": ("b c", "d", "#123456")}


def test_network_layout_says_what_is_shown_and_hides_the_axes() -> None:
    layout = network_layout(300, "2012-01")
    assert layout["title"]["text"] == "Citizens' network: 300 shown, 2012-01"
    assert "width" not in layout and layout["xaxis"] == {"visible": False}
    assert "black ring: protesting" in layout["annotations"][0]["text"]


def test_shared_style_of_titles_and_bands() -> None:
    assert title("T") == {"text": "T", "x": 0.01, "xanchor": "left", "font": {"size": 15}}
    assert rgba(POLICY_COLOURS["engage"], 0.18) == "rgba(0,114,178,0.18)"


def test_comparison_and_audit_requests_follow_the_session() -> None:
    m = IranModel(rng=11, n_citizens=200)
    request = comparison_request(m, "engage", "refuse", 4.0)
    assert (request.replicates, request.seed, request.steps) == (4, 11, m.months)
    assert request.outcomes == main_outcomes(m) and request.scenario is m.scenario_spec
    shared = in_process(request, None)
    assert shared["workers"] == 1 and shared["replicates"] == 4 and shared["seed"] == 11
    audit = audit_request(m, 3, True)
    assert (audit.replicates, audit.critics, audit.seed, audit.overrides) == (3, True, 11, {})
    assert audit_request(None, 2, False).overrides == {"n_citizens": 1000}


def test_failed_runs_are_told_in_one_line() -> None:
    assert failure_text("audit", ValueError("bad")) == "The audit failed: ValueError: bad"
    assert comparison_error_text(ParameterError("x out of range")) == (
        "Cannot compare: x out of range"
    )
    assert comparison_error_text(RuntimeError("boom")).startswith("The comparison failed:")


def test_background_run_reports_progress_and_runs_again_when_restarted() -> None:
    release = threading.Event()
    calls: list[int] = []

    def run(request: int, progress) -> int:
        calls.append(request)
        progress(1, 2)
        release.wait(timeout=30)
        return request * 10

    @solara.component
    def Probe() -> None:
        job = use_background_run(run)
        RunButton("Go", lambda: job.start(7), job.running, "mdi-play", "go")
        if job.running:
            show_progress(job.progress, "probe-progress")
        elif job.result.value is not None:
            solara.Text(f"result {job.result.value}")

    box, rc = solara.render(Probe(), handle_error=False)
    for attempt in (1, 2):
        release.clear()
        rc.find(v.Btn, class_="go").widget.click()
        rc.find(children=["Running: 1 of 2 runs done"]).wait_for(timeout=30)
        assert rc.find(v.Btn, class_="go").widget.disabled
        release.set()
        rc.find(children=["result 70"]).wait_for(timeout=30)
        assert calls == [7] * attempt  # the same request, started again, runs again
    rc.close()


def test_replicates_slider_keeps_its_range() -> None:
    box, rc = solara.render(
        ReplicatesSlider("Paired replicates", 3, 2, 12, "280px", lambda _: None),
        handle_error=False,
    )
    slider = rc.find(v.Slider).widget
    assert (slider.v_model, slider.min, slider.max, slider.label) == (3, 2, 12, "Paired replicates")
    rc.close()


def test_forest_rows_put_the_first_outcome_on_top() -> None:
    m = IranModel(rng=3, n_citizens=200)
    outcomes = main_outcomes(m)
    request = ComparisonRequest(m.scenario_spec, "engage", "refuse", 1, 3, outcomes, steps=6)
    result = run_comparison(request)
    forest = forest_rows(result.differences, outcomes)
    assert forest.labels[-1].startswith(outcomes[0].label) and not forest.has_interval
    table = difference_table(result.differences, outcomes, "engage", "refuse")
    assert set(table["95% CI"]) == {"—"}  # one replicate: no interval
    assert trajectories_title("engage", "refuse", 1) == "engage (A) vs refuse (B): one paired run"
    fig = trajectories_figure(result.runs_a, result.runs_b, outcomes, "engage", "refuse")
    assert not any(t.fill == "toself" for t in fig.data)  # no band without replicates


def test_every_seed_the_form_accepts_draws_its_network():
    from dashboard.network import sample_for

    for seed in (0, 2**32 - 1, 2**32, 2**64 + 5):
        model = IranModel(rng=seed, n_citizens=100)
        sample = sample_for(model)
        assert len(sample.ids) > 0 and np.isfinite(sample.x).all()


# --- monitors ---------------------------------------------------------------------------


def test_monitors_show_the_months_key_outcomes_with_the_schemas_labels(model: IranModel) -> None:
    monitors = monitors_for(model)
    results = frames(model)[0]
    last = results.iloc[-1]
    by_name = {m.column.name: m for m in monitors}
    hardline = min(model.factions, key=lambda f: f.stance)
    camp = [f for f in model.factions if f.stance >= COMPROMISE_STANCE]
    assert list(by_name) == [
        f"power_{hardline.name}",
        "compromise_camp_power",
        "regime_legitimacy",
        "economic_resentment",
        "sanctions_support_china",
        "sanctions_support_russia",
        "nuclear_progress",
    ]
    for name in ("regime_legitimacy", "economic_resentment", "nuclear_progress"):
        assert by_name[name].column == BY_NAME[name]  # label, unit and description
        assert by_name[name].value(last) == pytest.approx(last[name])
    china = by_name["sanctions_support_china"].column
    assert (
        china.label == "Sanctions support: China"
        and china.unit == BY_NAME["sanctions_support_<country>"].unit
    )
    expected = sum(last[f"power_{f.name}"] for f in camp)
    assert by_name["compromise_camp_power"].value(last) == pytest.approx(expected)
    assert short_label(by_name[f"power_{hardline.name}"].column.label) == "Power: Hardliners"


def html_with_class(rc, css_class: str) -> list:
    """The HTML widgets (``solara.HTML``) of a rendered page that carry a CSS class."""
    from solara.widgets import HTML as HTMLWidget

    return [
        w for w in rc.find(HTMLWidget).widgets if css_class in w.attributes.get("class", "").split()
    ]


def test_monitors_change_after_a_step() -> None:
    from mesa.visualization.utils import force_update

    m = DashboardModel(RunSettings.for_scenario("baseline_2011"))
    box, rc = solara.render(RunHeader(m), handle_error=False)
    (widget,) = html_with_class(rc, "monitors")
    first = widget.unsafe_innerHTML
    assert first.count('class="monitor"') == 7 and "Regime legitimacy" in first
    for _ in range(3):
        m.step()
    force_update()
    after = widget.unsafe_innerHTML
    assert after != first and ("▲" in after or "▼" in after)
    rc.close()
    assert change_text(0.5, None) == ""
    assert change_text(0.52, 0.5) == "▲ 0.020" and change_text(0.5, 0.502) == "▼ 0.002"
    assert change_text(0.5, 0.5001) == "= 0.000"


# --- the page ---------------------------------------------------------------------------


def test_opening_the_page_builds_the_simulation_tab_only() -> None:
    """Tabs are built when first opened (then kept): the page opens with the six
    charts and none of the other pages."""
    import server

    box, rc = solara.render(server.Layout(children=[server.Page()]), handle_error=False)
    assert len(rc.find(PlotlyChart).widgets) == len(SIMULATION_CHARTS)
    assert html_with_class(rc, "odd") == [] and len(html_with_class(rc, "monitors")) == 1
    tabs = rc.find(v.Tabs).widget
    tabs.v_model = [p.title for p in server.PAGES].index("ODD description")
    assert len(html_with_class(rc, "odd")) == 1
    tabs.v_model = 0
    assert len(html_with_class(rc, "odd")) == 1  # kept, with its state, once opened
    assert len(rc.find(PlotlyChart).widgets) == len(SIMULATION_CHARTS)
    rc.close()


@pytest.mark.parametrize(("width", "open_"), [(390, False), (1440, True)])
def test_drawer_starts_closed_on_a_narrow_screen(width: int, open_: bool) -> None:
    import server
    from dashboard.views import screen_width

    box, rc = solara.render(server.Layout(children=[server.Page()]), handle_error=False)
    drawer = rc.find(v.NavigationDrawer).widget
    assert drawer.v_model is True  # until the browser says how wide it is
    screen_width.value = width
    assert drawer.v_model is open_
    rc.close()
    screen_width.value = 0
