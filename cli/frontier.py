"""``iran-sim frontier``: where engagement stops paying off, on a two-parameter map (C9).

Runs a grid of ``--x`` by ``--y`` under engage and refuse on common random numbers
through the sweep runner (into ``OUT/sweep``, resumable with ``--resume``), then writes
``OUT/frontier.csv`` and ``OUT/frontier.html``. ``--spec FILE`` reads the grid from a
sweep spec instead (e.g. ``batch_runs/specs/frontier_top2.toml``).
"""

from __future__ import annotations

import argparse
import sys

from batch_runs.design.spec import SweepSpec, load_spec
from batch_runs.frontier import DEFAULT_OUTCOME, axes_of, frontier_spec, run_frontier
from cli import common
from cli.errors import UsageError

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
    _add_grid_flags(parser)
    common.add_pairs_flag(parser, 10, "cell")
    common.add_outcome_flags(parser, DEFAULT_OUTCOME)
    common.add_scenario_flags(parser)
    common.add_steps_flag(parser)
    common.add_seed_flag(parser)
    common.add_execution_flags(parser)
    common.add_out_flag(parser, DEFAULT_OUT, f"default {DEFAULT_OUT}")
    common.add_resume_flag(parser, "complete an interrupted run in the same --out")
    parser.set_defaults(func=run)


def _add_grid_flags(parser: argparse.ArgumentParser) -> None:
    """The map: its two axes, their ranges and levels, or a spec file instead."""
    parser.add_argument("--x", default=None, metavar="PARAM", help="parameter on the x axis")
    parser.add_argument("--y", default=None, metavar="PARAM", help="parameter on the y axis")
    parser.add_argument(
        "--spec",
        default=None,
        metavar="SPEC.toml",
        help="a frontier sweep spec (grid of two parameters x western_policy) instead of --x/--y",
    )
    for axis in ("x", "y"):
        parser.add_argument(
            f"--{axis}-range",
            type=common.range_pair,
            default=None,
            metavar="LO:HI",
            help=f"{axis} range (default: schema)",
        )
    parser.add_argument(
        "--grid", type=common.positive_int, default=7, help="levels per axis (default 7)"
    )


def summary_line(table, outcome: str, statistic: str) -> str:
    """Counts of cells where engagement, refusal or neither does better on average."""
    counts = table["better"].value_counts()
    return (
        f"{outcome} ({statistic}): of {len(table)} cells, engagement does better in "
        f"{counts.get('engage', 0)}, refusal in {counts.get('refuse', 0)} "
        f"({int(table['refusal_better_significant'].sum())} with the 95% interval below zero), "
        f"no difference in {counts.get('tie', 0)}"
    )


def build_spec(args: argparse.Namespace) -> SweepSpec:
    """The frontier's sweep: read from ``--spec``, or a grid over ``--x`` by ``--y``."""
    if args.spec:
        if args.x or args.y:
            raise UsageError("give either --spec or --x/--y, not both")
        spec = load_spec(args.spec)
        axes_of(spec)
        return spec
    if not (args.x and args.y):
        raise UsageError("--x and --y are required (or --spec FILE)")
    fixed = common.parse_overrides(args.overrides)
    for axis in (args.x, args.y):
        if axis in fixed:
            raise UsageError(f"'{axis}' is both an axis and fixed by --set; choose one")
    return frontier_spec(
        args.x,
        args.y,
        grid=args.grid,
        **common.paired_design(args),
        scenario=args.scenario,
        parameters=fixed,
        x_range=args.x_range,
        y_range=args.y_range,
    )


def run(args: argparse.Namespace) -> int:
    """Build or read the spec, run it through the sweep runner, write the map."""
    spec = build_spec(args)
    out = common.check_out_dir(args.out)
    advantage = common.outcome_options(args, spec.scenario)
    common.check_execution_flags(args)
    with common.RunsBar("frontier") as progress, common.resumable(out / "sweep"):
        result = run_frontier(
            spec,
            out,
            **advantage,
            **common.execution_options(args),
            progress=progress,
            command=common.command_words(args),
        )
    print(result.summary.line(), file=sys.stderr)
    line = summary_line(result.table, result.outcome.name, result.statistic.describe(spec.steps))
    print(line, flush=True)
    print(f"wrote {result.files['csv']} and {result.files['html']}", file=sys.stderr)
    return 0
