"""Calibration: fit the uncertain parameters to the patterns of the 2003-2009 record by
approximate Bayesian computation (ABC-SMC), every simulation run by the sweep runner.

The record gives no likelihood, only patterns a run reproduces or misses
(``batch_runs.patterns``). ABC-SMC (Beaumont et al. 2009; Del Moral et al. 2012) draws
parameter sets ("particles") from the prior, keeps those whose simulated runs come
closest to the record, and refines them over rounds with a shrinking tolerance; the
survivors of the last round, with their importance weights, are a sample of the
approximate posterior. The library is ELFI (Engine for Likelihood-Free Inference,
Lintusaari et al. 2018), chosen over pyabc because ELFI hands the simulator whole
*batches* of particles, seeded by the batch index, so that each batch becomes one sweep
of the runner (parallel, resumable, Dask where asked, every run reproducible); pyabc's
samplers call the simulator one particle at a time in their own worker pools and reseed
them from the operating system, so runs could be neither resumed nor reproduced.

Two stages. **Screening**: unless the parameters to fit are named, every candidate
(the uncertain parameters but the critics' K1-K3) is drawn together on a Latin
hypercube over its range, each point run for ``seeds`` seeds; a parameter's influence is
the largest absolute Spearman correlation between its value and the distance or any
pattern's miss. The record can only inform parameters it is sensitive to. The fit
covers the parameters of the rules each pattern tests most directly
(``Pattern.informs``), which a screening cannot see when the prior almost never
produces the pattern, and then the most influential others, each above three standard
errors (3 / sqrt(N)), until ``max_fitted`` parameters are fitted; the rest stay at their
scenario values and are reported as loose.
**Fitting**: ABC-SMC on the selected parameters.

Priors are uniform over the schema's ranges (``Parameter.low``/``high``); whole-number
parameters are drawn on the same range and rounded. ELFI's Gaussian proposals are
redrawn until they fall inside the ranges, which stays cheap for a couple of dozen
parameters (the reason for ``max_fitted``); an unbounded reparametrisation would avoid
the redraws, but its proposals drift into the tails along directions the patterns do not
constrain, and the importance weights then collapse onto a few particles. A particle's
distance is its mean miss over the patterns and ``seeds`` independent runs (0 = every
pattern in every run).

Output folder (docs/validation.md describes each file): ``screening.csv`` (every
candidate's influence and whether it was fitted), ``posterior.csv`` (the last round's
particles, weights and distances), ``rounds.csv`` (threshold, simulations and
acceptance per round), ``summary.csv`` (per parameter: prior, posterior quantiles,
shrinkage, whether the record pins it down), ``posterior.html`` (Plotly figures),
``calibrated.toml`` and ``calibrated_<scenario>.toml`` (scenario files with every fitted
parameter at its posterior median), ``manifest.json``, ``screening/`` (the screening
sweep) and ``batches/`` (one sweep per batch of particles); ``resume`` reuses both.
Serves claim C9 (ODD 1.3): grounding the whole model in the history its argument rests
on.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from batch_runs.abc_smc import (
    BatchSimulator,
    CalibrationError,
    import_elfi,
    run_misses,
    smc_sampler,
)
from batch_runs.analysis.posterior import (
    ESS_MIN_SHARE,
    estimate_from,
    influence_table,
    posterior_tables,
    summarise,
)
from batch_runs.design.calibration_spec import (
    CalibrationSpec,
    default_parameters,
    point_values,
)
from batch_runs.design.spec import SweepSpec
from batch_runs.execution import SweepProgress
from batch_runs.execution.lock import LOCK_FILES, folder_lock
from batch_runs.execution.manifest import code_version, provenance, scenario_digest
from batch_runs.reporting.calibration_report import scenario_text, write_outputs
from model.export import write_text_atomic
from model.scenarios import load_scenario

MANIFEST_FILE = "manifest.json"
SCREENING_DIR = "screening"
OUTPUT_FILES = (
    "screening.csv",
    "posterior.csv",
    "rounds.csv",
    "summary.csv",
    "posterior.html",
    "calibrated.toml",
)


@dataclass(frozen=True)
class CalibrationProgress:
    """Passed to the ``progress`` callback after every screening run and after every
    batch of particles. ``stage`` is ``screening`` (``runs`` of ``screening_runs``
    done) or ``fitting`` (ABC-SMC ``round`` of ``rounds``)."""

    stage: str
    round: int
    rounds: int
    particles_simulated: int
    runs: int
    elapsed_s: float
    screening_runs: int = 0


@dataclass(frozen=True)
class CalibrationResult:
    """What ``calibrate`` wrote: the screening (None when the parameters were named), the
    posterior, the rounds and the parameter summary."""

    out_dir: Path
    screening: pd.DataFrame | None
    posterior: pd.DataFrame
    rounds: pd.DataFrame
    summary: pd.DataFrame
    estimate: dict[str, Any]
    elapsed_s: float


def screen(
    spec: CalibrationSpec,
    out_dir: Path,
    run_options: Mapping[str, Any],
    progress: Callable[[SweepProgress], None] | None = None,
) -> pd.DataFrame:
    """Screening: every candidate drawn together on a Latin hypercube, each point run
    for ``seeds`` seeds; the influence table of
    :func:`batch_runs.analysis.posterior.influence_table`."""
    months = load_scenario(spec.scenario).months
    sweep = SweepSpec(
        scenario=spec.scenario,
        parameters=dict(spec.fixed),
        vary=dict.fromkeys(spec.candidates, "*"),
        sample="lhs",
        samples=spec.screening,
        replicates=spec.seeds,
        steps=months,
        seed=spec.seed,
        every=months,
        title="calibration screening",
    )
    misses = run_misses(spec, sweep, out_dir / SCREENING_DIR, run_options, progress)
    values = pd.DataFrame([sweep.point(i) for i in misses.index], index=misses.index)
    return influence_table(spec, values, misses)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _write_json(path: Path, data: Mapping[str, Any]) -> None:
    write_text_atomic(path, json.dumps(data, indent=2, default=str) + "\n")


def _read_manifest(out_dir: Path) -> dict[str, Any]:
    try:
        return json.loads((out_dir / MANIFEST_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CalibrationError(f"{out_dir}: cannot read {MANIFEST_FILE} ({exc})") from None


def _prepare(out_dir: Path, spec: CalibrationSpec, resume: bool) -> dict[str, Any] | None:
    if out_dir.exists() and not out_dir.is_dir():
        raise CalibrationError(f"{out_dir}: exists and is not a folder")
    manifest_path = out_dir / MANIFEST_FILE
    if not manifest_path.exists():
        if resume:
            raise CalibrationError(f"--resume: {out_dir} holds no calibration to complete")
        if out_dir.exists() and any(f.name not in LOCK_FILES for f in out_dir.iterdir()):
            raise CalibrationError(
                f"{out_dir} is not empty; choose another --out (or --resume a calibration)"
            )
        return None
    if not resume:
        raise CalibrationError(
            f"{out_dir} already holds a calibration; use --resume to complete it, or "
            "choose another --out"
        )
    manifest = _read_manifest(out_dir)
    if manifest.get("spec_digest") != spec.digest():
        raise CalibrationError(
            f"cannot resume {out_dir}: the calibration's settings differ from the manifest's"
        )
    if manifest.get("code_version") != code_version():
        raise CalibrationError(
            f"cannot resume {out_dir}: the model code differs from the code that started it"
        )
    return manifest


@dataclass
class _Reporter:
    """Turns screening runs and fitted batches into :class:`CalibrationProgress`."""

    spec: CalibrationSpec
    progress: Callable[[CalibrationProgress], None] | None
    started: float
    particles: int = 0
    round: int = 0

    def screening_run(self, p: SweepProgress) -> None:
        self._report("screening", 0, 0, p.done, p.total)

    def batch(self, n: int) -> None:
        self.particles += n
        self._report("fitting", self.round, self.particles, self.particles * self.spec.seeds)

    def _report(self, stage: str, round_: int, particles: int, runs: int, total: int = 0) -> None:
        if self.progress is not None:
            self.progress(
                CalibrationProgress(
                    stage=stage,
                    round=round_,
                    rounds=self.spec.rounds + 1,
                    particles_simulated=particles,
                    runs=runs,
                    elapsed_s=time.perf_counter() - self.started,
                    screening_runs=total,
                )
            )


def _open_manifest(
    out_dir: Path, spec: CalibrationSpec, resume: bool, command: Sequence[str] | None
) -> dict[str, Any]:
    """The folder's manifest (a new one, or the one resumed) with this session added."""
    previous = _prepare(out_dir, spec, resume)
    out_dir.mkdir(parents=True, exist_ok=True)
    manifest: dict[str, Any] = previous or {
        "tool": "iran-sim calibrate",
        "method": "ABC-SMC (ELFI SMC, quantile thresholds)",
        "spec": spec.to_json(),
        "spec_digest": spec.digest(),
        "scenario_digest": scenario_digest(load_scenario(spec.scenario)),
        **provenance(("elfi",)),
        "sessions": [],
    }
    manifest["sessions"].append(
        {"command": list(command or []), "started": _now(), "finished": None}
    )
    manifest["status"] = "running"
    _write_json(out_dir / MANIFEST_FILE, manifest)
    return manifest


def _select(
    spec: CalibrationSpec,
    out_dir: Path,
    run_options: Mapping[str, Any],
    reporter: _Reporter,
    manifest: dict[str, Any],
) -> tuple[pd.DataFrame | None, tuple[str, ...]]:
    """The screening table (None when the parameters are named) and what to fit."""
    if not spec.screened:
        return None, spec.candidates
    screening = screen(spec, out_dir, run_options, reporter.screening_run)
    fitted = tuple(screening.loc[screening["fitted"], "parameter"])
    if not fitted:
        raise CalibrationError(
            "screening found no parameter the patterns are sensitive to; run more "
            "--screening points or name --params"
        )
    manifest["fitted"] = list(fitted)
    _write_json(out_dir / MANIFEST_FILE, manifest)
    return screening, fitted


def _fit(
    elfi: Any,
    spec: CalibrationSpec,
    fitted: Sequence[str],
    out_dir: Path,
    run_options: Mapping[str, Any],
    reporter: _Reporter,
    manifest: dict[str, Any],
) -> Any:
    """Run ABC-SMC round by round; the session is recorded even when it stops."""
    simulator = BatchSimulator(spec, fitted, out_dir, run_options, reporter.batch)
    sampler = smc_sampler(elfi, spec, fitted, simulator)
    session = manifest["sessions"][-1]
    try:
        while not sampler.finished:
            reporter.round = sampler.state["round"] + 1
            sampler.iterate()
        return sampler.extract_result()
    finally:
        session["finished"] = _now()
        session["particles_simulated"] = reporter.particles
        _write_json(out_dir / MANIFEST_FILE, manifest)


def calibrate(
    spec: CalibrationSpec,
    out_dir: str | Path,
    *,
    resume: bool = False,
    progress: Callable[[CalibrationProgress], None] | None = None,
    command: Sequence[str] | None = None,
    **execution: Any,
) -> CalibrationResult:
    """Screen the candidates (unless named), fit the selected ones by ABC-SMC, and write
    the results to ``out_dir``.

    Every batch of particles runs as one sweep in ``out_dir/batches`` with ``workers``
    processes (or Dask); with ``resume`` a stopped calibration starts again with the same
    settings and reuses every batch already run (ELFI draws the same particles from the
    same seed, so the same sweeps come up). Raises CalibrationError (or SpecError) on
    bad input before writing anything. ``execution``: ``workers``, ``backend`` and
    ``scheduler`` of :func:`batch_runs.execution.run_sweep`.
    """
    elfi = import_elfi()
    started = time.perf_counter()
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise CalibrationError(f"{out_dir}: exists and is not a folder")
    with folder_lock(out_dir):
        return _calibrate(elfi, spec, out_dir, started, resume, progress, command, **execution)


def _calibrate(
    elfi: Any,
    spec: CalibrationSpec,
    out_dir: Path,
    started: float,
    resume: bool,
    progress: Callable[[CalibrationProgress], None] | None,
    command: Sequence[str] | None,
    **run_options: Any,
) -> CalibrationResult:
    """The calibration itself, with the folder held (see :func:`calibrate`)."""
    manifest = _open_manifest(out_dir, spec, resume, command)
    reporter = _Reporter(spec, progress, started)
    screening, fitted = _select(spec, out_dir, run_options, reporter, manifest)
    result = _fit(elfi, spec, fitted, out_dir, run_options, reporter, manifest)
    posterior, rounds = posterior_tables(fitted, result)
    weighted = rounds["ess"].iloc[-1] >= ESS_MIN_SHARE * spec.particles
    summary = summarise(fitted, posterior, weighted)
    estimate = estimate_from(fitted, summary)
    write_outputs(out_dir, spec, screening, posterior, rounds, summary, estimate)
    _complete_manifest(out_dir, manifest, rounds, spec, weighted, time.perf_counter() - started)
    return CalibrationResult(
        out_dir, screening, posterior, rounds, summary, estimate, time.perf_counter() - started
    )


def _complete_manifest(
    out_dir: Path,
    manifest: dict[str, Any],
    rounds: pd.DataFrame,
    spec: CalibrationSpec,
    weighted: bool,
    elapsed_s: float,
) -> None:
    simulated = int(rounds["simulations"].sum())
    manifest["status"] = "complete"
    manifest["finished"] = _now()
    manifest["counts"] = {"particles_simulated": simulated, "runs": simulated * spec.seeds}
    # Time spent over every session (a resumed calibration adds its own).
    manifest["elapsed_s"] = round(manifest.get("elapsed_s", 0.0) + elapsed_s, 1)
    manifest["effective_sample_size"] = round(float(rounds["ess"].iloc[-1]), 1)
    manifest["summaries"] = (
        "importance-weighted"
        if weighted
        else "unweighted: the importance weights degenerated (effective sample size below "
        f"{ESS_MIN_SHARE:.0%} of the particles)"
    )
    _write_json(out_dir / MANIFEST_FILE, manifest)


__all__ = [
    "CalibrationError",
    "CalibrationProgress",
    "CalibrationResult",
    "CalibrationSpec",
    "calibrate",
    "default_parameters",
    "estimate_from",
    "point_values",
    "scenario_text",
    "screen",
    "summarise",
]
