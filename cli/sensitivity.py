"""``iran-sim sensitivity``: which parameters decide the engagement advantage (C9)?

SALib (Morris or Sobol') over every uncertain parameter of the schema, each sample run
under engage and refuse on paired seeds through the sweep runner (into ``OUT/sweep``,
resumable with ``--resume``). Writes ``OUT/sensitivity.csv`` (the ranking with
intervals), ``OUT/samples.csv`` and ``OUT/sensitivity.html``.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from batch_runs.analysis.outcomes import Statistic, directed_outcomes, get_outcome
from batch_runs.sensitivity import DEFAULT_OUTCOME, DEFAULT_SAMPLES, METHODS, run_sensitivity
from cli.common import (
    add_execution_flags,
    add_scenario_flags,
    at_least_two,
    check_execution_flags,
    non_negative_int,
    parse_overrides,
    positive_int,
    resumable,
)
from cli.errors import UsageError
from model import DEFAULT_MONTHS
from model.scenarios import load_scenario

DEFAULT_OUT = "results/sensitivity"


def range_pair(text: str) -> tuple[float, float]:
    """argparse type: ``LO:HI`` with LO < HI."""
    try:
        low, high = (float(x) for x in text.split(":"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not LO:HI") from None
    if not low < high:
        raise argparse.ArgumentTypeError(f"{text!r}: LO must be below HI")
    return low, high


class SweepProgressBar:
    """A tqdm bar over a sweep's runs on a terminal (silent otherwise)."""

    def __init__(self, description: str) -> None:
        self.description = description
        self.bar: Any = None

    def __enter__(self) -> SweepProgressBar:
        return self

    def __call__(self, progress: Any) -> None:
        if not sys.stderr.isatty():
            return
        if self.bar is None:
            from tqdm import tqdm

            self.bar = tqdm(total=progress.total, desc=self.description, unit="run", leave=False)
        self.bar.update(progress.done - self.bar.n)

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.close()


def add_outcome_flags(parser: argparse.ArgumentParser, default: str) -> None:
    """``--outcome`` and ``--statistic``: which engagement advantage to measure."""
    parser.add_argument(
        "--outcome",
        default=default,
        metavar="NAME",
        help=f"outcome (default {default}); one of {', '.join(directed_outcomes())}, "
        "sanctions_support_<country>",
    )
    parser.add_argument(
        "--statistic",
        choices=("mean", "final"),
        default=None,
        help="mean over the months or value at the last month (default: the outcome's own)",
    )


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``sensitivity`` subcommand."""
    parser = subparsers.add_parser(
        "sensitivity",
        help="rank the parameters that decide the engagement advantage (SALib)",
        description="Global sensitivity analysis (SALib) of the engagement advantage: the "
        "paired difference engage minus refuse of an outcome, signed so that positive "
        "means engagement does better. Varies every uncertain numeric parameter over its "
        "schema range; runs through the sweep runner (parallel, resumable).",
    )
    parser.add_argument("--method", choices=METHODS, default="morris", help="default morris")
    parser.add_argument(
        "--samples",
        type=positive_int,
        default=None,
        help=f"Morris trajectories (default {DEFAULT_SAMPLES['morris']}) or Sobol' base "
        f"samples, a power of 2 (default {DEFAULT_SAMPLES['sobol']})",
    )
    add_outcome_flags(parser, DEFAULT_OUTCOME)
    parser.add_argument(
        "--params",
        default=None,
        metavar="P1,P2,...",
        help="vary only these parameters (default: every uncertain numeric parameter)",
    )
    parser.add_argument(
        "--replicates", type=at_least_two, default=4, help="paired seeds per sample (default 4)"
    )
    add_scenario_flags(parser)
    parser.add_argument(
        "--steps", type=positive_int, default=DEFAULT_MONTHS, help="months per run (default 120)"
    )
    parser.add_argument("--seed", type=non_negative_int, default=0, help="master seed (default 0)")
    parser.add_argument(
        "--every",
        type=positive_int,
        default=1,
        help="keep every K-th month in the sweep's steps.csv (a mean statistic covers the "
        "kept months; default 1)",
    )
    add_execution_flags(parser)
    parser.add_argument("--out", default=DEFAULT_OUT, metavar="DIR", help=f"default {DEFAULT_OUT}")
    parser.add_argument(
        "--resume", action="store_true", help="complete an interrupted analysis in the same --out"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Validate, run the analysis, print the top of the ranking."""
    from cli.claims import check_out_dir

    if args.method == "sobol" and args.samples and args.samples & (args.samples - 1):
        raise UsageError(f"--samples for sobol must be a power of 2, got {args.samples}")
    overrides = parse_overrides(args.overrides)
    try:
        get_outcome(args.outcome, load_scenario(args.scenario))
    except ValueError as exc:
        raise UsageError(f"--outcome: {exc}") from None
    only = [p.strip() for p in args.params.split(",") if p.strip()] if args.params else None
    out = check_out_dir(args.out)
    check_execution_flags(args)
    with SweepProgressBar(f"sensitivity ({args.method})") as progress, resumable(out / "sweep"):
        result = run_sensitivity(
            out,
            method=args.method,
            samples=args.samples,
            outcome=args.outcome,
            statistic=Statistic(args.statistic) if args.statistic else None,
            replicates=args.replicates,
            steps=args.steps,
            seed=args.seed,
            scenario=args.scenario,
            parameters=overrides,
            only=only,
            every=args.every,
            workers=args.workers,
            backend=args.backend,
            scheduler=args.scheduler,
            resume=args.resume,
            progress=progress,
            command=["iran-sim", *sys.argv[1:]],
        )
    print(result.summary.line(), file=sys.stderr)
    key = "mu_star" if result.method == "morris" else "ST"
    top = result.ranking.head(10)
    print(
        f"Engagement advantage in {result.outcome.name} "
        f"({result.statistic.describe(args.steps)}), {result.method}; top parameters:"
    )
    print(f"| rank | parameter | claim | {key} | 95% CI |")
    print("|---|---|---|---|---|")
    for r in top.itertuples():
        print(
            f"| {r.rank} | `{r.parameter}` | {r.claim} | {getattr(r, key):.4g} "
            f"| [{r.ci_low:.4g}, {r.ci_high:.4g}] |"
        )
    files = result.files
    print(f"wrote {files['csv']}, {files['samples']} and {files['html']}", file=sys.stderr)
    return 0
