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

import pandas as pd

from batch_runs.analysis.outcomes import Outcome, Statistic, get_outcome
from batch_runs.design.spec import SpecError, SweepSpec
from batch_runs.engagement import ENGAGE, REFUSE, paired_table, summarise_pairs
from batch_runs.execution import SweepSummary, run_sweep
from batch_runs.reporting.analysis_figures import frontier_figure
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
    simulate: Callable | None = None,
    **execution: Any,
) -> FrontierResult:
    """Run the frontier sweep into ``out_dir/sweep`` (resumable) and write the map:
    ``frontier.csv`` and ``frontier.html`` in ``out_dir``. ``simulate`` replaces the
    model (same signature as ``batch_runs.execution.simulate``), e.g. in tests.

    ``execution`` holds the options of :func:`batch_runs.execution.run_sweep`
    (``workers``, ``backend``, ``scheduler``, ``resume``, ``progress``, ``command``).
    """
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
        simulate=simulate,
        **execution,
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
