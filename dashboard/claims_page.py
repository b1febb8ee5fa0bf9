"""Dashboard pages of the claims audit and of the analyses (ODD §10).

``ClaimsPage``: the latest claims table written by ``iran-sim claims`` (C1–C9, the
critics' checks K1–K3 and the claims with each K switched on), and a button that runs a
small audit (few replicates) for the session's current scenario and parameters in a
background thread, with a progress bar, so the page never freezes.

``AnalysisPage``: the parameter ranking written by ``iran-sim sensitivity`` and the map
written by ``iran-sim frontier``: which parameters decide the engagement advantage, and
where refusal does better (C9).

The figure and table builders are plain functions (no Solara), tested without a browser.
Wire them into ``server.py`` with, e.g.::

    DashboardPage("Claims", lambda model: ClaimsPage(model=model)),
    DashboardPage("Analysis", lambda model: AnalysisPage()),
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import solara

from batch_runs.analysis.outcomes import get_outcome
from batch_runs.analysis.statistics import t_critical
from batch_runs.claims import CONTRADICTED, INCONCLUSIVE, SUPPORTED, full_audit
from batch_runs.frontier import frontier_figure
from batch_runs.sensitivity import ranking_figure
from model import IranModel

SHIPPED_RESULTS = Path(__file__).resolve().parent.parent / "docs" / "results"


def results_folder(name: str) -> Path:
    """The user's own latest ``results/<name>`` (as the commands write it, relative to the
    working folder) if it exists, else the baseline results shipped in ``docs/results``."""
    own = Path("results") / name
    return own if own.is_dir() else SHIPPED_RESULTS / name


CLAIMS_DIR = results_folder("claims")
SENSITIVITY_DIR = results_folder("sensitivity")
FRONTIER_DIR = results_folder("frontier")
VERDICT_COLOURS = {SUPPORTED: "#009E73", CONTRADICTED: "#D55E00", INCONCLUSIVE: "#999999"}
SMALL_AUDIT_REPLICATES = 5
MAX_SMALL_AUDIT_REPLICATES = 12
SMALL_AUDIT_CITIZENS = 1000


# --- pure builders (tested without a browser) ---------------------------------------


def read_claims(folder: str | Path = CLAIMS_DIR) -> tuple[pd.DataFrame, str] | None:
    """The table of ``folder/claims.csv`` and a line saying when it was written, or None."""
    path = Path(folder) / "claims.csv"
    if not path.is_file():
        return None
    table = pd.read_csv(path)
    when = datetime.fromtimestamp(path.stat().st_mtime).strftime("%Y-%m-%d %H:%M")
    return table, f"{path} (written {when})"


def settings_of(table: pd.DataFrame) -> list[str]:
    """The settings of an audit table, baseline first."""
    return list(dict.fromkeys(table["setting"]))


def display_table(table: pd.DataFrame, setting: str = "baseline") -> pd.DataFrame:
    """The rows of one setting, formatted for reading (effect with its 95% interval)."""
    rows = table[table["setting"] == setting]

    def fmt(x: float) -> str:
        return "n/a" if not math.isfinite(x) else f"{x:+.3f}"

    return pd.DataFrame(
        {
            "id": rows["id"],
            "claim (stated effect)": rows["statement"],
            "cause: A vs B": rows["arm_a"] + " vs " + rows["arm_b"],
            "outcome": rows["outcome"],
            "statistic": rows["statistic"],
            "expected": rows["expected"],
            "effect A−B [95% CI]": [
                f"{fmt(e)} [{fmt(lo)}, {fmt(hi)}]"
                for e, lo, hi in zip(rows["effect"], rows["ci_low"], rows["ci_high"], strict=True)
            ],
            "n": rows["n"],
            "verdict": rows["verdict"],
        }
    ).reset_index(drop=True)


def claims_figure(table: pd.DataFrame, setting: str = "baseline") -> go.Figure:
    """Evidence for each claim in its own direction: the effect divided by its standard
    error, signed so that positive means 'as the claim says'; the dashed lines are the
    95% thresholds beyond which a claim is supported (right) or contradicted (left)."""
    rows = table[table["setting"] == setting].iloc[::-1]
    sign = np.where(rows["expected"].astype(str) == "+", 1.0, -1.0)
    n = rows["n"].to_numpy(dtype=float)
    crit = t_critical(n)
    half = (rows["ci_high"] - rows["ci_low"]).to_numpy(dtype=float) / 2
    se = np.where(half > 0, half / crit, np.nan)
    t = sign * rows["effect"].to_numpy(dtype=float) / se
    t = np.clip(np.nan_to_num(t, nan=0.0, posinf=50.0, neginf=-50.0), -50, 50)
    colours = [VERDICT_COLOURS.get(v, "#999999") for v in rows["verdict"]]
    fig = go.Figure(
        go.Bar(
            x=t,
            y=rows["id"],
            orientation="h",
            marker_color=colours,
            customdata=np.stack([rows["statement"], rows["verdict"]], axis=-1),
            hovertemplate="%{y}: %{customdata[0]}<br>t = %{x:.1f} (%{customdata[1]})"
            "<extra></extra>",
        )
    )
    threshold = float(np.nanmedian(crit)) if np.isfinite(crit).any() else 2.0
    for x in (-threshold, threshold):
        fig.add_vline(x=x, line_dash="dash", line_color="#555")
    fig.update_layout(
        title=f"Evidence for each claim ({setting}): effect / standard error, claimed "
        "direction positive",
        xaxis_title="t statistic in the claimed direction (clipped at ±50)",
        width=760,
        height=max(320, 28 * len(rows) + 140),
        margin={"l": 60},
        showlegend=False,
    )
    return fig


def read_ranking_file(folder: str | Path = SENSITIVITY_DIR) -> pd.DataFrame | None:
    """``folder/sensitivity.csv`` as written by ``iran-sim sensitivity``, or None."""
    path = Path(folder) / "sensitivity.csv"
    return pd.read_csv(path) if path.is_file() else None


def sensitivity_view(ranking: pd.DataFrame, top: int = 20) -> tuple[go.Figure, pd.DataFrame]:
    """The ranking chart (top parameters) and a compact table of the ranking."""
    method = str(ranking["method"].iloc[0]) if "method" in ranking else "morris"
    key = "mu_star" if method == "morris" else "ST"
    outcome = get_outcome(str(ranking["outcome"].iloc[0])) if "outcome" in ranking else None
    statistic = str(ranking["statistic"].iloc[0]) if "statistic" in ranking else ""
    head = ranking.sort_values("rank").head(top)
    fig = ranking_figure(head, method, outcome or get_outcome("nuclear_progress"), statistic)
    fig.update_layout(width=760)
    table = head[["rank", "parameter", "claim", key, "ci_low", "ci_high"]].round(4)
    return fig, table.reset_index(drop=True)


def read_frontier_file(folder: str | Path = FRONTIER_DIR) -> pd.DataFrame | None:
    """``folder/frontier.csv`` as written by ``iran-sim frontier``, or None."""
    path = Path(folder) / "frontier.csv"
    return pd.read_csv(path) if path.is_file() else None


def frontier_view(table: pd.DataFrame) -> tuple[go.Figure, str]:
    """The frontier heatmaps and a one-line summary of where refusal does better."""
    x, y = table.columns[0], table.columns[1]
    outcome = get_outcome(str(table["outcome"].iloc[0]))
    fig = frontier_figure(table, x, y, outcome, str(table["statistic"].iloc[0]))
    fig.update_layout(width=1000, height=460)
    worse = int(table["refusal_better"].sum())
    significant = int(table["refusal_better_significant"].sum())
    ties = int((table["advantage"] == 0).sum())
    text = (
        f"{outcome.name} over {x} × {y}: refusal does better in {worse} of {len(table)} "
        f"cells ({significant} with the 95% interval below zero); no difference in {ties}."
    )
    return fig, text


@dataclass(frozen=True)
class AuditRequest:
    """A small audit to run for the session's scenario and parameters."""

    scenario: Any
    replicates: int
    critics: bool
    seed: int
    nonce: int = 0
    overrides: dict[str, Any] = field(default_factory=dict)


def run_small_audit(request: AuditRequest, progress=None) -> pd.DataFrame:
    """Run the audit of a request in the calling thread (one process: no pool in the
    dashboard's server); ``progress(done, total)`` is called as runs finish."""
    table, _ = full_audit(
        scenario=request.scenario,
        overrides=request.overrides,
        replicates=request.replicates,
        seed=request.seed,
        critics=request.critics,
        workers=1,
        progress=progress,
    )
    return table


# --- Solara components --------------------------------------------------------------


@solara.component
def AuditTable(table: pd.DataFrame, source: str) -> None:
    """One audit table with a choice of setting (baseline, critics' checks, K on)."""
    settings = settings_of(table)
    setting, set_setting = solara.use_state(settings[0])
    if setting not in settings:
        setting = settings[0]
    solara.Text(source, style={"font-size": "12px", "color": "#555"})
    with solara.Div(style={"width": "260px"}):
        solara.Select("Setting", values=settings, value=setting, on_value=set_setting)
    counts = table[table["setting"] == setting]["verdict"].value_counts()
    solara.Text(
        ", ".join(f"{counts.get(v, 0)} {v}" for v in (SUPPORTED, INCONCLUSIVE, CONTRADICTED)),
        classes=["claims-verdicts"],
    )
    shown = display_table(table, setting)
    solara.DataFrame(shown, items_per_page=len(shown) or 1)
    solara.FigurePlotly(claims_figure(table, setting))


@solara.component
def ClaimsPage(model: IranModel | None = None, results_dir: str | Path = CLAIMS_DIR) -> None:
    """The claims audit: the latest table from ``iran-sim claims`` and a small audit of
    the session's current parameters, run in the background with progress."""
    replicates, set_replicates = solara.use_state(SMALL_AUDIT_REPLICATES)
    critics, set_critics = solara.use_state(False)
    request, set_request = solara.use_state(None)
    progress = solara.use_reactive((0, 0))

    def work() -> pd.DataFrame | None:
        if request is None:
            return None
        return run_small_audit(request, lambda done, total: progress.set((done, total)))

    result = solara.use_thread(work, dependencies=[request])
    running = result.state == solara.ResultState.RUNNING

    def start() -> None:
        scenario = model.scenario_spec if model is not None else None
        seed = int(model.seed) if model is not None else 0
        overrides = {} if model is not None else {"n_citizens": SMALL_AUDIT_CITIZENS}
        set_request(
            AuditRequest(
                scenario=scenario,
                replicates=int(replicates),
                critics=bool(critics),
                seed=seed,
                nonce=(request.nonce + 1) if request else 0,
                overrides=overrides,
            )
        )

    solara.HTML(tag="h3", unsafe_innerHTML="Claims audit")
    solara.Text(
        "Each claim of the op-ed as a paired experiment on common random numbers: the arms "
        "differ only in the claim's cause; the effect A−B comes with a 95% interval; "
        "supported / contradicted when the interval is wholly on one side of zero."
    )
    with solara.Card("Run a small audit for the current parameters"):
        with solara.Row(style={"align-items": "center", "flex-wrap": "wrap", "gap": "16px"}):
            with solara.Div(style={"width": "280px"}):
                solara.SliderInt(
                    "Paired replicates",
                    value=replicates,
                    min=2,
                    max=MAX_SMALL_AUDIT_REPLICATES,
                    on_value=set_replicates,
                )
            solara.Checkbox(
                label="also with K1–K3 switched on (4× the runs)",
                value=critics,
                on_value=set_critics,
            )
            solara.Button(
                "Run audit",
                on_click=start,
                color="primary",
                disabled=running,
                icon_name="mdi-scale-balance",
                classes=["run-audit"],
            )
        if running:
            done, total = progress.value
            solara.ProgressLinear(100 * done / total if total else True)
            solara.Text(f"Running: {done} of {total} runs done", classes=["audit-progress"])
        elif result.state == solara.ResultState.ERROR:
            solara.Error(f"The audit failed: {type(result.error).__name__}: {result.error}")
        elif result.value is not None:
            AuditTable(result.value, f"Small audit: {request.replicates} paired replicates")
    latest = read_claims(results_dir)
    with solara.Card("Latest audit written by iran-sim claims"):
        if latest is None:
            solara.Info(
                f"No audit found in {results_dir}. Run `iran-sim claims --out {results_dir}`."
            )
        else:
            AuditTable(*latest)


def sibling_folders(folder: str | Path, filename: str) -> list[str]:
    """``folder`` and every other folder beside it that holds ``filename`` (so that the
    page can offer the analyses of several outcomes), ``folder`` first."""
    folder = Path(folder)
    found = sorted(str(p.parent) for p in folder.parent.glob(f"*/{filename}"))
    return list(dict.fromkeys([str(folder), *found]))


@solara.component
def AnalysisPage(
    sensitivity_dir: str | Path = SENSITIVITY_DIR, frontier_dir: str | Path = FRONTIER_DIR
) -> None:
    """Which parameters decide the engagement advantage, and where refusal does better:
    the files written by ``iran-sim sensitivity`` and ``iran-sim frontier`` (other
    analyses written beside them, e.g. for other outcomes, can be chosen)."""
    sens_choices = sibling_folders(sensitivity_dir, "sensitivity.csv")
    front_choices = sibling_folders(frontier_dir, "frontier.csv")
    sens_folder, set_sens_folder = solara.use_state(sens_choices[0])
    front_folder, set_front_folder = solara.use_state(front_choices[0])
    if len(sens_choices) > 1:
        with solara.Div(style={"width": "360px"}):
            solara.Select(
                "Sensitivity analysis",
                values=sens_choices,
                value=sens_folder,
                on_value=set_sens_folder,
            )
    if len(front_choices) > 1:
        with solara.Div(style={"width": "360px"}):
            solara.Select(
                "Frontier map",
                values=front_choices,
                value=front_folder,
                on_value=set_front_folder,
            )
    sensitivity_dir, frontier_dir = sens_folder, front_folder
    ranking = read_ranking_file(sensitivity_dir)
    with solara.Card("Sensitivity of the engagement advantage (iran-sim sensitivity)"):
        if ranking is None:
            solara.Info(
                f"No ranking found in {sensitivity_dir}. Run `iran-sim sensitivity --out "
                f"{sensitivity_dir}`."
            )
        else:
            fig, table = sensitivity_view(ranking)
            solara.FigurePlotly(fig)
            solara.DataFrame(table, items_per_page=10)
    frontier = read_frontier_file(frontier_dir)
    with solara.Card("Where engagement stops paying off (iran-sim frontier)"):
        if frontier is None:
            solara.Info(
                f"No map found in {frontier_dir}. Run `iran-sim frontier --spec "
                f"batch_runs/specs/frontier_top2.toml --out {frontier_dir}`."
            )
        else:
            fig, text = frontier_view(frontier)
            solara.Text(text, classes=["frontier-summary"])
            solara.FigurePlotly(fig)
