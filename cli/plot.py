"""``iran-sim plot``: a self-contained HTML report of a finished sweep."""

from __future__ import annotations

import argparse
import html
import sys
from pathlib import Path

import pandas as pd

from batch_runs.execution import iter_steps, read_manifest, read_runs
from batch_runs.reporting.figures import (
    KEY_OUTCOMES,
    TrajectoryAccumulator,
    _level_order,
    finals_figure,
    group_labels,
    trajectory_figure,
    write_html,
)
from cli.errors import UsageError
from model.export import check_writable
from model.parameters import SCHEMA


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``plot`` subcommand."""
    parser = subparsers.add_parser(
        "plot",
        help="HTML report of a finished sweep (trajectories and final outcomes)",
        description="Write a self-contained HTML report of the sweep in DIR: outcome "
        "trajectories by each varied parameter (mean and 95% band) and final outcomes "
        "against each varied parameter.",
    )
    parser.add_argument("dir", metavar="DIR", help="folder of a sweep (iran-sim sweep --out)")
    parser.add_argument(
        "--out", default=None, metavar="FILE.html", help="report file (default DIR/report.html)"
    )
    parser.set_defaults(func=run)


def varied_parameters(manifest: dict, runs: pd.DataFrame) -> list[str]:
    """The parameters the sweep varied (from the spec, else those that differ in runs)."""
    names = list(manifest.get("spec", {}).get("vary") or {})
    if not names:
        names = [n for n in SCHEMA if n in runs and runs[n].nunique() > 1]
    return names


def build_report(sweep_dir: str | Path, out: str | Path) -> Path:
    """Read the sweep in bounded memory and write the report to ``out`` (atomically)."""
    sweep_dir = Path(sweep_dir)
    manifest = read_manifest(sweep_dir)
    header = manifest["columns"]["steps"]
    outcomes = [c for c in KEY_OUTCOMES if c in header]
    runs = read_runs(sweep_dir)
    ok = runs[runs["status"] == "ok"]
    if ok.empty:
        raise UsageError(f"{sweep_dir}: no successful runs to plot")
    params = varied_parameters(manifest, runs)
    labels = {p: group_labels(ok[p]) for p in params} or {
        "all runs": pd.Series("all", index=ok.index)
    }
    accumulators = {p: TrajectoryAccumulator(outcomes) for p in labels}
    maps = {p: dict(zip(ok["run_id"], labels[p], strict=True)) for p in labels}
    for chunk in iter_steps(sweep_dir, columns=["run_id", "step", *outcomes]):
        for p, acc in accumulators.items():
            acc.add(chunk, maps[p])
    figures = []
    for p in labels:
        values = ok[p] if p in ok else labels[p]
        order = _level_order(labels[p], values)
        figures.append(trajectory_figure(accumulators[p].summary(), p, order, outcomes))
        if p in ok:
            figures.append(finals_figure(ok, p, outcomes))
    counts = manifest.get("counts", {})
    spec = manifest.get("spec", {})
    intro = (
        f"<p>{html.escape(str(spec.get('title') or sweep_dir))}: "
        f"{counts.get('ok', '?')} ok, {counts.get('failed', '?')} failed of "
        f"{counts.get('total', '?')} runs; {spec.get('n_points')} design points "
        f"({html.escape(str(spec.get('sample')))}) x {spec.get('replicates')} replicates, "
        f"{spec.get('steps')} months, master seed {manifest.get('master_seed')}. "
        f"Varied: {html.escape(', '.join(params) or 'nothing')}.</p>"
    )
    return write_html(out, f"Sweep report: {sweep_dir.name}", figures, intro)


def run(args: argparse.Namespace) -> int:
    """Check the paths, build the report, say where it is."""
    sweep_dir = Path(args.dir)
    if not sweep_dir.is_dir():
        raise UsageError(f"{sweep_dir}: not a folder")
    out = Path(args.out) if args.out else sweep_dir / "report.html"
    check_writable(out)
    path = build_report(sweep_dir, out)
    print(f"plot: wrote {path}", file=sys.stderr)
    return 0
