"""Flags and helpers shared by subcommands (scenario, --set, seed, progress bars)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from model.parameters import parse_assignment


def add_scenario_flags(parser: argparse.ArgumentParser) -> None:
    """``--scenario NAME|PATH`` and repeatable ``--set KEY=VALUE``."""
    parser.add_argument(
        "--scenario",
        default=None,
        metavar="NAME|PATH",
        help="scenario name (see model/scenarios/) or path to a TOML file (default: baseline_2011)",
    )
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="set a parameter (repeatable); see docs/parameters.md",
    )


def parse_overrides(assignments: list[str]) -> dict[str, Any]:
    """``KEY=VALUE`` strings to validated parameter values (ParameterError if bad)."""
    return dict(parse_assignment(a) for a in assignments)


def non_negative_int(text: str) -> int:
    """argparse type: a whole number >= 0."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be >= 0")
    return value


def positive_int(text: str) -> int:
    """argparse type: a whole number >= 1."""
    value = non_negative_int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be >= 1")
    return value


def at_least_two(text: str) -> int:
    """argparse type: a whole number >= 2 (a confidence interval needs two pairs)."""
    value = positive_int(text)
    if value < 2:
        raise argparse.ArgumentTypeError(f"{text!r} must be >= 2 (an interval needs two pairs)")
    return value


@contextmanager
def progress_bar(total: int, description: str, unit: str = "month"):
    """A tqdm bar on a terminal; a no-op updater when stderr is not a terminal."""
    if sys.stderr.isatty():
        from tqdm import tqdm

        with tqdm(total=total, desc=description, unit=unit, leave=False) as bar:
            yield lambda n=1: bar.update(n)
    else:
        yield lambda n=1: None


def add_execution_flags(parser: argparse.ArgumentParser) -> None:
    """``--workers``, ``--backend`` and ``--scheduler``: where the runs execute."""
    from batch_runs.execution import BACKENDS

    parser.add_argument(
        "--workers", type=positive_int, default=None, help="worker processes (default: CPU count)"
    )
    parser.add_argument("--backend", choices=BACKENDS, default="process", help="process or dask")
    parser.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="Dask scheduler, e.g. tcp://10.0.0.5:8786 (default: a local Dask cluster)",
    )


def check_execution_flags(args: argparse.Namespace) -> None:
    """A scheduler address only makes sense with the Dask backend (UsageError)."""
    from cli.errors import UsageError

    if args.scheduler and args.backend != "dask":
        raise UsageError("--scheduler needs --backend dask")


@contextmanager
def resumable(folder: Path | str, *closers: Any) -> Iterator[None]:
    """Run a resumable batch: on Ctrl-C, close ``closers`` (progress bars) and report
    one line saying that the finished runs are kept in ``folder`` and how to go on."""
    from cli.errors import Interrupted

    try:
        yield
    except KeyboardInterrupt:
        for closer in closers:
            closer.close()
        raise Interrupted(
            f"the finished runs are kept in {folder}; add --resume to the same command to "
            "complete them"
        ) from None
