"""``iran-sim run``: one simulation, written to CSV with the set-up that made it.

The CSV starts with a block of ``#`` lines (scenario, seed, months, every parameter
value, the code's version and git commit), then one row per month
(``model.export.RunHeader``; read the table with ``pandas.read_csv(path,
comment="#")``). ``--from-csv FILE`` makes the run of such a file again.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from batch_runs.execution.manifest import code_version, git_commit
from cli.common import add_scenario_flags, non_negative_int, parse_overrides, progress_bar
from cli.errors import UsageError
from model import IranModel
from model.export import (
    RunCsvError,
    RunHeader,
    check_writable,
    package_version,
    read_run_csv,
    run_csv_text,
    write_run_csv_atomic,
)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``run`` subcommand."""
    parser = subparsers.add_parser(
        "run",
        help="run one simulation and write its results as CSV",
        description="Run one simulation and write its set-up as '#' lines, then one row "
        "per month, as CSV (columns: docs/columns.md; pandas: read_csv(path, comment='#')).",
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
        "--from-csv",
        default=None,
        metavar="FILE.csv",
        help="run again the run a CSV of iran-sim (run, or the dashboard's download) records "
        "in its '#' lines: same scenario, seed, parameters and months; --seed, --steps and "
        "--set change them",
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
    source = _source(args) if args.from_csv else None
    if args.out != "-":
        check_writable(args.out)
    if source is None:
        model = IranModel(args.scenario, rng=args.seed, **overrides)
    else:
        header = source[0]
        seed = header.seed if args.seed is None else args.seed
        parameters = dict(header.parameters) | overrides
        model = IranModel(header.scenario_file or header.scenario, rng=seed, **parameters)
    steps = _steps(args, model, source)
    with progress_bar(steps, "simulating") as advance:
        model.run(steps, progress=lambda _: advance())
    results = model.results()
    header = RunHeader.of_model(
        model, months=steps, git_commit=git_commit(), code_version=code_version()
    )
    if args.out == "-":
        sys.stdout.write(run_csv_text(header, results))
    else:
        write_run_csv_atomic(header, results, args.out)
        print(
            f"wrote {len(results)} rows to {args.out} "
            f"(scenario {model.scenario_spec.name}, seed {model.seed})",
            file=sys.stderr,
        )
    if source is not None and _unchanged(args):
        _report_reproduction(args.from_csv, source, results.to_csv(index=False))
    return 0


def _source(args: argparse.Namespace) -> tuple[RunHeader, str]:
    """The header and table of ``--from-csv`` (UsageError, one line, if unusable)."""
    if args.scenario is not None:
        raise UsageError("--from-csv takes the scenario from its file: drop --scenario")
    if args.out != "-" and Path(args.out).resolve() == Path(args.from_csv).resolve():
        raise UsageError(f"--out {args.out} is the --from-csv file: choose another --out")
    try:
        return read_run_csv(args.from_csv)
    except RunCsvError as exc:
        raise UsageError(f"--from-csv {exc}") from None


def _steps(args: argparse.Namespace, model: IranModel, source: Any) -> int:
    """--steps, else the months of the --from-csv file, else the scenario's length."""
    if args.steps is not None:
        return args.steps
    return source[0].steps if source is not None else model.months


def _unchanged(args: argparse.Namespace) -> bool:
    """Whether the rerun keeps the file's set-up (no --seed, --steps or --set)."""
    return args.seed is None and args.steps is None and not args.overrides


def _report_reproduction(path: str, source: tuple[RunHeader, str], table: str) -> None:
    """Say whether the rerun gave the file's table exactly (the same code does, ODD
    §3.2); when it does not, name the code that wrote the file and this code."""
    header, expected = source
    if table == expected:
        print(f"the rerun reproduces the table of {path} exactly", file=sys.stderr)
        return
    print(
        f"iran-sim run: warning: the rerun differs from the table of {path} (written by "
        f"{_code_text(header.version, header.git_commit, header.code_version)}; this is "
        f"{_code_text(package_version(), git_commit(), code_version())})",
        file=sys.stderr,
    )


def _code_text(version: str, commit: str | None, code: str | None) -> str:
    """Which code: version, git commit and code version (short), as far as known."""
    parts = [f"iran-sim {version or '?'}"]
    if commit:
        parts.append(f"commit {commit[:12]}")
    if code:
        parts.append(f"code version {code[:12]}")
    return ", ".join(parts)
