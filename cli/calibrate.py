"""``iran-sim calibrate``: fit the uncertain parameters to the patterns of the 2003-2009
record by ABC-SMC (ELFI), every simulation run by the sweep runner (docs/validation.md)."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from batch_runs.calibration import (
    CalibrationProgress,
    CalibrationSpec,
    calibrate,
    default_parameters,
)
from cli.common import (
    add_execution_flags,
    add_scenario_flags,
    check_execution_flags,
    non_negative_int,
    parse_overrides,
    positive_int,
    resumable,
)
from cli.errors import UsageError
from cli.patterns import parse_ids

DEFAULT_OUT = "calibration"
PLAIN_INTERVAL_S = 10.0
_DEFAULTS = CalibrationSpec.__dataclass_fields__


def _default(name: str):
    return _DEFAULTS[name].default


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``calibrate`` subcommand."""
    parser = subparsers.add_parser(
        "calibrate",
        help="fit the uncertain parameters to the 2003-2009 record (ABC-SMC)",
        description="Fit parameters to the patterns of the 2003-2009 record by approximate "
        "Bayesian computation (ABC-SMC with ELFI): particles drawn from uniform priors over "
        "the schema's ranges, each run for several seeds through the sweep runner, kept "
        "when they come closest to the record. Writes DIR/posterior.csv, rounds.csv, "
        "summary.csv, posterior.html, calibrated.toml (the calibrated parameters on "
        "--apply-to) and calibrated_<scenario>.toml. See docs/validation.md.",
    )
    add_scenario_flags(parser)
    parser.set_defaults(scenario=_default("scenario"))
    parser.add_argument(
        "--params",
        default=None,
        metavar="NAME,NAME,...",
        help=f"parameters to fit, without screening (default: screen the "
        f"{len(default_parameters())} uncertain ones except the critics' K1-K3 and fit the "
        "most influential); --set fixes others for every run",
    )
    parser.add_argument(
        "--screening",
        type=positive_int,
        default=_default("screening"),
        help=f"Latin-hypercube points of the screening (default {_default('screening')})",
    )
    parser.add_argument(
        "--max-fitted",
        type=positive_int,
        default=_default("max_fitted"),
        help="most parameters the screening adds to those the patterns test (default "
        f"{_default('max_fitted')})",
    )
    parser.add_argument(
        "--patterns", default=None, metavar="P01,P02,...", help="patterns to fit (default all)"
    )
    parser.add_argument(
        "--particles",
        type=positive_int,
        default=_default("particles"),
        help=f"posterior sample size (default {_default('particles')})",
    )
    parser.add_argument(
        "--rounds",
        type=non_negative_int,
        default=_default("rounds"),
        help=f"ABC-SMC rounds after the first (default {_default('rounds')})",
    )
    parser.add_argument(
        "--quantile",
        type=float,
        default=_default("quantile"),
        help=f"share of particles each round's tolerance keeps (default {_default('quantile')})",
    )
    parser.add_argument(
        "--seeds",
        type=positive_int,
        default=_default("seeds"),
        help=f"runs per particle (default {_default('seeds')})",
    )
    parser.add_argument(
        "--batch-size",
        type=positive_int,
        default=_default("batch_size"),
        help=f"particles per sweep (default {_default('batch_size')})",
    )
    parser.add_argument(
        "--seed", type=non_negative_int, default=_default("seed"), help="master seed"
    )
    parser.add_argument(
        "--apply-to",
        default=_default("apply_to"),
        metavar="NAME|PATH",
        help=f"scenario calibrated.toml extends (default {_default('apply_to')})",
    )
    add_execution_flags(parser)
    parser.add_argument(
        "--out", default=DEFAULT_OUT, metavar="DIR", help=f"output folder (default {DEFAULT_OUT})"
    )
    parser.add_argument(
        "--resume",
        action="store_true",
        help="continue a stopped calibration in DIR (same settings), reusing its batches",
    )
    parser.set_defaults(func=run)


def parse_names(text: str | None) -> tuple[str, ...] | None:
    """``a,b,c`` to a tuple of names (checked by CalibrationSpec), None for the default."""
    if text is None:
        return None
    names = tuple(part.strip() for part in text.split(","))
    if not all(names):
        raise UsageError(f"--params {text!r}: empty name; expected NAME,NAME,...")
    return names


class _Reporter:
    """A tqdm counter of particles (with the round) on a terminal; else plain lines."""

    def __init__(self, spec: CalibrationSpec) -> None:
        self.spec = spec
        self.last: CalibrationProgress | None = None
        self._bar = None
        self._next = time.monotonic() + PLAIN_INTERVAL_S
        if sys.stderr.isatty():
            from tqdm import tqdm

            self._bar = tqdm(desc="calibrate", unit="particle", leave=False)

    def __call__(self, p: CalibrationProgress) -> None:
        if p.stage == "screening":
            text = f"screening, {p.runs}/{p.screening_runs} runs"
        else:
            text = f"round {p.round}/{p.rounds}, {p.particles_simulated} particles"
        if self._bar is not None:
            if self.last is None or self.last.stage != p.stage:
                self._bar.reset(total=p.screening_runs if p.stage == "screening" else None)
                self._bar.unit = "run" if p.stage == "screening" else "particle"
                self.last = None
            done = 0 if self.last is None else self._count(self.last)
            self._bar.set_description(f"calibrate: {text}")
            self._bar.update(self._count(p) - done)
        elif time.monotonic() >= self._next:
            self._next = time.monotonic() + PLAIN_INTERVAL_S
            print(
                f"calibrate: {text} ({p.runs} runs) in {p.elapsed_s:.0f} s",
                file=sys.stderr,
                flush=True,
            )
        self.last = p

    @staticmethod
    def _count(p: CalibrationProgress) -> int:
        return p.runs if p.stage == "screening" else p.particles_simulated

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


def run(args: argparse.Namespace) -> int:
    """Validate everything, calibrate, print what the record pins down."""
    check_execution_flags(args)
    spec = CalibrationSpec(
        scenario=args.scenario,
        parameters=parse_names(args.params),
        fixed=parse_overrides(args.overrides),
        patterns=parse_ids(args.patterns),
        screening=args.screening,
        max_fitted=args.max_fitted,
        particles=args.particles,
        rounds=args.rounds,
        quantile=args.quantile,
        seeds=args.seeds,
        batch_size=args.batch_size,
        seed=args.seed,
        apply_to=args.apply_to,
    )
    reporter = _Reporter(spec)
    out = Path(args.out)
    with resumable(out, reporter):
        result = calibrate(
            spec,
            out,
            workers=args.workers or os.cpu_count() or 1,
            backend=args.backend,
            scheduler=args.scheduler,
            resume=args.resume,
            progress=reporter,
            command=["iran-sim", "calibrate", *sys.argv[2:]],
        )
    reporter.close()
    rounds = result.rounds
    pinned = result.summary[result.summary["pinned"]]["parameter"].tolist()
    print(
        f"calibrate: {len(rounds)} rounds, {int(rounds['simulations'].sum())} particles "
        f"({int(rounds['simulations'].sum()) * spec.seeds} runs) in {result.elapsed_s:.0f} s; "
        f"final tolerance {rounds['threshold'].iloc[-1]:.3f}, mean distance "
        f"{rounds['mean_distance'].iloc[-1]:.3f}, effective sample size "
        f"{rounds['ess'].iloc[-1]:.1f}"
        + (
            ""
            if result.summary["weighted"].iloc[0]
            else " (weights degenerate: unweighted summaries)"
        ),
        file=sys.stderr,
    )
    print(
        f"calibrate: the record pins down {len(pinned)} of {len(result.estimate)} fitted "
        "parameters"
        + (f" ({', '.join(pinned[:8])}{', ...' if len(pinned) > 8 else ''})" if pinned else "")
        + f"; wrote posterior.csv, rounds.csv, summary.csv, posterior.html, calibrated.toml "
        f"to {out}",
        file=sys.stderr,
    )
    return 0
