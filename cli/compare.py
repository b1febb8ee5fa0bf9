"""``iran-sim compare``: paired runs of two policies (or any two parameter sets) on
common random numbers; mean differences with 95% intervals, as CSV and HTML."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from batch_runs.analysis.statistics import paired_differences
from batch_runs.paired import paired_runs
from batch_runs.reporting.figures import comparison_figure, write_html
from cli import common
from cli.errors import UsageError
from model import DEFAULT_MONTHS, load_scenario
from model.export import write_csv_atomic
from model.parameters import parse_assignment

DEFAULT_A = "western_policy=engage"
DEFAULT_B = "western_policy=refuse"
DEFAULT_OUT = "compare-results"
FILES = ("differences.csv", "horizon.csv", "compare.html")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``compare`` subcommand."""
    parser = subparsers.add_parser(
        "compare",
        help="paired runs of A and B on common random numbers: differences with 95%% CI",
        description="Run R replicate pairs of A and B (replicate j of both with the same "
        "seed), and write the mean difference A - B of every outcome over time "
        "(DIR/differences.csv), at the horizon (DIR/horizon.csv), with 95% confidence "
        "intervals, and a self-contained Plotly figure (DIR/compare.html).",
    )
    parser.add_argument(
        "--a",
        default=DEFAULT_A,
        metavar="KEY=VALUE[,...]",
        help=f"parameters of arm A (default {DEFAULT_A})",
    )
    parser.add_argument(
        "--b",
        default=DEFAULT_B,
        metavar="KEY=VALUE[,...]",
        help=f"parameters of arm B (default {DEFAULT_B})",
    )
    parser.add_argument(
        "--replicates",
        type=common.at_least_two,
        default=50,
        help="replicate pairs (default 50; an interval needs two)",
    )
    parser.add_argument(
        "--steps",
        type=common.non_negative_int,
        default=DEFAULT_MONTHS,
        help=f"months to simulate, the horizon (default {DEFAULT_MONTHS})",
    )
    # The flag's old name, kept so that existing scripts still run.
    parser.add_argument(
        "--horizon", dest="steps", type=common.non_negative_int, help=argparse.SUPPRESS
    )
    common.add_scenario_flags(parser)  # --set applies to both arms; --a / --b override it
    common.add_seed_flag(parser)
    common.add_execution_flags(parser)
    common.add_resume_flag(
        parser, "complete an interrupted comparison in --out (same flags); finished runs are kept"
    )
    common.add_out_flag(parser, DEFAULT_OUT)
    parser.set_defaults(func=run)


def parse_arm(text: str, flag: str) -> dict[str, Any]:
    """``KEY=VALUE[,KEY=VALUE...]`` to validated overrides (ParameterError if bad)."""
    overrides: dict[str, Any] = {}
    for part in text.split(","):
        if not part.strip():
            raise UsageError(f"{flag} {text!r}: empty assignment; expected KEY=VALUE[,...]")
        name, value = parse_assignment(part.strip())
        if name in overrides:
            raise UsageError(f"{flag} {text!r}: '{name}' is given twice")
        overrides[name] = value
    return overrides


def run(args: argparse.Namespace) -> int:
    """Validate, run the pairs, write differences.csv, horizon.csv and compare.html."""
    shared = common.parse_overrides(args.overrides)
    a = shared | parse_arm(args.a, "--a")
    b = shared | parse_arm(args.b, "--b")
    if a == b:
        raise UsageError("--a and --b give the same parameters: there is nothing to compare")
    load_scenario(args.scenario)
    common.check_execution_flags(args)
    out = common.check_out_dir(args.out)
    common.check_resume(args, out / "runs", "comparison runs")
    with (
        common.progress_bar(2 * args.replicates, "compare", unit="run") as advance,
        common.resumable(out / "runs"),
    ):
        results_a, results_b = paired_runs(
            a,
            b,
            scenario=args.scenario,
            replicates=args.replicates,
            steps=args.steps,
            seed=args.seed,
            progress=lambda done, total: advance(),
            out_dir=out / "runs",
            **common.execution_options(args),
        )
    diffs = paired_differences(results_a, results_b)
    diffs.insert(0, "b", args.b)
    diffs.insert(0, "a", args.a)
    horizon = diffs[diffs["step"] == args.steps].reset_index(drop=True)
    common.make_out_dir(out)
    write_csv_atomic(diffs, out / FILES[0])
    write_csv_atomic(horizon, out / FILES[1])
    figure = comparison_figure(diffs, args.a, args.b)
    intro = (
        f"<p>{args.replicates} replicate pairs, scenario {args.scenario or 'baseline_2011'}, "
        f"master seed {args.seed}, horizon {args.steps} months. Replicate j of A and B "
        "share their seed (common random numbers).</p>"
    )
    write_html(out / FILES[2], f"Compare: A ({args.a}) vs B ({args.b})", [figure], intro)
    print(f"compare: {args.replicates} pairs; wrote {', '.join(FILES)} to {out}", file=sys.stderr)
    return 0
