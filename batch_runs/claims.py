"""The claims audit (ODD §10): each claim of the op-ed measured as a paired effect.

For every claim C1–C9 of ODD §8, an experiment of the claims file
(``batch_runs/design/claims.toml``) isolates the claim's cause: two arms that differ in
exactly one thing, run on the same seeds (common random numbers: replicate ``j`` of
both arms shares every random draw). The effect is the mean paired difference ``A - B``
of the claim's outcome statistic, with a Student-t 95% interval; the verdict compares
the interval with zero in the direction the claim predicts. The audit is then repeated
with each critics' mechanism K1–K3 switched on, and each K has its own check.

The runs are job lists for the sweep runner (``batch_runs.execution``): one sweep per
run length, so an audit runs on processes or Dask and resumes after Ctrl-C. This module
plans and runs; the experiments are in ``batch_runs.design.claims``, the verdicts in
``batch_runs.analysis.verdicts`` and the reports in ``batch_runs.reporting.claims_report``
(all re-exported here as the audit's public interface).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from batch_runs.analysis.outcomes import Statistic, get_outcome
from batch_runs.analysis.verdicts import (
    CONTRADICTED,
    INCONCLUSIVE,
    SUPPORTED,
    TABLE_COLUMNS,
    summarise,
    verdict,
)
from batch_runs.design.changes import Change, SetParameter, apply_changes
from batch_runs.design.claims import (
    BASELINE,
    CRITICS,
    CRITICS_SETTING,
    EXPERIMENTS,
    ClaimsFileError,
    Critic,
    Experiment,
    Setting,
    audit_plan,
    check_design,
    event_key,
    get_experiments,
    load_claims,
    scenario_differences,
)
from batch_runs.design.seeds import run_seed
from batch_runs.design.spec import SweepSpec
from batch_runs.execution import SweepProgress, read_runs, run_sweep
from batch_runs.reporting.claims_report import (
    critics_markdown,
    markdown_table,
    read_table,
    report_markdown,
    side_by_side,
    side_by_side_markdown,
    write_outputs,
)
from model import DEFAULT_MONTHS
from model.model import resolve_scenario
from model.scenarios import Scenario

__all__ = [
    "BASELINE",
    "CONTRADICTED",
    "CRITICS",
    "CRITICS_SETTING",
    "EXPERIMENTS",
    "INCONCLUSIVE",
    "SUPPORTED",
    "TABLE_COLUMNS",
    "ClaimMeasures",
    "ClaimsError",
    "ClaimsFileError",
    "Critic",
    "Experiment",
    "Setting",
    "audit_plan",
    "check_design",
    "critics_markdown",
    "full_audit",
    "get_experiments",
    "load_claims",
    "markdown_table",
    "read_table",
    "report_markdown",
    "run_audit",
    "run_plan",
    "scenario_differences",
    "side_by_side",
    "side_by_side_markdown",
    "summarise",
    "verdict",
    "write_outputs",
]


# --- Running: job lists for the sweep runner ---------------------------------------

Simulate = Callable[[Scenario, int, int], pd.DataFrame]


@dataclass(frozen=True)
class ClaimMeasures:
    """Run summary for the sweep runner: each (outcome, statistic) the audit needs,
    computed in the worker from the run's results, kept in runs.csv."""

    measures: tuple[tuple[str, Statistic], ...]

    @property
    def name(self) -> str:
        return "claims: " + "; ".join(f"{o} {s.describe()}" for o, s in self.measures)

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(f"measure_{i}" for i in range(len(self.measures)))

    def __call__(self, results: pd.DataFrame, scenario: Scenario) -> list[float]:
        return [
            stat.apply(get_outcome(name, scenario).values(results, scenario))
            for name, stat in self.measures
        ]


@dataclass(frozen=True)
class _OwnSimulate:
    """Adapts a ``simulate(scenario, seed, steps)`` (tests, model variants) to the runner."""

    simulate: Simulate

    def __call__(
        self, scenario: Scenario, overrides: Mapping[str, Any], seed: int, steps: int
    ) -> pd.DataFrame:
        return self.simulate(scenario.with_overrides(**overrides), seed, steps)


def _scenario_key(s: Scenario) -> str:
    return repr(
        (
            sorted(s.parameters.items()),
            s.factions,
            s.governments,
            [event_key(e) for e in s.events],
        )
    )


@dataclass(frozen=True)
class _Cell:
    setting: Setting
    experiment: Experiment
    changes_a: tuple[Change, ...]
    changes_b: tuple[Change, ...]
    steps: int


def plan_cells(
    plan: Sequence[tuple[Setting, Experiment]], base: Scenario, max_steps: int
) -> list[_Cell]:
    """Each (setting, experiment) of the audit with the changes of its two arms, design
    checked."""
    cells = []
    for setting, experiment in plan:
        scenario = setting.apply(base)
        check_design(experiment, scenario)
        get_outcome(experiment.outcome, scenario)  # fails before any run if it is missing
        shared = (*setting.changes, *experiment.context)
        cells.append(
            _Cell(
                setting,
                experiment,
                (*shared, experiment.arm_a),
                (*shared, experiment.arm_b),
                experiment.steps(max_steps),
            )
        )
    return cells


@dataclass
class _Group:
    """The runs of one length: one sweep of the runner, one design point per variant."""

    steps: int
    variants: dict[str, tuple[Change, ...]] = field(default_factory=dict)
    measures: list[tuple[str, Statistic]] = field(default_factory=list)


def _groups(cells: Sequence[_Cell], base: Scenario, fixed: tuple[Change, ...]) -> dict:
    """Unique runs, grouped by length: runs shared by several experiments run once."""
    groups: dict[int, _Group] = {}
    for cell in cells:
        group = groups.setdefault(cell.steps, _Group(cell.steps))
        measure = (cell.experiment.outcome, cell.experiment.statistic)
        if measure not in group.measures:
            group.measures.append(measure)
        for changes in (cell.changes_a, cell.changes_b):
            key = _scenario_key(apply_changes(base, changes))
            group.variants.setdefault(key, (*fixed, *changes))
    return groups


def _variant(base: Scenario, changes: tuple[Change, ...]) -> str:
    return _scenario_key(apply_changes(base, changes))


def run_plan(
    plan: Sequence[tuple[Setting, Experiment]],
    *,
    scenario: str | Path | None = None,
    overrides: Mapping[str, Any] | None = None,
    replicates: int = 30,
    steps: int = DEFAULT_MONTHS,
    seed: int = 0,
    workers: int = 1,
    progress: Callable[[int, int], None] | None = None,
    simulate: Simulate | None = None,
    out_dir: str | Path | None = None,
    resume: bool = False,
    backend: str = "process",
    scheduler: Any = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run each (setting, experiment) of ``plan`` on ``replicates`` shared seeds.

    Replicate ``j`` of both arms of every experiment runs with ``run_seed(seed, j)``.
    The runs are job lists for the sweep runner (one sweep per run length, in
    ``out_dir/runs/``; in memory when ``out_dir`` is None), so an audit runs
    on processes or Dask and, with ``resume``, completes after Ctrl-C. Returns
    ``(table, pairs)``: one row per (setting, experiment) with the effect, its 95%
    interval and the verdict; and one row per pair with the two arms' values.
    """
    if replicates < 2:
        raise ValueError("replicates must be at least 2 for a confidence interval")
    if steps < 1:
        raise ValueError("steps must be at least 1")
    fixed = tuple(SetParameter(k, v) for k, v in (overrides or {}).items())
    root = resolve_scenario(scenario)
    base = apply_changes(root, fixed)
    cells = plan_cells(plan, base, steps)
    groups = _groups(cells, base, fixed)
    runner = _OwnSimulate(simulate) if simulate is not None else None
    total = sum(len(g.variants) for g in groups.values()) * replicates
    counter = _ProgressAcrossSweeps(progress, total)
    folder = None if out_dir is None else Path(out_dir) / "runs"
    values = {}
    for group in groups.values():
        where = None if folder is None else folder / f"months_{group.steps}"
        done = run_sweep(
            _group_spec(group, scenario, replicates, seed),
            where,
            workers=workers,
            backend=backend,
            scheduler=scheduler,
            resume=resume,
            progress=counter.sweep_progress(),
            simulate=runner,
            summary=ClaimMeasures(tuple(group.measures)),
        )
        runs = done.runs if where is None else read_runs(where)
        values[group.steps] = (group.measures, _read_measures(runs, group))
    return _tables(cells, base, values, replicates, seed)


class ClaimsError(RuntimeError):
    """An audit whose runs failed or are incomplete (reported as one line)."""


class _ProgressAcrossSweeps:
    """``progress(done, total)`` over all the audit's sweeps (one per run length)."""

    def __init__(self, progress: Callable[[int, int], None] | None, total: int) -> None:
        self.progress, self.total, self.done = progress, total, 0
        if progress is not None:
            progress(0, total)

    def sweep_progress(self) -> Callable[[SweepProgress], None] | None:
        if self.progress is None:
            return None
        start = self.done

        def report(p: SweepProgress) -> None:
            self.done = start + p.done
            self.progress(self.done, self.total)

        return report


def _group_spec(group: _Group, scenario: Any, replicates: int, seed: int) -> SweepSpec:
    points = [{"changes": list(changes)} for changes in group.variants.values()]
    return SweepSpec(
        scenario=scenario,
        points=points,
        replicates=replicates,
        steps=group.steps,
        seed=seed,
        common_random_numbers=True,
        monthly=False,
        title=f"claims audit, runs of {group.steps} months",
    )


def _read_measures(runs: pd.DataFrame, group: _Group) -> dict[tuple[str, int], tuple[float, ...]]:
    """(variant, replicate) -> the measures of that run; ClaimsError if any is missing."""
    bad = runs[runs["status"] != "ok"]
    if not bad.empty:
        raise ClaimsError(f"{len(bad)} runs failed (first: {bad['error'].iloc[0]})")
    if len(runs) != len(group.variants) * int(runs["replicate"].max() + 1):
        raise ClaimsError("runs are missing; run again with --resume")
    keys = list(group.variants)
    columns = list(ClaimMeasures(tuple(group.measures)).columns)
    return {
        (keys[point], replicate): tuple(row)
        for point, replicate, *row in runs[["point", "replicate", *columns]].itertuples(index=False)
    }


def _tables(
    cells: Sequence[_Cell], base: Scenario, values: Mapping, replicates: int, seed: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The audit table and the pairs table from the runs' measures."""
    rows, pair_rows = [], []
    for cell in cells:
        e = cell.experiment
        measures, group = values[cell.steps]
        index = measures.index((e.outcome, e.statistic))
        arms: list[list[float]] = [[], []]
        for j in range(replicates):
            for arm, changes in enumerate((cell.changes_a, cell.changes_b)):
                arms[arm].append(group[(_variant(base, changes), j)][index])
            pair_rows.append(
                {
                    "setting": cell.setting.name,
                    "id": e.id,
                    "replicate": j,
                    "seed": run_seed(seed, j),
                    "value_a": arms[0][-1],
                    "value_b": arms[1][-1],
                    "difference": arms[0][-1] - arms[1][-1],
                }
            )
        rows.append(summarise(cell.setting.name, e, arms[0], arms[1], cell.steps))
    return pd.DataFrame(rows, columns=TABLE_COLUMNS), pd.DataFrame(pair_rows)


def run_audit(
    experiments: Sequence[Experiment] = EXPERIMENTS,
    settings: Sequence[Setting] = (BASELINE,),
    **kwargs: Any,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every experiment under every setting (see :func:`run_plan` for the arguments)."""
    return run_plan([(s, e) for s in settings for e in experiments], **kwargs)


def full_audit(
    *,
    claims: Sequence[str] | None = None,
    critics: bool = True,
    claims_file: str | Path | None = None,
    **kwargs: Any,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run :func:`audit_plan` in one batch (see :func:`run_plan` for the arguments);
    ``claims_file`` replaces the shipped experiments by a file of the same form."""
    return run_plan(audit_plan(claims, critics, claims_file), **kwargs)
