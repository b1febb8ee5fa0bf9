"""The calibration's figures (ODD §1.3): screening, rounds, shrinkage, marginals."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from batch_runs.reporting.figures import COLOURS as _COLOURS

MARGINALS_SHOWN = 12


def _parameter_bars(
    order: pd.DataFrame,
    column: str,
    highlighted: pd.Series,
    colour: str,
    customdata: np.ndarray,
    hovertemplate: str,
    title: str,
) -> go.Figure:
    """Horizontal bars of one value per parameter, highlighted ones in ``colour``."""
    figure = go.Figure(
        go.Bar(
            x=order[column],
            y=order["parameter"],
            orientation="h",
            marker_color=np.where(highlighted, colour, _COLOURS[7]),
            customdata=customdata,
            hovertemplate=hovertemplate,
        )
    )
    figure.update_layout(
        title=title,
        xaxis_title=column,
        width=900,
        height=max(400, 16 * len(order) + 120),
        template="plotly_white",
        margin={"l": 230},
    )
    return figure


def calibration_figures(
    posterior: pd.DataFrame,
    rounds: pd.DataFrame,
    summary: pd.DataFrame,
    screening: pd.DataFrame | None = None,
) -> list[go.Figure]:
    """The calibration report: the screening's influence of every candidate (when
    screened), distance by round, shrinkage of every fitted parameter, and the weighted
    marginal posteriors of the best-pinned parameters over their prior ranges."""
    figures = [] if screening is None else [_influence_figure(screening)]
    figures += [_rounds_figure(rounds), _shrinkage_figure(summary)]
    return [*figures, _marginals(posterior, summary)]


def _influence_figure(screening: pd.DataFrame) -> go.Figure:
    """The screening's influence of every candidate, with the threshold dotted."""
    order = screening.sort_values("influence")
    influence = _parameter_bars(
        order,
        "influence",
        order["fitted"],
        _COLOURS[0],
        order[["strongest_pattern", "rho_distance"]].to_numpy(),
        "%{y}: influence %{x:.2f} (strongest on %{customdata[0]}; "
        "rho with the distance %{customdata[1]:.2f})<extra></extra>",
        "Screening: largest |Spearman rho| of each candidate with the distance or a "
        "pattern's miss (blue: fitted; dotted: three standard errors)",
    )
    influence.add_vline(x=screening.attrs.get("threshold", 0.0), line_dash="dot")
    return influence


def _rounds_figure(rounds: pd.DataFrame) -> go.Figure:
    """Tolerance and mean distance kept, by ABC-SMC round."""
    by_round = go.Figure()
    by_round.add_trace(
        go.Scatter(x=rounds["round"], y=rounds["threshold"], name="tolerance (threshold)")
    )
    by_round.add_trace(
        go.Scatter(x=rounds["round"], y=rounds["mean_distance"], name="mean distance kept")
    )
    by_round.update_layout(
        title="ABC-SMC rounds: the tolerance tightens",
        xaxis_title="round",
        yaxis_title="mean miss over patterns and seeds",
        width=900,
        height=380,
        template="plotly_white",
    )
    return by_round


def _shrinkage_figure(summary: pd.DataFrame) -> go.Figure:
    """What the record pins down: each fitted parameter's shrinkage."""
    order = summary.sort_values("shrinkage")
    return _parameter_bars(
        order,
        "shrinkage",
        order["pinned"],
        _COLOURS[2],
        np.column_stack([order["q025"], order["median"], order["q975"]]),
        "%{y}: shrinkage %{x:.2f}<br>median %{customdata[1]:.3g} "
        "(95%: %{customdata[0]:.3g} to %{customdata[2]:.3g})<extra></extra>",
        "What the record pins down: 1 - posterior sd / prior sd (green: 95% interval "
        "within half the prior range)",
    )


def _marginals(posterior: pd.DataFrame, summary: pd.DataFrame) -> go.Figure:
    """Weighted marginal posteriors of the best-pinned parameters over their priors."""
    shown = summary.head(MARGINALS_SHOWN)
    cols = 3
    rows = max(1, math.ceil(len(shown) / cols))
    marginals = make_subplots(rows=rows, cols=cols, subplot_titles=list(shown["parameter"]))
    for i, row in enumerate(shown.itertuples()):
        r, c = divmod(i, cols)
        marginals.add_trace(
            go.Histogram(
                x=posterior[row.parameter],
                y=posterior["weight"],
                histfunc="sum",
                xbins={
                    "start": row.prior_low,
                    "end": row.prior_high,
                    "size": (row.prior_high - row.prior_low) / 20 or 1,
                },
                marker_color=_COLOURS[0],
                showlegend=False,
            ),
            row=r + 1,
            col=c + 1,
        )
        marginals.update_xaxes(range=[row.prior_low, row.prior_high], row=r + 1, col=c + 1)
    marginals.update_layout(
        title="Weighted posterior of the best-pinned parameters (x axis: the prior range)",
        width=900,
        height=260 * rows + 80,
        template="plotly_white",
    )
    return marginals
