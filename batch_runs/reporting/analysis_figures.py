"""Figures of the analyses of the engagement advantage (C9, K1–K3; ODD §10.4): the
sensitivity ranking and the two-parameter frontier map."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from batch_runs.analysis.outcomes import Outcome
from batch_runs.reporting.chart_style import TITLE_LINE, title, wrapped


def ranking_figure(ranking: pd.DataFrame, method: str, outcome: Outcome, statistic: str):
    """Horizontal bars of the ranking index with 95% intervals, most influential on top."""
    key, second = ("mu_star", "sigma") if method == "morris" else ("ST", "S1")
    frame = ranking.iloc[::-1]
    names = [f"{r.parameter} ({r.claim})" for r in frame.itertuples()]
    fig = go.Figure()
    fig.add_trace(
        go.Bar(
            x=frame[key],
            y=names,
            orientation="h",
            name=key,
            error_x={
                "type": "data",
                "array": frame["ci_high"] - frame[key],
                "arrayminus": frame[key] - frame["ci_low"],  # the interval is clipped at 0
                "visible": True,
            },
            marker_color="#1f77b4",
        )
    )
    second_kw: dict[str, Any] = {"name": second}
    if method == "sobol":
        second_kw["error_x"] = {"type": "data", "array": frame["S1_conf"], "visible": True}
    fig.add_trace(
        go.Scatter(
            x=frame[second],
            y=names,
            mode="markers",
            marker={"color": "#d62728", "symbol": "diamond", "size": 8},
            **second_kw,
        )
    )
    explained = (
        "mu* = mean |elementary effect|; sigma = its spread (interactions, non-linearity)"
        if method == "morris"
        else "ST = total-order index; S1 = first-order index"
    )
    heading = title(f"What decides the engagement advantage in {outcome.name} ({statistic})?")
    note = wrapped(f"{method.capitalize()}: {explained}; bars with 95% intervals", TITLE_LINE)
    heading["text"] += f"<br><sup>{note}</sup>"
    fig.update_layout(
        title=heading,
        width=900,
        height=max(400, 22 * len(ranking) + 160),
        xaxis_title=key,
        margin={"l": 320},
        legend={"orientation": "h", "y": -0.05},
    )
    return fig


# Characters of a heatmap panel's title line: two panels share a phone's width.
SUBPLOT_LINE = 24
# Room above the panels for a title of up to three lines and two-line panel titles.
FRONTIER_TOP_MARGIN = 150


def frontier_figure(table: pd.DataFrame, x: str, y: str, outcome: Outcome, statistic: str):
    """Two heatmaps: the mean engagement advantage (diverging, 0 = white) and the share
    of paired seeds where engagement wins; cells where refusal does better are marked
    (open x: mean advantage < 0; filled x: its 95% interval lies wholly below 0)."""
    xs = np.sort(table[x].unique())
    ys = np.sort(table[y].unique())
    grid = table.set_index([x, y])

    def matrix(column: str) -> np.ndarray:
        return np.array([[grid.loc[(xv, yv), column] for xv in xs] for yv in ys], dtype=float)

    advantage = matrix("advantage")
    share = matrix("share_engage_wins")
    bound = float(np.nanmax(np.abs(advantage))) or 1.0
    fig = make_subplots(
        rows=1,
        cols=2,
        subplot_titles=(
            wrapped("Mean engagement advantage (blue: engagement better)", SUBPLOT_LINE),
            wrapped("Share of paired seeds where engagement wins", SUBPLOT_LINE),
        ),
        horizontal_spacing=0.14,
    )
    where = f"{x}=%{{x}}<br>{y}=%{{y}}<br>"
    for col, z, low, name, shown in (
        (1, advantage, -bound, "advantage", "advantage=%{z:.4f}"),
        (2, share, 0.0, "share", "engagement wins %{z:.0%}"),
    ):
        heatmap = go.Heatmap(
            x=xs,
            y=ys,
            z=z,
            zmin=low,
            zmax=bound if col == 1 else 1.0,
            colorscale="RdBu",
            colorbar={"title": name, "x": 0.43 if col == 1 else 1.0},
            hovertemplate=where + shown + "<extra></extra>",
        )
        fig.add_trace(heatmap, row=1, col=col)
    for col in (1, 2):
        _mark_cells(fig, table, x, y, col)
        fig.update_xaxes(title_text=x, row=1, col=col)
        fig.update_yaxes(title_text=y, row=1, col=col)
    direction = "lower" if outcome.better < 0 else "higher"
    fig.update_layout(
        title=title(
            f"Where engagement stops paying off: {outcome.name} ({statistic}; "
            f"{direction} is better for the West)"
        ),
        width=1150,
        height=560,
        margin={"t": FRONTIER_TOP_MARGIN},
        legend={"orientation": "h", "y": -0.18},
    )
    return fig


def _mark_cells(fig: go.Figure, table: pd.DataFrame, x: str, y: str, col: int) -> None:
    """Mark the cells where refusal does better (mean, or significantly) and ties."""
    ties = table["better"] == "tie" if "better" in table else table["advantage"] == 0
    for cells, symbol, name in (
        (table[table["refusal_better"].astype(bool)], "x-thin-open", "refusal better (mean)"),
        (
            table[table["refusal_better_significant"].astype(bool)],
            "x",
            "refusal better (95% CI < 0)",
        ),
        (table[ties], "circle-open", "no difference (every pair tied)"),
    ):
        fig.add_trace(
            go.Scatter(
                x=cells[x],
                y=cells[y],
                mode="markers",
                marker={
                    "symbol": symbol,
                    "size": 12,
                    "color": "black",
                    "line": {"width": 2, "color": "black"},
                },
                name=name,
                legendgroup=name,
                showlegend=col == 1,
                hoverinfo="skip",
            ),
            row=1,
            col=col,
        )
