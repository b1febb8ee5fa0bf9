"""``iran-sim compare``: paired runs of two policies (or any two parameter sets) on
common random numbers; mean differences with 95% intervals, as CSV and HTML."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from batch_runs.analysis.statistics import paired_differences
from batch_runs.paired import paired_runs
from batch_runs.reporting.figures import comparison_figure, write_html
from cli.common import (
    add_execution_flags,
    add_scenario_flags,
    check_execution_flags,
    non_negative_int,
    parse_overrides,
    positive_int,
    progress_bar,
    resumable,
)
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
        "--replicates", type=positive_int, default=50, help="replicate pairs (default 50)"
    )
    parser.add_argument(
        "--horizon",
        type=non_negative_int,
        default=DEFAULT_MONTHS,
        help=f"months to simulate (default {DEFAULT_MONTHS})",
    )
    add_scenario_flags(parser)  # --set applies to both arms; --a / --b override it
    parser.add_argument("--seed", type=non_negative_int, default=0, help="master seed (default 0)")
    add_execution_flags(parser)
    parser.add_argument(
        "--resume",
        action="store_true",
        help="complete an interrupted comparison in --out (same flags); finished runs are kept",
    )
    parser.add_argument(
        "--out", default=DEFAULT_OUT, metavar="DIR", help=f"output folder (default {DEFAULT_OUT})"
    )
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


def check_out_dir(out: Path) -> None:
    """Fail (UsageError) before any run if ``out`` cannot be created or written."""
    if out.exists() and not out.is_dir():
        raise UsageError(f"{out}: exists and is not a folder")
    parent = next((p for p in [out, *out.parents] if p.exists()), Path("."))
    if not parent.is_dir():
        raise UsageError(f"{out}: {parent} is not a folder")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise UsageError(f"{out}: folder {parent} is not writable")


def run(args: argparse.Namespace) -> int:
    """Validate, run the pairs, write differences.csv, horizon.csv and compare.html."""
    shared = parse_overrides(args.overrides)
    a = shared | parse_arm(args.a, "--a")
    b = shared | parse_arm(args.b, "--b")
    if a == b:
        raise UsageError("--a and --b give the same parameters: there is nothing to compare")
    load_scenario(args.scenario)
    check_execution_flags(args)
    out = Path(args.out)
    check_out_dir(out)
    if args.resume and not (out / "runs").is_dir():
        raise UsageError(f"--resume: {out} holds no comparison runs to complete")
    workers = args.workers or os.cpu_count() or 1
    with (
        progress_bar(2 * args.replicates, "compare", unit="run") as advance,
        resumable(out / "runs"),
    ):
        results_a, results_b = paired_runs(
            a,
            b,
            scenario=args.scenario,
            replicates=args.replicates,
            steps=args.horizon,
            seed=args.seed,
            workers=workers,
            progress=lambda done, total: advance(),
            out_dir=out / "runs",
            resume=args.resume,
            backend=args.backend,
            scheduler=args.scheduler,
        )
    diffs = paired_differences(results_a, results_b)
    diffs.insert(0, "b", args.b)
    diffs.insert(0, "a", args.a)
    horizon = diffs[diffs["step"] == args.horizon].reset_index(drop=True)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"{out}: cannot create the folder ({exc.strerror})") from None
    write_csv_atomic(diffs, out / FILES[0])
    write_csv_atomic(horizon, out / FILES[1])
    figure = comparison_figure(diffs, args.a, args.b)
    intro = (
        f"<p>{args.replicates} replicate pairs, scenario {args.scenario or 'baseline_2011'}, "
        f"master seed {args.seed}, horizon {args.horizon} months. Replicate j of A and B "
        "share their seed (common random numbers).</p>"
    )
    write_html(out / FILES[2], f"Compare: A ({args.a}) vs B ({args.b})", [figure], intro)
    print(f"compare: {args.replicates} pairs; wrote {', '.join(FILES)} to {out}", file=sys.stderr)
    return 0
