"""What the subcommands share: their common flags, the checks of those flags, the
output folder, progress on stderr and the Ctrl-C report of resumable batches.

A flag that several commands take is defined here once, so that it reads, defaults and
fails the same way everywhere."""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from cli.errors import Interrupted, UsageError
from model import DEFAULT_MONTHS
from model.export import write_csv_atomic, write_text_atomic
from model.parameters import parse_assignment

# Without a terminal (a log file, a pipe), the fewest seconds between two progress lines.
PLAIN_INTERVAL_S = 10.0


# -- argparse types -------------------------------------------------------------------


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


def range_pair(text: str) -> tuple[float, float]:
    """argparse type: ``LO:HI`` with LO < HI."""
    try:
        low, high = (float(x) for x in text.split(":"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not LO:HI") from None
    if not low < high:
        raise argparse.ArgumentTypeError(f"{text!r}: LO must be below HI")
    return low, high


# -- flags shared by several commands -------------------------------------------------


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


def add_pairs_flag(
    parser: argparse.ArgumentParser, default: int, per: str, what: str = "seeds"
) -> None:
    """``--replicates``: pairs of runs on common random numbers (ODD §3.2), the two arms
    of replicate j sharing its seed; at least two, for an interval."""
    parser.add_argument(
        "--replicates",
        type=at_least_two,
        default=default,
        help=f"paired {what} per {per} (default {default})",
    )


def add_steps_flag(parser: argparse.ArgumentParser, help: str | None = None) -> None:
    """``--steps``: the months of every run of a paired analysis (at least one)."""
    help = help or f"months per run (default {DEFAULT_MONTHS})"
    parser.add_argument("--steps", type=positive_int, default=DEFAULT_MONTHS, help=help)


def add_seed_flag(
    parser: argparse.ArgumentParser, default: int | None = 0, help: str | None = None
) -> None:
    """``--seed``: the master seed every run's seed derives from."""
    help = help or f"master seed (default {default})"
    parser.add_argument("--seed", type=non_negative_int, default=default, help=help)


def add_execution_flags(
    parser: argparse.ArgumentParser,
    workers_help: str = "worker processes (default: CPU count)",
    backend_help: str = "process or dask",
) -> None:
    """``--workers``, ``--backend`` and ``--scheduler``: where the runs execute."""
    from batch_runs.execution import BACKENDS

    parser.add_argument("--workers", type=positive_int, default=None, help=workers_help)
    parser.add_argument("--backend", choices=BACKENDS, default="process", help=backend_help)
    parser.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="Dask scheduler, e.g. tcp://10.0.0.5:8786 (default: a local Dask cluster)",
    )


def add_out_flag(parser: argparse.ArgumentParser, default: str, help: str | None = None) -> None:
    """``--out DIR``: the output folder."""
    parser.add_argument(
        "--out", default=default, metavar="DIR", help=help or f"output folder (default {default})"
    )


def add_resume_flag(parser: argparse.ArgumentParser, help: str) -> None:
    """``--resume``: complete the runs an interrupted batch left in ``--out``."""
    parser.add_argument("--resume", action="store_true", help=help)


def add_compare_flag(
    parser: argparse.ArgumentParser, metavar: str, what: str, example: str = ""
) -> None:
    """``--compare``: put finished result folders side by side instead of running."""
    parser.add_argument(
        "--compare",
        nargs="+",
        default=None,
        metavar=metavar,
        help=f"run nothing: put {what} side by side{example}, in comparison.md and "
        "comparison.csv of --out",
    )


def add_outcome_flags(parser: argparse.ArgumentParser, default: str) -> None:
    """``--outcome`` and ``--statistic``: which engagement advantage to measure."""
    from batch_runs.analysis.outcomes import directed_outcomes

    parser.add_argument(
        "--outcome",
        default=default,
        metavar="NAME",
        help=f"outcome (default {default}); one of {', '.join(directed_outcomes())}, "
        "sanctions_support_<country>",
    )
    parser.add_argument(
        "--statistic",
        choices=("mean", "final"),
        default=None,
        help="mean over the months or value at the last month (default: the outcome's own)",
    )


# -- reading and checking the flags ---------------------------------------------------


def parse_overrides(assignments: list[str]) -> dict[str, Any]:
    """``KEY=VALUE`` strings to validated parameter values (ParameterError if bad)."""
    return dict(parse_assignment(a) for a in assignments)


def parse_list(
    text: str | None, flag: str, expected: str = "", what: str = "id", skip_empty: bool = False
) -> tuple[str, ...] | None:
    """``A,B,C`` to a tuple of stripped items; None when the flag is not given.

    An empty item is a UsageError naming ``flag`` and the ``expected`` form, unless
    ``skip_empty`` (then it is left out, and the tuple may be empty)."""
    if text is None:
        return None
    items = tuple(part.strip() for part in text.split(","))
    if skip_empty:
        return tuple(item for item in items if item)
    if not all(items):
        raise UsageError(f"{flag} {text!r}: empty {what}; expected {expected}")
    return items


def outcome_options(args: argparse.Namespace, scenario: Any) -> dict[str, Any]:
    """``outcome`` and ``statistic`` of the engagement advantage, the outcome checked
    against ``scenario`` (UsageError if it has no such outcome)."""
    from batch_runs.analysis.outcomes import Statistic, get_outcome
    from model.scenarios import load_scenario

    try:
        get_outcome(args.outcome, load_scenario(scenario))
    except ValueError as exc:
        raise UsageError(f"--outcome: {exc}") from None
    statistic = Statistic(args.statistic) if args.statistic else None
    return {"outcome": args.outcome, "statistic": statistic}


# More worker processes than this many per core only add memory and switching: refused.
MAX_WORKERS_PER_CORE = 8


def check_execution_flags(args: argparse.Namespace) -> None:
    """A scheduler address only with the Dask backend; a number of workers the machine
    can hold (UsageError above ``MAX_WORKERS_PER_CORE`` per core, a warning above one)."""
    if args.scheduler and args.backend != "dask":
        raise UsageError("--scheduler needs --backend dask")
    cores = os.cpu_count() or 1
    if args.workers is None or args.scheduler:  # a remote cluster has its own workers
        return
    if args.workers > MAX_WORKERS_PER_CORE * cores:
        raise UsageError(
            f"--workers {args.workers}: this machine has {cores} cores; use at most "
            f"{MAX_WORKERS_PER_CORE * cores} (runs never go faster than the cores allow)"
        )
    if args.workers > cores:
        print(
            f"iran-sim: warning: --workers {args.workers} on {cores} cores: the workers "
            "share the cores and the runs take no less time",
            file=sys.stderr,
        )


def execution_options(args: argparse.Namespace) -> dict[str, Any]:
    """Where and how the batch runs: the keyword arguments every runner takes."""
    return {
        "workers": args.workers or os.cpu_count() or 1,
        "backend": args.backend,
        "scheduler": args.scheduler,
        "resume": args.resume,
    }


def paired_design(args: argparse.Namespace) -> dict[str, Any]:
    """The design of a paired analysis: replicate pairs, months per run and master seed
    (``--replicates``, ``--steps`` and ``--seed``)."""
    return {"replicates": args.replicates, "steps": args.steps, "seed": args.seed}


def command_words(args: argparse.Namespace) -> list[str]:
    """The command as typed, for a manifest (how to make the results again)."""
    return ["iran-sim", args.command, *sys.argv[2:]]


# -- the output folder ----------------------------------------------------------------


def check_out_dir(path: str | Path) -> Path:
    """The ``--out`` folder, checked before any run: a UsageError if it cannot be
    created or written, so that no batch runs for nothing."""
    out = Path(path)
    existing = next((p for p in [out, *out.parents] if p.exists()), Path("."))
    if not existing.is_dir():
        problem = "exists and is not a folder" if existing == out else f"{existing} is not a folder"
        raise UsageError(f"--out {path}: {problem}")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise UsageError(f"--out {path}: folder {existing} is not writable")
    return out


def make_out_dir(path: str | Path) -> Path:
    """The checked ``--out`` folder, created if missing (UsageError if it cannot be)."""
    out = check_out_dir(path)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"--out {path}: cannot create the folder ({exc.strerror})") from None
    return out


def check_resume(args: argparse.Namespace, evidence: Path, what: str) -> None:
    """With ``--resume``, the folder must hold ``evidence`` of an earlier start (the
    runs folder or manifest it leaves); otherwise a UsageError naming ``what``."""
    if args.resume and not evidence.exists():
        raise UsageError(f"--resume: {evidence.parent} holds no {what} to complete")


def write_report(out: Path, stem: str, table: Any, text: str) -> None:
    """Write ``table`` as ``stem``.csv and ``text`` as ``stem``.md to ``out`` (each
    atomically), and print ``text``."""
    write_csv_atomic(table, out / f"{stem}.csv")
    write_text_atomic(out / f"{stem}.md", text)
    print(text, end="")


# -- progress and Ctrl-C --------------------------------------------------------------


def _tqdm() -> Any:
    """tqdm's bar class without its monitor thread: a sweep forks its workers only when
    the parent runs no other thread (a fork starts them warm), and the bar needs none."""
    from tqdm import tqdm

    tqdm.monitor_interval = 0
    return tqdm


@contextmanager
def progress_bar(total: int, description: str, unit: str = "month"):
    """A tqdm bar on a terminal; a no-op updater when stderr is not a terminal."""
    if sys.stderr.isatty():
        with _tqdm()(total=total, desc=description, unit=unit, leave=False) as bar:
            yield lambda n=1: bar.update(n)
    else:
        yield lambda n=1: None


class RunsBar:
    """A tqdm bar over the runs of a batch on a terminal (silent otherwise), opened at
    the first report because only then is the number of runs known."""

    def __init__(self, description: str) -> None:
        self.description = description
        self.bar: Any = None

    def __enter__(self) -> RunsBar:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __call__(self, progress: Any) -> None:
        """Report a sweep's progress (anything with ``done`` and ``total``)."""
        self.update(progress.done, progress.total)

    def update(self, done: int, total: int) -> None:
        if not sys.stderr.isatty():
            return
        if self.bar is None:
            self.bar = _tqdm()(total=total, desc=self.description, unit="run", leave=False)
        self.bar.update(done - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


class LineReporter:
    """Progress on stderr: a tqdm bar on a terminal (``bar``, made from the keyword
    arguments); elsewhere plain lines, at most one every PLAIN_INTERVAL_S seconds so
    that a long batch does not flood its log."""

    def __init__(self, **bar: Any) -> None:
        self.bar: Any = None
        self._next_line = time.monotonic() + PLAIN_INTERVAL_S
        if sys.stderr.isatty():
            self.bar = _tqdm()(leave=False, **bar)

    def line(self, text: str) -> None:
        """Print ``text`` as a progress line, unless the last one is too recent."""
        if time.monotonic() >= self._next_line:
            self._next_line = time.monotonic() + PLAIN_INTERVAL_S
            print(text, file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


@contextmanager
def resumable(
    folder: Path | str, *closers: Any, counts: Callable[[], tuple[int, int]] | None = None
) -> Iterator[None]:
    """Run a resumable batch: on Ctrl-C, close ``closers`` (progress bars) and report
    one line saying that the finished runs (``counts()``: how many of how many, if
    given) are kept in ``folder`` and how to go on."""
    try:
        yield
    except KeyboardInterrupt:
        for closer in closers:
            closer.close()
        kept = "the finished runs are kept"
        if counts is not None:
            kept = "{} of {} runs are done and kept".format(*counts())
        raise Interrupted(
            f"{kept} in {folder}; add --resume to the same command to complete them"
        ) from None
