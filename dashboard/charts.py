"""Plotly figures of one run: pure functions from the model's outputs to a figure.

Every function here takes the tidy outputs of a run (``model.results()`` and
``model.events()``) plus the names, labels and colours of the series, and returns a
``plotly.graph_objects.Figure`` with a title, axis titles with units, a legend, a
colour-blind-safe palette and hover values. They know nothing of Solara, so they can be
unit-tested without a browser; ``dashboard/views.py`` wraps them as live components.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import plotly.graph_objects as go

if TYPE_CHECKING:
    from model import IranModel

# Okabe-Ito colours (safe for the common kinds of colour blindness), ordered for the
# factions from the most hardline (vermillion) to the most pro-compromise (green/blue).
FACTION_PALETTE = ("#D55E00", "#E69F00", "#56B4E9", "#009E73", "#0072B2", "#CC79A7", "#F0E442")
WESTERN_PALETTE = ("#0072B2", "#56B4E9", "#009E73")
OTHER_PALETTE = ("#D55E00", "#CC79A7", "#E69F00", "#999999")
POLICY_COLOURS = {"engage": "#0072B2", "refuse": "#D55E00", "conditional": "#009E73"}
POLICY_COLOURS["reciprocal"] = "#CC79A7"

FIGURE_WIDTH = 620
FIGURE_HEIGHT = 400
FONT = dict(family="Roboto, Helvetica, Arial, sans-serif", size=12)

# Event kinds marked on the factional-balance chart: label, symbol, colour, row.
EVENT_MARKERS: dict[str, tuple[str, str, str]] = {
    "offer": ("Iranian offer of talks", "diamond", "#E69F00"),
    "talks": ("talks opened", "circle", "#0072B2"),
    "refusal": ("Western refusal", "x", "#D55E00"),
    "breakdown": ("talks broke down", "triangle-down", "#7F7F7F"),
    "deal": ("deal ratified", "star", "#009E73"),
    "veto": ("deal vetoed by the Leader", "square", "#000000"),
    "collapse": ("deal collapsed", "triangle-down", "#000000"),
    "election": ("presidential election", "triangle-up", "#CC79A7"),
    "un_resolution": ("UN sanctions resolution", "hexagram", "#56B4E9"),
    "un_veto": ("UN resolution vetoed", "hexagon-open", "#56B4E9"),
    "sanctions": ("new Western sanctions", "cross", "#0072B2"),
    "oil_shock": ("oil price shock", "bowtie", "#7F7F7F"),
    "policy": ("Western policy switch", "pentagon", "#0072B2"),
}


@dataclass(frozen=True)
class Series:
    """One line of a chart: the column suffix, its label in the legend, its colour."""

    name: str
    label: str
    colour: str


def faction_series(model: IranModel) -> tuple[Series, ...]:
    """The factions of a model, coloured from hardline (red) to pro-compromise (blue)."""
    ranked = sorted(model.factions, key=lambda f: f.stance)
    colour = {f.name: FACTION_PALETTE[i % len(FACTION_PALETTE)] for i, f in enumerate(ranked)}
    return tuple(Series(f.name, f.label, colour[f.name]) for f in model.factions)


def government_series(model: IranModel) -> tuple[Series, ...]:
    """The foreign governments of a model: Western ones in blues, others in warm colours."""
    out, west, other = [], 0, 0
    for g in model.governments:
        if g.western:
            colour = WESTERN_PALETTE[west % len(WESTERN_PALETTE)]
            west += 1
        else:
            colour = OTHER_PALETTE[other % len(OTHER_PALETTE)]
            other += 1
        out.append(Series(g.name, g.label, colour))
    return tuple(out)


def _dates(results: pd.DataFrame) -> pd.Series:
    return pd.to_datetime(results["date"], format="%Y-%m")


def _layout(fig: go.Figure, title: str, y_title: str, *, y_range=None, width=None) -> go.Figure:
    fig.update_layout(
        title=dict(text=title, x=0.01, xanchor="left", font=dict(size=15)),
        width=width or FIGURE_WIDTH,
        height=FIGURE_HEIGHT,
        margin=dict(l=60, r=20, t=50, b=40),
        font=FONT,
        template="plotly_white",
        hovermode="x unified",
        legend=dict(orientation="h", yanchor="top", y=-0.14, x=0, font=dict(size=11)),
        uirevision="keep",  # keep the user's zoom and hidden series across steps
    )
    fig.update_xaxes(title_text="month", tickformat="%Y", hoverformat="%Y-%m")
    fig.update_yaxes(title_text=y_title, range=y_range)
    return fig


def _line(x, y, label: str, colour: str, *, dash: str | None = None, fmt=".2f") -> go.Scatter:
    return go.Scatter(
        x=x,
        y=y,
        mode="lines",
        name=label,
        line=dict(color=colour, width=2, dash=dash),
        hovertemplate=f"%{{y:{fmt}}}",
    )


def factional_balance_figure(
    results: pd.DataFrame, events: pd.DataFrame, factions: Sequence[Series]
) -> go.Figure:
    """Power shares of the factions as a stacked area, with diplomatic and political
    events marked above it (offers, talks, refusals, deals, vetoes, elections, UN votes).

    Serves C1 (offers when the president is weak), C2 (vetoes), C6 (refusals cost the
    president's camp power), C9 (the overall balance under each policy).
    """
    x = _dates(results)
    fig = go.Figure()
    for s in factions:
        fig.add_trace(
            go.Scatter(
                x=x,
                y=results[f"power_{s.name}"],
                name=s.label,
                mode="lines",
                stackgroup="power",
                line=dict(width=0.5, color=s.colour),
                fillcolor=s.colour,
                hovertemplate="%{y:.1%}",
            )
        )
    _add_event_markers(fig, events)
    _layout(fig, "Factional balance: share of power", "share of power (0–1)", y_range=[0, 1.2])
    fig.update_yaxes(tickvals=[0, 0.25, 0.5, 0.75, 1.0], tickformat=".0%")
    fig.update_layout(hovermode="closest")
    return fig


def _add_event_markers(fig: go.Figure, events: pd.DataFrame) -> None:
    """Events as markers in a band above the stacked area (one row per kind)."""
    if events.empty:
        return
    shown = [k for k in EVENT_MARKERS if k in set(events["kind"])]
    for row, kind in enumerate(shown):
        label, symbol, colour = EVENT_MARKERS[kind]
        rows = events[events["kind"] == kind]
        fig.add_trace(
            go.Scatter(
                x=pd.to_datetime(rows["date"], format="%Y-%m"),
                y=np.full(len(rows), 1.03 + 0.16 * (row + 0.5) / max(len(shown), 1)),
                mode="markers",
                name=label,
                marker=dict(symbol=symbol, size=9, color=colour, line=dict(width=1, color=colour)),
                text=rows["date"] + ": " + rows["text"],
                hovertemplate="%{text}<extra></extra>",
                legendgroup="events",
            )
        )


def legitimacy_figure(results: pd.DataFrame, factions: Sequence[Series]) -> go.Figure:
    """Popular legitimacy (citizens' mean approval) of each faction and of the regime
    as a whole (power-weighted approval).

    Serves C6 (a rebuffed president loses legitimacy), C7 (resentment turns on the
    government during talks) and K3 (talks legitimise the regime).
    """
    x = _dates(results)
    fig = go.Figure()
    for s in factions:
        fig.add_trace(_line(x, results[f"legitimacy_{s.name}"], s.label, s.colour))
    fig.add_trace(_line(x, results["regime_legitimacy"], "Regime (power-weighted)", "#000000"))
    fig.data[-1].line.dash = "dash"
    return _layout(fig, "Legitimacy: popular approval", "approval (index 0–1)", y_range=[0, 1])


def population_figure(results: pd.DataFrame) -> go.Figure:
    """The citizens on average: hardship, economic resentment of the government, share
    of hardship blamed on the West, resolve to endure, and the share protesting.

    Serves C5 (refusal raises blame on the West and resolve) and C7 (talks shift blame
    to the government's mismanagement).
    """
    x = _dates(results)
    fig = go.Figure()
    for column, label, colour, dash in (
        ("hardship", "Hardship", "#7F7F7F", None),
        ("economic_resentment", "Economic resentment of the government", "#0072B2", None),
        ("blame_west", "Share of hardship blamed on the West", "#D55E00", None),
        ("resolve", "Resolve to endure hardship", "#CC79A7", None),
        ("protest_share", "Share of citizens protesting", "#009E73", "dot"),
    ):
        fig.add_trace(_line(x, results[column], label, colour, dash=dash))
    return _layout(fig, "The population (means over citizens)", "index or share (0–1)", y_range=[0, 1])


def sanctions_figure(results: pd.DataFrame, governments: Sequence[Series]) -> go.Figure:
    """Each government's support for sanctions, and the effective sanctions intensity
    (Western plus UN sanctions less leakage through Chinese and Russian trade).

    Serves C3 (failed engagement brings China and Russia along), C4 (refusal gives them
    an excuse; their trade leaks sanctions) and K1 (talks dampen their coercion).
    """
    x = _dates(results)
    fig = go.Figure()
    for s in governments:
        fig.add_trace(_line(x, results[f"sanctions_support_{s.name}"], s.label, s.colour))
    fig.add_trace(
        _line(x, results["effective_sanctions"], "Effective sanctions intensity", "#000000")
    )
    fig.data[-1].line.dash = "dash"
    return _layout(fig, "Sanctions: support and intensity", "support or intensity (0–1)", y_range=[0, 1])


def nuclear_figure(results: pd.DataFrame) -> go.Figure:
    """Progress of the nuclear programme (1 = breakout capability) and the division
    inside the regime, with the months in which talks ran or a deal held shaded.

    Serves C8 (division slows the programme) and K2 (talks buy time for it).
    """
    x = _dates(results)
    fig = go.Figure()
    fig.add_trace(_line(x, results["nuclear_progress"], "Nuclear progress", "#D55E00"))
    fig.add_trace(_line(x, results["factional_division"], "Factional division", "#0072B2"))
    fig.add_trace(
        go.Scatter(
            x=x,
            y=results["talks_active"].astype(float),
            name="Talks running (shaded)",
            mode="lines",
            line=dict(width=0, shape="hv"),
            fill="tozeroy",
            fillcolor="rgba(0, 114, 178, 0.10)",
            hovertemplate="%{y:.0f}",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=x,
            y=results["deal_active"].astype(float),
            name="Deal holding (shaded)",
            mode="lines",
            line=dict(width=0, shape="hv"),
            fill="tozeroy",
            fillcolor="rgba(0, 158, 115, 0.18)",
            hovertemplate="%{y:.0f}",
        )
    )
    return _layout(
        fig, "Nuclear programme and factional division", "progress or division (0–1)", y_range=[0, 1]
    )


def network_figure(
    x: np.ndarray,
    y: np.ndarray,
    edges: tuple[np.ndarray, np.ndarray],
    preferred: np.ndarray,
    resentment: np.ndarray,
    active: np.ndarray,
    factions: Sequence[Series],
    ids: np.ndarray,
    date: str,
) -> go.Figure:
    """A sample of citizens on their social network: colour = preferred faction, size =
    resentment of the government, black ring = protesting.

    Serves C5 and C7 (blame and resentment spread over the network) and C6 (which
    factions citizens turn to).
    """
    fig = go.Figure()
    ex, ey = edges
    fig.add_trace(
        go.Scattergl(
            x=ex,
            y=ey,
            mode="lines",
            line=dict(color="rgba(120,120,120,0.25)", width=0.6),
            hoverinfo="skip",
            showlegend=False,
        )
    )
    size = 5.0 + 16.0 * np.clip(resentment, 0.0, 1.0)
    for index, s in enumerate(factions):
        mask = preferred == index
        fig.add_trace(
            go.Scattergl(
                x=x[mask],
                y=y[mask],
                mode="markers",
                name=s.label,
                marker=dict(
                    color=s.colour,
                    size=size[mask],
                    line=dict(
                        color=np.where(active[mask], "#000000", "#FFFFFF"),
                        width=np.where(active[mask], 2.0, 0.5),
                    ),
                ),
                customdata=np.column_stack([ids[mask], resentment[mask], active[mask]]),
                hovertemplate=(
                    "citizen %{customdata[0]:.0f}<br>prefers "
                    + s.label
                    + "<br>resentment %{customdata[1]:.2f}<br>protesting: %{customdata[2]:.0f}"
                    "<extra></extra>"
                ),
            )
        )
    fig.update_layout(
        title=dict(
            text=f"Citizens on their social network ({len(ids)} shown), {date}",
            x=0.01,
            xanchor="left",
            font=dict(size=15),
        ),
        width=FIGURE_WIDTH,
        height=FIGURE_HEIGHT,
        margin=dict(l=10, r=10, t=50, b=40),
        font=FONT,
        template="plotly_white",
        legend=dict(
            orientation="h",
            yanchor="top",
            y=0.0,
            x=0,
            font=dict(size=11),
            title=dict(text="colour: preferred faction · size: resentment · ring: protesting"),
        ),
        uirevision="keep",
        hovermode="closest",
    )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, scaleanchor="x")
    return fig
