"""Verdicts of the claims audit (ODD §10): a paired effect, its interval, its verdict.

A claim is *supported* when the whole 95% interval of the paired effect lies on the
side of zero it predicts, *contradicted* when it lies wholly on the other side, and
*inconclusive* otherwise.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from batch_runs.analysis.statistics import mean_ci

SUPPORTED = "supported"
CONTRADICTED = "contradicted"
INCONCLUSIVE = "inconclusive"


def verdict(ci_low: float, ci_high: float, expected: int) -> str:
    """Supported if the whole 95% interval lies on the side of zero the claim predicts
    (``expected`` = +1 or -1), contradicted if it lies wholly on the other side,
    inconclusive otherwise (including an undefined interval)."""
    if not (math.isfinite(ci_low) and math.isfinite(ci_high)):
        return INCONCLUSIVE
    low, high = sorted((expected * ci_low, expected * ci_high))
    if low > 0:
        return SUPPORTED
    if high < 0:
        return CONTRADICTED
    return INCONCLUSIVE


TABLE_COLUMNS = [
    "setting",
    "id",
    "claim",
    "statement",
    "cause",
    "arm_a",
    "arm_b",
    "outcome",
    "statistic",
    "expected",
    "mean_a",
    "mean_b",
    "effect",
    "ci_low",
    "ci_high",
    "n",
    "verdict",
]


def summarise(
    setting: str,
    experiment: Any,
    values_a: Sequence[float],
    values_b: Sequence[float],
    steps: int,
) -> dict[str, Any]:
    """One row of the audit table from the paired values of both arms.

    Pairs where either arm's statistic is undefined (NaN, e.g. no deal ever reached
    the Leader) are left out; ``n`` counts the pairs used.
    """
    a = np.asarray(values_a, dtype=float)
    b = np.asarray(values_b, dtype=float)
    ok = np.isfinite(a) & np.isfinite(b)
    effect, low, high = mean_ci(a[ok] - b[ok])
    return {
        "setting": setting,
        "id": experiment.id,
        "claim": experiment.claim,
        "statement": experiment.statement,
        "cause": experiment.cause,
        "arm_a": experiment.label_a,
        "arm_b": experiment.label_b,
        "outcome": experiment.outcome,
        "statistic": experiment.statistic.describe(steps),
        "expected": "+" if experiment.expected > 0 else "-",
        "mean_a": float(a[ok].mean()) if ok.any() else math.nan,
        "mean_b": float(b[ok].mean()) if ok.any() else math.nan,
        "effect": effect,
        "ci_low": low,
        "ci_high": high,
        "n": int(ok.sum()),
        "verdict": verdict(low, high, experiment.expected),
    }
