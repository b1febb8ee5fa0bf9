"""Runs that take a while, done in a background thread of the dashboard's server.

Three kinds of request: a small claims audit of the session's scenario and parameters
(C1–C9 and the critics' K1–K3, ODD §10), the paired comparison of two Western policies
on common random numbers (C9, ODD §3.2), and the engage-vs-refuse headline of the
first screen (C9). :func:`use_background_run` runs a request in a thread and reports
``(done, total)`` as runs finish, so the page stays usable and shows a progress bar.
Runs use one process (``workers=1``): no process pool inside the dashboard's server.

A run stops between two runs when it is cancelled: by its Cancel button, by a newer
request, or when its page goes away (the browser tab is closed and Solara closes the
session, which ends the page's effects). The progress callback raises
:class:`Cancelled` once the cancel flag is set; the sweep runner lets an exception from
its progress callback end the sweep cleanly (its executor and journal are closed).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import solara

from batch_runs.analysis.statistics import paired_differences
from batch_runs.claims import full_audit
from batch_runs.design.seeds import run_seed
from batch_runs.paired import paired_runs
from batch_runs.reporting.comparison_figures import ComparedOutcome, main_outcomes
from dashboard.session import RunSettings
from model import DEFAULT_MONTHS, IranModel, ParameterError, ScenarioError, load_scenario

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
    setup: RunSettings | None = None  # the session's set-up it was made from


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
        setup=setup_of(model),
    )


def setup_of(model: IranModel) -> RunSettings | None:
    """The set-up of the model on screen (None for a model not built by the dashboard)."""
    return getattr(model, "run_settings", None)


def out_of_date(request: ComparisonRequest, model: IranModel) -> bool:
    """Whether the set-up changed since ``request`` was run: scenario, seed, months or
    a parameter other than the Western policy, which each arm sets itself (C9)."""
    now = setup_of(model)
    if request.setup is None or now is None:
        return False
    return request.setup.without_policy() != now.without_policy()


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


# --- the engage-vs-refuse headline -------------------------------------------------

HEADLINE_POLICIES = ("engage", "refuse")
HEADLINE_COLUMNS = ["replicate", "seed", "outcome", *HEADLINE_POLICIES, "difference"]


@dataclass(frozen=True)
class HeadlineRequest:
    """The headline of a set-up: engage against refuse on its scenario, parameters,
    seed and months, with ``replicates`` pairs of runs (common random numbers)."""

    setup: RunSettings
    replicates: int
    outcomes: tuple[ComparedOutcome, ...]


def run_headline(request: HeadlineRequest, progress: Progress | None = None) -> pd.DataFrame:
    """The paired runs of a headline, at their last month: one row per replicate and
    outcome with both policies' values and the difference engage − refuse (C9)."""
    setup = request.setup
    scenario = load_scenario(setup.scenario).with_overrides(**setup.overrides)
    runs_a, runs_b = paired_runs(
        {"western_policy": HEADLINE_POLICIES[0]},
        {"western_policy": HEADLINE_POLICIES[1]},
        scenario=scenario,
        replicates=request.replicates,
        steps=setup.months,
        seed=setup.seed,
        workers=1,
        progress=progress,
    )
    rows = []
    for replicate, (a, b) in enumerate(zip(runs_a, runs_b, strict=True)):
        for o in request.outcomes:
            last_a, last_b = float(a[o.column].iloc[-1]), float(b[o.column].iloc[-1])
            rows.append((replicate, run_seed(setup.seed, replicate), o.column, last_a, last_b))
    table = pd.DataFrame(rows, columns=HEADLINE_COLUMNS[:-1])
    table["difference"] = table[HEADLINE_POLICIES[0]] - table[HEADLINE_POLICIES[1]]
    return table


# --- running in the background ------------------------------------------------------


class Cancelled(Exception):
    """Raised by a background run's progress callback once the run is cancelled: it
    ends the sweep between two runs."""


@dataclass(frozen=True)
class BackgroundRun[R, T]:
    """A page's background run: the request last started, its result, its progress,
    how to start another and how to cancel it."""

    request: R | None
    result: solara.Result[T | None]
    progress: solara.Reactive[tuple[int, int]]
    start: Callable[[R], None]
    cancel: Callable[[], None]

    @property
    def running(self) -> bool:
        """The run is going (the page shows progress and disables its button)."""
        return self.result.state in (
            solara.ResultState.STARTING,
            solara.ResultState.WAITING,
            solara.ResultState.RUNNING,
        )

    @property
    def failed(self) -> bool:
        """The run raised an error (``result.error``)."""
        return self.result.state == solara.ResultState.ERROR

    @property
    def cancelled(self) -> bool:
        """The run was cancelled before it finished."""
        return self.result.state == solara.ResultState.CANCELLED


def cancellable(progress: Progress, cancel: threading.Event) -> Progress:
    """``progress`` that raises :class:`Cancelled` once ``cancel`` is set."""

    def report(done: int, total: int) -> None:
        if cancel.is_set():
            raise Cancelled
        progress(done, total)

    return report


def use_background_run[R, T](run: Callable[[R, Progress], T]) -> BackgroundRun[R, T]:
    """A hook: ``start(request)`` runs ``run(request, progress)`` in a thread.

    Every start counts, so that the same request started again runs again (for instance
    after a failure); the result of an earlier start is dropped and its run cancelled.
    ``cancel()`` stops the run between two runs, and so does the page going away (the
    thread's cancel flag is set when the page's effects end, as when the browser tab
    is closed). Solara's own cancellation (a trace function on every line the thread
    runs) is off: it slowed the runs several times over, and the flag is checked
    between runs instead.
    """
    (request, starts), set_started = solara.use_state((None, 0))
    progress = solara.use_reactive((0, 0))

    def work(cancel: threading.Event) -> T | None:
        if request is None:
            return None
        try:
            return run(request, cancellable(lambda d, t: progress.set((d, t)), cancel))
        except Cancelled:
            return None

    result = solara.use_thread(work, dependencies=[request, starts], intrusive_cancel=False)

    def start(new_request: R) -> None:
        set_started((new_request, starts + 1))

    return BackgroundRun(request, result, progress, start, result.cancel)
