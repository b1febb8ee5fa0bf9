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

import hashlib
import json
import logging
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from batch_runs.baselines import PatternSummary
from batch_runs.design.spec import SpecError, SweepSpec
from batch_runs.execution import (
    SweepError,
    SweepProgress,
    code_version,
    read_runs,
    run_sweep,
    scenario_digest,
)
from batch_runs.patterns import PATTERN_IDS, get_patterns
from batch_runs.validation import check_covers
from model.export import write_csv_atomic, write_text_atomic
from model.parameters import SCHEMA, get_parameter
from model.scenarios import load_scenario

MANIFEST_FILE = "manifest.json"
BATCHES_DIR = "batches"
SCREENING_DIR = "screening"
OUTPUT_FILES = (
    "screening.csv",
    "posterior.csv",
    "rounds.csv",
    "summary.csv",
    "posterior.html",
    "calibrated.toml",
)
# A correlation counts as an influence when it exceeds this many standard errors
# (1 / sqrt(N) for N screened points): few false alarms among ~80 x 15 correlations.
INFLUENCE_STANDARD_ERRORS = 3.0
# Below this effective sample size (a share of the particles) the last round's importance
# weights have degenerated onto a few particles: the summaries and the calibrated values
# then use the particles unweighted, and the report says so.
ESS_MIN_SHARE = 0.1
# A parameter counts as pinned down by the record when its posterior's 95% interval
# covers at most half of its prior range.
PINNED_WIDTH = 0.5
# Significant digits of a calibrated value: a median from a few hundred particles does
# not know more.
ESTIMATE_DIGITS = 4
# Seeds of a batch's sweep are drawn below this bound from ELFI's batch random state.
_SEED_BOUND = 2**31 - 1


class CalibrationError(SweepError):
    """A calibration that cannot start or resume as asked (one line, exit 2)."""


@dataclass(frozen=True)
class CalibrationSpec:
    """What to fit and with what budget; validated on construction.

    ``parameters``: names to fit, as given (no screening). Default: screen the
    candidates, every uncertain parameter of the schema but the critics'
    counter-mechanisms K1-K3 (the alternative hypotheses the claims audit switches on
    and off: fitting them would let the width of their prior decide the argument), on
    ``screening`` Latin-hypercube points, and fit the parameters of the rules the patterns
    test (``Pattern.informs``) and the most influential others, ``max_fitted`` in all.
    ``fixed``: overrides for every run (e.g. a smaller population). ``particles``:
    posterior sample size. ``rounds``: ABC-SMC rounds after the first (rejection from
    the prior). ``quantile``: the share of particles each round's tolerance keeps.
    ``seeds``: runs per particle. ``batch_size``: particles per sweep. ``apply_to``: the
    scenario the calibrated parameters are written onto (besides ``scenario``).
    """

    scenario: str = "history_2003"
    parameters: tuple[str, ...] | None = None
    fixed: Mapping[str, Any] = field(default_factory=dict)
    patterns: tuple[str, ...] = PATTERN_IDS
    screening: int = 400
    max_fitted: int = 22
    particles: int = 300
    rounds: int = 5
    quantile: float = 0.5
    seeds: int = 4
    batch_size: int = 300
    seed: int = 2003
    apply_to: str = "baseline_2011"

    def __post_init__(self) -> None:
        for name, low in (
            ("particles", 2),
            ("rounds", 0),
            ("seeds", 1),
            ("batch_size", 1),
            ("seed", 0),
            ("screening", 2),
            ("max_fitted", 1),
        ):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise SpecError(
                    f"{name}: {value!r} is not allowed; expected a whole number >= {low}"
                )
        if not (isinstance(self.quantile, float | int) and 0 < self.quantile < 1):
            raise SpecError(f"quantile: {self.quantile!r} is not allowed; expected 0 < q < 1")
        names = self.parameters
        if names is not None:
            names = tuple(names)
        for name in names or ():
            get_parameter(name)
        candidates = names if names is not None else default_parameters()
        if not candidates:
            raise SpecError("parameters: give at least one parameter to fit")
        for name in candidates:
            p = get_parameter(name)
            if p.kind not in (int, float):
                raise SpecError(f"parameter '{name}' is not numeric; only numbers can be fitted")
        if len(set(candidates)) != len(candidates):
            raise SpecError("parameters: a parameter is named twice")
        fixed = {n: get_parameter(n).validate(v) for n, v in dict(self.fixed).items()}
        if names is None:
            candidates = tuple(n for n in candidates if n not in fixed)
        both = sorted(set(fixed) & set(candidates))
        if both:
            raise SpecError(f"parameter '{both[0]}' is both fixed and fitted")
        get_patterns(self.patterns)
        object.__setattr__(self, "parameters", names)
        object.__setattr__(self, "fixed", fixed)
        object.__setattr__(self, "patterns", tuple(self.patterns))
        object.__setattr__(self, "quantile", float(self.quantile))
        scenario = load_scenario(self.scenario).with_overrides(**fixed)
        check_covers(scenario.parameters.start_date, scenario.months, self.patterns)
        load_scenario(self.apply_to)

    def to_json(self) -> dict[str, Any]:
        """Normalised form (the manifest's ``spec``)."""
        data = asdict(self)
        data["parameters"] = None if self.parameters is None else list(self.parameters)
        data["patterns"] = list(self.patterns)
        data["fixed"] = dict(self.fixed)
        return data

    def digest(self) -> str:
        """SHA-256 of :meth:`to_json`: equal digests, equal calibrations."""
        text = json.dumps(self.to_json(), sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(text.encode()).hexdigest()

    @property
    def screened(self) -> bool:
        """Whether the parameters to fit are chosen by screening."""
        return self.parameters is None

    @property
    def candidates(self) -> tuple[str, ...]:
        """The parameters screened (or, when named, fitted)."""
        if self.parameters is not None:
            return self.parameters
        return tuple(n for n in default_parameters() if n not in self.fixed)

    @property
    def simulations_per_round(self) -> int:
        """Particles simulated in the first round (later rounds: until enough pass)."""
        return math.ceil(self.particles / self.quantile)


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


def default_parameters() -> tuple[str, ...]:
    """The parameters a calibration fits unless told otherwise: the uncertain ones,
    except the critics' counter-mechanisms (claims K1-K3)."""
    return tuple(n for n, p in SCHEMA.items() if p.uncertain and not p.claim.startswith("K"))


def _prior_bounds(name: str) -> tuple[float, float]:
    p = SCHEMA[name]
    return float(p.low), float(p.high)


def point_values(names: Sequence[str], row: Sequence[float]) -> dict[str, Any]:
    """A particle's parameter values (on the parameters' own scale), rounded and
    validated by the schema."""
    values = {}
    for name, value in zip(names, row, strict=True):
        p = SCHEMA[name]
        low, high = _prior_bounds(name)
        value = min(high, max(low, float(value)))
        values[name] = p.validate(round(value) if p.kind is int else value)
    return values


def _run_misses(
    spec: CalibrationSpec,
    sweep: SweepSpec,
    folder: Path,
    run_options: Mapping[str, Any],
    progress: Callable[[SweepProgress], None] | None = None,
) -> pd.DataFrame:
    """Run (or, when the folder holds it, reuse) one sweep; its mean misses per point."""
    summary = PatternSummary(spec.patterns)
    run_sweep(
        sweep,
        folder,
        resume=folder.exists(),
        summary=summary,
        command=["iran-sim", "calibrate", f"({folder.parent.name})"],
        progress=progress,
        **dict(run_options),
    )
    runs = read_runs(folder)
    failed = runs[runs["status"] != "ok"]
    if not failed.empty:
        raise CalibrationError(
            f"{len(failed)} runs of {folder} failed (first: {failed['error'].iloc[0]}); "
            f"see {folder / 'runs.csv'}"
        )
    return runs.groupby("point")[list(summary.columns)].mean().sort_index()


class _BatchSimulator:
    """ELFI's simulator: a batch of particles becomes one sweep of the runner."""

    def __init__(
        self,
        spec: CalibrationSpec,
        fitted: Sequence[str],
        out_dir: Path,
        run_options: Mapping[str, Any],
        on_batch: Callable[[int], None],
    ) -> None:
        self.spec = spec
        self.fitted = tuple(fitted)
        self.out_dir = out_dir
        self.run_options = dict(run_options)
        self.on_batch = on_batch
        self.months = load_scenario(spec.scenario).months

    def __call__(self, *columns: np.ndarray, batch_size: int = 1, random_state=None):
        rows = np.column_stack([np.atleast_1d(c) for c in columns])
        points = [self.spec.fixed | point_values(self.fitted, row) for row in rows]
        seed = int(random_state.randint(0, _SEED_BOUND)) if random_state is not None else 0
        sweep = SweepSpec(
            scenario=self.spec.scenario,
            points=points,
            replicates=self.spec.seeds,
            steps=self.months,
            seed=seed,
            every=self.months,
            title="calibration batch",
        )
        folder = self.out_dir / BATCHES_DIR / sweep.digest()[:16]
        misses = _run_misses(self.spec, sweep, folder, self.run_options)
        self.on_batch(len(points))
        return misses.to_numpy()


def screen(
    spec: CalibrationSpec,
    out_dir: Path,
    run_options: Mapping[str, Any],
    progress: Callable[[SweepProgress], None] | None = None,
) -> pd.DataFrame:
    """Screening: every candidate drawn together on a Latin hypercube; per candidate,
    its Spearman correlation with the distance and with each pattern's miss, its
    influence (the largest of their absolute values) and whether it is fitted."""
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
    misses = _run_misses(spec, sweep, out_dir / SCREENING_DIR, run_options, progress)
    values = pd.DataFrame([sweep.point(i) for i in misses.index], index=misses.index)
    distance = misses.mean(axis=1)
    rows = []
    for name in spec.candidates:
        x = values[name].to_numpy(dtype=float)
        with_distance = _spearman(x, distance.to_numpy())
        by_pattern = [_spearman(x, misses[c].to_numpy()) for c in misses.columns]
        strongest = int(np.argmax(np.abs(by_pattern)))
        rows.append(
            {
                "parameter": name,
                "claim": SCHEMA[name].claim,
                "rho_distance": with_distance,
                "rho_strongest": by_pattern[strongest],
                "strongest_pattern": misses.columns[strongest].removeprefix("miss_"),
                "influence": max(abs(with_distance), abs(by_pattern[strongest])),
            }
        )
    table = pd.DataFrame(rows).sort_values("influence", ascending=False, kind="stable")
    table = table.reset_index(drop=True)
    threshold = INFLUENCE_STANDARD_ERRORS / math.sqrt(len(misses))
    tested = {n for p in get_patterns(spec.patterns) for n in p.informs}
    table["influential"] = table["influence"] > threshold
    table["tested"] = table["parameter"].isin(tested)
    room = max(0, spec.max_fitted - int(table["tested"].sum()))
    added = table.index[table["influential"] & ~table["tested"]][:room]
    table["fitted"] = table["tested"] | table.index.isin(added)
    table.attrs["threshold"] = threshold
    return table


def _spearman(x: np.ndarray, y: np.ndarray) -> float:
    """Spearman's rank correlation (0 when either side is constant)."""
    if np.ptp(x) == 0 or np.ptp(y) == 0:
        return 0.0
    return float(spearmanr(x, y).statistic)


def _mean_miss(simulated: np.ndarray, observed: np.ndarray) -> np.ndarray:
    """A particle's distance: its mean miss over patterns (the record misses nothing)."""
    return np.mean(np.abs(simulated - observed), axis=1)


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
        if out_dir.exists() and any(out_dir.iterdir()):
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


def calibrate(
    spec: CalibrationSpec,
    out_dir: str | Path,
    *,
    workers: int | None = None,
    backend: str = "process",
    scheduler: Any = None,
    resume: bool = False,
    progress: Callable[[CalibrationProgress], None] | None = None,
    command: Sequence[str] | None = None,
) -> CalibrationResult:
    """Screen the candidates (unless named), fit the selected ones by ABC-SMC, and write
    the results to ``out_dir``.

    Every batch of particles runs as one sweep in ``out_dir/batches`` with ``workers``
    processes (or Dask); with ``resume`` a stopped calibration starts again with the same
    settings and reuses every batch already run (ELFI draws the same particles from the
    same seed, so the same sweeps come up). Raises CalibrationError (or SpecError) on
    bad input before writing anything.
    """
    try:
        import elfi

        # ELFI warns while it redraws proposals that fall outside the parameters' ranges,
        # which is expected in the first rounds (the module docstring); the warning
        # advises killing the process, which would be wrong advice here.
        logging.getLogger("elfi.methods.utils").setLevel(logging.ERROR)
    except ImportError:
        raise CalibrationError(
            "calibration needs ELFI: pip install 'iran-sim[calibrate]'"
        ) from None
    started = time.perf_counter()
    out_dir = Path(out_dir)
    previous = _prepare(out_dir, spec, resume)
    out_dir.mkdir(parents=True, exist_ok=True)
    scenario = load_scenario(spec.scenario)
    manifest: dict[str, Any] = previous or {
        "tool": "iran-sim calibrate",
        "method": "ABC-SMC (ELFI SMC, quantile thresholds)",
        "spec": spec.to_json(),
        "spec_digest": spec.digest(),
        "scenario_digest": scenario_digest(scenario),
        "code_version": code_version(),
        "packages": {
            name: metadata.version(name) for name in ("iran-sim", "elfi", "mesa", "numpy")
        },
        "sessions": [],
    }
    session = {"command": list(command or []), "started": _now(), "finished": None}
    manifest["sessions"].append(session)
    manifest["status"] = "running"
    _write_json(out_dir / MANIFEST_FILE, manifest)

    state = {"particles": 0, "round": 0}

    def on_screening_run(p: SweepProgress) -> None:
        if progress is not None:
            progress(
                CalibrationProgress(
                    stage="screening",
                    round=0,
                    rounds=spec.rounds + 1,
                    particles_simulated=0,
                    runs=p.done,
                    elapsed_s=time.perf_counter() - started,
                    screening_runs=p.total,
                )
            )

    def on_batch(n: int) -> None:
        state["particles"] += n
        if progress is not None:
            progress(
                CalibrationProgress(
                    stage="fitting",
                    round=state["round"],
                    rounds=spec.rounds + 1,
                    particles_simulated=state["particles"],
                    runs=state["particles"] * spec.seeds,
                    elapsed_s=time.perf_counter() - started,
                )
            )

    run_options = {"workers": workers, "backend": backend, "scheduler": scheduler}
    screening = None
    fitted = spec.candidates
    if spec.screened:
        screening = screen(spec, out_dir, run_options, on_screening_run)
        fitted = tuple(screening.loc[screening["fitted"], "parameter"])
        if not fitted:
            raise CalibrationError(
                "screening found no parameter the patterns are sensitive to; run more "
                "--screening points or name --params"
            )
        manifest["fitted"] = list(fitted)
        _write_json(out_dir / MANIFEST_FILE, manifest)
    simulator = _BatchSimulator(spec, fitted, out_dir, run_options, on_batch)
    model = elfi.new_model()
    priors = []
    for name in fitted:
        low, high = _prior_bounds(name)
        priors.append(elfi.Prior("uniform", low, high - low, model=model, name=name))
    observed = np.zeros((1, len(spec.patterns)))
    simulated = elfi.Simulator(simulator, *priors, observed=observed, model=model, name="misses")
    distance = elfi.Distance(_mean_miss, simulated, model=model, name="distance")
    # One batch at a time: each batch is already a parallel sweep, and a batch submitted
    # ahead would be run and thrown away when a round ends.
    sampler = elfi.SMC(distance, batch_size=spec.batch_size, seed=spec.seed, max_parallel_batches=1)
    sampler.bar = False  # our own progress reporting replaces ELFI's bar
    quantiles = [spec.quantile] * (spec.rounds + 1)
    sampler.set_objective(spec.particles, quantiles=quantiles)
    try:
        while not sampler.finished:
            state["round"] = sampler.state["round"] + 1
            sampler.iterate()
        result = sampler.extract_result()
    finally:
        session["finished"] = _now()
        session["particles_simulated"] = state["particles"]
        _write_json(out_dir / MANIFEST_FILE, manifest)

    posterior, rounds = _tables(fitted, result)
    weighted = rounds["ess"].iloc[-1] >= ESS_MIN_SHARE * spec.particles
    summary = summarise(fitted, posterior, weighted)
    estimate = estimate_from(fitted, summary)
    _write_outputs(out_dir, spec, screening, posterior, rounds, summary, estimate)
    manifest["status"] = "complete"
    manifest["finished"] = _now()
    manifest["counts"] = {
        "particles_simulated": int(rounds["simulations"].sum()),
        "runs": int(rounds["simulations"].sum()) * spec.seeds,
    }
    # Time spent over every session (a resumed calibration adds its own).
    manifest["elapsed_s"] = round(manifest.get("elapsed_s", 0.0) + time.perf_counter() - started, 1)
    manifest["effective_sample_size"] = round(float(rounds["ess"].iloc[-1]), 1)
    manifest["summaries"] = (
        "importance-weighted"
        if weighted
        else "unweighted: the importance weights degenerated (effective sample size below "
        f"{ESS_MIN_SHARE:.0%} of the particles)"
    )
    _write_json(out_dir / MANIFEST_FILE, manifest)
    return CalibrationResult(
        out_dir, screening, posterior, rounds, summary, estimate, time.perf_counter() - started
    )


def _tables(fitted: Sequence[str], result: Any) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The last round's particles, and one row per round."""
    last = result.populations[-1]
    columns = {}
    for name in fitted:
        low, high = _prior_bounds(name)
        values = np.clip(np.asarray(last.outputs[name], dtype=float), low, high)
        columns[name] = np.round(values) if SCHEMA[name].kind is int else values
    posterior = pd.DataFrame(columns)
    weights = np.asarray(last.weights, dtype=float)
    posterior.insert(0, "weight", weights / weights.sum())
    posterior.insert(1, "distance", np.asarray(last.discrepancies, dtype=float))
    posterior.insert(0, "particle", range(len(posterior)))
    rounds = pd.DataFrame(
        {
            "round": range(1, len(result.populations) + 1),
            "threshold": [float(p.threshold) for p in result.populations],
            "simulations": [int(p.n_sim) for p in result.populations],
            "accepted": [int(p.n_samples) for p in result.populations],
            "mean_distance": [float(np.mean(p.discrepancies)) for p in result.populations],
            "ess": [effective_sample_size(p.weights) for p in result.populations],
        }
    )
    rounds["acceptance"] = rounds["accepted"] / rounds["simulations"]
    return posterior, rounds


def effective_sample_size(weights: Sequence[float]) -> float:
    """Kish's effective sample size of importance weights: (sum w)^2 / sum w^2."""
    w = np.asarray(weights, dtype=float)
    return float(w.sum() ** 2 / np.sum(w**2))


def _weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    order = np.argsort(values, kind="stable")
    cumulative = np.cumsum(weights[order])
    cumulative /= cumulative[-1]
    return float(values[order][np.searchsorted(cumulative, q, side="left")])


def summarise(
    fitted: Sequence[str], posterior: pd.DataFrame, weighted: bool = True
) -> pd.DataFrame:
    """Per fitted parameter: prior, posterior mean, sd and quantiles, the shrinkage of
    its spread, and whether the record pins it down; with the importance weights, or,
    when ``weighted`` is False (the weights have degenerated), over the particles
    unweighted."""
    weights = posterior["weight"].to_numpy() if weighted else np.ones(len(posterior))
    rows = []
    for name in fitted:
        values = posterior[name].to_numpy(dtype=float)
        low, high = _prior_bounds(name)
        width = high - low
        mean = float(np.average(values, weights=weights))
        sd = float(math.sqrt(np.average((values - mean) ** 2, weights=weights)))
        q025, q50, q975 = (_weighted_quantile(values, weights, q) for q in (0.025, 0.5, 0.975))
        prior_sd = width / math.sqrt(12.0)
        rows.append(
            {
                "parameter": name,
                "claim": SCHEMA[name].claim,
                "prior_low": low,
                "prior_high": high,
                "default": SCHEMA[name].default,
                "posterior_mean": mean,
                "posterior_sd": sd,
                "q025": q025,
                "median": q50,
                "q975": q975,
                "shrinkage": 1.0 - sd / prior_sd if prior_sd > 0 else 0.0,
                "interval_share": (q975 - q025) / width if width > 0 else 0.0,
            }
        )
    table = pd.DataFrame(rows)
    table["pinned"] = table["interval_share"] <= PINNED_WIDTH
    table["weighted"] = weighted
    return table.sort_values("shrinkage", ascending=False, kind="stable").reset_index(drop=True)


def estimate_from(fitted: Sequence[str], summary: pd.DataFrame) -> dict[str, Any]:
    """The calibrated values: each fitted parameter at its posterior median, to
    ``ESTIMATE_DIGITS`` significant digits."""
    medians = summary.set_index("parameter")["median"]
    rounded = [float(f"{medians[name]:.{ESTIMATE_DIGITS}g}") for name in fitted]
    return point_values(fitted, rounded)


def scenario_text(
    name: str, base: str, title: str, estimate: Mapping[str, Any], spec: CalibrationSpec
) -> str:
    """A scenario file that applies the calibrated values to ``base``."""
    lines = [
        f"# Written by iran-sim calibrate: the parameters fitted by ABC-SMC to the patterns "
        f"of {spec.scenario}",
        f"# ({len(spec.patterns)} patterns, {spec.particles} particles, {spec.rounds + 1} "
        f"rounds, {spec.seeds} seeds each; seed {spec.seed}), each at its posterior median.",
        f'name = "{name}"',
        f'base = "{base}"',
        f'title = "{title}"',
        'description = """\\',
        f"The {base} scenario with the parameters the 2003-2009 record informs fitted to it \\",
        f'(see docs/validation.md): {len(estimate)} parameters at their posterior medians."""',
        "",
        "[parameters]",
    ]
    for key, value in estimate.items():
        lines.append(f"{key} = {value!r}")
    for key, value in spec.fixed.items():
        if key != "n_citizens":
            lines.append(f"{key} = {json.dumps(value)}")
    return "\n".join(lines) + "\n"


def _base_reference(scenario: str) -> str:
    """How a written scenario file names its base: a shipped scenario by its name, a
    file by its absolute path (so the calibrated file works wherever it is moved)."""
    text = str(scenario)
    if text.endswith(".toml") or "/" in text or "\\" in text:
        return str(Path(text).resolve())
    return text


def _write_outputs(
    out_dir: Path,
    spec: CalibrationSpec,
    screening: pd.DataFrame | None,
    posterior: pd.DataFrame,
    rounds: pd.DataFrame,
    summary: pd.DataFrame,
    estimate: Mapping[str, Any],
) -> None:
    from batch_runs.reporting.figures import calibration_figures, write_html

    if screening is not None:
        write_csv_atomic(screening, out_dir / "screening.csv")
    write_csv_atomic(posterior, out_dir / "posterior.csv")
    write_csv_atomic(rounds, out_dir / "rounds.csv")
    write_csv_atomic(summary, out_dir / "summary.csv")
    screened = (
        f"{len(spec.candidates)} candidates screened on {spec.screening} Latin-hypercube "
        f"points; {len(estimate)} fitted (the most influential and those the patterns "
        "test). "
        if screening is not None
        else ""
    )
    ess = rounds["ess"].iloc[-1]
    weighting = (
        "The summaries use the importance weights"
        if bool(summary["weighted"].iloc[0])
        else "The importance weights degenerated onto a few particles, so the summaries and "
        "the calibrated values use the particles unweighted: they describe the parameter "
        "sets that met the final tolerance, not a properly weighted posterior"
    )
    intro = (
        f"<p>{screened}ABC-SMC fit of {len(estimate)} parameters to {len(spec.patterns)} "
        f"patterns of the {spec.scenario} scenario: {spec.particles} particles, "
        f"{len(rounds)} rounds, {spec.seeds} runs per particle, master seed {spec.seed}. "
        f"Priors are uniform over the schema's ranges. Effective sample size of the last "
        f"round's importance weights: {ess:.1f} of {spec.particles}. {weighting}. See "
        "docs/validation.md.</p>"
    )
    write_html(
        out_dir / "posterior.html",
        "Calibration to the 2003-2009 record",
        calibration_figures(posterior, rounds, summary, screening),
        intro,
    )
    target = load_scenario(spec.apply_to).name
    write_text_atomic(
        out_dir / "calibrated.toml",
        scenario_text(
            "calibrated",
            _base_reference(spec.apply_to),
            f"{target}, calibrated to 2003-2009",
            estimate,
            spec,
        ),
    )
    fitted = load_scenario(spec.scenario)
    name = f"calibrated_{fitted.name}"
    write_text_atomic(
        out_dir / f"{name}.toml",
        scenario_text(
            name, _base_reference(spec.scenario), f"{fitted.name}, calibrated", estimate, spec
        ),
    )


__all__ = [
    "CalibrationError",
    "CalibrationProgress",
    "CalibrationResult",
    "CalibrationSpec",
    "calibrate",
    "estimate_from",
    "point_values",
    "scenario_text",
    "summarise",
]
