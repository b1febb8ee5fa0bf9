"""The engage-vs-refuse panel: two Western policies on the same scenario and seeds.

Runs ``batch_runs.paired.paired_runs`` (common random numbers, ODD §3.2) in a
background thread with a progress bar and a Cancel button, then shows both arms side
by side (mean and 95% band over paired replicates) and the paired differences of the
main outcomes (mean A − B at the last month with a 95% confidence interval). Serves C9:
whether refusing "can only have adverse consequences" is measured here, and every
claim's outcome is in the table.

A result says which set-up it was run with; once the run on screen has another set-up
(Reset with a new scenario, seed, months or parameter), it is marked out of date and
can be run again. The figures are ``LiveFigure`` charts, which send nothing back from
the browser: with ``solara.FigurePlotly`` (plotly's FigureWidget), a second run closed
the first result's widgets while their views in the browser still sent Plotly events,
and the page showed "no comm channel defined".

The components only lay out and wire state: the figures and the table are
``batch_runs/reporting/comparison_figures.py``, the runs
``dashboard/background_runs.py``.
"""

from __future__ import annotations

from collections.abc import Callable

import solara

from batch_runs.reporting.comparison_figures import (
    difference_figure,
    difference_table,
    trajectories_figure,
)

# main_outcomes: the outcomes compared, importable from the panel that shows them.
from batch_runs.reporting.comparison_figures import main_outcomes as main_outcomes
from dashboard.background_runs import (
    BackgroundRun,
    ComparisonResult,
    comparison_error_text,
    comparison_request,
    out_of_date,
    run_comparison,
    setup_of,
    use_background_run,
)
from dashboard.explanations import CHART_HELP
from dashboard.live_figure import LiveFigure
from dashboard.prose import Prose
from dashboard.run_controls import (
    CONTROL_ROW,
    NOTE_STYLE,
    CancelButton,
    ReplicatesSlider,
    RunButton,
    show_progress,
)
from model import SCHEMA, IranModel

POLICIES: tuple[str, ...] = SCHEMA["western_policy"].choices
DEFAULT_A, DEFAULT_B = "engage", "refuse"
DEFAULT_REPLICATES = 20
MAX_REPLICATES = 100


def setup_note(model: IranModel) -> str:
    """What a comparison started now runs: the set-up of the run on screen."""
    setup = setup_of(model)
    what = (
        setup.describe(policy=False)
        if setup is not None
        else f"scenario {model.scenario_spec.name}, seed {model.seed}, {model.months} months"
    )
    return f"Runs the set-up of the run on screen: {what}; replicate seeds derived from its seed."


def result_note(done: ComparisonResult) -> str:
    """Which set-up a finished comparison was run with."""
    req = done.request
    what = (
        req.setup.describe(policy=False)
        if req.setup is not None
        else f"seed {req.seed}, {req.steps} months"
    )
    return (
        f"This comparison was run with {what}: {req.policy_a} (A) against {req.policy_b} "
        f"(B), {req.replicates} paired replicates."
    )


@solara.component
def PolicySelect(label: str, value: str, on_value: Callable[[str], None]) -> None:
    """The Western policy of one arm (ODD §7.11.2)."""
    with solara.Div(style={"width": "180px"}):
        solara.Select(label, values=list(POLICIES), value=value, on_value=on_value)


@solara.component
def ComparisonView(done: ComparisonResult) -> None:
    """Both arms over time, and the differences at the last month as a forest plot and
    a table (C9)."""
    req = done.request
    labels = (req.outcomes, req.policy_a, req.policy_b)  # what the figures and table name
    with solara.Div(classes=["comparison-result"]):
        LiveFigure(trajectories_figure(done.runs_a, done.runs_b, *labels))
        with solara.Row(style={"flex-wrap": "wrap", "gap": "16px"}):
            with solara.Div(style={"flex": "1 1 420px", "min-width": "0"}):
                LiveFigure(difference_figure(done.differences, *labels))
            with solara.Div(style={"max-width": "640px"}):
                table = difference_table(done.differences, *labels)
                solara.DataFrame(table.drop(columns="column"), items_per_page=len(table))


def show_outcome(comparison: BackgroundRun, model: IranModel, rerun: Callable[[], None]) -> None:
    """Progress (with Cancel) while the runs go, the error if they failed, a note if
    they were cancelled, else the result with the set-up it was run with, marked out of
    date if the set-up changed since (or how to start). A plain function called while
    ``ComparisonPanel`` renders: the progress is two elements, which a component of
    their own would wrap in a column."""
    if comparison.running:
        show_progress(comparison.progress, "comparison-progress")
        CancelButton(comparison.cancel, "cancel-comparison")
    elif comparison.failed:
        solara.Error(comparison_error_text(comparison.result.error))
    elif comparison.cancelled:
        done, total = comparison.progress.value
        solara.Info(
            f"Cancelled after {done} of {total} runs: press Run comparison to start again.",
            classes=["comparison-cancelled"],
        )
    elif comparison.result.value is None:
        solara.Info("Choose two policies and press Run comparison.")
    else:
        done = comparison.result.value
        solara.Text(result_note(done), style=NOTE_STYLE, classes=["comparison-setup"])
        if out_of_date(done.request, model):
            with solara.Row(style=CONTROL_ROW, classes=["comparison-stale"]):
                solara.Warning(
                    "Out of date: the set-up changed since this comparison was run.", dense=True
                )
                solara.Button(
                    "Rerun with the current set-up",
                    on_click=rerun,
                    color="warning",
                    icon_name="mdi-refresh",
                    classes=["rerun-comparison"],
                )
        ComparisonView(done)


@solara.component
def ComparisonPanel(model: IranModel) -> None:
    """Run the current set-up under two policies and show both, with differences."""
    policy_a, set_policy_a = solara.use_state(DEFAULT_A)
    policy_b, set_policy_b = solara.use_state(DEFAULT_B)
    replicates, set_replicates = solara.use_state(DEFAULT_REPLICATES)
    comparison = use_background_run(run_comparison)

    def start() -> None:
        comparison.start(comparison_request(model, policy_a, policy_b, replicates))

    Prose(CHART_HELP["comparison"])
    with solara.Row(style=CONTROL_ROW):
        PolicySelect("Policy A", policy_a, set_policy_a)
        PolicySelect("Policy B", policy_b, set_policy_b)
        ReplicatesSlider(
            "Paired replicates (seeds)",
            value=replicates,
            low=1,
            high=MAX_REPLICATES,
            width="300px",
            on_value=set_replicates,
        )
        RunButton(
            "Run comparison", start, comparison.running, "mdi-play-box-multiple", "run-comparison"
        )
    solara.Text(setup_note(model), style=NOTE_STYLE, classes=["comparison-next"])
    with solara.Div():  # always there: the warning never moves (rebuilds) the result
        if policy_a == policy_b:
            solara.Warning("Both arms use the same policy: every difference will be zero.")
    show_outcome(comparison, model, start)
