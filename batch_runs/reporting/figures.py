"""Self-contained Plotly HTML for ``iran-sim compare`` and ``iran-sim plot``.

Every file embeds plotly.js (``include_plotlyjs=True`` on the first figure), so it
opens offline and can be mailed as one file. Outcomes are shown in groups (one panel
per group), and every mean comes with its 95% band (Student t over runs).
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from batch_runs.analysis.statistics import t_half_width
from model.export import write_atomic
from model.outputs import GROUPS, column_for, group_of

# The outcomes a sweep report shows (those present in the results).
KEY_OUTCOMES = (
    "regime_legitimacy",
    "economic_health",
    "blame_west",
    "nuclear_progress",
    "effective_sanctions",
    "protest_share",
    "leader_distrust",
    "deals_total",
)
COLOURS = (
    "#1f77b4",
    "#d62728",
    "#2ca02c",
    "#ff7f0e",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
)


def label_of(name: str) -> str:
    """The declared label of a results column (its name when it is not declared)."""
    column = column_for(name)
    if column is None:
        return name
    if column.template is None:
        return column.label
    return f"{column.label}: {name[len(column.name.split('<')[0]) :]}"


def outcome_groups(outcomes: Iterable[str]) -> dict[str, list[str]]:
    """Outcomes by panel, in the order of the results' columns (empty groups dropped)."""
    groups: dict[str, list[str]] = {title: [] for title in (*GROUPS, "Other")}
    for name in outcomes:
        groups[group_of(name)].append(name)
    return {t: names for t, names in groups.items() if names}


def _rgba(colour: str, alpha: float) -> str:
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def _band(x: Sequence, low: Sequence, high: Sequence, colour: str, group: str) -> go.Scatter:
    """A filled 95% band (one closed polygon: high forwards, low backwards)."""
    x = list(x)
    return go.Scatter(
        x=x + x[::-1],
        y=list(high) + list(low)[::-1],
        fill="toself",
        fillcolor=_rgba(colour, 0.18),
        line={"width": 0},
        hoverinfo="skip",
        name=f"{group} (95% CI)",
        legendgroup=group,
        showlegend=False,
    )


def _mean_and_band(
    fig: go.Figure,
    x: Sequence,
    mean: Sequence,
    low: Sequence,
    high: Sequence,
    colour: str,
    name: str,
    at: tuple[int, int],
    legend: bool = True,
) -> None:
    """A mean line with its 95% band in panel ``at`` (row, column)."""
    label = label_of(name)
    fig.add_trace(_band(x, low, high, colour, label), *at)
    line = go.Scatter(
        x=x,
        y=mean,
        mode="lines",
        line={"color": colour},
        name=label,
        legendgroup=name,
        showlegend=legend,
    )
    fig.add_trace(line, *at)


def comparison_figure(diffs: pd.DataFrame, label_a: str, label_b: str) -> go.Figure:
    """Mean paired difference (A - B) over time with its 95% band, one panel per group.

    ``diffs`` is the tidy frame of ``batch_runs.analysis.statistics.paired_differences``.
    Used by ``iran-sim compare``.
    """
    outcomes = list(dict.fromkeys(diffs["outcome"]))
    groups = outcome_groups(outcomes)
    fig = make_subplots(
        rows=len(groups),
        cols=1,
        subplot_titles=list(groups),
        vertical_spacing=min(0.08, 0.5 / max(1, len(groups))),
    )
    by_outcome = {name: frame for name, frame in diffs.groupby("outcome", sort=False)}
    for row, names in enumerate(groups.values(), start=1):
        for i, name in enumerate(names):
            frame = by_outcome[name]
            colour = COLOURS[i % len(COLOURS)]
            low, high = frame["ci_low"], frame["ci_high"]
            _mean_and_band(
                fig, frame["step"], frame["mean_diff"], low, high, colour, name, (row, 1)
            )
        fig.add_hline(y=0, line={"color": "black", "width": 1, "dash": "dot"}, row=row, col=1)
        fig.update_yaxes(title_text="A - B", row=row, col=1)
    fig.update_xaxes(title_text="month")
    fig.update_layout(
        title=f"Mean paired difference, A ({label_a}) - B ({label_b}), with 95% CI",
        height=320 * len(groups),
        width=1100,
        template="plotly_white",
    )
    return fig


def write_html(path: str | Path, title: str, figures: Sequence[go.Figure], intro: str = "") -> Path:
    """Write one self-contained HTML page (plotly.js embedded once) atomically."""
    parts = [
        fig.to_html(full_html=False, include_plotlyjs=(i == 0), default_width=fig.layout.width)
        for i, fig in enumerate(figures)
    ]
    page = (
        "<!DOCTYPE html>\n<html><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title>"
        "<style>body{font-family:sans-serif;margin:2em;max-width:1200px}</style>"
        f"</head><body><h1>{html.escape(title)}</h1>{intro}\n"
        + "\n".join(parts)
        + "\n</body></html>\n"
    )
    return write_atomic(path, lambda tmp: tmp.write_text(page, encoding="utf-8"))


# --- sweep report --------------------------------------------------------------------


def group_labels(values: pd.Series, max_levels: int = 8, bins: int = 4) -> pd.Series:
    """Labels grouping runs by a parameter: its values if few, else quantile bins."""
    distinct = values.drop_duplicates()
    if len(distinct) <= max_levels:
        return values.astype(str)
    edges = np.unique(np.quantile(values.astype(float), np.linspace(0, 1, bins + 1)))
    codes = np.clip(np.searchsorted(edges, values.astype(float), side="right") - 1, 0, None)
    codes = np.minimum(codes, len(edges) - 2)
    names = [f"[{edges[i]:.3g}, {edges[i + 1]:.3g}]" for i in range(len(edges) - 1)]
    return pd.Series([names[c] for c in codes], index=values.index)


def _level_order(labels: pd.Series, values: pd.Series) -> list[str]:
    first = pd.DataFrame({"label": labels, "value": values}).groupby("label", sort=False).first()
    try:
        return list(first.sort_values("value").index)
    except TypeError:
        return list(first.index)


class TrajectoryAccumulator:
    """Streaming mean and 95% band of outcomes over months, by group of runs.

    Feed it chunks of steps (``add``); memory grows with groups x months, not runs.
    """

    def __init__(self, outcomes: Sequence[str]) -> None:
        self.outcomes = list(outcomes)
        self._sums: pd.DataFrame | None = None

    def add(self, chunk: pd.DataFrame, labels: Mapping[int, str]) -> None:
        """Add a chunk of steps rows (``run_id``, ``step``, outcomes)."""
        groups = chunk["run_id"].map(labels)
        chunk = chunk.loc[groups.notna()]
        values = chunk[self.outcomes].astype(float)
        keys = [groups.loc[chunk.index].rename("group"), chunk["step"]]
        part = pd.concat(
            {
                "n": values.notna().astype(float).groupby(keys).sum(),
                "sum": values.groupby(keys).sum(),
                "sumsq": (values**2).groupby(keys).sum(),
            },
            axis=1,
        )
        self._sums = part if self._sums is None else self._sums.add(part, fill_value=0.0)

    def summary(self) -> pd.DataFrame:
        """Tidy: group, step, outcome, mean, ci_low, ci_high, n."""
        if self._sums is None:
            return pd.DataFrame(columns=["group", "step", "outcome", "mean", "ci_low", "ci_high"])
        rows = []
        for outcome in self.outcomes:
            n = self._sums[("n", outcome)]
            s = self._sums[("sum", outcome)]
            ss = self._sums[("sumsq", outcome)]
            mean = s / n
            var = ((ss - n * mean**2) / (n - 1)).clip(lower=0)
            half = pd.Series(t_half_width(np.sqrt(var), n), index=n.index).where(n >= 2)
            frame = pd.DataFrame(
                {
                    "outcome": outcome,
                    "mean": mean,
                    "ci_low": mean - half,
                    "ci_high": mean + half,
                    "n": n,
                }
            )
            rows.append(frame.reset_index())
        return pd.concat(rows, ignore_index=True)


def trajectory_figure(
    summary: pd.DataFrame, parameter: str, order: Sequence[str], outcomes: Sequence[str]
) -> go.Figure:
    """Outcome trajectories by level of ``parameter``: mean and 95% band, one panel each."""
    cols = 2
    rows = max(1, math.ceil(len(outcomes) / cols))
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=[label_of(o) for o in outcomes])
    for k, outcome in enumerate(outcomes):
        r, c = divmod(k, cols)
        part = summary[summary["outcome"] == outcome]
        for i, level in enumerate(order):
            frame = part[part["group"] == level].sort_values("step")
            if frame.empty:
                continue
            colour = COLOURS[i % len(COLOURS)]
            name = f"{parameter} = {level}"
            low = frame["ci_low"].fillna(frame["mean"])
            high = frame["ci_high"].fillna(frame["mean"])
            at = (r + 1, c + 1)
            _mean_and_band(fig, frame["step"], frame["mean"], low, high, colour, name, at, k == 0)
    fig.update_xaxes(title_text="month")
    return _panel_layout(fig, f"Trajectories by {parameter} (mean and 95% band over runs)", rows)


def finals_figure(
    runs: pd.DataFrame, parameter: str, outcomes: Sequence[str], max_levels: int = 8
) -> go.Figure:
    """Final outcomes against ``parameter``: every run as a point, and the mean per
    level (or per quantile bin) with its 95% interval."""
    cols = 2
    rows = max(1, math.ceil(len(outcomes) / cols))
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=[label_of(o) for o in outcomes])
    x = runs[parameter]
    categorical = not pd.api.types.is_numeric_dtype(x) or pd.api.types.is_bool_dtype(x)
    x_plot = x.astype(str) if categorical else x
    labels = group_labels(x, max_levels)
    order = _level_order(labels, x)
    for k, outcome in enumerate(outcomes):
        r, c = divmod(k, cols)
        y = runs[f"final_{outcome}"]
        fig.add_trace(
            go.Scatter(
                x=x_plot,
                y=y,
                mode="markers",
                marker={"size": 4, "opacity": 0.35, "color": "#7f7f7f"},
                name="runs",
                legendgroup="runs",
                showlegend=k == 0,
            ),
            r + 1,
            c + 1,
        )
        centres, means, halves = _level_means(y, labels, order, x_plot, categorical)
        fig.add_trace(
            go.Scatter(
                x=centres,
                y=means,
                mode="lines+markers",
                error_y={"type": "data", "array": halves, "arrayminus": halves},
                line={"color": COLOURS[0]},
                name="mean (95% CI)",
                legendgroup="mean",
                showlegend=k == 0,
            ),
            r + 1,
            c + 1,
        )
    fig.update_xaxes(title_text=parameter)
    return _panel_layout(fig, f"Final outcomes against {parameter}", rows)


def _panel_layout(fig: go.Figure, title: str, rows: int) -> go.Figure:
    """The sweep report's layout: a title and a row of panels every 300 px."""
    fig.update_layout(title=title, height=300 * rows, width=1100, template="plotly_white")
    return fig


def _level_means(
    y: pd.Series, labels: pd.Series, order: Sequence[str], x_plot: pd.Series, categorical: bool
) -> tuple[list[Any], list[float], list[float]]:
    """Per level (or bin) of the parameter: its position, the mean outcome and the
    half-width of its 95% interval (0 for a single run)."""
    centres, means, halves = [], [], []
    for level in order:
        values = y[labels == level].dropna().to_numpy(dtype=float)
        if values.size == 0:
            continue
        means.append(float(values.mean()))
        halves.append(
            float(t_half_width(values.std(ddof=1), values.size)) if values.size > 1 else 0.0
        )
        centre = x_plot[labels == level]
        centres.append(centre.iloc[0] if categorical else float(centre.astype(float).mean()))
    return centres, means, halves
