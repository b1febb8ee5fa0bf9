"""The browser dashboard: ``solara run server.py`` (or ``iran-sim dashboard``).

Mesa's SolaraViz provides the frame: the app bar, the Step / Play-Pause / Reset
controller with its speed slider, and the update counter that re-renders every chart
after each month. Each browser session builds its own model (``solara.use_memo`` inside
``Page``), so one user's Step never moves another's. The run set-up form, the export card,
the monitors and the tabbed pages below are this project's (``dashboard/``).

A tab's content is built the first time it is opened, and kept (with its state, e.g. a
comparison's results) when another tab is shown: opening the page builds the simulation
page only. Pages that need the analysis code import it when first shown.

To add a page, add one line to ``PAGES``: a title and a function of the session's model
that renders the page.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass

import solara
from mesa.visualization import SolaraViz

from dashboard.controls import RunSetup
from dashboard.explanations import MODEL_OVERVIEW, grounding_markdown, odd_markdown
from dashboard.headline import EngagementHeadline
from dashboard.live_figure import serve_plotly_js
from dashboard.network import citizens_figure
from dashboard.prose import Prose
from dashboard.session import DashboardModel, SettingsStore
from dashboard.url_state import use_url_settings
from dashboard.views import (
    DRAWER_BREAKPOINT_PX,
    EventLog,
    ExportCard,
    RunHeader,
    ScreenWidth,
    SimulationView,
    screen_width,
)
from model import IranModel

TITLE = "Iran: Western engagement and factional politics"
serve_plotly_js()  # the charts' plotly.js, served from the installed plotly package
# Reacton's renderer that walks only the components whose state changed (opt-in in the
# installed reacton): the default one re-applies every element of the page (hundreds, most
# of them the drawer's form) once per component that follows the month, about ten
# times a Step. Read when a session's page is first rendered, after this import.
os.environ.setdefault("REACTON_FAST", "1")


def _warm_up() -> None:
    """Build the default run once as the server starts, in the background: the model's
    compiled kernels and the default network's layout are then ready when the first
    page opens, which is as quick as the next."""
    citizens_figure(DashboardModel(SettingsStore()))


threading.Thread(target=_warm_up, name="dashboard-warm-up", daemon=True).start()
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


# The pages below import the analysis code (statistics, subplots) when first shown.
def _comparison(model: IranModel) -> None:
    from dashboard.comparison import ComparisonPanel

    ComparisonPanel(model)


def _claims(model: IranModel) -> None:
    from dashboard.claims_page import ClaimsPage

    ClaimsPage(model=model)


def _analysis(model: IranModel) -> None:
    from dashboard.claims_page import AnalysisPage

    AnalysisPage()


PAGES: list[DashboardPage] = [
    DashboardPage("Simulation", SimulationView),
    DashboardPage("Engage vs refuse", _comparison),
    DashboardPage("Event log", EventLog),
    DashboardPage("About the model", _about),
    DashboardPage("ODD description", _odd),
    DashboardPage("Claims", _claims),
    DashboardPage("Analysis", _analysis),
]

CSS = """
/* SolaraViz always shows a "Model Parameters" card; this dashboard's parameters are in
   the run set-up card, so the empty one is hidden. */
.v-navigation-drawer .v-card:has(> .v-card__text > .v-sheet:empty) { display: none; }
/* On a phone the drawer (400 px wide in Solara) leaves a strip of the page in sight, to
   tap and close it. */
@media (max-width: 959px) {
  .v-navigation-drawer { min-width: 0 !important; width: 85vw !important; }
}
/* The page never scrolls sideways: content takes the width it is given, and what cannot
   shrink (a wide table) scrolls inside its own box. */
.dashboard-main { width: 100%; min-width: 0; }
.dashboard-main .v-window, .dashboard-main .v-window-item { min-width: 0; }
.table-scroll { max-width: 100%; overflow-x: auto; }
.v-card__title { word-break: normal; overflow-wrap: anywhere; }
.dashboard-main .d-flex > *, .dashboard-main .v-data-table { min-width: 0; max-width: 100%; }
.prose table, .prose pre { display: block; max-width: 100%; overflow-x: auto; }
.prose img { max-width: 100%; }
/* The charts: as many columns of at least 400 px as fit (two or three on a wide screen,
   one on a phone). */
.chart-grid {
  display: grid; gap: 12px; width: 100%;
  grid-template-columns: repeat(auto-fill, minmax(min(100%, 400px), 1fr));
}
.chart-card {
  min-width: 0; padding: 4px 0; border-radius: 4px; background: white;
  box-shadow: 0 2px 1px -1px rgba(0,0,0,.2), 0 1px 1px 0 rgba(0,0,0,.14),
    0 1px 3px 0 rgba(0,0,0,.12);
}
.chart-help { font-size: 13px; padding: 0 12px; }
.chart-help summary { cursor: pointer; font-size: 14px; padding: 4px 0; }
/* Every tab is in sight: the tab bar wraps instead of hiding tabs behind an arrow; the
   underline marks the tab shown (Vuetify's slider assumes a single row). */
.dashboard-tabs .v-slide-group__wrapper { overflow: visible; contain: none; min-width: 0; }
.dashboard-tabs .v-slide-group__content {
  flex: 1 1 auto; flex-wrap: wrap; min-width: 0; transform: none !important;
}
.dashboard-tabs .v-slide-group__prev, .dashboard-tabs .v-slide-group__next,
.dashboard-tabs .v-tabs-slider-wrapper { display: none !important; }
.dashboard-tabs .v-tabs-bar { height: auto; }
.dashboard-tabs .v-tab { min-width: 0; padding: 0 12px; height: 40px; }
.dashboard-tabs .v-tab--active { box-shadow: inset 0 -2px 0 currentColor; }
/* A tab shows at once, without Vuetify's slide: on a busy machine a slide interrupted
   by the tab's first render left the tab's content shifted sideways, past the screen. */
.dashboard-tabs .v-window__container,
.dashboard-tabs .v-window-item { transition: none !important; transform: none !important; }
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
def Layout(children: list | None = None) -> solara.Element:
    """Solara's app layout, with the drawer closed on a narrow screen (a phone), where it
    would cover the page; a wider screen opens with the drawer's controls in sight."""
    narrow = 0 < screen_width.value < DRAWER_BREAKPOINT_PX
    return solara.AppLayout(children=children or [], sidebar_open=not narrow)


@solara.component
def Page() -> None:
    """The dashboard of one browser session."""
    store = use_url_settings()  # the set-up in the page's address, if any
    first_model = solara.use_memo(lambda: DashboardModel(store), [])
    model = solara.use_reactive(first_model)
    tab, set_tab = solara.use_state(0)
    opened, set_opened = solara.use_state(frozenset({0}))

    def show_tab(index: int) -> None:
        set_tab(index)
        set_opened(lambda before: before | {index})

    solara.Style(CSS)
    solara.Title(TITLE)
    # SolaraViz's frame and the sidebar cards show in the app bar and the drawer; what
    # they leave in place is empty, and hidden so that it takes no room above the page.
    with solara.Div(style={"display": "none"}):
        SolaraViz(
            model,
            components=[],
            model_params={"settings": store},
            name=TITLE,
            play_interval=PLAY_INTERVAL_MS,
        )
        SessionSidebar(store, model.value)
        ScreenWidth()
    with solara.Column(style={"padding": "0 12px"}, classes=["dashboard-main"]):
        RunHeader(model.value)  # the month line and the monitors
        EngagementHeadline(model.value)
        with solara.Div(classes=["dashboard-tabs"]), solara.lab.Tabs(value=tab, on_value=show_tab):
            for index, page in enumerate(PAGES):
                with solara.lab.Tab(page.title):
                    if index in opened:  # built when first shown, then kept
                        page.render(model.value)
