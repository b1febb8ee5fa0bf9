"""The engage-vs-refuse headline on the first screen: the op-ed's question (C9) answered
for the set-up on screen, without a click.

For the run's scenario, parameters, seed and months, both Western policies (engage
every offer, refuse every offer; ODD §7.11.2) run on the same seeds (common random
numbers, ODD §3.2), and the headline gives the mean paired difference engage − refuse
at the last month of the main outcomes, with its 95% Student-t interval: two sentences
on the factional balance, the nuclear programme and China's and Russia's support for
sanctions (C3, C4, C6, C8), and every main outcome in a small table.

The default set-up's headline is shipped (``docs/results/headline/pairs.csv``, written
by ``python -m dashboard.headline``), so the first screen shows it at once; any other
set-up is run in the background (one worker, :data:`HEADLINE_REPLICATES` pairs) with
progress and a Cancel button, and "computing…" meanwhile.
"""

from __future__ import annotations

import argparse
import html
import io
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pandas as pd
import solara

from batch_runs.analysis.statistics import mean_ci
from batch_runs.execution.manifest import code_version, git_commit
from batch_runs.reporting.comparison_figures import ComparedOutcome, main_outcomes
from dashboard.background_runs import (
    HEADLINE_POLICIES,
    HeadlineRequest,
    failure_text,
    run_headline,
    setup_of,
    use_background_run,
)
from dashboard.claims_data import HEADLINE_PATH
from dashboard.prose import Prose
from dashboard.run_controls import CancelButton
from dashboard.session import DashboardModel, RunSettings
from model import IranModel, load_scenario
from model.export import RunHeader, package_version, parse_run_csv, write_text_atomic
from model.scenarios import DEFAULT_SCENARIO

# Pairs of runs behind a headline: enough for an interval, few enough that a set-up's
# headline is ready in seconds on one core.
HEADLINE_REPLICATES = 10
STYLE = "font-size: 15px; margin: 4px 0 0 0; max-width: 1100px"


@dataclass(frozen=True)
class Headline:
    """A headline's paired runs at their last month (``run_headline``'s table), the
    set-up they ran and where they come from."""

    setup: RunSettings
    pairs: pd.DataFrame
    source: str


def summarise(pairs: pd.DataFrame) -> pd.DataFrame:
    """Per outcome, in the table's order: both policies' means, the mean difference
    engage − refuse and its 95% interval, and the number of pairs."""
    rows = []
    for outcome, group in pairs.groupby("outcome", sort=False):
        mean, low, high = mean_ci(group["difference"])
        rows.append(
            {
                "outcome": outcome,
                **{p: float(group[p].mean()) for p in HEADLINE_POLICIES},
                "difference": mean,
                "ci_low": low,
                "ci_high": high,
                "n": len(group),
            }
        )
    return pd.DataFrame(rows).set_index("outcome")


def _short(label: str) -> str:
    """A faction's or government's label without its explanation in brackets."""
    return label.split(" (")[0]


def _possessive(name: str) -> str:
    return f"{name}'" if name.endswith("s") else f"{name}'s"


def effect_words(row: pd.Series) -> str:
    """A difference engage − refuse in words: "0.098 lower (95% CI 0.081 to 0.114)", or
    "about the same" when the interval includes zero."""
    low, high, mean = row["ci_low"], row["ci_high"], row["difference"]
    if math.isnan(low):
        return f"{mean:+.3f} (one pair: no interval)"
    if low <= 0 <= high:
        return f"about the same ({mean:+.3f}, 95% CI {low:+.3f} to {high:+.3f})"
    if mean < 0:
        return f"{-mean:.3f} lower (95% CI {-high:.3f} to {-low:.3f})"
    return f"{mean:.3f} higher (95% CI {low:.3f} to {high:.3f})"


def headline_sentences(summary: pd.DataFrame, model: IranModel, setup: RunSettings) -> str:
    """The headline in two sentences (Markdown): the factional balance (C6, C9), then
    the nuclear programme (C8) and China's and Russia's support for sanctions (C3, C4)."""
    first, last = model.factions[0], model.factions[-1]
    others = [g for g in model.governments if not g.western]

    def words(column: str) -> str:
        return effect_words(summary.loc[column])

    balance = (
        f"**Engaging rather than refusing** Iran's offers leaves, after {setup.months} months, "
        f"the {_possessive(_short(first.label))} share of power {words('power_' + first.name)} "
        f"and the {_possessive(_short(last.label))} share {words('power_' + last.name)}"
    )
    support = ", ".join(
        f"{_possessive(_short(g.label))} support for sanctions "
        + words(f"sanctions_support_{g.name}")
        for g in others
    )
    return f"{balance}. Nuclear progress is {words('nuclear_progress')}; {support}."


def basis_note(summary: pd.DataFrame, setup: RunSettings, source: str) -> str:
    """What the numbers are: engage − refuse at the last month, their scale, the pairs
    of runs and where they come from."""
    pairs = int(summary["n"].iloc[0])
    return (
        f"Engage − refuse at month {setup.months} on a 0–1 scale: means of {pairs} pairs of "
        f"runs on the same seeds ({setup.describe(policy=False)}); from {source}."
    )


def outcome_table_html(summary: pd.DataFrame, outcomes: tuple[ComparedOutcome, ...]) -> str:
    """Every main outcome's difference at the last month, as a small HTML table."""
    head = "".join(
        f"<th>{h}</th>" for h in ("outcome", *HEADLINE_POLICIES, "engage − refuse", "95% CI")
    )
    rows = []
    for o in outcomes:
        if o.column not in summary.index:
            continue
        r = summary.loc[o.column]
        interval = "—" if math.isnan(r["ci_low"]) else f"{r['ci_low']:+.3f} to {r['ci_high']:+.3f}"
        cells = [f"{html.escape(o.label)} [{o.claim}]"]
        cells += [f"{r[p]:.3f}" for p in HEADLINE_POLICIES]
        cells += [f"{r['difference']:+.3f}", interval]
        rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    return f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody>"


# --- the shipped headline of the default set-up ---------------------------------------


def default_setup() -> RunSettings:
    """The set-up a new session starts with (the default scenario's own values)."""
    return RunSettings.for_scenario(DEFAULT_SCENARIO)


def headline_text(setup: RunSettings, pairs: pd.DataFrame, replicates: int) -> str:
    """The shipped file: the set-up as a run CSV's header block, then the pairs."""
    scenario = load_scenario(setup.scenario).with_overrides(**setup.overrides)
    header = RunHeader(
        scenario=setup.scenario,
        seed=setup.seed,
        months=setup.months,
        steps=setup.months,
        parameters=dict(scenario.parameters),
        version=package_version(),
        git_commit=git_commit(),
        code_version=code_version(),
    )
    what = (
        f"headline: engage − refuse at month {setup.months}, {replicates} paired replicates "
        "(python -m dashboard.headline writes this file)"
    )
    return "\n".join(header.lines(what)) + "\n" + pairs.to_csv(index=False)


def write_headline(path: Path = HEADLINE_PATH, replicates: int = HEADLINE_REPLICATES) -> Path:
    """Run the default set-up's headline and write it to ``path`` (atomically)."""
    setup = default_setup()
    outcomes = main_outcomes(DashboardModel(setup))
    pairs = run_headline(HeadlineRequest(setup.without_policy(), replicates, outcomes))
    return write_text_atomic(path, headline_text(setup, pairs, replicates))


def read_headline(path: Path = HEADLINE_PATH) -> Headline | None:
    """The shipped headline, or None when the file is missing or unreadable (the
    dashboard then computes it)."""
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        return None
    return _read_headline(path, stamp)


@cache
def _read_headline(path: Path, stamp: int) -> Headline | None:
    try:
        header, table = parse_run_csv(path.read_text(encoding="utf-8"))
        setup = RunSettings.from_header(header)
        pairs = pd.read_csv(io.StringIO(table))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    return Headline(setup, pairs, f"shipped results ({path.parent.name}/{path.name})")


# --- the component ------------------------------------------------------------------


def _show(headline: Headline, model: IranModel) -> None:
    summary = summarise(headline.pairs)
    Prose(headline_sentences(summary, model, headline.setup), style=STYLE)
    solara.Text(
        basis_note(summary, headline.setup, headline.source),
        style={"font-size": "12px", "color": "#555"},
        classes=["headline-basis"],
    )
    with solara.Details(f"All main outcomes at month {headline.setup.months}"):
        solara.HTML(
            tag="table",
            unsafe_innerHTML=outcome_table_html(summary, main_outcomes(model)),
            classes=["event-log", "headline-table"],
        )
        solara.Text(
            "The Engage vs refuse tab compares any two policies, with more runs and every month.",
            style={"font-size": "12px", "color": "#555"},
        )


@solara.component
def EngagementHeadline(model: IranModel) -> None:
    """Engage against refuse for the set-up on screen (C9): read from the shipped
    results for the default set-up, else computed in the background."""
    setup = setup_of(model)
    key = setup.without_policy() if setup is not None else None
    shipped = read_headline()
    from_file = shipped is not None and key is not None and shipped.setup.without_policy() == key
    job = use_background_run(run_headline)

    def follow() -> None:
        if key is None or from_file:
            job.cancel()
        else:
            job.start(HeadlineRequest(key, HEADLINE_REPLICATES, main_outcomes(model)))

    solara.use_effect(follow, [key, from_file])
    if key is None:
        return
    with solara.Div(classes=["engagement-headline"]):
        mine = job.request is not None and job.request.setup == key
        if from_file:
            _show(shipped, model)
        elif job.failed:
            solara.Error(failure_text("headline", job.result.error), dense=True)
        elif mine and job.result.value is not None and not job.running:
            _show(Headline(key, job.result.value, "runs of this set-up, just now"), model)
        elif job.cancelled and mine:
            with solara.Row(style={"align-items": "center", "gap": "12px"}):
                solara.Text("Engage vs refuse for this set-up: cancelled.")
                solara.Button("Compute", on_click=follow, text=True, classes=["headline-compute"])
        else:
            done, total = job.progress.value
            with solara.Row(style={"align-items": "center", "gap": "12px"}):
                solara.Text(
                    f"Engage vs refuse for this set-up: computing… ({done} of {total} runs)",
                    classes=["headline-computing"],
                )
                CancelButton(job.cancel, "cancel-headline")


def main(argv: list[str] | None = None) -> int:
    """``python -m dashboard.headline [--out FILE]``: regenerate the shipped headline."""
    parser = argparse.ArgumentParser(prog="python -m dashboard.headline", description=__doc__)
    parser.add_argument("--out", type=Path, default=HEADLINE_PATH, help=f"default {HEADLINE_PATH}")
    parser.add_argument("--replicates", type=int, default=HEADLINE_REPLICATES)
    args = parser.parse_args(argv)
    path = write_headline(args.out, args.replicates)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
