"""The statistics every experiment shares: one mean with its Student-t interval.

Every interval in the project (claims audit, comparisons, sweep reports, the
engagement advantage, the dashboard's bands) comes from :func:`t_half_width`, so that
they agree to the bit and the confidence level is set in one place.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

# Two-sided confidence of every interval the project reports.
CONFIDENCE = 0.95


def t_critical(n: int | np.ndarray, confidence: float = CONFIDENCE) -> float | np.ndarray:
    """Student-t quantile for a two-sided interval of ``n`` values (NaN where n < 2)."""
    n = np.asarray(n, dtype=float)
    quantile = stats.t.ppf(0.5 + confidence / 2, np.maximum(n - 1, 1))
    result = np.where(n >= 2, quantile, np.nan)
    return float(result) if result.ndim == 0 else result


def t_half_width(
    std: float | np.ndarray, n: int | np.ndarray, confidence: float = CONFIDENCE
) -> float | np.ndarray:
    """Half-width of the interval of a mean: t quantile × standard error (NaN if n < 2).

    ``std`` is the sample standard deviation (ddof=1).
    """
    standard_error = np.asarray(std) / np.sqrt(np.asarray(n, dtype=float))
    return t_critical(n, confidence) * standard_error


def mean_ci(values: Sequence[float], confidence: float = CONFIDENCE) -> tuple[float, float, float]:
    """Mean and Student-t confidence interval of ``values`` (NaN bounds if n < 2)."""
    x = np.asarray(values, dtype=float)
    n = x.size
    mean = float(x.mean()) if n else math.nan
    if n < 2:
        return mean, math.nan, math.nan
    half = float(t_half_width(float(x.std(ddof=1)), n, confidence))
    return mean, mean - half, mean + half


def mean_ci_along(
    stack: np.ndarray, confidence: float = CONFIDENCE
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean over axis 0 (runs) of ``stack`` and its interval, element by element."""
    mean = stack.mean(axis=0)
    n = stack.shape[0]
    if n < 2:
        return mean, mean * np.nan, mean * np.nan
    half = t_half_width(stack.std(axis=0, ddof=1), n, confidence)
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
    confidence: float = CONFIDENCE,
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
    mean, low, high = mean_ci_along(a - b, confidence)
    steps = results_a[0]["step"].to_numpy()
    return pd.DataFrame(
        {
            "step": np.repeat(steps, len(outcomes)),
            "outcome": np.tile(outcomes, len(steps)),
            "mean_a": a.mean(axis=0).ravel(),
            "mean_b": b.mean(axis=0).ravel(),
            "mean_diff": mean.ravel(),
            "ci_low": low.ravel(),
            "ci_high": high.ravel(),
            "n": a.shape[0],
        }
    )
