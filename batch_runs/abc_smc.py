"""ABC-SMC with ELFI, every simulation run by the sweep runner (ODD §1.3, C9).

ELFI hands the simulator whole batches of particles, seeded by the batch index: each
batch becomes one sweep of the runner (parallel, resumable, Dask where asked), kept in
``batches/<digest>`` so that a resumed calibration reuses it. A particle's distance is
its mean miss over the patterns and its seeds (0 = every pattern in every run).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from batch_runs.baselines import PatternSummary
from batch_runs.design.calibration_spec import CalibrationSpec, point_values, prior_bounds
from batch_runs.design.spec import SweepSpec
from batch_runs.execution import SweepError, SweepProgress, read_runs, run_sweep
from model.scenarios import load_scenario

BATCHES_DIR = "batches"
# Seeds of a batch's sweep are drawn below this bound from ELFI's batch random state.
_SEED_BOUND = 2**31 - 1


class CalibrationError(SweepError):
    """A calibration that cannot start or resume as asked (one line, exit 2)."""


def run_misses(
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


class BatchSimulator:
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
        misses = run_misses(self.spec, sweep, folder, self.run_options)
        self.on_batch(len(points))
        return misses.to_numpy()


def _mean_miss(simulated: np.ndarray, observed: np.ndarray) -> np.ndarray:
    """A particle's distance: its mean miss over patterns (the record misses nothing)."""
    return np.mean(np.abs(simulated - observed), axis=1)


def import_elfi() -> Any:
    try:
        import elfi
    except ImportError:
        raise CalibrationError(
            "calibration needs ELFI: pip install 'iran-sim[calibrate]'"
        ) from None
    # ELFI warns while it redraws proposals that fall outside the parameters' ranges,
    # which is expected in the first rounds (the module docstring); the warning advises
    # killing the process, which would be wrong advice here.
    logging.getLogger("elfi.methods.utils").setLevel(logging.ERROR)
    return elfi


def smc_sampler(elfi: Any, spec: CalibrationSpec, fitted: Sequence[str], simulator: Any) -> Any:
    """ELFI's ABC-SMC over uniform priors on the schema's ranges, distance = mean miss."""
    model = elfi.new_model()
    priors = []
    for name in fitted:
        low, high = prior_bounds(name)
        priors.append(elfi.Prior("uniform", low, high - low, model=model, name=name))
    observed = np.zeros((1, len(spec.patterns)))
    simulated = elfi.Simulator(simulator, *priors, observed=observed, model=model, name="misses")
    distance = elfi.Distance(_mean_miss, simulated, model=model, name="distance")
    # One batch at a time: each batch is already a parallel sweep, and a batch submitted
    # ahead would be run and thrown away when a round ends.
    sampler = elfi.SMC(distance, batch_size=spec.batch_size, seed=spec.seed, max_parallel_batches=1)
    sampler.bar = False  # our own progress reporting replaces ELFI's bar
    sampler.set_objective(spec.particles, quantiles=[spec.quantile] * (spec.rounds + 1))
    return sampler
