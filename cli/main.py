"""Entry point of ``iran-sim``: argument parsing and uniform error handling.

Each subcommand lives in its own module of ``cli`` and exposes ``register(subparsers)``,
which adds its parser and sets ``func`` (called with the parsed arguments, returning
an exit status). User errors (bad flags, parameters, scenario files, folders) end with
one line on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import signal
import sys
import threading
from collections.abc import Sequence
from importlib import metadata

from agents.population import KernelChoiceError
from cli.errors import Interrupted, UsageError
from model.parameters import ParameterError
from model.scenarios import ScenarioError

# Subcommand modules, in the order ``iran-sim --help`` lists them.
COMMANDS = (
    "run",
    "sweep",
    "compare",
    "plot",
    "dashboard",
    "claims",
    "sensitivity",
    "frontier",
    "patterns",
    "calibrate",
    "params",
    "scenarios",
)


class OneLineParser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are a single line (and exit status 2)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def version_text() -> str:
    """``iran-sim X (Mesa Y, Python Z)``: what a bug report needs."""
    import platform

    def version(name: str) -> str:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return "not installed"

    return (
        f"iran-sim {version('iran-sim')} (Mesa {version('mesa')}, "
        f"Python {platform.python_version()})"
    )


def build_parser() -> argparse.ArgumentParser:
    """The full parser, with every subcommand module that is installed."""
    parser = OneLineParser(
        prog="iran-sim",
        description="Agent-based model of Iran's factional politics and Western engagement.",
    )
    parser.add_argument("--version", action="version", version=version_text())
    subparsers = parser.add_subparsers(
        dest="command", metavar="COMMAND", parser_class=OneLineParser
    )
    subparsers.required = True
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"cli.{name}":
                continue  # a subcommand not built yet
            raise
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``iran-sim``; returns the exit status (also used by the console script)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    in_main_thread = threading.current_thread() is threading.main_thread()
    stops = (signal.SIGTERM, signal.SIGHUP) if in_main_thread else ()
    previous = {s: signal.signal(s, _stop) for s in stops}
    try:
        return int(args.func(args) or 0)
    except (UsageError, ParameterError, ScenarioError, KernelChoiceError) as exc:
        print(f"iran-sim {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # the reader (e.g. ``| head``) has had enough: not an error
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as exc:
        print(f"iran-sim {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except Interrupted as exc:
        print(f"iran-sim {args.command}: interrupted; {exc.kept}", file=sys.stderr)
        return 130
    except KeyboardInterrupt:
        print(f"iran-sim {args.command}: interrupted; no partial output was kept", file=sys.stderr)
        return 130
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def _stop(signum: int, frame: object) -> None:
    """SIGTERM (``kill``, a scheduler's time limit) and SIGHUP (a closed terminal) stop a
    command the way Ctrl-C does: finished work is kept and the command says so."""
    raise KeyboardInterrupt


if __name__ == "__main__":
    sys.exit(main())
