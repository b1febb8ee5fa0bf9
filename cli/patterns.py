"""``iran-sim patterns``: how often a scenario reproduces the patterns of the 2003-2009
record, over many seeds (docs/validation.md)."""

from __future__ import annotations

import argparse
import os
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
from cli.common import (
    add_execution_flags,
    add_scenario_flags,
    check_execution_flags,
    non_negative_int,
    parse_overrides,
    positive_int,
    resumable,
)
from cli.errors import UsageError
from cli.sweep import SweepReporter
from model.export import write_csv_atomic, write_text_atomic

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
    add_scenario_flags(parser)
    parser.set_defaults(scenario=DEFAULT_SCENARIO)
    parser.add_argument(
        "--model",
        choices=tuple(SIMULATORS),
        default="model",
        help="the model (default) or the coin_flip baseline, whose Iranian choices are random",
    )
    parser.add_argument(
        "--seeds", type=positive_int, default=100, help="seeds to run (default 100)"
    )
    parser.add_argument("--seed", type=non_negative_int, default=2003, help="master seed")
    parser.add_argument(
        "--patterns",
        default=None,
        metavar="P01,P02,...",
        help=f"patterns to score (default all: {PATTERN_IDS[0]}-{PATTERN_IDS[-1]})",
    )
    add_execution_flags(parser)
    parser.add_argument(
        "--out", default=DEFAULT_OUT, metavar="DIR", help=f"output folder (default {DEFAULT_OUT})"
    )
    parser.add_argument("--resume", action="store_true", help="complete the runs missing from DIR")
    parser.add_argument(
        "--compare",
        nargs="+",
        default=None,
        metavar="DIR",
        help="run nothing: put the finished pattern folders DIR... side by side, in "
        "comparison.md and comparison.csv of --out",
    )
    parser.set_defaults(func=run)


def parse_ids(text: str | None) -> tuple[str, ...]:
    """``P01,P02`` to known pattern ids (PatternError if unknown, UsageError if empty)."""
    if text is None:
        return PATTERN_IDS
    ids = tuple(part.strip() for part in text.split(","))
    if not all(ids):
        raise UsageError(f"--patterns {text!r}: empty id; expected P01,P02,...")
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
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise UsageError(f"{out}: exists and is not a folder")
    out.mkdir(parents=True, exist_ok=True)
    table = comparison_table(scores)
    write_csv_atomic(table, out / "comparison.csv")
    text = comparison_markdown(scores)
    write_text_atomic(out / "comparison.md", text)
    print(text, end="")
    print(f"patterns: wrote comparison.csv and comparison.md to {out}", file=sys.stderr)
    return 0


def run(args: argparse.Namespace) -> int:
    """Validate, run the seeds, write and print the table."""
    if args.compare:
        return compare(args)
    check_execution_flags(args)
    overrides = parse_overrides(args.overrides)
    ids = parse_ids(args.patterns)
    out = Path(args.out)
    if args.resume and not (out / MANIFEST_FILE).exists():
        raise UsageError(f"--resume: {out} holds no pattern runs to complete")
    reporter = SweepReporter(args.seeds, label="patterns")
    with resumable(out, reporter):
        scores = score_patterns(
            out,
            scenario=args.scenario,
            overrides=overrides,
            model=args.model,
            seeds=args.seeds,
            seed=args.seed,
            ids=ids,
            workers=args.workers or os.cpu_count() or 1,
            backend=args.backend,
            scheduler=args.scheduler,
            resume=args.resume,
            progress=reporter,
            command=["iran-sim", "patterns", *sys.argv[2:]],
        )
    reporter.close()
    if scores.runs.empty:
        raise UsageError(f"every run failed; see the error column of {out / 'runs.csv'}")
    write_csv_atomic(scores.table, out / "patterns.csv")
    text = comparison_markdown([scores])
    write_text_atomic(out / "patterns.md", text)
    print(text, end="")
    overall = scores.overall()
    print(
        f"patterns: {overall['seeds']} seeds reproduce {overall['mean_reproduced']:.1f} of "
        f"{overall['patterns']} patterns on average; wrote patterns.csv and patterns.md to "
        f"{out}",
        file=sys.stderr,
    )
    return 0
