"""Runs that take a while, done in a background thread of the dashboard's server.

Two kinds of request: a small claims audit of the session's scenario and parameters
(C1–C9 and the critics' K1–K3, ODD §10) and the paired comparison of two Western
policies on common random numbers (C9, ODD §3.2). :func:`use_background_run` runs a
request in a thread and reports ``(done, total)`` as runs finish, so the page stays
usable and shows a progress bar. Runs use one process (``workers=1``): no process pool
inside the dashboard's server.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import solara

from batch_runs.analysis.statistics import paired_differences
from batch_runs.claims import full_audit
from batch_runs.paired import paired_runs
from batch_runs.reporting.comparison_figures import ComparedOutcome, main_outcomes
from model import DEFAULT_MONTHS, IranModel, ParameterError, ScenarioError

Progress = Callable[[int, int], None]  # progress(done, total), called as runs finish
SMALL_AUDIT_CITIZENS = 1000  # citizens of a small audit started without a session model


def in_process(
    request: AuditRequest | ComparisonRequest, progress: Progress | None
) -> dict[str, Any]:
    """The arguments every background run passes: the request's scenario, replicates
    and seed, one worker (no process pool inside the dashboard's server) and progress."""
    return {
        "scenario": request.scenario,
        "replicates": request.replicates,
        "seed": request.seed,
        "workers": 1,
        "progress": progress,
    }


# --- the small claims audit ---------------------------------------------------------


@dataclass(frozen=True)
class AuditRequest:
    """A small audit to run for the session's scenario and parameters."""

    scenario: Any
    replicates: int
    critics: bool
    seed: int
    overrides: dict[str, Any] = field(default_factory=dict)


def audit_request(model: IranModel | None, replicates: int, critics: bool) -> AuditRequest:
    """The audit of the session's scenario and seed; without a model, the default
    scenario with fewer citizens, so that it stays small."""
    if model is None:
        small = {"n_citizens": SMALL_AUDIT_CITIZENS}
        return AuditRequest(None, int(replicates), bool(critics), 0, small)
    return AuditRequest(model.scenario_spec, int(replicates), bool(critics), int(model.seed))


def run_small_audit(request: AuditRequest, progress: Progress | None = None) -> pd.DataFrame:
    """Run the audit of a request in the calling thread; ``progress(done, total)`` is
    called as runs finish."""
    table, _ = full_audit(
        **in_process(request, progress), overrides=request.overrides, critics=request.critics
    )
    return table


# --- the comparison of two policies -------------------------------------------------


@dataclass(frozen=True)
class ComparisonRequest:
    """What to compare: the current run's scenario and parameters, two policies."""

    scenario: Any
    policy_a: str
    policy_b: str
    replicates: int
    seed: int
    outcomes: tuple[ComparedOutcome, ...]
    steps: int = DEFAULT_MONTHS


@dataclass(frozen=True)
class ComparisonResult:
    """Both arms' runs, in replicate order, and their paired differences."""

    request: ComparisonRequest
    runs_a: list[pd.DataFrame]
    runs_b: list[pd.DataFrame]
    differences: pd.DataFrame


def comparison_request(
    model: IranModel, policy_a: str, policy_b: str, replicates: int
) -> ComparisonRequest:
    """Two policies on the session's scenario, seed and run length, with the main
    outcomes of its factions and governments."""
    return ComparisonRequest(
        scenario=model.scenario_spec,
        policy_a=policy_a,
        policy_b=policy_b,
        replicates=int(replicates),
        seed=model.seed,
        outcomes=main_outcomes(model),
        steps=model.months,
    )


def run_comparison(
    request: ComparisonRequest, progress: Progress | None = None
) -> ComparisonResult:
    """Run the paired replicates of a request (in the calling thread).

    ``progress(done, total)`` is called once before the first run (so the bar shows the
    total at once) and then as runs finish.
    """
    if progress is not None:
        progress(0, 2 * request.replicates)
    runs_a, runs_b = paired_runs(
        {"western_policy": request.policy_a},
        {"western_policy": request.policy_b},
        **in_process(request, progress),
        steps=request.steps,
    )
    diffs = paired_differences(runs_a, runs_b, [o.column for o in request.outcomes])
    return ComparisonResult(request, runs_a, runs_b, diffs)


def failure_text(what: str, error: BaseException) -> str:
    """A run that failed, in one line: what, the error's kind and message."""
    return f"The {what} failed: {type(error).__name__}: {error}"


def comparison_error_text(error: BaseException) -> str:
    """A failed comparison in one line: the schema's message for bad input."""
    if isinstance(error, ParameterError | ScenarioError):
        return f"Cannot compare: {error}"
    return failure_text("comparison", error)


# --- running in the background ------------------------------------------------------


@dataclass(frozen=True)
class BackgroundRun[R, T]:
    """A page's background run: the request last started, its result, its progress
    and how to start another."""

    request: R | None
    result: solara.Result[T | None]
    progress: solara.Reactive[tuple[int, int]]
    start: Callable[[R], None]

    @property
    def running(self) -> bool:
        """The run is going (the page shows progress and disables its button)."""
        return self.result.state == solara.ResultState.RUNNING

    @property
    def failed(self) -> bool:
        """The run raised an error (``result.error``)."""
        return self.result.state == solara.ResultState.ERROR


def use_background_run[R, T](run: Callable[[R, Progress], T]) -> BackgroundRun[R, T]:
    """A hook: ``start(request)`` runs ``run(request, progress)`` in a thread.

    Every start counts, so that the same request started again runs again (for instance
    after a failure); the result of an earlier start is dropped.
    """
    (request, starts), set_started = solara.use_state((None, 0))
    progress = solara.use_reactive((0, 0))

    def work() -> T | None:
        if request is None:
            return None
        return run(request, lambda done, total: progress.set((done, total)))

    result = solara.use_thread(work, dependencies=[request, starts])

    def start(new_request: R) -> None:
        set_started((new_request, starts + 1))

    return BackgroundRun(request, result, progress, start)
