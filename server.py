"""The browser dashboard: ``solara run server.py`` (or ``iran-sim dashboard``).

Mesa's SolaraViz provides the frame: the app bar, the Step / Play-Pause / Reset
controller with its speed slider, and the update counter that re-renders every chart
after each month. Each browser session builds its own model (``solara.use_memo`` inside
``Page``), so one user's Step never moves another's. The run set-up form, the export card
and the tabbed pages below are this project's (``dashboard/``).

To add a page, add one line to ``PAGES``: a title and a function of the session's model
that renders the page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import solara
from mesa.visualization import SolaraViz

from dashboard.claims_page import AnalysisPage, ClaimsPage
from dashboard.comparison import ComparisonPanel
from dashboard.controls import RunSetup
from dashboard.explanations import MODEL_OVERVIEW, grounding_markdown, odd_markdown
from dashboard.prose import Prose
from dashboard.session import DashboardModel, SettingsStore
from dashboard.views import EventLog, ExportCard, MonthStatus, SimulationView
from model import IranModel

TITLE = "Iran: Western engagement and factional politics"
PLAY_INTERVAL_MS = 300  # Play's initial delay between months; the sidebar slider changes it


@dataclass(frozen=True)
class DashboardPage:
    """A tab of the dashboard: its title and what it renders for the session's model."""

    title: str
    render: Callable[[IranModel], object]


def _about(model: IranModel) -> None:
    Prose(MODEL_OVERVIEW, classes=["about"])
    Prose(grounding_markdown(), classes=["about", "grounding"])


def _odd(model: IranModel) -> None:
    Prose(odd_markdown(), classes=["odd"])


PAGES: list[DashboardPage] = [
    DashboardPage("Simulation", SimulationView),
    DashboardPage("Engage vs refuse", ComparisonPanel),
    DashboardPage("Event log", EventLog),
    DashboardPage("About the model", _about),
    DashboardPage("ODD description", _odd),
    DashboardPage("Claims", lambda model: ClaimsPage(model=model)),
    DashboardPage("Analysis", lambda model: AnalysisPage()),
]

CSS = """
/* SolaraViz always shows a "Model Parameters" card; this dashboard's parameters are in
   the run set-up card, so the empty one is hidden. */
.v-navigation-drawer .v-card:has(> .v-card__text > .v-sheet:empty) { display: none; }
.chart-card { width: 570px; max-width: 100%; }
.chart-card .v-expansion-panel-header { min-height: 32px; padding: 4px 12px; }
table.event-log { border-collapse: collapse; width: 100%; font-size: 14px; }
table.event-log th, table.event-log td {
  text-align: left; padding: 4px 10px; border-bottom: 1px solid #ddd; vertical-align: top;
}
table.event-log td:first-child { white-space: nowrap; font-variant-numeric: tabular-nums; }
"""


@solara.component
def SessionSidebar(store: SettingsStore, model: IranModel) -> None:
    """The run set-up and export cards, placed below SolaraViz's controls."""
    _SidebarCards(store, model)


@solara.component
def _SidebarCards(store: SettingsStore, model: IranModel) -> None:
    # Solara orders sidebar content by component depth; two levels below Page puts
    # these cards after SolaraViz's own (Step / Play / Reset first).
    with solara.Sidebar():
        RunSetup(store, model.run_settings)
        ExportCard(model)


@solara.component
def Page() -> None:
    """The dashboard of one browser session."""
    store = solara.use_memo(SettingsStore, [])
    first_model = solara.use_memo(lambda: DashboardModel(store), [])
    model = solara.use_reactive(first_model)
    tab, set_tab = solara.use_state(0)

    solara.Style(CSS)
    solara.Title(TITLE)
    SolaraViz(
        model,
        components=[],
        model_params={"settings": store},
        name=TITLE,
        play_interval=PLAY_INTERVAL_MS,
    )
    SessionSidebar(store, model.value)
    with solara.Column(style={"padding": "0 12px"}):
        MonthStatus(model.value)
        with solara.lab.Tabs(value=tab, on_value=set_tab):
            for page in PAGES:
                with solara.lab.Tab(page.title):
                    page.render(model.value)
