"""Plotly figures of one run: pure functions from the model's outputs to a figure.

Every function here takes the tidy outputs of a run (``model.results()`` and
``model.events()``) plus the names, labels and colours of the series, and returns a
figure as a plain dict in Plotly's JSON schema (``{"data": [...], "layout": {...}}``):
title, axis titles with units, a legend, a colour-blind-safe palette and hover values.
``plotly.graph_objects.Figure(spec)`` validates it (the unit tests do); plain dicts are
cheap to build every month and to compare with last month's, so the browser receives
only what changed (``dashboard/live_figure.py``). Nothing here knows about Solara. The
network view, drawn from the citizens rather than the outputs, is
``dashboard/network.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from batch_runs.reporting.chart_style import (
    AXIS_STYLE,
    FONT,
    LEGEND_BELOW,
    MONTH_FORMAT,
    WHITE_LAYOUT,
    legend_name,
    title,
)
from model import DEFAULT_MONTHS
from model.outputs import BY_NAME

if TYPE_CHECKING:
    from model import IranModel

Figure = dict[str, Any]  # a figure in Plotly's JSON schema: {"data": [...], "layout": {...}}

# Okabe-Ito colours (safe for the common kinds of colour blindness), ordered for the
# factions from the most hardline (vermillion) to the most pro-compromise (green/blue).
FACTION_PALETTE = ("#D55E00", "#E69F00", "#56B4E9", "#009E73", "#0072B2", "#CC79A7", "#F0E442")
WESTERN_PALETTE = ("#0072B2", "#56B4E9", "#009E73")
OTHER_PALETTE = ("#D55E00", "#CC79A7", "#E69F00", "#999999")

# Decimals of the values sent to the browser: the hovers show three (or a share to a
# tenth of a percent), and shorter numbers make each month's update smaller.
DECIMALS = 4
# The height of a chart without its legend; the width is the container's. The browser
# adds the legend's height (dashboard/live_figure.py), however many rows it wraps to.
FIGURE_HEIGHT = 330

# Event kinds marked on the factional-balance chart, in the order of their rows above the
# stacked area. A table in text (one row a kind), read once below: easier to scan and
# edit than a literal dict. Columns: kind | legend label | marker symbol | colour.
_EVENT_MARKER_TABLE = """
offer         | Iranian offer of talks    | diamond            | #E69F00
talks         | talks opened              | circle             | #0072B2
refusal       | Western refusal           | x                  | #D55E00
breakdown     | talks broke down          | triangle-down      | #7F7F7F
deal          | deal ratified             | star               | #009E73
veto          | deal vetoed by the Leader | square             | #000000
collapse      | deal collapsed            | triangle-down-open | #000000
election      | presidential election     | triangle-up        | #CC79A7
un_resolution | UN sanctions resolution   | hexagram           | #56B4E9
un_veto       | UN resolution vetoed      | hexagon-open       | #56B4E9
sanctions     | new Western sanctions     | cross              | #0072B2
oil_shock     | oil price shock           | bowtie             | #7F7F7F
policy        | Western policy switch     | pentagon           | #0072B2
"""


def read_marker_table(text: str) -> dict[str, tuple[str, str, str]]:
    """``{kind: (legend label, marker symbol, colour)}`` from a ``|``-separated table."""
    rows = ([cell.strip() for cell in line.split("|")] for line in text.strip().splitlines())
    return {kind: (label, symbol, colour) for kind, label, symbol, colour in rows}


EVENT_MARKERS: dict[str, tuple[str, str, str]] = read_marker_table(_EVENT_MARKER_TABLE)


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


def time_range(results: pd.DataFrame) -> list[str]:
    """The x-axis range: from the first month to the scenario's length (``horizon`` in
    the frame's attrs; the default run length without it), or to the last month if
    later, so the axes stay still while a run fills them."""
    start = pd.Period(results["date"].iloc[0], freq="M")
    months = max(len(results) - 1, results.attrs.get("horizon", DEFAULT_MONTHS))
    return [str(start), str(start + months)]


def _label(column: str) -> str:
    return BY_NAME[column].label


def base_layout(text: str, margin: dict[str, int]) -> dict[str, Any]:
    """What every chart of the simulation page shares: its title, height (the width is
    its container's), margins, font, white background and legend below the plot."""
    return WHITE_LAYOUT | {
        "title": title(text),
        "autosize": True,
        "height": FIGURE_HEIGHT,
        "margin": margin,
        "font": FONT,
        "legend": LEGEND_BELOW,
    }


def time_layout(results: pd.DataFrame, text: str, y_title: str, y_range=None) -> dict[str, Any]:
    """The layout of a chart over months: titles, units, legend below, fixed axes, and
    one hover for all series with the month (YYYY-MM) on top."""
    return base_layout(text, {"l": 60, "r": 20, "t": 50, "b": 10}) | {
        "hovermode": "x unified",
        "uirevision": "keep",  # keep the user's zoom and hidden series across months
        "xaxis": AXIS_STYLE
        | {
            "type": "date",
            "title": {"text": "month"},
            "tickformat": "%Y",
            "hoverformat": MONTH_FORMAT,
            "range": time_range(results),
        },
        "yaxis": AXIS_STYLE | {"title": {"text": y_title}, "range": y_range},
    }


def line(results: pd.DataFrame, column: str, label: str, colour: str, dash: str = "solid"):
    """A line over months with its hover value (a marker too while there are few months)."""
    return {
        "type": "scatter",
        "x": results["date"].to_numpy(),
        "y": results[column].to_numpy(dtype=float).round(DECIMALS),
        "mode": "lines" if len(results) > 2 else "lines+markers",
        "name": legend_name(label),
        "line": {"color": colour, "width": 2, "dash": dash},
        "hovertemplate": "%{y:.3f}",
    }


def factional_balance_figure(
    results: pd.DataFrame, events: pd.DataFrame, factions: Sequence[Series]
) -> Figure:
    """Power shares of the factions as a stacked area, with diplomatic and political
    events marked above it (offers, talks, refusals, deals, vetoes, elections, UN votes).

    Serves C1 (offers when the president is weak), C2 (vetoes), C6 (refusals cost the
    president's camp power), C9 (the overall balance under each policy).
    """
    x = results["date"].to_numpy()
    data = [
        {
            "type": "scatter",
            "x": x,
            "y": results[f"power_{s.name}"].to_numpy(dtype=float).round(DECIMALS),
            "name": legend_name(s.label),
            "mode": "lines" if len(results) > 2 else "lines+markers",
            "stackgroup": "power",
            "line": {"width": 0.5, "color": s.colour},
            "fillcolor": s.colour,
            "hovertemplate": "%{y:.1%}",
        }
        for s in factions
    ]
    data += event_marker_traces(events)
    layout = time_layout(results, "Factional balance: share of power", "share of power (%)")
    layout["yaxis"] |= {"range": [0, 1.25], "tickvals": [0, 0.25, 0.5, 0.75, 1.0]}
    layout["yaxis"]["tickformat"] = ".0%"
    return {"data": data, "layout": layout}


def event_marker_traces(events: pd.DataFrame) -> list[dict[str, Any]]:
    """Events as markers in a band above the stacked area, one row per kind present,
    each with the event in words as its hover text."""
    if events.empty:
        return []
    by_kind: dict[str, tuple[list[str], list[str]]] = {}
    for date, kind, text in zip(events["date"], events["kind"], events["text"], strict=True):
        dates, texts = by_kind.setdefault(kind, ([], []))
        dates.append(date)
        texts.append(f"{date}: {text}")
    shown = [k for k in EVENT_MARKERS if k in by_kind]
    traces = []
    for row, kind in enumerate(shown):
        label, symbol, colour = EVENT_MARKERS[kind]
        dates, texts = by_kind[kind]
        traces.append(
            {
                "type": "scatter",
                "x": dates,
                "y": [1.03 + 0.2 * (row + 0.5) / len(shown)] * len(dates),
                "mode": "markers",
                "name": label,
                "marker": {"symbol": symbol, "size": 9, "color": colour},
                "text": texts,
                "hovertemplate": "%{text}<extra></extra>",
            }
        )
    return traces


def legitimacy_figure(results: pd.DataFrame, factions: Sequence[Series]) -> Figure:
    """Popular legitimacy (citizens' mean approval) of each faction and of the regime
    as a whole (power-weighted approval).

    Serves C6 (a rebuffed president loses legitimacy), C7 (resentment turns on the
    government during talks) and K3 (talks legitimise the regime).
    """
    data = [line(results, f"legitimacy_{s.name}", s.label, s.colour) for s in factions]
    data.append(line(results, "regime_legitimacy", "Regime (power-weighted)", "#000000", "dash"))
    layout = time_layout(results, "Legitimacy: popular approval", "approval (index 0–1)", [0, 1])
    return {"data": data, "layout": layout}


POPULATION_LINES = (  # column, colour, dash; labels come from the output schema
    ("hardship", "#7F7F7F", "solid"),
    ("economic_resentment", "#0072B2", "solid"),
    ("blame_west", "#D55E00", "solid"),
    ("resolve", "#CC79A7", "solid"),
    ("protest_share", "#009E73", "dot"),
)


def population_figure(results: pd.DataFrame) -> Figure:
    """The citizens on average: hardship, economic resentment of the government, share
    of hardship blamed on the West, resolve to endure, and the share protesting.

    Serves C5 (refusal raises blame on the West and resolve) and C7 (talks shift blame
    to the government's mismanagement).
    """
    data = [
        line(results, column, BY_NAME[column].label, colour, dash)
        for column, colour, dash in POPULATION_LINES
    ]
    layout = time_layout(
        results, "The population (means over citizens)", "index or share (0–1)", [0, 1]
    )
    return {"data": data, "layout": layout}


def sanctions_figure(results: pd.DataFrame, governments: Sequence[Series]) -> Figure:
    """Each government's support for sanctions, and the effective sanctions intensity
    (Western plus UN sanctions less leakage through Chinese and Russian trade).

    Serves C3 (failed engagement brings China and Russia along), C4 (refusal gives them
    an excuse; their trade leaks sanctions) and K1 (talks dampen their coercion).
    """
    data = [line(results, f"sanctions_support_{s.name}", s.label, s.colour) for s in governments]
    data.append(
        line(results, "effective_sanctions", _label("effective_sanctions"), "#000000", "dash")
    )
    layout = time_layout(
        results, "Sanctions: support and intensity", "support or intensity (0–1)", [0, 1]
    )
    return {"data": data, "layout": layout}


def nuclear_figure(results: pd.DataFrame) -> Figure:
    """Progress of the nuclear programme (1 = breakout capability) and the division
    inside the regime, with the months in which talks ran or a deal held shaded.

    Serves C8 (division slows the programme) and K2 (talks buy time for it).
    """
    data = [
        line(results, "nuclear_progress", _label("nuclear_progress"), "#D55E00"),
        line(results, "factional_division", _label("factional_division"), "#0072B2"),
    ]
    for column, label, fill in (
        ("talks_active", "Talks running (shaded)", "rgba(0, 114, 178, 0.12)"),
        ("deal_active", "Deal holding (shaded)", "rgba(0, 158, 115, 0.20)"),
    ):
        data.append(
            {
                "type": "scatter",
                "x": results["date"].to_numpy(),
                "y": results[column].to_numpy(dtype=float),
                "name": label,
                "mode": "lines",
                "line": {"width": 0, "shape": "hv"},
                "fill": "tozeroy",
                "fillcolor": fill,
                "hovertemplate": "%{y:.0f}",
            }
        )
    layout = time_layout(
        results, "Nuclear programme and factional division", "progress or division (0–1)", [0, 1]
    )
    return {"data": data, "layout": layout}
