"""The engage-vs-refuse panel: two Western policies on the same scenario and seeds.

Runs ``batch_runs.paired.paired_runs`` (common random numbers) in a background thread
with a progress bar, then shows both arms side by side (mean and 95% band over paired
replicates) and the paired differences of the main outcomes (mean A − B at the last
month with a 95% confidence interval). Serves C9: whether refusing "can only have
adverse consequences" is measured here, and every claim's outcome is in the table.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import solara
from plotly.subplots import make_subplots

from batch_runs.analysis.statistics import mean_ci_along, paired_differences
from batch_runs.paired import paired_runs
from dashboard.charts import FONT, POLICY_COLOURS
from dashboard.explanations import CHART_HELP
from dashboard.prose import Prose
from model import DEFAULT_MONTHS, SCHEMA, IranModel, ParameterError, ScenarioError
from model.outputs import OUTPUTS, expand

POLICIES: tuple[str, ...] = SCHEMA["western_policy"].choices
DEFAULT_A, DEFAULT_B = "engage", "refuse"
DEFAULT_REPLICATES = 20
MAX_REPLICATES = 100


@dataclass(frozen=True)
class Outcome:
    """A main outcome of the comparison: its column, label and claim."""

    column: str
    label: str
    claim: str


def main_outcomes(model: IranModel) -> tuple[Outcome, ...]:
    """The outcomes the op-ed's claims are about (the headline columns of the output
    schema), for this model's factions and for the non-Western governments (C3, C4)."""
    others = [g for g in model.governments if not g.western]
    return tuple(
        Outcome(c.name, c.label, c.claims)
        for column in OUTPUTS
        if column.headline
        for c in expand(column, model.factions, others)
    )


@dataclass(frozen=True)
class ComparisonRequest:
    """What to compare: the current run's scenario and parameters, two policies."""

    scenario: Any
    policy_a: str
    policy_b: str
    replicates: int
    seed: int
    outcomes: tuple[Outcome, ...]
    steps: int = DEFAULT_MONTHS
    nonce: int = 0


@dataclass(frozen=True)
class ComparisonResult:
    """Both arms' runs, in replicate order, and their paired differences."""

    request: ComparisonRequest
    runs_a: list[pd.DataFrame]
    runs_b: list[pd.DataFrame]
    differences: pd.DataFrame


def run_comparison(
    request: ComparisonRequest, progress: Callable[[int, int], None] | None = None
) -> ComparisonResult:
    """Run the paired replicates of a request (in the calling thread).

    ``progress(done, total)`` is called as runs finish.
    """
    runs_a, runs_b = paired_runs(
        {"western_policy": request.policy_a},
        {"western_policy": request.policy_b},
        scenario=request.scenario,
        replicates=request.replicates,
        steps=request.steps,
        seed=request.seed,
        workers=1,
        progress=progress,
    )
    diffs = paired_differences(runs_a, runs_b, [o.column for o in request.outcomes])
    return ComparisonResult(request, runs_a, runs_b, diffs)


def _rgba(hex_colour: str, alpha: float) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def trajectories_figure(
    runs_a: list[pd.DataFrame],
    runs_b: list[pd.DataFrame],
    outcomes: tuple[Outcome, ...],
    policy_a: str,
    policy_b: str,
) -> go.Figure:
    """Small multiples of the main outcomes under both policies, side by side in each
    panel: mean over paired replicates with a shaded 95% band (C9)."""
    cols = 4
    rows = math.ceil(len(outcomes) / cols)
    fig = make_subplots(
        rows=rows,
        cols=cols,
        subplot_titles=[o.label for o in outcomes],
        vertical_spacing=0.09,
        horizontal_spacing=0.06,
    )
    x = pd.to_datetime(runs_a[0]["date"], format="%Y-%m")
    for arm, runs, policy in (("A", runs_a, policy_a), ("B", runs_b, policy_b)):
        colour = POLICY_COLOURS.get(policy, "#333333")
        for i, o in enumerate(outcomes):
            row, col = i // cols + 1, i % cols + 1
            stack = np.stack([r[o.column].to_numpy(dtype=float) for r in runs])
            mean, low, high = mean_ci_along(stack)
            first = i == 0
            if len(runs) > 1:
                fig.add_trace(
                    go.Scatter(
                        x=np.concatenate([x, x[::-1]]),
                        y=np.concatenate([high, low[::-1]]),
                        fill="toself",
                        fillcolor=_rgba(colour, 0.18),
                        line=dict(width=0),
                        hoverinfo="skip",
                        showlegend=first,
                        name=f"{arm}: {policy}, 95% band",
                        legendgroup=f"band{arm}",
                    ),
                    row=row,
                    col=col,
                )
            fig.add_trace(
                go.Scatter(
                    x=x,
                    y=mean,
                    mode="lines",
                    line=dict(color=colour, width=2, dash=None if arm == "A" else "dash"),
                    name=f"{arm}: {policy}" + (" (mean)" if len(runs) > 1 else ""),
                    legendgroup=arm,
                    showlegend=first,
                    hovertemplate=f"{policy}: %{{y:.3f}}<extra>{o.label}</extra>",
                ),
                row=row,
                col=col,
            )
    n = len(runs_a)
    title = f"{policy_a} (A) vs {policy_b} (B): " + (
        f"mean of {n} paired runs, 95% band" if n > 1 else "one paired run"
    )
    fig.update_layout(
        title=dict(text=title, x=0.01, xanchor="left", font=dict(size=15)),
        width=1140,
        height=250 * rows + 90,
        margin=dict(l=50, r=20, t=80, b=40),
        font=FONT,
        template="plotly_white",
        hovermode="x unified",
        legend=dict(orientation="h", yanchor="bottom", y=1.03, x=1, xanchor="right"),
    )
    fig.update_annotations(font=dict(size=12))
    fig.update_xaxes(tickformat="%Y", hoverformat="%Y-%m")
    fig.update_xaxes(title_text="month", row=rows)
    fig.update_yaxes(title_text="index or share (0–1)", col=1)
    return fig


def difference_table(
    diffs: pd.DataFrame, outcomes: tuple[Outcome, ...], policy_a: str, policy_b: str
) -> pd.DataFrame:
    """The paired differences at the last month, one row per outcome, in words."""
    last = diffs[diffs["step"] == diffs["step"].max()].set_index("outcome")
    rows = []
    for o in outcomes:
        r = last.loc[o.column]
        rows.append(
            {
                "outcome": o.label,
                "claim": o.claim,
                f"A: {policy_a}": round(float(r["mean_a"]), 3),
                f"B: {policy_b}": round(float(r["mean_b"]), 3),
                "A − B": round(float(r["mean_diff"]), 3),
                "95% CI": "—"
                if math.isnan(r["ci_low"])
                else f"[{r['ci_low']:.3f}, {r['ci_high']:.3f}]",
                "column": o.column,
            }
        )
    return pd.DataFrame(rows)


def difference_figure(
    diffs: pd.DataFrame, outcomes: tuple[Outcome, ...], policy_a: str, policy_b: str
) -> go.Figure:
    """Mean paired difference A − B of each main outcome at the last month, with its
    95% confidence interval (a forest plot; C9)."""
    last = diffs[diffs["step"] == diffs["step"].max()].set_index("outcome")
    labels = [f"{o.label} [{o.claim}]" for o in outcomes][::-1]
    mean = np.array([last.loc[o.column, "mean_diff"] for o in outcomes])[::-1]
    low = np.array([last.loc[o.column, "ci_low"] for o in outcomes])[::-1]
    high = np.array([last.loc[o.column, "ci_high"] for o in outcomes])[::-1]
    has_ci = not np.all(np.isnan(low))
    fig = go.Figure(
        go.Scatter(
            x=mean,
            y=labels,
            mode="markers",
            marker=dict(size=9, color="#0072B2"),
            error_x=dict(type="data", symmetric=False, array=high - mean, arrayminus=mean - low)
            if has_ci
            else None,
            name=f"{policy_a} − {policy_b}" + (" (95% CI)" if has_ci else ""),
            customdata=np.column_stack([low, high]),
            hovertemplate="%{y}<br>A − B = %{x:.3f}"
            + ("<br>95% CI [%{customdata[0]:.3f}, %{customdata[1]:.3f}]" if has_ci else "")
            + "<extra></extra>",
        )
    )
    fig.add_vline(x=0, line=dict(color="#777", width=1, dash="dot"))
    fig.update_layout(
        title=dict(
            text=f"Difference at the last month: {policy_a} (A) − {policy_b} (B)",
            x=0.01,
            xanchor="left",
            font=dict(size=15),
        ),
        width=720,
        height=40 + 26 * len(outcomes) + 90,
        margin=dict(l=20, r=20, t=50, b=50),
        font=FONT,
        template="plotly_white",
        showlegend=True,
        legend=dict(orientation="h", yanchor="top", y=-0.08, x=0),
    )
    fig.update_xaxes(title_text="A − B (units of the outcome: index or share)", zeroline=False)
    fig.update_yaxes(automargin=True)
    return fig


@solara.component
def ComparisonPanel(model: IranModel) -> None:
    """Run the current set-up under two policies and show both, with differences."""
    policy_a, set_policy_a = solara.use_state(DEFAULT_A)
    policy_b, set_policy_b = solara.use_state(DEFAULT_B)
    replicates, set_replicates = solara.use_state(DEFAULT_REPLICATES)
    request, set_request = solara.use_state(None)
    progress = solara.use_reactive((0, 0))

    def work() -> ComparisonResult | None:
        if request is None:
            return None
        progress.set((0, 2 * request.replicates))
        return run_comparison(request, lambda done, total: progress.set((done, total)))

    result = solara.use_thread(work, dependencies=[request])

    def start() -> None:
        set_request(
            ComparisonRequest(
                scenario=model.scenario_spec,
                policy_a=policy_a,
                policy_b=policy_b,
                replicates=int(replicates),
                seed=model.seed,
                outcomes=main_outcomes(model),
                steps=model.months,
                nonce=(request.nonce + 1) if request else 0,
            )
        )

    running = result.state == solara.ResultState.RUNNING
    Prose(CHART_HELP["comparison"])
    with solara.Row(style={"align-items": "center", "flex-wrap": "wrap", "gap": "16px"}):
        with solara.Div(style={"width": "180px"}):
            solara.Select("Policy A", values=list(POLICIES), value=policy_a, on_value=set_policy_a)
        with solara.Div(style={"width": "180px"}):
            solara.Select("Policy B", values=list(POLICIES), value=policy_b, on_value=set_policy_b)
        with solara.Div(style={"width": "300px"}):
            solara.SliderInt(
                "Paired replicates (seeds)",
                value=replicates,
                min=1,
                max=MAX_REPLICATES,
                on_value=set_replicates,
            )
        solara.Button(
            "Run comparison",
            on_click=start,
            color="primary",
            disabled=running,
            icon_name="mdi-play-box-multiple",
            classes=["run-comparison"],
        )
    solara.Text(
        f"Scenario {model.scenario_spec.name} with this run's parameters; "
        f"{model.months} months; replicate seeds derived from seed {model.seed}.",
        style={"font-size": "12px", "color": "#555"},
    )
    if policy_a == policy_b:
        solara.Warning("Both arms use the same policy: every difference will be zero.")
    if running:
        done, total = progress.value
        solara.ProgressLinear(100 * done / total if total else True)
        solara.Text(f"Running: {done} of {total} runs done", classes=["comparison-progress"])
        return
    if result.state == solara.ResultState.ERROR:
        error = result.error
        if isinstance(error, ParameterError | ScenarioError):
            solara.Error(f"Cannot compare: {error}")
        else:
            solara.Error(f"The comparison failed: {type(error).__name__}: {error}")
        return
    done = result.value
    if done is None:
        solara.Info("Choose two policies and press Run comparison.")
        return
    req = done.request
    outcomes = req.outcomes
    with solara.Div(classes=["comparison-result"]):
        solara.FigurePlotly(
            trajectories_figure(done.runs_a, done.runs_b, outcomes, req.policy_a, req.policy_b)
        )
        with solara.Row(style={"flex-wrap": "wrap", "gap": "16px"}):
            solara.FigurePlotly(
                difference_figure(done.differences, outcomes, req.policy_a, req.policy_b)
            )
            with solara.Div(style={"max-width": "640px"}):
                table = difference_table(done.differences, outcomes, req.policy_a, req.policy_b)
                solara.DataFrame(table.drop(columns="column"), items_per_page=len(table))
