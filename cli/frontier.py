"""``iran-sim frontier``: where engagement stops paying off, on a two-parameter map (C9).

Runs a grid of ``--x`` by ``--y`` under engage and refuse on common random numbers
through the sweep runner (into ``OUT/sweep``, resumable with ``--resume``), then writes
``OUT/frontier.csv`` and ``OUT/frontier.html``. ``--spec FILE`` reads the grid from a
sweep spec instead (e.g. ``batch_runs/specs/frontier_top2.toml``).
"""

from __future__ import annotations

import argparse
import sys

from batch_runs.analysis.outcomes import Statistic
from batch_runs.design.spec import load_spec
from batch_runs.frontier import DEFAULT_OUTCOME, axes_of, frontier_spec, run_frontier
from cli.claims import check_out_dir
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
from cli.sensitivity import SweepProgressBar, add_outcome_flags, range_pair
from model import DEFAULT_MONTHS

DEFAULT_OUT = "results/frontier"


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``frontier`` subcommand."""
    parser = subparsers.add_parser(
        "frontier",
        help="map the engagement advantage over two parameters (where refusal does better)",
        description="A grid of two parameters, each point run under engage and refuse on "
        "paired seeds through the sweep runner; writes a heatmap (HTML) and CSV of the mean "
        "engagement advantage and of the share of seeds where engagement wins, marking "
        "the cells where refusal does better.",
    )
    parser.add_argument("--x", default=None, metavar="PARAM", help="parameter on the x axis")
    parser.add_argument("--y", default=None, metavar="PARAM", help="parameter on the y axis")
    parser.add_argument(
        "--spec",
        default=None,
        metavar="SPEC.toml",
        help="a frontier sweep spec (grid of two parameters x western_policy) instead of --x/--y",
    )
    parser.add_argument(
        "--x-range",
        type=range_pair,
        default=None,
        metavar="LO:HI",
        help="x range (default: schema)",
    )
    parser.add_argument(
        "--y-range",
        type=range_pair,
        default=None,
        metavar="LO:HI",
        help="y range (default: schema)",
    )
    parser.add_argument("--grid", type=positive_int, default=7, help="levels per axis (default 7)")
    parser.add_argument(
        "--replicates", type=at_least_two, default=10, help="paired seeds per cell (default 10)"
    )
    add_outcome_flags(parser, DEFAULT_OUTCOME)
    add_scenario_flags(parser)
    parser.add_argument(
        "--steps", type=positive_int, default=DEFAULT_MONTHS, help="months per run (default 120)"
    )
    parser.add_argument("--seed", type=non_negative_int, default=0, help="master seed (default 0)")
    add_execution_flags(parser)
    parser.add_argument("--out", default=DEFAULT_OUT, metavar="DIR", help=f"default {DEFAULT_OUT}")
    parser.add_argument(
        "--resume", action="store_true", help="complete an interrupted run in the same --out"
    )
    parser.set_defaults(func=run)


def summary_line(table, outcome: str, statistic: str) -> str:
    """Counts of cells where engagement, refusal or neither does better on average."""
    counts = table["better"].value_counts()
    return (
        f"{outcome} ({statistic}): of {len(table)} cells, engagement does better in "
        f"{counts.get('engage', 0)}, refusal in {counts.get('refuse', 0)} "
        f"({int(table['refusal_better_significant'].sum())} with the 95% interval below zero), "
        f"no difference in {counts.get('tie', 0)}"
    )


def run(args: argparse.Namespace) -> int:
    """Build or read the spec, run it through the sweep runner, write the map."""
    if args.spec:
        if args.x or args.y:
            raise UsageError("give either --spec or --x/--y, not both")
        spec = load_spec(args.spec)
        axes_of(spec)
    else:
        if not (args.x and args.y):
            raise UsageError("--x and --y are required (or --spec FILE)")
        fixed = parse_overrides(args.overrides)
        for axis in (args.x, args.y):
            if axis in fixed:
                raise UsageError(f"'{axis}' is both an axis and fixed by --set; choose one")
        spec = frontier_spec(
            args.x,
            args.y,
            grid=args.grid,
            replicates=args.replicates,
            steps=args.steps,
            seed=args.seed,
            scenario=args.scenario,
            parameters=fixed,
            x_range=args.x_range,
            y_range=args.y_range,
        )
    out = check_out_dir(args.out)
    statistic = Statistic(args.statistic) if args.statistic else None
    try:
        from batch_runs.analysis.outcomes import get_outcome
        from model.scenarios import load_scenario

        get_outcome(args.outcome, load_scenario(spec.scenario))
    except ValueError as exc:
        raise UsageError(f"--outcome: {exc}") from None
    check_execution_flags(args)
    with SweepProgressBar("frontier") as progress, resumable(out / "sweep"):
        result = run_frontier(
            spec,
            out,
            outcome=args.outcome,
            statistic=statistic,
            workers=args.workers,
            backend=args.backend,
            scheduler=args.scheduler,
            resume=args.resume,
            progress=progress,
            command=["iran-sim", *sys.argv[1:]],
        )
    print(result.summary.line(), file=sys.stderr)
    line = summary_line(result.table, result.outcome.name, result.statistic.describe(spec.steps))
    print(line, flush=True)
    print(f"wrote {result.files['csv']} and {result.files['html']}", file=sys.stderr)
    return 0
