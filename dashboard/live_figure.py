"""A Plotly chart drawn by plotly.js in the browser from a plain JSON figure.

``solara.FigurePlotly`` wraps plotly's ``FigureWidget``: every instance sends the browser
its own 5 MB copy of plotly.js over the websocket (the widget's code), and every update
is validated property by property in Python. Six charts made a page take 15–30 s to
open and a Step take half a second. :class:`PlotlyChart` is a small widget instead: the
browser loads plotly.js once, as a file served by the dashboard's own server from the
installed plotly package (:func:`serve_plotly_js`; nothing is downloaded), and each
chart receives its figure as JSON text, drawn with ``Plotly.react`` (which keeps the
user's zoom and hidden series through ``uirevision``).

Figures size to their container: no fixed width (``autosize``), a fixed height plus
that of a legend below the plot, redrawn when the container's width changes (window,
drawer or tab; a chart in a hidden tab is drawn when it shows), so that a page of
charts works from a 390 px phone to a 1920 px screen. They serve every claim the dashboard
shows (C1–C9, K1–K3); what each chart shows is ``dashboard/charts.py``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import anywidget
import numpy as np
import plotly
import plotly.graph_objects as go
import solara
import traitlets

from dashboard.charts import Figure

PLOTLY_JS_DIR = Path(plotly.__file__).resolve().parent / "package_data"
PLOTLY_JS_FILE = "plotly.min.js"
# Solara runs the assets' custom.js as the page opens: ours starts loading plotly.js then.
ASSETS_DIR = Path(__file__).resolve().parent / "assets"
# Plotly's options for every chart: redraw on resize, no logo, no link to an online editor.
CONFIG: dict[str, Any] = {"responsive": True, "displaylogo": False, "showLink": False}

_ESM = """
const PLOTLY_URL = "/static/assets/PLOTLY_JS_FILE";
const LEGEND_GAP = 6;  // px between the x axis and a legend below the plot

// plotly.js is loaded once per page (a script tag, cached by the browser), whatever the
// number of charts; a failed load is retried by the next chart.
function loadPlotly() {
  if (window.Plotly) return Promise.resolve(window.Plotly);
  if (!window.__liveFigurePlotly) {
    window.__liveFigurePlotly = new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = ((window.solara && window.solara.rootPath) || "") + PLOTLY_URL;
      script.onload = () => resolve(window.Plotly);
      script.onerror = () => {
        window.__liveFigurePlotly = null;
        reject(new Error("plotly.js could not be loaded from " + script.src));
      };
      document.head.appendChild(script);
    });
  }
  return window.__liveFigurePlotly;
}

// A legend at the bottom of the figure (yref "container") wraps to as many rows as the
// width needs: the figure grows by the legend's height, so the plot keeps its own.
function legendHeight(plot, layout) {
  const legend = layout.legend;
  if (!legend || legend.yref !== "container" || layout.showlegend === false) return 0;
  const box = plot.querySelector("g.legend .scrollbox");
  return box ? Math.ceil(box.getBBox().height) + LEGEND_GAP : 0;
}

async function render({ model, el }) {
  const Plotly = await loadPlotly();
  const plot = document.createElement("div");
  plot.className = "live-figure-plot";
  el.classList.add("live-figure");
  el.appendChild(plot);
  let extra = 0;  // the legend's height, added to the figure's
  let figure = {}, text = null;  // the figure, parsed once from the JSON text it comes as
  function current() {
    const now = model.get("figure");
    if (now !== text) {
      text = now;
      figure = JSON.parse(now || "{}");
    }
    return figure;
  }

  // Which legend a figure has: when it is the same as last month's (the usual case),
  // the legend's height is too, and the figure is not measured again.
  let legendShown = null;
  function legendOf(figure) {
    const names = (figure.data || []).map((t) => (t.showlegend === false ? "" : t.name));
    return names.join("|") + "|" + (figure.layout || {}).height;
  }

  // Draws the figure; says whether it needs fitting (its legend changed).
  async function drawNow() {
    const figure = current();
    const layout = Object.assign({}, figure.layout || {});
    if (layout.height) layout.height += extra;
    await Plotly.react(plot, figure.data || [], layout, model.get("config"));
    const legend = legendOf(figure);
    const changed = legend !== legendShown;
    legendShown = legend;
    return changed;
  }

  // The figure takes its container's width (which changes with the window, the drawer
  // and the tab shown; a hidden chart has none) and grows by its legend's height.
  async function fitNow() {
    const layout = current().layout || {};
    if (plot.clientWidth === 0 || !plot._fullLayout) return;
    if (Math.abs(plot._fullLayout.width - plot.clientWidth) > 1) await Plotly.Plots.resize(plot);
    if (!layout.height) return;
    const wanted = legendHeight(plot, layout);
    if (Math.abs(wanted - extra) > 1) {
      extra = wanted;
      await Plotly.relayout(plot, { height: layout.height + extra });
    }
  }

  // One Plotly call at a time; a figure that arrives while another is drawn replaces it
  // (only the newest is drawn). Nothing is drawn while the chart has no width (not laid
  // out yet, or in a hidden tab): it is drawn when it shows, at its width. The first
  // draw is fitted (its legend's height) once the browser is idle, so that a new page
  // shows all its charts and controls first; later, a figure is fitted again when its
  // width or its legend changed.
  let busy = false, wantDraw = true, wantFit = false, width = 0, drawn = false;
  const idle = window.requestIdleCallback || ((f) => setTimeout(f, 100));
  async function pump() {
    if (busy || width === 0) return;
    busy = true;
    try {
      while (wantDraw || wantFit) {
        const redraw = wantDraw;
        let fit = wantFit;
        wantDraw = wantFit = false;
        if (redraw) {
          const legendChanged = await drawNow();
          if (!drawn) idle(refit, { timeout: 1000 });
          else fit = fit || legendChanged;
          drawn = true;
        }
        if (fit) await fitNow();
      }
    } finally {
      busy = false;
    }
  }
  const draw = () => { wantDraw = true; return pump(); };
  const refit = () => { wantFit = true; return pump(); };
  const observer = new ResizeObserver((entries) => {
    const now = Math.round(entries[0].contentRect.width);
    if (now === width) return;
    width = now;
    if (drawn) wantFit = true;
    requestAnimationFrame(pump);
  });
  model.on("change:figure", draw);
  observer.observe(el);
  return () => {
    observer.disconnect();
    model.off("change:figure", draw);
    Plotly.purge(plot);
  };
}

export default { render };
""".replace("PLOTLY_JS_FILE", PLOTLY_JS_FILE)

# Layout containment: Plotly measures its texts after every change, which makes the
# browser lay out the page again; contained, only the chart itself is laid out.
_CSS = """
.live-figure { width: 100%; min-width: 0; contain: layout style; }
.live-figure-plot { width: 100%; }
"""


class PlotlyChart(anywidget.AnyWidget):
    """A Plotly figure drawn in the browser by plotly.js, sized to its container;
    setting ``figure`` (the figure as JSON text) redraws it.

    Text rather than a dict: the widget machinery would walk every number of a dict
    looking for binary buffers and compare it value by value; text is compared and sent
    as it is."""

    _esm = _ESM
    _css = _CSS
    figure = traitlets.Unicode("{}").tag(sync=True)  # the figure as JSON text
    config = traitlets.Dict().tag(sync=True)


def serve_plotly_js() -> None:
    """Let the Solara server serve ``plotly.min.js`` from the installed plotly package
    (under ``/static/assets/``), so the browser loads it once per page and caches it,
    and the page starts loading it as it opens (``dashboard/assets/custom.js``)."""
    from solara.server import settings

    locations = settings.assets.extra_locations
    for folder in (ASSETS_DIR, PLOTLY_JS_DIR):
        if folder.is_dir() and str(folder) not in locations:
            locations.append(str(folder))


def to_json(value: Any) -> Any:
    """A figure value as plain JSON: numpy arrays and scalars as lists and numbers,
    dates as ISO text, NaN and infinities (a gap in a line) as null, which Plotly draws
    as a gap (JSON has no NaN)."""
    if isinstance(value, np.ndarray):
        return _array_json(value)
    if isinstance(value, Mapping):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        if all(type(x) is str for x in value):  # dates and texts: nothing to convert
            return list(value)
        return [to_json(x) for x in value]
    if isinstance(value, np.datetime64):
        return _array_json(np.array([value]))[0]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _array_json(array: np.ndarray) -> list:
    kind = array.dtype.kind
    if kind == "f":
        bad = ~np.isfinite(array)
        return np.where(bad, None, array.astype(object)).tolist() if bad.any() else array.tolist()
    if kind == "M":
        text = np.datetime_as_string(array, unit="s").astype(object)
        return np.where(np.isnat(array), None, text).tolist()
    if kind == "O":
        return to_json(array.tolist())
    return array.tolist()


def fit_container(figure: Figure | go.Figure) -> Figure:
    """``figure`` as plain JSON sized to its container: no fixed width, ``autosize`` on
    (the height stays as the figure sets it)."""
    spec = figure.to_plotly_json() if isinstance(figure, go.Figure) else figure
    spec = to_json(spec)
    layout = {k: v for k, v in spec.get("layout", {}).items() if k != "width"}
    return {"data": spec.get("data", []), "layout": layout | {"autosize": True}}


@solara.component
def LiveFigure(figure: Figure | go.Figure) -> solara.Element:
    """Show ``figure`` (a dict in Plotly's schema, or a ``go.Figure``) at the width of
    its container; a new figure redraws only what changed in it.

    The figure is set on the widget after the render, not passed as an element property:
    the renderer walks and compares an element's properties value by value in Python
    (thousands of numbers a chart), while the widget compares the new figure's text with
    the one it shows and sends it to the browser only if it differs.
    """
    element = PlotlyChart.element(config=CONFIG)
    text = json.dumps(fit_container(figure), separators=(",", ":"), allow_nan=False)

    def show() -> None:
        solara.get_widget(element).figure = text

    solara.use_effect(show)  # after every render (a render means a new figure)
    return element
