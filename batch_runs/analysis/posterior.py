"""The calibration's analysis (ODD §1.3): screening influence, posterior summaries.

Screening ranks the candidates by the largest absolute Spearman correlation between a
parameter's value and the distance or any pattern's miss. The posterior is the last
ABC-SMC round's particles with their importance weights; its summaries are weighted
quantiles, the shrinkage of each parameter's spread against its uniform prior, and
whether the record pins the parameter down.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from batch_runs.design.calibration_spec import CalibrationSpec, point_values, prior_bounds
from batch_runs.patterns import get_patterns
from model.parameters import SCHEMA

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
# A correlation counts as an influence when it exceeds this many standard errors
# (1 / sqrt(N) for N screened points): few false alarms among ~80 x 15 correlations.
INFLUENCE_STANDARD_ERRORS = 3.0


def influence_table(
    spec: CalibrationSpec, values: pd.DataFrame, misses: pd.DataFrame
) -> pd.DataFrame:
    """Per candidate: its Spearman correlation with the distance and with each pattern's
    miss, its influence (the largest of their absolute values) and whether it is fitted:
    the parameters the patterns test (``Pattern.informs``), then the most influential
    others above the threshold, ``max_fitted`` in all."""
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


def posterior_tables(fitted: Sequence[str], result: Any) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The last round's particles, and one row per round."""
    last = result.populations[-1]
    columns = {}
    for name in fitted:
        low, high = prior_bounds(name)
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
        low, high = prior_bounds(name)
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
