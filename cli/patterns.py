"""``iran-sim patterns``: how often a scenario reproduces the patterns of the 2003-2009
record, over many seeds (docs/validation.md)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from batch_runs.baselines import SIMULATORS
from batch_runs.execution import MANIFEST_FILE
from batch_runs.patterns import PATTERN_IDS, get_patterns
from batch_runs.validation import (
    comparison_markdown,
    comparison_table,
    read_folder,
    score_patterns,
)
from cli import common
from cli.errors import UsageError
from cli.sweep import SweepReporter

DEFAULT_OUT = "patterns-results"
DEFAULT_SCENARIO = "history_2003"


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``patterns`` subcommand."""
    parser = subparsers.add_parser(
        "patterns",
        help="score the patterns of the 2003-2009 record over many seeds",
        description="Run a scenario (default history_2003) for many seeds and report, for "
        "each pattern of the record, the share of seeds that reproduce it "
        "(DIR/patterns.csv, DIR/patterns.md; the runs with their misses in DIR/runs.csv). "
        "Patterns and criteria: docs/validation.md.",
    )
    common.add_scenario_flags(parser)
    parser.set_defaults(scenario=DEFAULT_SCENARIO)
    parser.add_argument(
        "--model",
        choices=tuple(SIMULATORS),
        default="model",
        help="the model (default) or the coin_flip baseline, whose Iranian choices are random",
    )
    parser.add_argument(
        "--seeds", type=common.positive_int, default=100, help="seeds to run (default 100)"
    )
    common.add_seed_flag(parser, 2003, "master seed")
    parser.add_argument(
        "--patterns",
        default=None,
        metavar="P01,P02,...",
        help=f"patterns to score (default all: {PATTERN_IDS[0]}-{PATTERN_IDS[-1]})",
    )
    common.add_execution_flags(parser)
    common.add_out_flag(parser, DEFAULT_OUT)
    common.add_resume_flag(parser, "complete the runs missing from DIR")
    common.add_compare_flag(parser, "DIR", "the finished pattern folders DIR...")
    parser.set_defaults(func=run)


def parse_ids(text: str | None) -> tuple[str, ...]:
    """``P01,P02`` to known pattern ids (PatternError if unknown, UsageError if empty)."""
    if text is None:
        return PATTERN_IDS
    ids = common.parse_list(text, "--patterns", "P01,P02,...")
    get_patterns(ids)
    return ids


def compare(args: argparse.Namespace) -> int:
    """Put finished pattern folders side by side (nothing is run)."""
    scores = []
    for folder in args.compare:
        path = Path(folder)
        manifest = path / MANIFEST_FILE
        if not manifest.exists():
            raise UsageError(f"--compare: {path} holds no pattern runs ({MANIFEST_FILE} missing)")
        ids = parse_ids(args.patterns) if args.patterns else None
        scores.append(read_folder(path, ids))
    out = common.make_out_dir(args.out)
    common.write_report(out, "comparison", comparison_table(scores), comparison_markdown(scores))
    print(f"patterns: wrote comparison.csv and comparison.md to {out}", file=sys.stderr)
    return 0


def run(args: argparse.Namespace) -> int:
    """Validate, run the seeds, write and print the table."""
    if args.compare:
        return compare(args)
    common.check_execution_flags(args)
    overrides = common.parse_overrides(args.overrides)
    ids = parse_ids(args.patterns)
    out = Path(args.out)
    common.check_resume(args, out / MANIFEST_FILE, "pattern runs")
    reporter = SweepReporter(args.seeds, label="patterns")
    with common.resumable(out, reporter):
        scores = score_patterns(
            out,
            scenario=args.scenario,
            overrides=overrides,
            model=args.model,
            seeds=args.seeds,
            seed=args.seed,
            ids=ids,
            **common.execution_options(args),
            progress=reporter,
            command=common.command_words(args),
        )
    reporter.close()
    if scores.runs.empty:
        raise UsageError(f"every run failed; see the error column of {out / 'runs.csv'}")
    common.write_report(out, "patterns", scores.table, comparison_markdown([scores]))
    overall = scores.overall()
    print(
        f"patterns: {overall['seeds']} seeds reproduce {overall['mean_reproduced']:.1f} of "
        f"{overall['patterns']} patterns on average; wrote patterns.csv and patterns.md to "
        f"{out}",
        file=sys.stderr,
    )
    return 0
