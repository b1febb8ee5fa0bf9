"""Where the argument fails (C9, ODD §10.4): a two-parameter map of the engagement advantage.

A grid of two parameters, each point run under ``engage`` and under ``refuse`` on common
random numbers, through the sweep runner (parallel, streamed, resumable). For each cell:
the mean engagement advantage (``better * (engage - refuse)`` of an outcome statistic,
see ``batch_runs/engagement.py``) with its 95% interval, and the share of paired seeds
on which engagement does better. Cells where refusal does better (mean advantage < 0)
are marked on the heatmap; a filled mark means the interval lies wholly below zero; an
open circle marks cells where the two policies give the same value (e.g. both arms
saturate).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from batch_runs.analysis.outcomes import Outcome, Statistic, get_outcome
from batch_runs.design.spec import SpecError, SweepSpec
from batch_runs.engagement import ENGAGE, REFUSE, paired_table, summarise_pairs
from batch_runs.execution import SweepSummary, run_sweep
from batch_runs.reporting.figures import write_html
from model import DEFAULT_MONTHS
from model.export import write_csv_atomic
from model.parameters import SCHEMA, get_parameter
from model.scenarios import load_scenario

DEFAULT_OUTCOME = "china_russia_support"
SWEEP_FOLDER = "sweep"


@dataclass(frozen=True)
class FrontierResult:
    """The map (one row per cell) and the files written."""

    table: pd.DataFrame
    x: str
    y: str
    outcome: Outcome
    statistic: Statistic
    summary: SweepSummary
    files: dict[str, Path]


def check_axis(name: str) -> None:
    """A frontier axis must be a numeric parameter other than the policy itself."""
    p = get_parameter(name)
    if p.kind not in (int, float):
        raise SpecError(f"parameter '{name}' is not numeric; a frontier axis needs a range")
    if name == "western_policy":
        raise SpecError("western_policy is the compared cause, not an axis")


def frontier_spec(
    x: str,
    y: str,
    *,
    grid: int = 7,
    replicates: int = 10,
    steps: int = DEFAULT_MONTHS,
    seed: int = 0,
    scenario: str | None = None,
    parameters: Mapping[str, Any] | None = None,
    x_range: tuple[float, float] | None = None,
    y_range: tuple[float, float] | None = None,
) -> SweepSpec:
    """The sweep of a frontier map: an ``grid`` x ``grid`` grid of ``x`` and ``y`` (over
    the schema's ranges unless given) times engage/refuse, on common random numbers."""
    if x == y:
        raise SpecError(f"--x and --y must differ (both are '{x}')")
    check_axis(x)
    check_axis(y)
    if grid < 2:
        raise SpecError(f"grid: {grid} is too small; expected at least 2 levels per axis")
    fixed = dict(parameters or {})
    for name in (x, y, "western_policy"):
        fixed.pop(name, None)
    vary: dict[str, Any] = {}
    for name, bounds in ((x, x_range), (y, y_range)):
        p = SCHEMA[name]
        low, high = bounds if bounds is not None else (p.low, p.high)
        vary[name] = f"{low}:{high}:{grid}"
    vary["western_policy"] = [ENGAGE, REFUSE]
    return SweepSpec(
        scenario=scenario,
        parameters=fixed,
        vary=vary,
        sample="grid",
        replicates=replicates,
        steps=steps,
        seed=seed,
        common_random_numbers=True,
        title=f"Frontier of the engagement advantage: {x} x {y}",
    )


def axes_of(spec: SweepSpec) -> tuple[str, str]:
    """The two axes of a frontier spec; SpecError unless it is one (a grid of two
    numeric parameters and western_policy = engage, refuse, on common random numbers)."""
    if spec.points is not None or spec.sample != "grid":
        raise SpecError('a frontier spec must be a grid (sample = "grid")')
    if not spec.common_random_numbers:
        raise SpecError("a frontier spec needs common_random_numbers = true (paired seeds)")
    policy = spec.vary.get("western_policy")
    if policy is None or set(policy.levels or ()) != {ENGAGE, REFUSE}:
        raise SpecError('a frontier spec must vary western_policy = ["engage", "refuse"]')
    axes = [n for n in spec.vary if n != "western_policy"]
    if len(axes) != 2:
        raise SpecError(f"a frontier spec must vary exactly two parameters, found {axes}")
    for name in axes:
        check_axis(name)
    return axes[0], axes[1]


def run_frontier(
    spec: SweepSpec,
    out_dir: str | Path,
    *,
    outcome: str = DEFAULT_OUTCOME,
    statistic: Statistic | None = None,
    workers: int | None = None,
    backend: str = "process",
    scheduler: Any = None,
    resume: bool = False,
    progress: Callable[[Any], None] | None = None,
    command: list[str] | None = None,
    simulate: Callable | None = None,
) -> FrontierResult:
    """Run the frontier sweep into ``out_dir/sweep`` (resumable) and write the map:
    ``frontier.csv`` and ``frontier.html`` in ``out_dir``. ``simulate`` replaces the
    model (same signature as ``batch_runs.execution.simulate``), e.g. in tests."""
    x, y = axes_of(spec)
    scenario = load_scenario(spec.scenario)
    chosen = get_outcome(outcome, scenario)
    if chosen.better == 0:
        raise SpecError(f"outcome '{outcome}' has no better direction; choose a directed one")
    stat = statistic or Statistic(chosen.statistic)
    out = Path(out_dir)
    summary = run_sweep(
        spec,
        out / SWEEP_FOLDER,
        workers=workers,
        backend=backend,
        scheduler=scheduler,
        resume=resume,
        progress=progress,
        command=command,
        simulate=simulate,
    )
    pairs = paired_table(out / SWEEP_FOLDER, chosen, stat, scenario, [x, y])
    table = summarise_pairs(pairs, [x, y])
    table.insert(2, "outcome", chosen.name)
    table.insert(3, "statistic", stat.describe(spec.steps))
    files = {"csv": out / "frontier.csv", "html": out / "frontier.html"}
    write_csv_atomic(table, files["csv"])
    figure = frontier_figure(table, x, y, chosen, stat.describe(spec.steps))
    write_html(
        files["html"], f"Frontier of the engagement advantage: {chosen.name}, {x} x {y}", [figure]
    )
    return FrontierResult(table, x, y, chosen, stat, summary, files)


def frontier_figure(table: pd.DataFrame, x: str, y: str, outcome: Outcome, statistic: str):
    """Two heatmaps: the mean engagement advantage (diverging, 0 = white) and the share
    of paired seeds where engagement wins; cells where refusal does better are marked
    (open x: mean advantage < 0; filled x: its 95% interval lies wholly below 0)."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    xs = np.sort(table[x].unique())
    ys = np.sort(table[y].unique())
    grid = table.set_index([x, y])

    def matrix(column: str) -> np.ndarray:
        return np.array([[grid.loc[(xv, yv), column] for xv in xs] for yv in ys], dtype=float)

    advantage = matrix("advantage")
    share = matrix("share_engage_wins")
    bound = float(np.nanmax(np.abs(advantage))) or 1.0
    fig = make_subplots(
        rows=1,
        cols=2,
        subplot_titles=(
            "Mean engagement advantage (blue: engagement better)",
            "Share of paired seeds where engagement wins",
        ),
        horizontal_spacing=0.14,
    )
    fig.add_trace(
        go.Heatmap(
            x=xs,
            y=ys,
            z=advantage,
            zmin=-bound,
            zmax=bound,
            colorscale="RdBu",
            colorbar={"title": "advantage", "x": 0.43},
            hovertemplate=f"{x}=%{{x}}<br>{y}=%{{y}}<br>advantage=%{{z:.4f}}<extra></extra>",
        ),
        row=1,
        col=1,
    )
    fig.add_trace(
        go.Heatmap(
            x=xs,
            y=ys,
            z=share,
            zmin=0,
            zmax=1,
            colorscale="RdBu",
            colorbar={"title": "share", "x": 1.0},
            hovertemplate=f"{x}=%{{x}}<br>{y}=%{{y}}<br>engagement wins %{{z:.0%}}<extra></extra>",
        ),
        row=1,
        col=2,
    )
    for col in (1, 2):
        ties = table["better"] == "tie" if "better" in table else table["advantage"] == 0
        for cells, symbol, name in (
            (table[table["refusal_better"].astype(bool)], "x-thin-open", "refusal better (mean)"),
            (
                table[table["refusal_better_significant"].astype(bool)],
                "x",
                "refusal better (95% CI < 0)",
            ),
            (table[ties], "circle-open", "no difference (every pair tied)"),
        ):
            fig.add_trace(
                go.Scatter(
                    x=cells[x],
                    y=cells[y],
                    mode="markers",
                    marker={
                        "symbol": symbol,
                        "size": 12,
                        "color": "black",
                        "line": {"width": 2, "color": "black"},
                    },
                    name=name,
                    legendgroup=name,
                    showlegend=col == 1,
                    hoverinfo="skip",
                ),
                row=1,
                col=col,
            )
        fig.update_xaxes(title_text=x, row=1, col=col)
        fig.update_yaxes(title_text=y, row=1, col=col)
    direction = "lower" if outcome.better < 0 else "higher"
    fig.update_layout(
        title=(
            f"Where engagement stops paying off: {outcome.name} ({statistic}; "
            f"{direction} is better for the West)"
        ),
        width=1150,
        height=520,
        legend={"orientation": "h", "y": -0.18},
    )
    return fig
