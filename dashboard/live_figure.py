"""A Plotly figure that updates in place, sending the browser only what changed.

``solara.FigurePlotly`` replaces a figure by setting its layout, adding the new traces
and deleting the old ones: three messages and three redraws for every month, after
validating the whole figure twice. :func:`LiveFigure` takes a figure as a plain dict
(``dashboard/charts.py``), compares it with the one shown before and, when the traces
are the same (same types and names), sends only the properties that changed in one
batched update, which Plotly draws once. When the traces differ (a new kind of event
appears), it replaces them as ``FigurePlotly`` does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go
import solara
from plotly.graph_objs import FigureWidget

from dashboard.charts import Figure


def same_value(a: Any, b: Any) -> bool:
    """Deep equality of figure values (dicts, lists, tuples, numpy arrays, scalars)."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        return a.shape == b.shape and a.dtype.kind == b.dtype.kind and bool(np.all(a == b))
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return a.keys() == b.keys() and all(same_value(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


def same_traces(old: Sequence[Mapping], new: Sequence[Mapping]) -> bool:
    """Whether two lists of traces have the same types and names, in order."""
    return len(old) == len(new) and all(
        a.get("type") == b.get("type") and a.get("name") == b.get("name")
        for a, b in zip(old, new, strict=True)
    )


def apply_figure(widget: go.Figure, new: Figure, old: Figure | None) -> None:
    """Make ``widget`` (showing ``old``) show ``new``, sending as little as possible."""
    if old is None or not same_traces(old["data"], new["data"]) or not new["data"]:
        figure = go.Figure(new)
        widget.layout = figure.layout
        count = len(widget.data)
        widget.add_traces(figure.data)
        widget.data = widget.data[count:]
        return
    with widget.batch_update():
        for index, (before, after) in enumerate(zip(old["data"], new["data"], strict=True)):
            trace = widget.data[index]
            for key, value in after.items():
                if key not in before or not same_value(before[key], value):
                    trace[key] = value
        for key, value in new["layout"].items():
            if key not in old["layout"] or not same_value(old["layout"][key], value):
                widget.layout[key] = value


@solara.component
def LiveFigure(figure: Figure) -> solara.Element:
    """Show ``figure`` (a dict in Plotly's schema), updating the browser's copy in place."""
    element = FigureWidget.element()
    shown = solara.use_ref(None)

    def update() -> None:
        apply_figure(solara.get_widget(element), figure, shown.current)
        shown.current = figure

    solara.use_effect(update, [figure])
    return element
