"""The live parts of the simulation page: charts, month status, event log and CSV export.

The chart functions follow Mesa's SolaraViz convention for Plotly: a plain function
``f(model)`` returning the figure's element (``LiveFigure``, a ``solara.FigurePlotly``
that updates in place). :func:`LiveChart` re-renders one of them whenever SolaraViz's
``update_counter`` moves (after every Step, Play tick or Reset), exactly as SolaraViz
does with the components it is given.
"""

from __future__ import annotations

import html
from collections.abc import Callable

import solara
from mesa.visualization.utils import update_counter

from dashboard import charts
from dashboard.explanations import CHART_HELP
from dashboard.live_figure import LiveFigure
from dashboard.network import citizens_figure
from dashboard.prose import Prose
from dashboard.session import frames
from model import IranModel


def balance_chart(model: IranModel) -> solara.Element:
    """Factional balance with event markers (C1, C2, C6, C9)."""
    results, events = frames(model)
    return LiveFigure(
        charts.factional_balance_figure(results, events, charts.faction_series(model))
    )


def legitimacy_chart(model: IranModel) -> solara.Element:
    """Legitimacy of each faction and of the regime (C6, C7, K3)."""
    results, _ = frames(model)
    return LiveFigure(charts.legitimacy_figure(results, charts.faction_series(model)))


def population_chart(model: IranModel) -> solara.Element:
    """Hardship, resentment, blame on the West, resolve, protest (C5, C7)."""
    results, _ = frames(model)
    return LiveFigure(charts.population_figure(results))


def sanctions_chart(model: IranModel) -> solara.Element:
    """Sanctions support by country and effective sanctions (C3, C4, K1)."""
    results, _ = frames(model)
    return LiveFigure(charts.sanctions_figure(results, charts.government_series(model)))


def nuclear_chart(model: IranModel) -> solara.Element:
    """Nuclear progress and factional division (C8, K2)."""
    results, _ = frames(model)
    return LiveFigure(charts.nuclear_figure(results))


def network_chart(model: IranModel) -> solara.Element:
    """Citizens on their social network (C5, C7)."""
    return LiveFigure(citizens_figure(model))


# (help key, chart function): the simulation page, in reading order.
SIMULATION_CHARTS: tuple[tuple[str, Callable[[IranModel], solara.Element]], ...] = (
    ("balance", balance_chart),
    ("legitimacy", legitimacy_chart),
    ("population", population_chart),
    ("sanctions", sanctions_chart),
    ("nuclear", nuclear_chart),
    ("network", network_chart),
)


@solara.component
def LiveChart(
    model: IranModel, chart: Callable[[IranModel], solara.Element], help_key: str
) -> None:
    """One chart that follows the model, with its explanation under it."""
    update_counter.get()
    with solara.Card(margin=0, classes=["chart-card", f"chart-{help_key}"]):
        chart(model)
        with solara.Details("What this shows"):
            Prose(CHART_HELP[help_key], style="font-size: 13px")


@solara.component
def MonthStatus(model: IranModel) -> None:
    """The month on screen, the run's policy, scenario and seed (one line)."""
    update_counter.get()
    Prose(
        f"**Month <span class='month'>{model.date}</span>** "
        f"(step <span class='step'>{model.steps}</span>) · "
        f"policy **{model.western_policy}** · scenario {model.scenario_spec.name} · "
        f"seed {model.seed} · {model.params.n_citizens:,} citizens",
        classes=["month-status"],
        style="font-size: 16px; margin: 12px 0 4px 0",
    )


@solara.component
def SimulationView(model: IranModel) -> None:
    """The simulation page: every live chart, two to a row on a wide screen."""
    with solara.Row(style={"flex-wrap": "wrap", "gap": "12px"}, classes=["chart-grid"]):
        for key, chart in SIMULATION_CHARTS:
            LiveChart(model, chart, key)


@solara.component
def EventLog(model: IranModel) -> None:
    """The event log: what happened, month by month, in words (newest first)."""
    update_counter.get()
    _, events = frames(model)
    Prose(CHART_HELP["events"])
    if events.empty:
        solara.Info("Nothing has happened yet: press Step or Play.")
        return
    table = events.iloc[::-1][["date", "kind", "text"]].rename(
        columns={"date": "month", "kind": "kind", "text": "what happened"}
    )
    rows = "".join(
        f"<tr><td>{m}</td><td>{html.escape(k.replace('_', ' '))}</td><td>{html.escape(t)}</td></tr>"
        for m, k, t in table.itertuples(index=False)
    )
    solara.HTML(
        tag="table",
        unsafe_innerHTML="<thead><tr><th>month</th><th>kind</th><th>what happened</th></tr>"
        f"</thead><tbody>{rows}</tbody>",
        classes=["event-log"],
    )


def csv_filename(model: IranModel) -> str:
    """The download's file name: scenario, policy, seed and last month."""
    return (
        f"iran-sim_{model.scenario_spec.name}_{model.params.western_policy}_"
        f"seed{model.seed}_{model.date}.csv"
    )


def results_csv(model: IranModel) -> str:
    """The current run as CSV, with the same columns as ``iran-sim run``."""
    return model.results().to_csv(index=False)


@solara.component
def ExportCard(model: IranModel) -> None:
    """Download the current run (every month so far) as CSV."""
    update_counter.get()
    with solara.Card("Export", classes=["export-card"]):
        solara.FileDownload(
            lambda: results_csv(model),
            filename=csv_filename(model),
            label="Download CSV of this run",
            mime_type="text/csv",
        )
        solara.Text(
            f"{model.steps + 1} rows (month 0 to {model.steps}); columns as "
            "`iran-sim run` (docs/columns.md)",
            style={"font-size": "12px", "color": "#555"},
        )
