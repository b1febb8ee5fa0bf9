"""Dashboard pages of the claims audit and of the analyses (ODD §10).

``ClaimsPage``: the latest claims table written by ``iran-sim claims`` (C1–C9, the
critics' checks K1–K3 and the claims with each K switched on), and a button that runs a
small audit (few replicates) for the session's current scenario and parameters in a
background thread, with a progress bar, so the page never freezes.

``AnalysisPage``: the parameter ranking written by ``iran-sim sensitivity`` and the map
written by ``iran-sim frontier``: which parameters decide the engagement advantage, and
where refusal does better (C9; ODD §10.4).

The components only lay out and wire state: the figures and tables are
``batch_runs/reporting/claims_figures.py`` and ``analysis_views.py``, the files
``dashboard/claims_data.py``, the runs ``dashboard/background_runs.py``; figures are
drawn at the width of the page (``LiveFigure``) and wide tables scroll in their own box,
from a phone to a wide screen. Wired into
``server.py`` with::

    DashboardPage("Claims", _claims),  # ClaimsPage(model=model)
    DashboardPage("Analysis", _analysis),  # AnalysisPage()
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import solara

from batch_runs.reporting.analysis_views import (
    frontier_map,
    frontier_summary,
    ranking_table,
    sensitivity_figure,
)
from batch_runs.reporting.claims_figures import (
    claims_figure,
    display_table,
    settings_of,
    verdict_counts,
)
from dashboard.background_runs import (
    audit_request,
    failure_text,
    run_small_audit,
    use_background_run,
)
from dashboard.claims_data import (
    CLAIMS_DIR,
    FRONTIER_DIR,
    FRONTIER_FILE,
    SENSITIVITY_DIR,
    SENSITIVITY_FILE,
    read_claims,
    read_table,
    sibling_folders,
)
from dashboard.live_figure import LiveFigure
from dashboard.run_controls import (
    CONTROL_ROW,
    NOTE_STYLE,
    ReplicatesSlider,
    RunButton,
    show_progress,
)
from model import IranModel

SMALL_AUDIT_REPLICATES = 5
MAX_SMALL_AUDIT_REPLICATES = 12
AUDIT_INTRO = (
    "Each claim of the op-ed as a paired experiment on common random numbers: the arms "
    "differ only in the claim's cause; the effect A−B comes with a 95% interval; "
    "supported / contradicted when the interval is wholly on one side of zero."
)
FRONTIER_COMMAND = "iran-sim frontier --spec batch_runs/specs/frontier_top2.toml"


def missing_text(what: str, folder: str | Path, command: str) -> str:
    """What to run when a page finds no file: the command that writes it there."""
    return f"No {what} found in {folder}. Run `{command} --out {folder}`."


# --- the claims audit -------------------------------------------------------------------


@solara.component
def AuditTable(table: pd.DataFrame, source: str) -> None:
    """One audit table with a choice of setting (baseline, critics' checks, K on): the
    verdict counts, the table and the evidence chart of C1–C9 and K1–K3."""
    settings = settings_of(table)
    setting, set_setting = solara.use_state(settings[0])
    if setting not in settings:
        setting = settings[0]
    solara.Text(source, style=NOTE_STYLE)
    with solara.Div(style={"width": "260px"}):
        solara.Select("Setting", values=settings, value=setting, on_value=set_setting)
    solara.Text(verdict_counts(table, setting), classes=["claims-verdicts"])
    shown = display_table(table, setting)
    with solara.Div(classes=["table-scroll", "claims-table"]):
        solara.DataFrame(shown, items_per_page=len(shown) or 1)
    LiveFigure(claims_figure(table, setting))


@solara.component
def SmallAuditCard(model: IranModel | None) -> None:
    """A small audit of the session's scenario and parameters: how many replicates,
    whether to add the critics' mechanisms, a run button, progress, then the table."""
    replicates, set_replicates = solara.use_state(SMALL_AUDIT_REPLICATES)
    critics, set_critics = solara.use_state(False)
    audit = use_background_run(run_small_audit)

    def start() -> None:
        audit.start(audit_request(model, replicates, critics))

    with solara.Card("Run a small audit for the current parameters"):
        with solara.Row(style=CONTROL_ROW):
            ReplicatesSlider(
                "Paired replicates",
                value=replicates,
                low=2,
                high=MAX_SMALL_AUDIT_REPLICATES,
                width="280px",
                on_value=set_replicates,
            )
            solara.Checkbox(
                label="also with K1–K3 switched on (4× the runs)",
                value=critics,
                on_value=set_critics,
            )
            RunButton("Run audit", start, audit.running, "mdi-scale-balance", "run-audit")
        if audit.running:
            show_progress(audit.progress, "audit-progress")
        elif audit.failed:
            solara.Error(failure_text("audit", audit.result.error))
        elif audit.result.value is not None:
            source = f"Small audit: {audit.request.replicates} paired replicates"
            AuditTable(audit.result.value, source)


@solara.component
def LatestAuditCard(results_dir: str | Path) -> None:
    """The latest audit written by ``iran-sim claims`` (ODD §10.1–10.3)."""
    latest = read_claims(results_dir)
    with solara.Card("Latest audit written by iran-sim claims"):
        if latest is None:
            solara.Info(missing_text("audit", results_dir, "iran-sim claims"))
        else:
            AuditTable(*latest)


@solara.component
def ClaimsPage(model: IranModel | None = None, results_dir: str | Path = CLAIMS_DIR) -> None:
    """The claims audit: the latest table from ``iran-sim claims`` and a small audit of
    the session's current parameters, run in the background with progress."""
    solara.HTML(tag="h3", unsafe_innerHTML="Claims audit")
    solara.Text(AUDIT_INTRO)
    SmallAuditCard(model)
    LatestAuditCard(results_dir)


# --- the analyses -----------------------------------------------------------------------


def folder_choice(
    label: str, choices: list[str], value: str, on_value: Callable[[str], None]
) -> None:
    """A choice among analyses written side by side, shown only when there are two, by
    their folders' names (they share one parent folder); ``on_value`` gets the folder.

    A plain function called while ``AnalysisPage`` renders, not a component: a component
    that shows nothing would still leave an empty column on the page.
    """
    if len(choices) > 1:
        folders = {Path(choice).name: choice for choice in choices}
        with solara.Div(style={"width": "360px", "max-width": "100%"}):
            solara.Select(
                label,
                values=list(folders),
                value=Path(value).name,
                on_value=lambda name: on_value(folders[name]),
            )


@solara.component
def SensitivityCard(folder: str | Path) -> None:
    """The parameters that decide the engagement advantage, most influential first."""
    ranking = read_table(folder, SENSITIVITY_FILE)
    with solara.Card("Sensitivity of the engagement advantage (iran-sim sensitivity)"):
        if ranking is None:
            solara.Info(missing_text("ranking", folder, "iran-sim sensitivity"))
            return
        LiveFigure(sensitivity_figure(ranking))
        with solara.Div(classes=["table-scroll", "ranking-table"]):
            solara.DataFrame(ranking_table(ranking), items_per_page=10)


@solara.component
def FrontierCard(folder: str | Path) -> None:
    """Where engagement stops paying off over two parameters, with a summary line."""
    frontier = read_table(folder, FRONTIER_FILE)
    with solara.Card("Where engagement stops paying off (iran-sim frontier)"):
        if frontier is None:
            solara.Info(missing_text("map", folder, FRONTIER_COMMAND))
            return
        solara.Text(frontier_summary(frontier), classes=["frontier-summary"])
        LiveFigure(frontier_map(frontier))


@solara.component
def AnalysisPage(
    sensitivity_dir: str | Path = SENSITIVITY_DIR, frontier_dir: str | Path = FRONTIER_DIR
) -> None:
    """Which parameters decide the engagement advantage, and where refusal does better:
    the files written by ``iran-sim sensitivity`` and ``iran-sim frontier`` (other
    analyses written beside them, e.g. for other outcomes, can be chosen)."""
    sens_choices = sibling_folders(sensitivity_dir, SENSITIVITY_FILE)
    front_choices = sibling_folders(frontier_dir, FRONTIER_FILE)
    sens_folder, set_sens_folder = solara.use_state(sens_choices[0])
    front_folder, set_front_folder = solara.use_state(front_choices[0])
    folder_choice("Sensitivity analysis", sens_choices, sens_folder, set_sens_folder)
    folder_choice("Frontier map", front_choices, front_folder, set_front_folder)
    SensitivityCard(sens_folder)
    FrontierCard(front_folder)
