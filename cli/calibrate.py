"""``iran-sim calibrate``: fit the uncertain parameters to the patterns of the 2003-2009
record by ABC-SMC (ELFI), every simulation run by the sweep runner (docs/validation.md)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from batch_runs.calibration import (
    CalibrationProgress,
    CalibrationSpec,
    calibrate,
    default_parameters,
)
from cli import common
from cli.patterns import parse_ids

DEFAULT_OUT = "calibration"
_DEFAULTS = CalibrationSpec.__dataclass_fields__

# The settings of the ABC-SMC, as (flag, argparse type, help before "(default ...)");
# each default is CalibrationSpec's, so that the flags and the Python API agree.
_ABC_SETTINGS = (
    ("--particles", common.positive_int, "posterior sample size"),
    ("--rounds", common.non_negative_int, "ABC-SMC rounds after the first"),
    ("--quantile", float, "share of particles each round's tolerance keeps"),
    ("--seeds", common.positive_int, "runs per particle"),
    ("--batch-size", common.positive_int, "particles per sweep"),
)


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
    common.add_scenario_flags(parser)
    parser.set_defaults(scenario=_default("scenario"))
    _add_target_flags(parser)
    _add_abc_flags(parser)
    common.add_seed_flag(parser, _default("seed"), "master seed")
    parser.add_argument(
        "--apply-to",
        default=_default("apply_to"),
        metavar="NAME|PATH",
        help=f"scenario calibrated.toml extends (default {_default('apply_to')})",
    )
    common.add_execution_flags(parser)
    common.add_out_flag(parser, DEFAULT_OUT)
    common.add_resume_flag(
        parser, "continue a stopped calibration in DIR (same settings), reusing its batches"
    )
    parser.set_defaults(func=run)


def _add_target_flags(parser: argparse.ArgumentParser) -> None:
    """What is fitted to what: the parameters (or their screening) and the patterns."""
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
        type=common.positive_int,
        default=_default("screening"),
        help=f"Latin-hypercube points of the screening (default {_default('screening')})",
    )
    parser.add_argument(
        "--max-fitted",
        type=common.positive_int,
        default=_default("max_fitted"),
        help="most parameters the screening adds to those the patterns test (default "
        f"{_default('max_fitted')})",
    )
    parser.add_argument(
        "--patterns", default=None, metavar="P01,P02,...", help="patterns to fit (default all)"
    )


def _add_abc_flags(parser: argparse.ArgumentParser) -> None:
    """The size of the ABC-SMC: particles, rounds, tolerance, seeds, batches."""
    for flag, kind, text in _ABC_SETTINGS:
        default = _default(flag.removeprefix("--").replace("-", "_"))
        parser.add_argument(flag, type=kind, default=default, help=f"{text} (default {default})")


class _Reporter(common.LineReporter):
    """A tqdm counter of particles (with the round) on a terminal; else plain lines."""

    def __init__(self, spec: CalibrationSpec) -> None:
        super().__init__(desc="calibrate", unit="particle")
        self.spec = spec
        self.last: CalibrationProgress | None = None

    def __call__(self, p: CalibrationProgress) -> None:
        if p.stage == "screening":
            text = f"screening, {p.runs}/{p.screening_runs} runs"
        else:
            text = f"round {p.round}/{p.rounds}, {p.particles_simulated} particles"
        if self.bar is not None:
            if self.last is None or self.last.stage != p.stage:
                self.bar.reset(total=p.screening_runs if p.stage == "screening" else None)
                self.bar.unit = "run" if p.stage == "screening" else "particle"
                self.last = None
            done = 0 if self.last is None else self._count(self.last)
            self.bar.set_description(f"calibrate: {text}")
            self.bar.update(self._count(p) - done)
        else:
            self.line(f"calibrate: {text} ({p.runs} runs) in {p.elapsed_s:.0f} s")
        self.last = p

    @staticmethod
    def _count(p: CalibrationProgress) -> int:
        return p.runs if p.stage == "screening" else p.particles_simulated


def run(args: argparse.Namespace) -> int:
    """Validate everything, calibrate, print what the record pins down."""
    common.check_execution_flags(args)
    parsed = {
        "parameters": common.parse_list(args.params, "--params", "NAME,NAME,...", what="name"),
        "fixed": common.parse_overrides(args.overrides),
        "patterns": parse_ids(args.patterns),
    }
    # The other flags are named after the spec's fields and need no parsing.
    flags = {k: v for k, v in vars(args).items() if k in _DEFAULTS and k not in parsed}
    spec = CalibrationSpec(**parsed, **flags)
    reporter = _Reporter(spec)
    out = Path(args.out)
    with common.resumable(out, reporter):
        result = calibrate(
            spec,
            out,
            **common.execution_options(args),
            progress=reporter,
            command=common.command_words(args),
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
