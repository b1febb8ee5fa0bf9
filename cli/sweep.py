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
from pathlib import Path
from typing import Any

from batch_runs.design.dimensions import parse_vary
from batch_runs.design.spec import FORMATS, SAMPLES, SweepSpec, load_spec
from batch_runs.execution import MANIFEST_FILE, SweepProgress, run_sweep
from cli import common

DEFAULT_OUT = "sweep-results"


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
    _add_design_flags(parser)
    common.add_execution_flags(
        parser,
        workers_help=f"worker processes (default: CPU count, here {os.cpu_count()})",
        backend_help="process (default) or dask",
    )
    parser.add_argument(
        "--every", type=common.positive_int, default=None, help="keep every K-th month in steps.csv"
    )
    parser.add_argument("--format", choices=FORMATS, default=None, help="csv (default) or parquet")
    common.add_out_flag(parser, DEFAULT_OUT)
    common.add_resume_flag(
        parser, "complete the missing runs of the sweep in DIR (same spec and code only)"
    )
    parser.set_defaults(func=run)


def _add_design_flags(parser: argparse.ArgumentParser) -> None:
    """What is run: the scenario, the varied parameters, the design and its size.

    Every default is None, so that a flag left out keeps the spec file's value."""
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
        "--samples", type=common.positive_int, default=None, help="design points of lhs or sobol"
    )
    parser.add_argument(
        "--replicates",
        type=common.positive_int,
        default=None,
        help="runs per design point (default 1)",
    )
    parser.add_argument(
        "--steps", type=common.non_negative_int, default=None, help="months per run (default 120)"
    )
    common.add_seed_flag(parser, None, "master seed (default: spec's, or 0)")


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


class SweepReporter(common.LineReporter):
    """Runs done, failures and time left: a tqdm bar on a terminal, else plain lines."""

    def __init__(self, total: int, label: str = "sweep") -> None:
        super().__init__(total=total, desc=label, unit="run")
        self.total = total
        self.label = label
        self.last: SweepProgress | None = None

    def __call__(self, p: SweepProgress) -> None:
        if self.bar is not None:
            if self.last is None:  # on --resume, count the runs done before at once
                self.bar.update(p.done - p.ran)
            self.bar.update(1)
            self.bar.set_postfix(failed=p.failed, refresh=False)
        else:
            rate = p.ran / p.elapsed_s if p.elapsed_s > 0 else 0.0
            self.line(
                f"{self.label}: {p.done}/{p.total} runs done, {p.failed} failed, "
                f"{rate:.1f} runs/s, about {p.remaining_s:.0f} s left"
            )
        self.last = p

    def counts(self) -> tuple[int, int]:
        """Runs done so far, of all the runs."""
        return (self.last.done if self.last else 0), self.total


def run(args: argparse.Namespace) -> int:
    """Validate, run the sweep, print a one-line summary; exit 1 if a run failed."""
    common.check_execution_flags(args)
    spec = build_spec(args)
    sweep_files = (MANIFEST_FILE, "runs.csv", "steps.csv", "runs.parquet")
    if args.resume and not any((Path(args.out) / name).exists() for name in sweep_files):
        print(f"sweep: nothing to resume in {args.out}; starting a new sweep", file=sys.stderr)
    reporter = SweepReporter(spec.n_runs)
    with common.resumable(args.out, reporter, counts=reporter.counts):
        summary = run_sweep(
            spec,
            args.out,
            **common.execution_options(args),
            progress=reporter,
            command=command_line(args),
        )
    reporter.close()
    print(f"sweep: {summary.line()}; results in {args.out}", file=sys.stderr)
    return 0 if summary.failed == 0 and summary.missing == 0 else 1
