"""The claims audit for reading on screen (ODD §10): a table and a figure per setting.

An audit table (``iran-sim claims``, or a small audit in the dashboard) has one row per
experiment of the op-ed's claims C1–C9 and of the critics' checks K1–K3, in several
settings: the scenario as given ("baseline"), and the claims with each critics'
mechanism switched on ("K1 on", …; ODD §10.3). Each row carries the paired effect A − B
with its 95% interval and its verdict. Plain functions of that table, so the dashboard
and the command line can both use them.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from batch_runs.analysis.statistics import t_critical
from batch_runs.analysis.verdicts import CONTRADICTED, INCONCLUSIVE, SUPPORTED
from batch_runs.reporting.chart_style import FONT, title

VERDICT_COLOURS = {SUPPORTED: "#009E73", CONTRADICTED: "#D55E00", INCONCLUSIVE: "#999999"}
NO_VERDICT_COLOUR = "#999999"
T_CLIP = 50.0  # |t| beyond this is drawn at the edge: a huge t would squash the others
DEFAULT_THRESHOLD = 2.0  # the dashed lines when no row has an interval (about t at 95%)


def settings_of(table: pd.DataFrame) -> list[str]:
    """The settings of an audit table, baseline first."""
    return list(dict.fromkeys(table["setting"]))


def setting_rows(table: pd.DataFrame, setting: str) -> pd.DataFrame:
    """The rows of one setting, in the table's order."""
    return table[table["setting"] == setting]


def verdict_counts(table: pd.DataFrame, setting: str) -> str:
    """How many claims of a setting are supported, inconclusive and contradicted."""
    counts = setting_rows(table, setting)["verdict"].value_counts()
    return ", ".join(f"{counts.get(v, 0)} {v}" for v in (SUPPORTED, INCONCLUSIVE, CONTRADICTED))


def _signed(x: float) -> str:
    return "n/a" if not math.isfinite(x) else f"{x:+.3f}"


def display_table(table: pd.DataFrame, setting: str = "baseline") -> pd.DataFrame:
    """The rows of one setting, formatted for reading (effect with its 95% interval)."""
    rows = setting_rows(table, setting)
    return pd.DataFrame(
        {
            "id": rows["id"],
            "claim (stated effect)": rows["statement"],
            "cause: A vs B": rows["arm_a"] + " vs " + rows["arm_b"],
            "outcome": rows["outcome"],
            "statistic": rows["statistic"],
            "expected": rows["expected"],
            "effect A−B [95% CI]": [
                f"{_signed(e)} [{_signed(lo)}, {_signed(hi)}]"
                for e, lo, hi in zip(rows["effect"], rows["ci_low"], rows["ci_high"], strict=True)
            ],
            "n": rows["n"],
            "verdict": rows["verdict"],
        }
    ).reset_index(drop=True)


def claim_evidence(rows: pd.DataFrame) -> tuple[np.ndarray, float]:
    """Each row's effect divided by its standard error (recovered from the 95% interval
    and Student's t for its ``n``), signed so that positive means 'as the claim says'
    and clipped at ±``T_CLIP``; and the t beyond which a claim is supported (the median
    critical value of the rows)."""
    sign = np.where(rows["expected"].astype(str) == "+", 1.0, -1.0)
    crit = t_critical(rows["n"].to_numpy(dtype=float))
    half = (rows["ci_high"] - rows["ci_low"]).to_numpy(dtype=float) / 2
    se = np.where(half > 0, half / crit, np.nan)
    t = sign * rows["effect"].to_numpy(dtype=float) / se
    t = np.clip(np.nan_to_num(t, nan=0.0, posinf=T_CLIP, neginf=-T_CLIP), -T_CLIP, T_CLIP)
    threshold = float(np.nanmedian(crit)) if np.isfinite(crit).any() else DEFAULT_THRESHOLD
    return t, threshold


def _evidence_bars(rows: pd.DataFrame, t: np.ndarray) -> go.Bar:
    """One bar per claim, coloured by its verdict, with the statement on hover."""
    return go.Bar(
        x=t,
        y=rows["id"],
        orientation="h",
        marker_color=[VERDICT_COLOURS.get(v, NO_VERDICT_COLOUR) for v in rows["verdict"]],
        customdata=np.stack([rows["statement"], rows["verdict"]], axis=-1),
        hovertemplate="%{y}: %{customdata[0]}<br>t = %{x:.1f} (%{customdata[1]})<extra></extra>",
    )


def claims_figure(table: pd.DataFrame, setting: str = "baseline") -> go.Figure:
    """Evidence for each claim in its own direction: the effect divided by its standard
    error, signed so that positive means 'as the claim says'; the dashed lines are the
    95% thresholds beyond which a claim is supported (right) or contradicted (left)."""
    rows = setting_rows(table, setting).iloc[::-1]  # the first claim on top
    t, threshold = claim_evidence(rows)
    fig = go.Figure(_evidence_bars(rows, t))
    for x in (-threshold, threshold):
        fig.add_vline(x=x, line_dash="dash", line_color="#555")
    fig.update_layout(
        title=title(
            f"Evidence for each claim ({setting}): effect / standard error, claimed "
            "direction positive"
        ),
        xaxis_title="t statistic in the claimed direction (clipped at ±50)",
        autosize=True,  # the width of the page (a phone's or a wide screen's)
        height=max(320, 28 * len(rows) + 160),
        margin={"l": 60, "t": 100},
        font=FONT,
        showlegend=False,
    )
    return fig
