"""``iran-sim sensitivity``: which parameters decide the engagement advantage (C9)?

SALib (Morris or Sobol') over every uncertain parameter of the schema, each sample run
under engage and refuse on paired seeds through the sweep runner (into ``OUT/sweep``,
resumable with ``--resume``). Writes ``OUT/sensitivity.csv`` (the ranking with
intervals), ``OUT/samples.csv`` and ``OUT/sensitivity.html``.
"""

from __future__ import annotations

import argparse
import sys

from batch_runs.sensitivity import DEFAULT_OUTCOME, DEFAULT_SAMPLES, METHODS, run_sensitivity
from cli import common
from cli.errors import UsageError

DEFAULT_OUT = "results/sensitivity"


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
        type=common.positive_int,
        default=None,
        help=f"Morris trajectories (default {DEFAULT_SAMPLES['morris']}) or Sobol' base "
        f"samples, a power of 2 (default {DEFAULT_SAMPLES['sobol']})",
    )
    common.add_outcome_flags(parser, DEFAULT_OUTCOME)
    parser.add_argument(
        "--params",
        default=None,
        metavar="P1,P2,...",
        help="vary only these parameters (default: every uncertain numeric parameter)",
    )
    common.add_pairs_flag(parser, 4, "sample")
    common.add_scenario_flags(parser)
    common.add_steps_flag(parser)
    common.add_seed_flag(parser)
    parser.add_argument(
        "--every",
        type=common.positive_int,
        default=1,
        help="keep every K-th month in the sweep's steps.csv (a mean statistic covers the "
        "kept months; default 1)",
    )
    common.add_execution_flags(parser)
    common.add_out_flag(parser, DEFAULT_OUT, f"default {DEFAULT_OUT}")
    common.add_resume_flag(parser, "complete an interrupted analysis in the same --out")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Validate, run the analysis, print the top of the ranking."""
    if args.method == "sobol" and args.samples and args.samples & (args.samples - 1):
        raise UsageError(f"--samples for sobol must be a power of 2, got {args.samples}")
    overrides = common.parse_overrides(args.overrides)
    advantage = common.outcome_options(args, args.scenario)
    only = common.parse_list(args.params, "--params", skip_empty=True) or None
    out = common.check_out_dir(args.out)
    common.check_execution_flags(args)
    with (
        common.RunsBar(f"sensitivity ({args.method})") as progress,
        common.resumable(out / "sweep"),
    ):
        result = run_sensitivity(
            out,
            method=args.method,
            samples=args.samples,
            **advantage,
            **common.paired_design(args),
            scenario=args.scenario,
            parameters=overrides,
            only=only,
            every=args.every,
            **common.execution_options(args),
            progress=progress,
            command=common.command_words(args),
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
