"""``iran-sim claims``: the claims audit of ODD §10 (C1–C9, then with K1–K3 on).

Prints the Markdown table and writes ``claims.md``, ``claims.csv`` (one row per setting
and experiment), ``pairs.csv`` (one row per paired replicate) and ``manifest.json`` to
``--out``. See ``batch_runs/claims.py`` for the experiments.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from pathlib import Path
from typing import Any

from batch_runs.claims import (
    CRITICS,
    EXPERIMENTS,
    full_audit,
    get_experiments,
    read_table,
    side_by_side,
    side_by_side_markdown,
    write_outputs,
)
from batch_runs.execution.manifest import provenance
from cli.common import (
    add_execution_flags,
    add_scenario_flags,
    at_least_two,
    check_execution_flags,
    non_negative_int,
    parse_overrides,
    positive_int,
    resumable,
)
from cli.errors import UsageError
from model import DEFAULT_MONTHS
from model.export import write_csv_atomic, write_text_atomic
from model.model import resolve_scenario

DEFAULT_OUT = "results/claims"
DEFAULT_REPLICATES = 40


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``claims`` subcommand."""
    ids = ", ".join(e.id for e in EXPERIMENTS)
    parser = subparsers.add_parser(
        "claims",
        help="audit the op-ed's claims C1-C9 as paired effects (and with K1-K3 on)",
        description="For each claim of the op-ed, a paired experiment on common random "
        "numbers that isolates the claim's cause; reports the effect, its 95% interval "
        "and a verdict, then repeats the audit with each critics' mechanism switched on. "
        f"Experiments: {ids}.",
    )
    add_scenario_flags(parser)
    parser.add_argument(
        "--replicates",
        type=at_least_two,
        default=DEFAULT_REPLICATES,
        help=f"paired replicates per experiment (default {DEFAULT_REPLICATES})",
    )
    parser.add_argument(
        "--steps",
        type=positive_int,
        default=DEFAULT_MONTHS,
        help=f"longest horizon in months (default {DEFAULT_MONTHS}); shorter caps each "
        "experiment's horizon",
    )
    parser.add_argument(
        "--seed",
        type=non_negative_int,
        default=0,
        help="master seed of the paired seeds (default 0)",
    )
    add_execution_flags(parser)
    parser.add_argument(
        "--resume",
        action="store_true",
        help="complete an interrupted audit in --out (same flags); finished runs are kept",
    )
    parser.add_argument(
        "--out",
        default=DEFAULT_OUT,
        metavar="DIR",
        help=f"output folder (default {DEFAULT_OUT}); created if missing",
    )
    parser.add_argument(
        "--claims",
        default=None,
        metavar="IDS",
        help="comma-separated claims or experiment ids to audit (e.g. C1,C7b; default all)",
    )
    parser.add_argument(
        "--no-critics",
        dest="critics",
        action="store_false",
        help="skip the K1-K3 checks and the audit with each critics' mechanism on",
    )
    parser.add_argument(
        "--compare",
        nargs="+",
        default=None,
        metavar="LABEL=DIR",
        help="run nothing: put finished audits side by side (e.g. default=results/claims "
        "calibrated=results/claims_calibrated), in comparison.md and comparison.csv of --out",
    )
    parser.set_defaults(func=run)


def compare(args: argparse.Namespace) -> int:
    """Put finished audits side by side; nothing is run."""
    tables = {}
    for item in args.compare:
        label, sep, folder = item.partition("=")
        if not sep or not label.strip() or not folder.strip():
            raise UsageError(f"--compare {item!r}: expected LABEL=DIR")
        path = Path(folder) / "claims.csv"
        if not path.is_file():
            raise UsageError(f"--compare {item!r}: {path} not found (run iran-sim claims first)")
        if label in tables:
            raise UsageError(f"--compare: label {label!r} is given twice")
        tables[label.strip()] = read_table(path)
    if len(tables) < 2:
        raise UsageError("--compare needs at least two audits, LABEL=DIR LABEL=DIR")
    out = check_out_dir(args.out)
    out.mkdir(parents=True, exist_ok=True)
    table = side_by_side(tables)
    text = side_by_side_markdown(table, list(tables))
    write_csv_atomic(table, out / "comparison.csv")
    write_text_atomic(out / "comparison.md", text)
    print(text, end="")
    changed = int(table["verdict_changed"].sum())
    print(
        f"claims: {changed} of {len(table)} verdicts differ; wrote comparison.md and "
        f"comparison.csv to {out}",
        file=sys.stderr,
    )
    return 0


def check_out_dir(path: str) -> Path:
    """The output folder, or a UsageError if it cannot be one."""
    out = Path(path)
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {path}: exists and is not a folder")
    parent = next((p for p in [out, *out.parents] if p.exists()), Path("."))
    if not os.access(parent, os.W_OK):
        raise UsageError(f"--out {path}: folder {parent} is not writable")
    return out


class _Progress:
    """A tqdm bar on a terminal, created when the number of runs is known."""

    def __init__(self) -> None:
        self.bar: Any = None

    def __call__(self, done: int, total: int) -> None:
        if not sys.stderr.isatty():
            return
        if self.bar is None:
            from tqdm import tqdm

            self.bar = tqdm(total=total, desc="claims audit", unit="run", leave=False)
        self.bar.update(done - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def command_line(args: argparse.Namespace) -> str:
    """The command that reproduces this audit (every flag that changes results)."""
    words = ["iran-sim", "claims"]
    if args.scenario:
        words += ["--scenario", args.scenario]
    for assignment in args.overrides:
        words += ["--set", assignment]
    words += ["--replicates", str(args.replicates), "--steps", str(args.steps)]
    words += ["--seed", str(args.seed)]
    if args.claims:
        words += ["--claims", args.claims]
    if not args.critics:
        words.append("--no-critics")
    words += ["--out", args.out]
    return shlex.join(words)


def run(args: argparse.Namespace) -> int:
    """Validate everything, run the audit, print the table, write the files."""
    if args.compare:
        return compare(args)
    overrides = parse_overrides(args.overrides)
    resolve_scenario(args.scenario).with_overrides(**overrides)  # fail fast
    claims = None
    if args.claims is not None:
        claims = [c.strip() for c in args.claims.split(",") if c.strip()]
        if not claims:
            raise UsageError("--claims: empty; expected ids such as C1,C7b")
    try:
        get_experiments(claims)
    except ValueError as exc:
        raise UsageError(f"--claims: {exc}") from None
    check_execution_flags(args)
    out = check_out_dir(args.out)
    if args.resume and not (out / "runs").is_dir():
        raise UsageError(f"--resume: {out} holds no audit runs to complete")
    progress = _Progress()
    with resumable(out / "runs", progress):
        table, pairs = full_audit(
            claims=claims,
            critics=args.critics,
            scenario=args.scenario,
            overrides=overrides,
            replicates=args.replicates,
            steps=args.steps,
            seed=args.seed,
            workers=args.workers or os.cpu_count() or 1,
            backend=args.backend,
            scheduler=args.scheduler,
            resume=args.resume,
            out_dir=out,
            progress=progress,
        )
    progress.close()
    command = command_line(args)
    header = {
        "command": f"`{command}`",
        "scenario": args.scenario or "baseline_2011",
        "overrides": ", ".join(f"{k}={v}" for k, v in overrides.items()) or "none",
        "replicates (pairs per experiment)": args.replicates,
        "master seed": args.seed,
        "longest horizon (months)": args.steps,
    }
    manifest = {
        "command": command,
        "scenario": args.scenario or "baseline_2011",
        "overrides": overrides,
        "replicates": args.replicates,
        "steps": args.steps,
        "seed": args.seed,
        "claims": claims or "all",
        "critics": {c.id: {c.parameter: c.on} for c in CRITICS} if args.critics else None,
        "seeds": "replicate j of both arms of every experiment: "
        "batch_runs.design.seeds.run_seed(seed, j)",
        "runs": "runs/months_<N>/: one resumable sweep per run length, with its own manifest",
        **provenance(),
        "header": header,
    }
    paths = write_outputs(table, pairs, out, manifest)
    print(paths["markdown"].read_text(encoding="utf-8"))
    print(
        f"wrote {paths['markdown']}, {paths['csv']}, {paths['pairs']}, {paths['manifest']}",
        file=sys.stderr,
    )
    return 0
