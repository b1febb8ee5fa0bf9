"""Figures and tables of two Western policies run on the same scenario and seeds (C9).

The replicates are paired on common random numbers (ODD §3.2): replicate *j* of both
arms shares the oil path, the shocks and the diplomatic draws, so the arms differ only
by the Western policy (ODD §7.11.2). The figures show both arms over time (mean and 95%
band over replicates) and the mean paired difference A − B of each main outcome at the
last month with its 95% interval; the table says the same in numbers. Every outcome
names the claims (C1–C9, K1–K3; ODD §8) it bears on. Plain functions of the runs'
results, so the dashboard and the command line can both use them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from batch_runs.analysis.statistics import mean_ci_along
from batch_runs.reporting.chart_style import (
    FONT,
    LEGEND_BELOW,
    MONTH_FORMAT,
    POLICY_COLOURS,
    legend_name,
    rgba,
    title,
)
from model.outputs import OUTPUTS, expand

if TYPE_CHECKING:
    from model import IranModel

PANEL_COLUMNS = 4  # small multiples per row
OTHER_POLICY_COLOUR = "#333333"  # a policy without a colour of its own


class ComparedOutcome(NamedTuple):
    """A main outcome of the comparison: its results column, label and claims."""

    column: str
    label: str
    claim: str


def main_outcomes(model: IranModel) -> tuple[ComparedOutcome, ...]:
    """The outcomes the op-ed's claims are about (the headline columns of the output
    schema), for this model's factions and for the non-Western governments (C3, C4)."""
    others = [g for g in model.governments if not g.western]
    return tuple(
        ComparedOutcome(c.name, c.label, c.claims)
        for column in OUTPUTS
        if column.headline
        for c in expand(column, model.factions, others)
    )


# --- the paired differences at the last month -----------------------------------------


def last_month(diffs: pd.DataFrame) -> pd.DataFrame:
    """The paired differences (``paired_differences``) at the last month, by outcome."""
    return diffs[diffs["step"] == diffs["step"].max()].set_index("outcome")


def _interval_text(low: float, high: float) -> str:
    # A single replicate has no interval: a dash, not "[nan, nan]".
    return "—" if math.isnan(low) else f"[{low:.3f}, {high:.3f}]"


def difference_table(
    diffs: pd.DataFrame, outcomes: Sequence[ComparedOutcome], policy_a: str, policy_b: str
) -> pd.DataFrame:
    """The paired differences at the last month, one row per outcome, in words: both
    arms' means, the mean difference A − B and its 95% interval (C9)."""
    last = last_month(diffs)
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
                "95% CI": _interval_text(r["ci_low"], r["ci_high"]),
                "column": o.column,
            }
        )
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class Forest:
    """The rows of the forest plot, bottom to top: labels, mean differences, intervals."""

    labels: list[str]
    mean: np.ndarray
    low: np.ndarray
    high: np.ndarray

    @property
    def has_interval(self) -> bool:
        """False with a single replicate (no interval to draw)."""
        return not np.all(np.isnan(self.low))


def forest_rows(diffs: pd.DataFrame, outcomes: Sequence[ComparedOutcome]) -> Forest:
    """The last month's differences in the forest plot's order (the first outcome on
    top: Plotly draws categories from the bottom up)."""
    last = last_month(diffs)

    def column(name: str) -> np.ndarray:
        return np.array([last.loc[o.column, name] for o in outcomes])[::-1]

    labels = [f"{o.label} [{o.claim}]" for o in outcomes][::-1]
    return Forest(labels, column("mean_diff"), column("ci_low"), column("ci_high"))


def _forest_trace(forest: Forest, policy_a: str, policy_b: str) -> go.Scatter:
    """Markers at the mean differences, with asymmetric error bars for the intervals."""
    has_ci = forest.has_interval
    mean, low, high = forest.mean, forest.low, forest.high
    interval_hover = "<br>95% CI [%{customdata[0]:.3f}, %{customdata[1]:.3f}]"
    return go.Scatter(
        x=mean,
        y=forest.labels,
        mode="markers",
        marker=dict(size=9, color="#0072B2"),
        error_x=dict(type="data", symmetric=False, array=high - mean, arrayminus=mean - low)
        if has_ci
        else None,
        name=f"{policy_a} − {policy_b}" + (" (95% CI)" if has_ci else ""),
        customdata=np.column_stack([low, high]),
        hovertemplate="%{y}<br>A − B = %{x:.3f}"
        + (interval_hover if has_ci else "")
        + "<extra></extra>",
    )


def difference_figure(
    diffs: pd.DataFrame, outcomes: Sequence[ComparedOutcome], policy_a: str, policy_b: str
) -> go.Figure:
    """Mean paired difference A − B of each main outcome at the last month, with its
    95% confidence interval (a forest plot; C9). The dotted line is no difference."""
    fig = go.Figure(_forest_trace(forest_rows(diffs, outcomes), policy_a, policy_b))
    fig.add_vline(x=0, line=dict(color="#777", width=1, dash="dot"))
    fig.update_layout(
        title=title(f"Difference at the last month: {policy_a} (A) − {policy_b} (B)"),
        autosize=True,  # the width of the page (a phone's or a wide screen's)
        height=40 + 26 * len(outcomes) + 90,
        margin=dict(l=20, r=20, t=70, b=20),
        font=FONT,
        template="plotly_white",
        showlegend=True,
        legend=LEGEND_BELOW,
    )
    fig.update_xaxes(title_text="A − B (units of the outcome: index or share)", zeroline=False)
    fig.update_yaxes(automargin=True)
    return fig


# --- both arms over time ----------------------------------------------------------------


@dataclass(frozen=True)
class Arm:
    """One policy's runs in replicate order, as labelled in the figures ("A" or "B")."""

    name: str
    policy: str
    runs: Sequence[pd.DataFrame]

    @property
    def colour(self) -> str:
        """The policy's colour (the same in every figure of the comparison)."""
        return POLICY_COLOURS.get(self.policy, OTHER_POLICY_COLOUR)

    @property
    def replicated(self) -> bool:
        """More than one run: a mean with a 95% band rather than a single line."""
        return len(self.runs) > 1

    def summary(self, column: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Mean over the replicates of ``column`` month by month, and its 95% band."""
        stack = np.stack([r[column].to_numpy(dtype=float) for r in self.runs])
        return mean_ci_along(stack)


def _band_trace(arm: Arm, x: pd.Series, low: np.ndarray, high: np.ndarray, first: bool):
    """The arm's 95% band as one closed polygon (high forwards, low backwards)."""
    return go.Scatter(
        x=np.concatenate([x, x[::-1]]),
        y=np.concatenate([high, low[::-1]]),
        fill="toself",
        fillcolor=rgba(arm.colour, 0.18),
        line=dict(width=0),
        hoverinfo="skip",
        showlegend=first,
        name=f"{arm.name}: {arm.policy}, 95% band",
        legendgroup=f"band{arm.name}",
    )


def _mean_trace(arm: Arm, x: pd.Series, mean: np.ndarray, label: str, first: bool):
    """The arm's mean (its only run without replicates): solid for A, dashed for B."""
    return go.Scatter(
        x=x,
        y=mean,
        mode="lines",
        line=dict(color=arm.colour, width=2, dash=None if arm.name == "A" else "dash"),
        name=f"{arm.name}: {arm.policy}" + (" (mean)" if arm.replicated else ""),
        legendgroup=arm.name,
        showlegend=first,
        hovertemplate=f"{arm.policy}: %{{y:.3f}}<extra>{label}</extra>",
    )


def _add_arm(fig: go.Figure, arm: Arm, x: pd.Series, outcomes: Sequence[ComparedOutcome]):
    """One arm in every panel; the legend lists it once (from the first panel)."""
    for i, o in enumerate(outcomes):
        cell = {"row": i // PANEL_COLUMNS + 1, "col": i % PANEL_COLUMNS + 1}
        mean, low, high = arm.summary(o.column)
        first = i == 0
        if arm.replicated:
            fig.add_trace(_band_trace(arm, x, low, high, first), **cell)
        fig.add_trace(_mean_trace(arm, x, mean, o.label, first), **cell)


def _trajectories_layout(fig: go.Figure, text: str, rows: int) -> None:
    """Title, height (the width is the page's), unified hover with the month, legend
    below; years on the time axes."""
    fig.update_layout(
        title=title(text),
        autosize=True,
        height=250 * rows + 120,
        margin=dict(l=50, r=20, t=110, b=20),  # a title and panel titles of two lines
        font=FONT,
        template="plotly_white",
        hovermode="x unified",
        legend=LEGEND_BELOW,
    )
    # Panel titles (the outcomes' labels) on two lines when long, so neighbours never
    # overlap on a laptop's width.
    fig.for_each_annotation(lambda a: a.update(text=legend_name(a.text), font=dict(size=12)))
    fig.update_xaxes(tickformat="%Y", hoverformat=MONTH_FORMAT)
    fig.update_xaxes(title_text="month", row=rows)
    fig.update_yaxes(title_text="index or share (0–1)", col=1)


def trajectories_title(policy_a: str, policy_b: str, replicates: int) -> str:
    """What the small multiples show: both policies and how many paired runs."""
    return f"{policy_a} (A) vs {policy_b} (B): " + (
        f"mean of {replicates} paired runs, 95% band" if replicates > 1 else "one paired run"
    )


def trajectories_figure(
    runs_a: Sequence[pd.DataFrame],
    runs_b: Sequence[pd.DataFrame],
    outcomes: Sequence[ComparedOutcome],
    policy_a: str,
    policy_b: str,
) -> go.Figure:
    """Small multiples of the main outcomes under both policies, side by side in each
    panel: mean over paired replicates with a shaded 95% band (C9)."""
    rows = math.ceil(len(outcomes) / PANEL_COLUMNS)
    fig = make_subplots(
        rows=rows,
        cols=PANEL_COLUMNS,
        subplot_titles=[o.label for o in outcomes],
        vertical_spacing=0.09,
        horizontal_spacing=0.06,
    )
    x = pd.to_datetime(runs_a[0]["date"], format="%Y-%m")
    for arm in (Arm("A", policy_a, runs_a), Arm("B", policy_b, runs_b)):
        _add_arm(fig, arm, x, outcomes)
    _trajectories_layout(fig, trajectories_title(policy_a, policy_b, len(runs_a)), rows)
    return fig
