"""The look shared by the dashboard's charts and the comparison figures: font, title,
the colour of each Western policy (ODD §7.11.2, the answer by policy, compared for C9)
and translucent bands.

Colours are Okabe-Ito (safe for the common kinds of colour blindness).
"""

from __future__ import annotations

from typing import Any

from plotly.colors import hex_to_rgb

FONT = {"family": "Roboto, Helvetica, Arial, sans-serif", "size": 12}
POLICY_COLOURS = {
    "engage": "#0072B2",
    "refuse": "#D55E00",
    "conditional": "#009E73",
    "reciprocal": "#CC79A7",
}


def title(text: str) -> dict[str, Any]:
    """A figure title, left-aligned."""
    return {"text": text, "x": 0.01, "xanchor": "left", "font": {"size": 15}}


def rgba(hex_colour: str, alpha: float) -> str:
    """``#RRGGBB`` with an opacity, for shaded bands drawn under their line."""
    r, g, b = hex_to_rgb(hex_colour)
    return f"rgba({r},{g},{b},{alpha})"
