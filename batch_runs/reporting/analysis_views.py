"""The analyses of the engagement advantage sized for a page, with a table or a summary
(C9 and the parameters it depends on, ODD §10.4).

``iran-sim sensitivity`` ranks the parameters that decide the advantage of engagement
over refusal; ``iran-sim frontier`` maps it over two of them and marks where refusal
does better. These functions turn the files the commands write into the figures of
``analysis_figures`` at the width of a page, a compact ranking table and a one-line
summary of the map.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from batch_runs.analysis.outcomes import Outcome, get_outcome
from batch_runs.reporting.analysis_figures import frontier_figure, ranking_figure

TOP_PARAMETERS = 20
DEFAULT_METHOD = "morris"
DEFAULT_OUTCOME = "nuclear_progress"  # older ranking files do not name their outcome


def _first(frame: pd.DataFrame, column: str, default: str) -> str:
    """The value of a column that is constant over a file (its first), or a default."""
    return str(frame[column].iloc[0]) if column in frame else default


def ranking_index(ranking: pd.DataFrame) -> str:
    """The column that ranks the parameters: Morris's mu* or Sobol's total index."""
    return "mu_star" if _first(ranking, "method", DEFAULT_METHOD) == "morris" else "ST"


def top_ranked(ranking: pd.DataFrame, top: int = TOP_PARAMETERS) -> pd.DataFrame:
    """The ``top`` most influential parameters, most influential first."""
    return ranking.sort_values("rank").head(top)


def sensitivity_figure(ranking: pd.DataFrame, top: int = TOP_PARAMETERS) -> go.Figure:
    """The ranking chart of the ``top`` parameters, at the width of a page."""
    fig = ranking_figure(
        top_ranked(ranking, top),
        _first(ranking, "method", DEFAULT_METHOD),
        get_outcome(_first(ranking, "outcome", DEFAULT_OUTCOME)),
        _first(ranking, "statistic", ""),
    )
    fig.update_layout(width=760)
    return fig


def ranking_table(ranking: pd.DataFrame, top: int = TOP_PARAMETERS) -> pd.DataFrame:
    """The ranking in a compact table: rank, parameter, claim, index and its interval."""
    key = ranking_index(ranking)
    table = top_ranked(ranking, top)[["rank", "parameter", "claim", key, "ci_low", "ci_high"]]
    return table.round(4).reset_index(drop=True)


def _map_axes(table: pd.DataFrame) -> tuple[str, str, Outcome]:
    """The map's two parameters (its first two columns) and its outcome."""
    return table.columns[0], table.columns[1], get_outcome(str(table["outcome"].iloc[0]))


def frontier_map(table: pd.DataFrame) -> go.Figure:
    """The frontier heatmaps over the map's two parameters, at the width of a page."""
    x, y, outcome = _map_axes(table)
    fig = frontier_figure(table, x, y, outcome, str(table["statistic"].iloc[0]))
    fig.update_layout(width=1000, height=460)
    return fig


def frontier_summary(table: pd.DataFrame) -> str:
    """Where refusal does better, in one line: cells with a lower advantage, of which
    how many with the whole 95% interval below zero, and ties."""
    x, y, outcome = _map_axes(table)
    worse = int(table["refusal_better"].sum())
    significant = int(table["refusal_better_significant"].sum())
    ties = int((table["advantage"] == 0).sum())
    return (
        f"{outcome.name} over {x} × {y}: refusal does better in {worse} of {len(table)} "
        f"cells ({significant} with the 95% interval below zero); no difference in {ties}."
    )
