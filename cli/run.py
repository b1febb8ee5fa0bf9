"""``iran-sim run``: one simulation, written to CSV."""

from __future__ import annotations

import argparse
import sys

from cli.common import add_scenario_flags, non_negative_int, parse_overrides, progress_bar
from model import IranModel
from model.export import check_writable, write_csv_atomic


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``run`` subcommand."""
    parser = subparsers.add_parser(
        "run",
        help="run one simulation and write its results as CSV",
        description="Run one simulation and write one row per month as CSV "
        "(columns: docs/columns.md).",
    )
    add_scenario_flags(parser)
    parser.add_argument(
        "--steps",
        type=non_negative_int,
        default=None,
        help="months to simulate (default: the scenario's length; 120 for baseline_2011, "
        "76 for history_2003)",
    )
    parser.add_argument(
        "--seed",
        type=non_negative_int,
        default=None,
        help="random seed (default: drawn and reported)",
    )
    parser.add_argument(
        "--out",
        default="results.csv",
        metavar="FILE.csv",
        help="output file (default results.csv); '-' for standard output",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Validate everything first, simulate, then write the CSV atomically."""
    overrides = parse_overrides(args.overrides)
    if args.out != "-":
        check_writable(args.out)
    model = IranModel(args.scenario, rng=args.seed, **overrides)
    steps = model.months if args.steps is None else args.steps
    with progress_bar(steps, "simulating") as advance:
        model.run(steps, progress=lambda _: advance())
    results = model.results()
    if args.out == "-":
        results.to_csv(sys.stdout, index=False)
    else:
        write_csv_atomic(results, args.out)
        print(
            f"wrote {len(results)} rows to {args.out} "
            f"(scenario {model.scenario_spec.name}, seed {model.seed})",
            file=sys.stderr,
        )
    return 0
