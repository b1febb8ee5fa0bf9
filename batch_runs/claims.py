"""The claims audit (ODD §10): each claim of the op-ed measured as a paired effect.

For every claim C1–C9 of ODD §8, an :class:`Experiment` isolates the
claim's cause: two arms that differ in exactly one thing (one parameter, one field of
the president's faction, or the West's answer to one overture), run on the same seeds
(common random numbers: replicate ``j`` of both arms shares every random draw). The
effect is the mean paired difference ``A - B`` of the claim's outcome statistic, with a
Student-t 95% interval; the verdict compares the interval with zero in the direction
the claim predicts (:func:`verdict`).

The audit is then repeated with each critics' mechanism K1–K3 switched on
(:data:`CRITICS`), and each K has its own check: switching it on, under engagement,
must move its outcome in the critics' direction.

Experiments are data (:data:`EXPERIMENTS`), so that tests can verify the paired design
(:func:`scenario_differences` must find exactly one difference between the arms).
"""

from __future__ import annotations

import json
import math
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from batch_runs.analysis.outcomes import Statistic, get_outcome
from batch_runs.analysis.statistics import mean_ci
from batch_runs.design.changes import (
    Change,
    ScheduleOffer,
    SetParameter,
    SetPresidentFaction,
    SwitchPolicy,
    apply_changes,
)
from batch_runs.design.seeds import run_seed
from batch_runs.design.spec import SweepSpec
from batch_runs.execution import SweepProgress, read_runs, run_sweep
from model import DEFAULT_MONTHS
from model.export import write_atomic, write_csv_atomic
from model.model import resolve_scenario
from model.scenarios import EventSpec, Scenario

SUPPORTED = "supported"
CONTRADICTED = "contradicted"
INCONCLUSIVE = "inconclusive"

# --- Experiments ----------------------------------------------------------------------


@dataclass(frozen=True)
class Experiment:
    """A paired experiment testing one claim's stated effect.

    ``arm_a`` is the cause as the claim states it, ``arm_b`` its counterfactual; they
    change the same target to different values. ``context`` applies to both arms (it
    sets up the situation, e.g. the overture whose answer differs). ``expected`` is the
    sign of ``A - B`` that the claim predicts (+1 or -1).
    """

    id: str
    claim: str
    statement: str
    cause: str
    arm_a: Change
    arm_b: Change
    label_a: str
    label_b: str
    outcome: str
    statistic: Statistic
    expected: int
    context: tuple[Change, ...] = ()

    def __post_init__(self) -> None:
        if self.expected not in (1, -1):
            raise ValueError(f"{self.id}: expected sign must be +1 or -1")
        if self.arm_a.target != self.arm_b.target or self.arm_a == self.arm_b:
            raise ValueError(f"{self.id}: arms must change the same target to different values")
        get_outcome(self.outcome)  # unknown outcomes fail at definition

    def scenarios(self, base: Scenario) -> tuple[Scenario, Scenario]:
        """The scenarios of arm A and arm B, built from ``base``."""
        for change in self.context:
            base = change.apply(base)
        return self.arm_a.apply(base), self.arm_b.apply(base)

    def steps(self, max_steps: int) -> int:
        """Months each run lasts: the statistic's horizon, at most ``max_steps``."""
        return self.statistic.months_needed(max_steps)

    def design_text(self) -> str:
        """The cause in words: ``A vs B``."""
        return f"{self.label_a} vs {self.label_b}"


@dataclass(frozen=True)
class Setting:
    """A version of the scenario the audit runs under (e.g. with K1 switched on)."""

    name: str
    changes: tuple[Change, ...] = ()
    note: str = ""

    def apply(self, scenario: Scenario) -> Scenario:
        for change in self.changes:
            scenario = change.apply(scenario)
        return scenario


ACCEPT = SetParameter("western_policy", "engage")
REFUSE = SetParameter("western_policy", "refuse")
# The single-overture design (C3–C7): Iran offers talks at month 1; the arms answer
# it (and any offer at month 0) differently; from month 2 the West follows the
# scenario's own policy in both arms.
OVERTURE = (ScheduleOffer(month=1, concession=False), SwitchPolicy(month=2))
WHOLE_RUN = "engage every offer vs refuse every offer"
_ENGAGE_CONTEXT = (SetParameter("western_policy", "engage"),)

EXPERIMENTS: tuple[Experiment, ...] = (
    Experiment(
        "C1",
        "C1",
        "A president reaches out to the West more when his standing is weak.",
        "the president's initial standing (prestige)",
        SetPresidentFaction("prestige", -0.25),
        SetPresidentFaction("prestige", 0.25),
        "weak (prestige -0.25)",
        "strong (prestige +0.25)",
        "offers_total",
        Statistic("final", horizon=24),
        +1,
    ),
    Experiment(
        "C2",
        "C2",
        "The Leader vetoes more of the deals a weak president reaches.",
        "the president's faction's initial power share",
        SetPresidentFaction("power", 0.1),
        SetPresidentFaction("power", 0.4),
        "weak president (power 0.10)",
        "strong president (power 0.40)",
        "veto_share",
        Statistic("final", horizon=120),
        +1,
        context=_ENGAGE_CONTEXT,
    ),
    Experiment(
        "C3",
        "C3",
        "Engagement that comes to nothing raises China's and Russia's support for sanctions.",
        "the July 2011 overture accepted vs refused, talks unable to reach a deal",
        ACCEPT,
        REFUSE,
        "overture accepted, talks fail",
        "overture refused",
        "china_russia_support",
        Statistic("final", horizon=24),
        +1,
        context=(SetParameter("talks_deal_rate", 0.0), *OVERTURE),
    ),
    Experiment(
        "C4",
        "C4",
        "Refusing the offer lowers China's and Russia's support for sanctions.",
        "the July 2011 overture refused vs accepted",
        REFUSE,
        ACCEPT,
        "overture refused",
        "overture accepted",
        "china_russia_support",
        Statistic("mean", horizon=24),
        -1,
        context=OVERTURE,
    ),
    Experiment(
        "C5",
        "C5",
        "Refusal feeds the regime's narrative and strengthens the population's resolve.",
        "the July 2011 overture refused vs accepted",
        REFUSE,
        ACCEPT,
        "overture refused",
        "overture accepted",
        "resolve",
        Statistic("mean", horizon=24),
        +1,
        context=OVERTURE,
    ),
    Experiment(
        "C6",
        "C6",
        "Rebuking the officials who reached out marginalises those favourable to compromise.",
        "the July 2011 overture refused vs accepted",
        REFUSE,
        ACCEPT,
        "overture refused",
        "overture accepted",
        "compromise_power",
        Statistic("mean", horizon=24),
        -1,
        context=OVERTURE,
    ),
    Experiment(
        "C7a",
        "C7",
        "Talks rob the regime of its scapegoat: resentment of its economic record grows.",
        "the July 2011 overture accepted vs refused",
        ACCEPT,
        REFUSE,
        "overture accepted",
        "overture refused",
        "economic_resentment",
        Statistic("mean", horizon=24),
        +1,
        context=OVERTURE,
    ),
    Experiment(
        "C7b",
        "C7",
        "That resentment raises the domestic pressure on the Leader to accept a deal.",
        "the July 2011 overture accepted vs refused",
        ACCEPT,
        REFUSE,
        "overture accepted",
        "overture refused",
        "leader_pressure",
        Statistic("mean", horizon=24),
        +1,
        context=OVERTURE,
    ),
    Experiment(
        "C8a",
        "C8",
        "Engagement deepens divisions inside the government.",
        WHOLE_RUN,
        ACCEPT,
        REFUSE,
        "engage",
        "refuse",
        "factional_division",
        Statistic("mean", horizon=120),
        +1,
    ),
    Experiment(
        "C8b",
        "C8",
        "... which hinders the nuclear programme (deals not allowed to constrain it, so "
        "that the effect runs through division and sanctions).",
        WHOLE_RUN,
        ACCEPT,
        REFUSE,
        "engage",
        "refuse",
        "nuclear_progress",
        Statistic("final", horizon=120),
        -1,
        context=(SetParameter("deal_nuclear_constraint", 0.0),),
    ),
    Experiment(
        "C9a",
        "C9",
        "Engagement leaves the factional balance more favourable to compromise.",
        WHOLE_RUN,
        ACCEPT,
        REFUSE,
        "engage",
        "refuse",
        "compromise_power",
        Statistic("mean", horizon=120),
        +1,
    ),
    Experiment(
        "C9b",
        "C9",
        "Engagement leaves China more willing to sanction.",
        WHOLE_RUN,
        ACCEPT,
        REFUSE,
        "engage",
        "refuse",
        "sanctions_support_china",
        Statistic("mean", horizon=120),
        +1,
    ),
    Experiment(
        "C9c",
        "C9",
        "Engagement leaves Russia more willing to sanction.",
        WHOLE_RUN,
        ACCEPT,
        REFUSE,
        "engage",
        "refuse",
        "sanctions_support_russia",
        Statistic("mean", horizon=120),
        +1,
    ),
    Experiment(
        "C9d",
        "C9",
        "Engagement leaves the population less resolved to endure hardship.",
        WHOLE_RUN,
        ACCEPT,
        REFUSE,
        "engage",
        "refuse",
        "resolve",
        Statistic("mean", horizon=120),
        -1,
    ),
    Experiment(
        "C9e",
        "C9",
        "Engagement leaves the nuclear programme less advanced.",
        WHOLE_RUN,
        ACCEPT,
        REFUSE,
        "engage",
        "refuse",
        "nuclear_progress",
        Statistic("final", horizon=120),
        -1,
    ),
)


@dataclass(frozen=True)
class Critic:
    """A critics' mechanism: its parameter, the value that switches it on, and the
    check that switching it on under engagement moves its outcome its way."""

    id: str
    statement: str
    parameter: str
    on: float
    check: Experiment = field(repr=False)

    @property
    def setting(self) -> Setting:
        """The audit's setting with this mechanism switched on."""
        return Setting(
            f"{self.id} on",
            (SetParameter(self.parameter, self.on),),
            f"{self.parameter}={self.on:g}: {self.statement}",
        )


def _critic(
    cid: str, statement: str, parameter: str, on: float, outcome: str, stat: Statistic, sign: int
) -> Critic:
    check = Experiment(
        cid,
        cid,
        statement,
        f"{parameter} on vs off, under engagement",
        SetParameter(parameter, on),
        SetParameter(parameter, 0.0),
        f"on ({on:g})",
        "off (0)",
        outcome,
        stat,
        sign,
        context=_ENGAGE_CONTEXT,
    )
    return Critic(cid, statement, parameter, on, check)


CRITICS: tuple[Critic, ...] = (
    _critic(
        "K1",
        "Talking reduces China's and Russia's willingness to coerce Iran.",
        "talks_coercion_dampening",
        0.2,
        "china_russia_support",
        Statistic("mean", horizon=120),
        -1,
    ),
    _critic(
        "K2",
        "Iran uses talks to buy time for its programme.",
        "talks_programme_speedup",
        1.0,
        "nuclear_progress",
        Statistic("final", horizon=120),
        +1,
    ),
    _critic(
        "K3",
        "Engagement legitimises the regime at home.",
        "talks_legitimacy_boost",
        0.1,
        "regime_legitimacy",
        Statistic("mean", horizon=120),
        +1,
    ),
)
BASELINE = Setting("baseline", (), "the scenario's parameters as given")


def get_experiments(ids: Sequence[str] | None = None) -> list[Experiment]:
    """The claim experiments with the given ids (or claim ids such as ``C7``); all if None."""
    if not ids:
        return list(EXPERIMENTS)
    chosen = [e for e in EXPERIMENTS if e.id in ids or e.claim in ids]
    known = {e.id for e in EXPERIMENTS} | {e.claim for e in EXPERIMENTS}
    unknown = [i for i in ids if i not in known]
    if unknown:
        hint = " (K1-K3 always run with the audit; --no-critics skips them)"
        hint = hint if unknown[0].upper().startswith("K") else ""
        raise ValueError(f"unknown claim {unknown[0]!r}; expected one of C1..C9 or an id{hint}")
    return chosen


# --- The paired design, checked -------------------------------------------------------


def _event_key(e: EventSpec) -> tuple:
    return (e.month, e.kind, tuple(sorted(e.values.items())), e.note)


def scenario_differences(a: Scenario, b: Scenario) -> list[str]:
    """Everything that differs between two scenarios, one line per item (parameters,
    faction fields, government fields, events). Name, title and text are ignored."""
    diffs = [
        f"parameter {k}: {a.parameters[k]!r} vs {b.parameters[k]!r}"
        for k in a.parameters
        if a.parameters[k] != b.parameters[k]
    ]
    for kind, xs, ys in (
        ("faction", a.factions, b.factions),
        ("government", a.governments, b.governments),
    ):
        if len(xs) != len(ys):
            diffs.append(f"{kind}s: {len(xs)} vs {len(ys)}")
            continue
        for x, y in zip(xs, ys, strict=True):
            for name in x.__dataclass_fields__:
                if getattr(x, name) != getattr(y, name):
                    diffs.append(
                        f"{kind} {x.name} {name}: {getattr(x, name)!r} vs {getattr(y, name)!r}"
                    )
    ea = sorted(map(_event_key, a.events))
    eb = sorted(map(_event_key, b.events))
    if ea != eb:
        diffs.append(f"events: {ea} vs {eb}")
    return diffs


def check_design(experiment: Experiment, base: Scenario) -> None:
    """Raise ValueError unless the two arms differ in exactly one thing."""
    a, b = experiment.scenarios(base)
    diffs = scenario_differences(a, b)
    if len(diffs) != 1:
        raise ValueError(
            f"{experiment.id}: the arms must differ in exactly one thing, found {diffs or 'none'}"
        )


# --- Verdicts ---------------------------------------------------------------------


def verdict(ci_low: float, ci_high: float, expected: int) -> str:
    """Supported if the whole 95% interval lies on the side of zero the claim predicts
    (``expected`` = +1 or -1), contradicted if it lies wholly on the other side,
    inconclusive otherwise (including an undefined interval)."""
    if not (math.isfinite(ci_low) and math.isfinite(ci_high)):
        return INCONCLUSIVE
    low, high = sorted((expected * ci_low, expected * ci_high))
    if low > 0:
        return SUPPORTED
    if high < 0:
        return CONTRADICTED
    return INCONCLUSIVE


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
            [_event_key(e) for e in s.events],
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
    ``out_dir/runs/``; a temporary folder when ``out_dir`` is None), so an audit runs
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
    with _runs_folder(out_dir) as folder:
        values = {}
        for group in groups.values():
            spec = _group_spec(group, scenario, replicates, seed)
            run_sweep(
                spec,
                folder / f"months_{group.steps}",
                workers=workers,
                backend=backend,
                scheduler=scheduler,
                resume=resume,
                progress=counter.sweep_progress(),
                simulate=runner,
                summary=ClaimMeasures(tuple(group.measures)),
            )
            found = _read_measures(folder / f"months_{group.steps}", group)
            values[group.steps] = (group.measures, found)
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


@contextmanager
def _runs_folder(out_dir: str | Path | None) -> Iterator[Path]:
    """``out_dir/runs`` (kept, resumable), or a temporary folder removed afterwards."""
    if out_dir is not None:
        yield Path(out_dir) / "runs"
        return
    with tempfile.TemporaryDirectory(prefix="iran-sim-claims-") as tmp:
        yield Path(tmp)


def _read_measures(folder: Path, group: _Group) -> dict[tuple[str, int], tuple[float, ...]]:
    """(variant, replicate) -> the measures of that run; ClaimsError if any is missing."""
    runs = read_runs(folder)
    bad = runs[runs["status"] != "ok"]
    if not bad.empty:
        raise ClaimsError(f"{len(bad)} runs failed (first: {bad['error'].iloc[0]})")
    if len(runs) != len(group.variants) * int(runs["replicate"].max() + 1):
        raise ClaimsError(f"{folder}: runs are missing; run again with --resume")
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


TABLE_COLUMNS = [
    "setting",
    "id",
    "claim",
    "statement",
    "cause",
    "arm_a",
    "arm_b",
    "outcome",
    "statistic",
    "expected",
    "mean_a",
    "mean_b",
    "effect",
    "ci_low",
    "ci_high",
    "n",
    "verdict",
]


def summarise(
    setting: str,
    experiment: Experiment,
    values_a: Sequence[float],
    values_b: Sequence[float],
    steps: int,
) -> dict[str, Any]:
    """One row of the audit table from the paired values of both arms.

    Pairs where either arm's statistic is undefined (NaN, e.g. no deal ever reached
    the Leader) are left out; ``n`` counts the pairs used.
    """
    a = np.asarray(values_a, dtype=float)
    b = np.asarray(values_b, dtype=float)
    ok = np.isfinite(a) & np.isfinite(b)
    effect, low, high = mean_ci(a[ok] - b[ok])
    return {
        "setting": setting,
        "id": experiment.id,
        "claim": experiment.claim,
        "statement": experiment.statement,
        "cause": experiment.cause,
        "arm_a": experiment.label_a,
        "arm_b": experiment.label_b,
        "outcome": experiment.outcome,
        "statistic": experiment.statistic.describe(steps),
        "expected": "+" if experiment.expected > 0 else "-",
        "mean_a": float(a[ok].mean()) if ok.any() else math.nan,
        "mean_b": float(b[ok].mean()) if ok.any() else math.nan,
        "effect": effect,
        "ci_low": low,
        "ci_high": high,
        "n": int(ok.sum()),
        "verdict": verdict(low, high, experiment.expected),
    }


CRITICS_SETTING = Setting("critics", (), "each critics' mechanism switched on vs off")


def audit_plan(
    claims: Sequence[str] | None = None, critics: bool = True
) -> list[tuple[Setting, Experiment]]:
    """The (setting, experiment) cells of the whole audit (ODD §10).

    The claims under the scenario as given (setting ``baseline``); with ``critics``,
    the checks of K1–K3 (setting ``critics``) and the claims again with each K
    switched on (settings ``K1 on``, ...).
    """
    experiments = get_experiments(claims)
    plan = [(BASELINE, e) for e in experiments]
    if critics:
        plan += [(CRITICS_SETTING, c.check) for c in CRITICS]
        plan += [(c.setting, e) for c in CRITICS for e in experiments]
    return plan


def full_audit(
    *, claims: Sequence[str] | None = None, critics: bool = True, **kwargs: Any
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run :func:`audit_plan` in one batch (see :func:`run_plan` for the arguments)."""
    return run_plan(audit_plan(claims, critics), **kwargs)


# --- Output -----------------------------------------------------------------------


def _num(x: float) -> str:
    if not math.isfinite(x):
        return "n/a"
    return f"{x:+.3f}" if abs(x) >= 0.0005 or x == 0 else f"{x:+.1e}"


def _effect_text(row: Mapping[str, Any]) -> str:
    return f"{_num(row['effect'])} [{_num(row['ci_low'])}, {_num(row['ci_high'])}]"


def markdown_table(table: pd.DataFrame, setting: str = "baseline") -> str:
    """The detailed Markdown table of one setting (one row per experiment)."""
    rows = table[table["setting"] == setting]
    lines = [
        "| id | claim (stated effect) | cause: A vs B | outcome | statistic | expected sign "
        "of A−B | mean A | mean B | effect A−B [95% CI] | n | verdict |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for _, r in rows.iterrows():
        lines.append(
            f"| {r['id']} | {r['statement']} | {r['arm_a']} vs {r['arm_b']} | `{r['outcome']}` "
            f"| {r['statistic']} | {r['expected']} | {r['mean_a']:.3f} | {r['mean_b']:.3f} "
            f"| {_effect_text(r)} | {r['n']} | **{r['verdict']}** |"
        )
    return "\n".join(lines) + "\n"


def critics_markdown(table: pd.DataFrame) -> str:
    """Verdicts of every claim with each critics' mechanism switched on."""
    settings = [s for s in table["setting"].unique() if s not in ("baseline", "critics")]
    if not settings:
        return ""
    base = table[table["setting"] == "baseline"].set_index("id")
    header = "| id | expected | baseline | " + " | ".join(settings) + " |"
    lines = [header, "|---|---|---|" + "---|" * len(settings)]
    for eid, r in base.iterrows():
        cells = [f"{_num(r['effect'])} {r['verdict']}"]
        for s in settings:
            row = table[(table["setting"] == s) & (table["id"] == eid)]
            cells.append(
                f"{_num(row['effect'].iloc[0])} {row['verdict'].iloc[0]}" if len(row) else "—"
            )
        lines.append(f"| {eid} | {r['expected']} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def report_markdown(table: pd.DataFrame, header: Mapping[str, Any] | None = None) -> str:
    """The full Markdown report: the claims table, the critics' checks and the
    claims with each critics' mechanism on."""
    parts = ["# Claims audit", ""]
    if header:
        parts += [f"- {k}: {v}" for k, v in header.items()] + [""]
    parts += [
        "Each row is a paired experiment on common random numbers: arm A (the cause as "
        "the claim states it) and arm B (its counterfactual) differ in exactly one thing "
        "and share their seeds. Effect = mean over pairs of (A − B); verdict: supported "
        "if the 95% interval lies wholly on the side of zero the claim predicts, "
        "contradicted if wholly on the other side, else inconclusive.",
        "",
        "## Claims C1–C9 (scenario as given)",
        "",
        markdown_table(table, "baseline"),
    ]
    if (table["setting"] == "critics").any():
        parts += [
            "## Critics' mechanisms K1–K3: switched on vs off, under engagement",
            "",
            markdown_table(table, "critics"),
        ]
        on = ", ".join(f"{c.id}: `{c.parameter}={c.on:g}`" for c in CRITICS)
        parts += [
            "## Claims with each critics' mechanism switched on",
            "",
            f"Effect A−B and verdict per setting ({on}).",
            "",
            critics_markdown(table),
        ]
    return "\n".join(parts)


def write_outputs(
    table: pd.DataFrame,
    pairs: pd.DataFrame,
    out_dir: str | Path,
    manifest: Mapping[str, Any],
) -> dict[str, Path]:
    """Write ``claims.md``, ``claims.csv``, ``pairs.csv`` and ``manifest.json`` to
    ``out_dir`` (created if missing), each file atomically."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    report = report_markdown(table, manifest.get("header"))
    paths = {
        "markdown": out / "claims.md",
        "csv": out / "claims.csv",
        "pairs": out / "pairs.csv",
        "manifest": out / "manifest.json",
    }
    write_csv_atomic(table, paths["csv"])
    write_csv_atomic(pairs, paths["pairs"])
    write_atomic(paths["markdown"], lambda tmp: tmp.write_text(report, encoding="utf-8"))
    text = json.dumps(manifest, indent=2, default=str)
    write_atomic(paths["manifest"], lambda tmp: tmp.write_text(text, encoding="utf-8"))
    return paths


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a ``claims.csv`` written by :func:`write_outputs`."""
    return pd.read_csv(path)


def side_by_side(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Several audits (e.g. the default and the calibrated scenario) in one table: per
    setting and experiment, each audit's effect, interval and verdict, and whether the
    verdicts differ."""
    labels = list(tables)
    keys = ["setting", "id", "claim", "statement", "outcome", "expected"]
    merged = None
    for label in labels:
        part = tables[label][[*keys, "effect", "ci_low", "ci_high", "verdict"]].rename(
            columns={c: f"{c} ({label})" for c in ("effect", "ci_low", "ci_high", "verdict")}
        )
        merged = part if merged is None else merged.merge(part, on=keys, how="outer", sort=False)
    # An outer merge sorts its keys; keep the audits' own order (baseline first).
    order = {
        (r["setting"], r["id"]): i
        for i, r in enumerate(pd.concat(tables.values()).to_dict("records"))
    }
    rank = [order[(s, i)] for s, i in zip(merged["setting"], merged["id"], strict=True)]
    merged = merged.iloc[np.argsort(rank, kind="stable")].reset_index(drop=True)
    verdicts = merged[[f"verdict ({label})" for label in labels]]
    merged["verdict_changed"] = verdicts.nunique(axis=1, dropna=False) > 1
    return merged


def side_by_side_markdown(table: pd.DataFrame, labels: Sequence[str]) -> str:
    """The side-by-side audits as Markdown: one row per experiment and setting; changed
    verdicts in bold."""
    header = "| setting | id | claim (stated effect) | expected | " + " | ".join(labels) + " |"
    lines = [header, "|---|---|---|---|" + "---|" * len(labels)]
    for _, r in table.iterrows():
        cells = []
        for label in labels:
            verdict = r[f"verdict ({label})"]
            if not isinstance(verdict, str):
                cells.append("—")
                continue
            row = {k: r[f"{k} ({label})"] for k in ("effect", "ci_low", "ci_high")}
            text = f"{_effect_text(row)} {verdict}"
            cells.append(f"**{text}**" if r["verdict_changed"] else text)
        lines.append(
            f"| {r['setting']} | {r['id']} | {r['statement']} | {r['expected']} | "
            + " | ".join(cells)
            + " |"
        )
    return "\n".join(lines) + "\n"
