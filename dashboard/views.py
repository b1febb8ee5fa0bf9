"""The live parts of the simulation page: charts, month status, event log and CSV export,
and the screen width that decides whether the drawer starts open.

Each chart is a plain function ``f(model)`` returning its figure, shown by
:func:`LiveChart` in a ``LiveFigure`` (plotly.js, sized to its grid cell) and
re-rendered whenever SolaraViz's ``update_counter`` moves (after every Step, Play tick
or Reset), exactly as SolaraViz does with the components it is given.
"""

from __future__ import annotations

import html
from collections.abc import Callable

import anywidget
import pandas as pd
import solara
import traitlets
from mesa.visualization.utils import update_counter

from dashboard import charts
from dashboard.charts import Figure, faction_series, government_series
from dashboard.explanations import CHART_HELP
from dashboard.live_figure import LiveFigure
from dashboard.monitors import Monitors
from dashboard.network import citizens_figure
from dashboard.prose import Prose, to_html
from dashboard.session import frames
from model import IranModel


def results_of(model: IranModel) -> pd.DataFrame:
    """The model's months so far (one copy shared by every chart of an update)."""
    return frames(model)[0]


# The simulation page in reading order: (help key, the chart's figure for the model's
# months so far). The figure functions say which claims they serve (C1–C9, K1–K3). The
# factional balance and sanctions come first, side by side on a wide screen: the op-ed's
# argument runs through both (C3, C4, C6).
SIMULATION_CHARTS: tuple[tuple[str, Callable[[IranModel], Figure]], ...] = (
    ("balance", lambda m: charts.factional_balance_figure(*frames(m), faction_series(m))),
    ("sanctions", lambda m: charts.sanctions_figure(results_of(m), government_series(m))),
    ("legitimacy", lambda m: charts.legitimacy_figure(results_of(m), faction_series(m))),
    ("population", lambda m: charts.population_figure(results_of(m))),
    ("nuclear", lambda m: charts.nuclear_figure(results_of(m))),
    ("network", citizens_figure),
)


@solara.component
def LiveChart(
    model: IranModel, figure: Callable[[IranModel], Figure], help_key: str, update: int = 0
) -> None:
    """One chart of the model's months so far, with its explanation under it; drawn
    again when ``update`` (SolaraViz's update counter, given by the page) moves."""
    with solara.Div(classes=["chart-card", f"chart-{help_key}"]):
        LiveFigure(figure(model))
        ChartHelp(help_key)


@solara.component
def ChartHelp(help_key: str) -> None:
    """What a chart shows and which claims it serves, folded under it ("What this
    shows"): the browser's own disclosure element, one widget, never re-sent."""
    solara.HTML(
        tag="details",
        unsafe_innerHTML=f"<summary>What this shows</summary>{to_html(CHART_HELP[help_key])}",
        classes=["chart-help", "prose"],
    )


@solara.component
def RunHeader(model: IranModel) -> None:
    """Above the tabs: the month line and the monitors, re-rendered together each month
    (one subscription to the update counter for both)."""
    update = update_counter.get()
    with solara.Div(classes=["run-header"]):
        MonthStatus(model, update)
        Monitors(model, update)


@solara.component
def MonthStatus(model: IranModel, update: int = 0) -> None:
    """The month on screen, the run's policy, scenario and seed (one line); ``update``
    (SolaraViz's update counter) makes it follow the months."""
    start = " · press **Step** or **▶** to run it month by month" if model.steps == 0 else ""
    Prose(
        f"**Month <span class='month'>{model.date}</span>** "
        f"(step <span class='step'>{model.steps}</span>) · "
        f"policy **{model.western_policy}** · scenario {model.scenario_spec.name} · "
        f"seed {model.seed} · {model.params.n_citizens:,} citizens{start}",
        classes=["month-status"],
        style="font-size: 16px; margin: 8px 0 0 0",
    )


@solara.component
def SimulationView(model: IranModel) -> None:
    """The simulation page: every live chart in a grid, as many to a row as fit (two or
    three on a wide screen, one on a phone; the grid is the page's CSS). The page, not
    each chart, follows the update counter: one re-render a month for all six."""
    update = update_counter.get()
    with solara.Div(classes=["chart-grid"]):
        for key, figure in SIMULATION_CHARTS:
            LiveChart(model, figure, key, update)


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


# Below this width the drawer (SolaraViz's sidebar) covers the page, so it starts closed:
# Vuetify's breakpoint for a "mobile" navigation drawer, as Solara's AppLayout sets it.
DRAWER_BREAKPOINT_PX = 960

# The width of the session's browser window in CSS pixels (0 until the browser says).
screen_width: solara.Reactive[int] = solara.reactive(0)


class _WindowWidth(anywidget.AnyWidget):
    """Reports the browser window's width once, when the page opens."""

    _esm = """
    export default {
      render({ model, el }) {
        el.style.display = "none";
        model.set("width", window.innerWidth);
        model.save_changes();
      },
    };
    """
    width = traitlets.Int(0).tag(sync=True)


@solara.component
def ScreenWidth() -> None:
    """Keeps :data:`screen_width` at the width the browser reported (nothing shown)."""
    _WindowWidth.element(width=screen_width.value, on_width=screen_width.set)


def csv_filename(model: IranModel) -> str:
    """The download's file name: scenario, policy, seed and last month."""
    return (
        f"iran-sim_{model.scenario_spec.name}_{model.params.western_policy}_"
        f"seed{model.seed}_{model.date}.csv"
    )


def results_csv(model: IranModel) -> str:
    """The current run as CSV in the format of ``iran-sim run``: '#' lines recording its
    set-up (scenario, seed, months, every parameter, the code), then its months so far."""
    from dashboard.session import run_csv

    return run_csv(model)


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
            f"{model.steps + 1} rows (month 0 to {model.steps}) after '#' lines recording "
            "the set-up; as `iran-sim run` writes it (pandas: read_csv(path, comment='#')); "
            "`iran-sim run --from-csv FILE` or the set-up card's drop zone runs it again",
            style={"font-size": "12px", "color": "#555"},
        )
