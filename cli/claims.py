"""``iran-sim claims``: the claims audit of ODD §10 (C1–C9, then with K1–K3 on).

Prints the Markdown table and writes ``claims.md``, ``claims.csv`` (one row per setting
and experiment), ``pairs.csv`` (one row per paired replicate) and ``manifest.json`` to
``--out``. See ``batch_runs/claims.py`` for the experiments.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path
from typing import Any

from batch_runs.claims import (
    CRITICS,
    EXPERIMENTS,
    full_audit,
    get_experiments,
    load_claims,
    read_table,
    side_by_side,
    side_by_side_markdown,
    write_outputs,
)
from batch_runs.execution.manifest import provenance
from cli import common
from cli.errors import UsageError
from model import DEFAULT_MONTHS
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
    common.add_scenario_flags(parser)
    common.add_pairs_flag(parser, DEFAULT_REPLICATES, "experiment", what="replicates")
    common.add_steps_flag(
        parser,
        f"longest horizon in months (default {DEFAULT_MONTHS}); shorter caps each "
        "experiment's horizon",
    )
    common.add_seed_flag(parser, 0, "master seed of the paired seeds (default 0)")
    common.add_execution_flags(parser)
    common.add_resume_flag(
        parser, "complete an interrupted audit in --out (same flags); finished runs are kept"
    )
    common.add_out_flag(
        parser, DEFAULT_OUT, f"output folder (default {DEFAULT_OUT}); created if missing"
    )
    _add_selection_flags(parser)
    parser.set_defaults(func=run)


def _add_selection_flags(parser: argparse.ArgumentParser) -> None:
    """Which audit: some claims only, without the critics, or none (``--compare``)."""
    parser.add_argument(
        "--claims",
        default=None,
        metavar="IDS",
        help="comma-separated claims or experiment ids to audit (e.g. C1,C7b; default all)",
    )
    parser.add_argument(
        "--claims-file",
        default=None,
        metavar="FILE",
        help="the experiments to audit, in the form of batch_runs/design/claims.toml "
        "(default: that file)",
    )
    parser.add_argument(
        "--no-critics",
        dest="critics",
        action="store_false",
        help="skip the K1-K3 checks and the audit with each critics' mechanism on",
    )
    common.add_compare_flag(
        parser,
        "LABEL=DIR",
        "finished audits",
        " (e.g. default=results/claims calibrated=results/claims_calibrated)",
    )


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
    out = common.make_out_dir(args.out)
    table = side_by_side(tables)
    common.write_report(out, "comparison", table, side_by_side_markdown(table, list(tables)))
    changed = int(table["verdict_changed"].sum())
    print(
        f"claims: {changed} of {len(table)} verdicts differ; wrote comparison.md and "
        f"comparison.csv to {out}",
        file=sys.stderr,
    )
    return 0


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
    if args.claims_file:
        words += ["--claims-file", args.claims_file]
    if not args.critics:
        words.append("--no-critics")
    words += ["--out", args.out]
    return shlex.join(words)


def selected_claims(args: argparse.Namespace) -> list[str] | None:
    """The ``--claims`` ids (None: all), checked against the experiments (UsageError)."""
    ids = common.parse_list(args.claims, "--claims", skip_empty=True)
    if ids == ():
        raise UsageError("--claims: empty; expected ids such as C1,C7b")
    claims = None if ids is None else list(ids)
    experiments = EXPERIMENTS if args.claims_file is None else load_claims(args.claims_file)[0]
    try:
        get_experiments(claims, experiments)
    except ValueError as exc:
        raise UsageError(f"--claims: {exc}") from None
    return claims


def manifest(
    args: argparse.Namespace, overrides: dict[str, Any], claims: list[str] | None
) -> dict[str, Any]:
    """What ``manifest.json`` records, with the header of ``claims.md``."""
    command = command_line(args)
    scenario = args.scenario or "baseline_2011"
    header = {
        "command": f"`{command}`",
        "scenario": scenario,
        "overrides": ", ".join(f"{k}={v}" for k, v in overrides.items()) or "none",
        "replicates (pairs per experiment)": args.replicates,
        "master seed": args.seed,
        "longest horizon (months)": args.steps,
    }
    return {
        "command": command,
        "scenario": scenario,
        "overrides": overrides,
        **common.paired_design(args),
        "claims": claims or "all",
        "claims_file": args.claims_file or "batch_runs/design/claims.toml",
        "critics": {c.id: {c.parameter: c.on} for c in CRITICS} if args.critics else None,
        "seeds": "replicate j of both arms of every experiment: "
        "batch_runs.design.seeds.run_seed(seed, j)",
        "runs": "runs/months_<N>/: one resumable sweep per run length, with its own manifest",
        **provenance(),
        "header": header,
    }


def run(args: argparse.Namespace) -> int:
    """Validate everything, run the audit, print the table, write the files."""
    if args.compare:
        return compare(args)
    overrides = common.parse_overrides(args.overrides)
    resolve_scenario(args.scenario).with_overrides(**overrides)  # fail fast
    claims = selected_claims(args)
    common.check_execution_flags(args)
    out = common.check_out_dir(args.out)
    common.check_resume(args, out / "runs", "audit runs")
    with common.RunsBar("claims audit") as progress, common.resumable(out / "runs"):
        table, pairs = full_audit(
            claims=claims,
            claims_file=args.claims_file,
            critics=args.critics,
            scenario=args.scenario,
            overrides=overrides,
            **common.paired_design(args),
            **common.execution_options(args),
            out_dir=out,
            progress=progress.update,
        )
    paths = write_outputs(table, pairs, out, manifest(args, overrides, claims))
    print(paths["markdown"].read_text(encoding="utf-8"))
    print(
        f"wrote {paths['markdown']}, {paths['csv']}, {paths['pairs']}, {paths['manifest']}",
        file=sys.stderr,
    )
    return 0
