"""``iran-sim sweep``: many runs over a design of parameters, in parallel, resumable.

Builds a :class:`batch_runs.design.spec.SweepSpec` from an optional TOML spec file and the
flags (flags override the file; ``--vary`` entries replace the file's entry for the
same parameter), then hands it to :func:`batch_runs.execution.run_sweep`. Output files
and their columns: docs/sweeps.md.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

from batch_runs.design.spec import FORMATS, SAMPLES, SweepSpec, load_spec, parse_vary
from batch_runs.execution import BACKENDS, MANIFEST_FILE, SweepProgress, run_sweep
from cli.common import non_negative_int, positive_int
from cli.errors import UsageError

DEFAULT_OUT = "sweep-results"
PLAIN_INTERVAL_S = 10.0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``sweep`` subcommand."""
    parser = subparsers.add_parser(
        "sweep",
        help="run a parameter sweep in parallel (resumable), written to CSV or Parquet",
        description="Run every point of a design (grid, Latin hypercube or Sobol') for "
        "several replicates, in parallel, streaming one row per run to DIR/runs.csv and "
        "one row per run and month to DIR/steps.csv, with DIR/manifest.json to reproduce "
        "it. Flags override the spec file. See docs/sweeps.md.",
    )
    parser.add_argument(
        "spec", nargs="?", default=None, metavar="SPEC.toml", help="sweep spec file (optional)"
    )
    parser.add_argument(
        "--scenario", default=None, metavar="NAME|PATH", help="scenario (default baseline_2011)"
    )
    parser.add_argument(
        "--vary",
        action="append",
        default=[],
        metavar="KEY=V1,V2,...|KEY=LO:HI:N",
        help="vary a parameter over values, a grid range LO:HI:N, an interval LO:HI "
        "(lhs, sobol) or * (every choice; the schema's range for lhs, sobol); repeatable",
    )
    parser.add_argument("--sample", choices=SAMPLES, default=None, help="design (default grid)")
    parser.add_argument(
        "--samples", type=positive_int, default=None, help="design points of lhs or sobol"
    )
    parser.add_argument(
        "--replicates", type=positive_int, default=None, help="runs per design point (default 1)"
    )
    parser.add_argument(
        "--steps", type=non_negative_int, default=None, help="months per run (default 120)"
    )
    parser.add_argument(
        "--seed", type=non_negative_int, default=None, help="master seed (default: spec's, or 0)"
    )
    parser.add_argument(
        "--workers",
        type=positive_int,
        default=None,
        help=f"worker processes (default: CPU count, here {os.cpu_count()})",
    )
    parser.add_argument(
        "--backend", choices=BACKENDS, default="process", help="process (default) or dask"
    )
    parser.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="Dask scheduler, e.g. tcp://10.0.0.5:8786 (default: a local Dask cluster)",
    )
    parser.add_argument(
        "--every", type=positive_int, default=None, help="keep every K-th month in steps.csv"
    )
    parser.add_argument("--format", choices=FORMATS, default=None, help="csv (default) or parquet")
    parser.add_argument(
        "--out", default=DEFAULT_OUT, metavar="DIR", help=f"output folder (default {DEFAULT_OUT})"
    )
    parser.add_argument(
        "--resume",
        action="store_true",
        help="complete the missing runs of the sweep in DIR (same spec and code only)",
    )
    parser.set_defaults(func=run)


def build_spec(args: argparse.Namespace) -> SweepSpec:
    """The spec file (if any) with the flags applied; validated (SpecError if bad)."""
    spec = load_spec(args.spec) if args.spec else SweepSpec()
    changes: dict[str, Any] = {}
    for flag in ("scenario", "sample", "samples", "replicates", "steps", "seed", "every"):
        value = getattr(args, flag)
        if value is not None:
            changes[flag] = value
    if args.format is not None:
        changes["format"] = args.format
    if changes.get("sample") == "grid" and args.samples is None:
        changes["samples"] = None
    vary = dict(parse_vary(text) for text in args.vary)
    return spec.with_changes(vary=vary, **changes)


def command_line(args: argparse.Namespace) -> list[str]:
    """The command in canonical form (recorded in the manifest)."""
    words = ["iran-sim", "sweep"] + ([args.spec] if args.spec else [])
    for flag in ("scenario", "sample", "samples", "replicates", "steps", "seed", "workers"):
        if getattr(args, flag) is not None:
            words += [f"--{flag}", str(getattr(args, flag))]
    for text in args.vary:
        words += ["--vary", text]
    words += ["--backend", args.backend]
    if args.scheduler:
        words += ["--scheduler", args.scheduler]
    for flag in ("every", "format"):
        if getattr(args, flag) is not None:
            words += [f"--{flag}", str(getattr(args, flag))]
    words += ["--out", args.out] + (["--resume"] if args.resume else [])
    return words


class SweepReporter:
    """A tqdm bar (runs done, failures, time left) on a terminal; else plain lines."""

    def __init__(self, total: int, label: str = "sweep") -> None:
        self.total = total
        self.label = label
        self.last: SweepProgress | None = None
        self._bar = None
        self._next_line = time.monotonic() + PLAIN_INTERVAL_S
        if sys.stderr.isatty():
            from tqdm import tqdm

            self._bar = tqdm(total=total, desc=label, unit="run", leave=False)

    def __call__(self, p: SweepProgress) -> None:
        if self._bar is not None:
            if self.last is None:
                self._bar.update(p.done - p.ran)
            self._bar.update(1)
            self._bar.set_postfix(failed=p.failed, refresh=False)
        elif time.monotonic() >= self._next_line:
            self._next_line = time.monotonic() + PLAIN_INTERVAL_S
            rate = p.ran / p.elapsed_s if p.elapsed_s > 0 else 0.0
            print(
                f"{self.label}: {p.done}/{p.total} runs done, {p.failed} failed, "
                f"{rate:.1f} runs/s, about {p.remaining_s:.0f} s left",
                file=sys.stderr,
                flush=True,
            )
        self.last = p

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


def run(args: argparse.Namespace) -> int:
    """Validate, run the sweep, print a one-line summary; exit 1 if a run failed."""
    if args.scheduler and args.backend != "dask":
        raise UsageError("--scheduler needs --backend dask")
    spec = build_spec(args)
    workers = args.workers or os.cpu_count() or 1
    if args.resume and not (Path(args.out) / MANIFEST_FILE).exists():
        print(f"sweep: nothing to resume in {args.out}; starting a new sweep", file=sys.stderr)
    reporter = SweepReporter(spec.n_runs)
    try:
        summary = run_sweep(
            spec,
            args.out,
            workers=workers,
            backend=args.backend,
            scheduler=args.scheduler,
            resume=args.resume,
            progress=reporter,
            command=command_line(args),
        )
    except KeyboardInterrupt:
        reporter.close()
        done = reporter.last.done if reporter.last else 0
        print(
            f"iran-sim sweep: interrupted after {done} of {spec.n_runs} runs; they are kept "
            f"in {args.out}; add --resume to the same command to complete the sweep",
            file=sys.stderr,
        )
        return 130
    reporter.close()
    print(f"sweep: {summary.line()}; results in {args.out}", file=sys.stderr)
    return 0 if summary.failed == 0 and summary.missing == 0 else 1
