"""Paired runs on common random numbers, and mean differences with 95% intervals.

The building block of ``iran-sim compare``, the claims audit and the dashboard's
engage-vs-refuse panel: replicate ``j`` of arm A and of arm B run with the same seed,
so that they share every random number (oil path, economic shocks, diplomatic draws)
and differ only in the cause under study. Effects are the mean paired difference
with a Student-t 95% confidence interval.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from model import DEFAULT_MONTHS, IranModel


def run_seed(master_seed: int, index: int) -> int:
    """The seed of run ``index`` in an experiment with ``master_seed``.

    Derived with numpy's SeedSequence from (master seed, index) alone, so a run's seed
    does not depend on how many runs there are, on workers or on completion order.
    """
    sequence = np.random.SeedSequence(master_seed, spawn_key=(index,))
    return int(sequence.generate_state(1, dtype=np.uint32)[0])


def simulate(
    scenario: Any, overrides: Mapping[str, Any], seed: int, steps: int = DEFAULT_MONTHS
) -> pd.DataFrame:
    """One run of the model; returns ``results()``. Picklable for worker processes."""
    model = IranModel(scenario, rng=seed, **dict(overrides))
    model.run(steps)
    return model.results()


def _simulate_job(job: tuple) -> pd.DataFrame:
    return simulate(*job)


def paired_runs(
    a: Mapping[str, Any],
    b: Mapping[str, Any],
    *,
    scenario: Any = None,
    replicates: int = 20,
    steps: int = DEFAULT_MONTHS,
    seed: int = 0,
    workers: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[list[pd.DataFrame], list[pd.DataFrame]]:
    """Run ``replicates`` pairs (A with overrides ``a``, B with ``b``) on shared seeds.

    Returns the results of arm A and of arm B, in replicate order. ``progress(done,
    total)`` is called as runs finish. Both arms are validated before anything runs.
    """
    IranModel(scenario, rng=0, **{**dict(a), "n_citizens": 100})  # fail fast on bad input
    IranModel(scenario, rng=0, **{**dict(b), "n_citizens": 100})
    seeds = [run_seed(seed, j) for j in range(replicates)]
    jobs = [(scenario, dict(a), s, steps) for s in seeds] + [
        (scenario, dict(b), s, steps) for s in seeds
    ]
    total = len(jobs)
    results: list[pd.DataFrame] = []
    if workers <= 1:
        for job in jobs:
            results.append(_simulate_job(job))
            if progress:
                progress(len(results), total)
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            for frame in pool.map(_simulate_job, jobs):
                results.append(frame)
                if progress:
                    progress(len(results), total)
    return results[:replicates], results[replicates:]


def mean_ci(values: Sequence[float], confidence: float = 0.95) -> tuple[float, float, float]:
    """Mean and Student-t confidence interval of ``values`` (NaN bounds if n < 2)."""
    x = np.asarray(values, dtype=float)
    n = x.size
    mean = float(x.mean()) if n else math.nan
    if n < 2:
        return mean, math.nan, math.nan
    sem = float(x.std(ddof=1)) / math.sqrt(n)
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1)) * sem
    return mean, mean - half, mean + half


def numeric_outcomes(frame: pd.DataFrame) -> list[str]:
    """The outcome columns of a results frame: numeric, except step and run_id."""
    return [
        c
        for c in frame.columns
        if c not in ("step", "run_id", "replicate") and pd.api.types.is_numeric_dtype(frame[c])
    ]


def paired_differences(
    results_a: Sequence[pd.DataFrame],
    results_b: Sequence[pd.DataFrame],
    outcomes: Sequence[str] | None = None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Mean paired difference (A - B) of each outcome at each month, with its interval.

    Tidy: one row per (step, outcome) with ``mean_a``, ``mean_b``, ``mean_diff``,
    ``ci_low``, ``ci_high``, ``n``.
    """
    if not results_a or len(results_a) != len(results_b):
        raise ValueError("paired_differences needs equally many runs in both arms")
    outcomes = list(outcomes or numeric_outcomes(results_a[0]))
    a = np.stack([r[outcomes].to_numpy(dtype=float) for r in results_a])  # run x step x outcome
    b = np.stack([r[outcomes].to_numpy(dtype=float) for r in results_b])
    diff = a - b
    n = diff.shape[0]
    mean = diff.mean(axis=0)
    if n >= 2:
        half = stats.t.ppf(0.5 + confidence / 2, n - 1) * diff.std(axis=0, ddof=1) / math.sqrt(n)
    else:
        half = np.full_like(mean, np.nan)
    steps = results_a[0]["step"].to_numpy()
    frame = pd.DataFrame(
        {
            "step": np.repeat(steps, len(outcomes)),
            "outcome": np.tile(outcomes, len(steps)),
            "mean_a": a.mean(axis=0).ravel(),
            "mean_b": b.mean(axis=0).ravel(),
            "mean_diff": mean.ravel(),
            "ci_low": (mean - half).ravel(),
            "ci_high": (mean + half).ravel(),
            "n": n,
        }
    )
    return frame
