"""The look shared by the dashboard's charts and the comparison figures: font, title,
the colour of each Western policy (ODD §7.11.2, the answer by policy, compared for C9),
translucent bands, the white background and axes, the legend below the plot, and the
month in every hover.

Colours are Okabe-Ito (safe for the common kinds of colour blindness). Figures carry no
fixed width: they take the width of their container (a phone's or a wide screen's).
"""

from __future__ import annotations

import textwrap
from typing import Any

from plotly.colors import hex_to_rgb

FONT = {"family": "Roboto, Helvetica, Arial, sans-serif", "size": 12}
POLICY_COLOURS = {
    "engage": "#0072B2",
    "refuse": "#D55E00",
    "conditional": "#009E73",
    "reciprocal": "#CC79A7",
}


MONTH_FORMAT = "%Y-%m"  # the month in every hover over time (the axes show years)
# Plotly's "plotly_white" look, spelled out: a named template exists only in plotly.py,
# and the dashboard sends its figures to plotly.js as plain JSON.
AXIS_STYLE: dict[str, Any] = {
    "gridcolor": "#EBF0F8",
    "linecolor": "#EBF0F8",
    "zerolinecolor": "#EBF0F8",
    "zerolinewidth": 2,
    "automargin": True,
}
WHITE_LAYOUT: dict[str, Any] = {
    "paper_bgcolor": "white",
    "plot_bgcolor": "white",
    "hoverlabel": {"align": "left"},
}
# Legends go below the plot, at the bottom of the figure, and wrap to as many rows as
# the width needs: nothing is cut off on a narrow screen.
LEGEND_BELOW: dict[str, Any] = {
    "orientation": "h",
    "yref": "container",
    "y": 0,
    "yanchor": "bottom",
    "x": 0,
    "xanchor": "left",
    "font": {"size": 11},
}
LEGEND_LINE = 28  # characters of a legend entry before it wraps (two columns on a chart)


def legend_name(text: str) -> str:
    """A long series name wrapped onto lines (Plotly's ``<br>``) so that its legend entry
    fits the narrowest screen."""
    return wrapped(text, LEGEND_LINE)


TITLE_LINE = 42  # characters of a title line: fits a 390 px phone at 15 px


def wrapped(text: str, width: int) -> str:
    """``text`` on lines of at most ``width`` characters, joined by Plotly's ``<br>``."""
    return "<br>".join(textwrap.wrap(text, width)) or text


def title(text: str) -> dict[str, Any]:
    """A figure title, left-aligned, on as many lines as a phone's width needs (a title
    is never cut off: Plotly does not wrap titles itself)."""
    return {"text": wrapped(text, TITLE_LINE), "x": 0.01, "xanchor": "left", "font": {"size": 15}}


def rgba(hex_colour: str, alpha: float) -> str:
    """``#RRGGBB`` with an opacity, for shaded bands drawn under their line."""
    r, g, b = hex_to_rgb(hex_colour)
    return f"rgba({r},{g},{b},{alpha})"
