"""The live parts of the simulation page: charts, month status, event log and CSV export.

Each chart is a plain function ``f(model)`` returning its figure, shown by
:func:`LiveChart` in a ``LiveFigure`` (a ``solara.FigurePlotly`` that updates in place)
and re-rendered whenever SolaraViz's ``update_counter`` moves (after every Step, Play
tick or Reset), exactly as SolaraViz does with the components it is given.
"""

from __future__ import annotations

import html
from collections.abc import Callable

import pandas as pd
import solara
from mesa.visualization.utils import update_counter

from dashboard import charts
from dashboard.charts import Figure, faction_series, government_series
from dashboard.explanations import CHART_HELP
from dashboard.live_figure import LiveFigure
from dashboard.network import citizens_figure
from dashboard.prose import Prose
from dashboard.session import frames
from model import IranModel


def results_of(model: IranModel) -> pd.DataFrame:
    """The model's months so far (one copy shared by every chart of an update)."""
    return frames(model)[0]


# The simulation page in reading order: (help key, the chart's figure for the model's
# months so far). The figure functions say which claims they serve (C1–C9, K1–K3).
SIMULATION_CHARTS: tuple[tuple[str, Callable[[IranModel], Figure]], ...] = (
    ("balance", lambda m: charts.factional_balance_figure(*frames(m), faction_series(m))),
    ("legitimacy", lambda m: charts.legitimacy_figure(results_of(m), faction_series(m))),
    ("population", lambda m: charts.population_figure(results_of(m))),
    ("sanctions", lambda m: charts.sanctions_figure(results_of(m), government_series(m))),
    ("nuclear", lambda m: charts.nuclear_figure(results_of(m))),
    ("network", citizens_figure),
)


@solara.component
def LiveChart(model: IranModel, figure: Callable[[IranModel], Figure], help_key: str) -> None:
    """One chart that follows the model, with its explanation under it."""
    update_counter.get()
    with solara.Card(margin=0, classes=["chart-card", f"chart-{help_key}"]):
        LiveFigure(figure(model))
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
        for key, figure in SIMULATION_CHARTS:
            LiveChart(model, figure, key)


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
