"""Outcomes and statistics shared by the claims audit, the sensitivity analysis and the
frontier map (ODD §10).

An :class:`Outcome` turns one run's ``results()`` into a monthly series (a column, or a
quantity derived from columns and the scenario, such as the factional balance), and
says which direction is *better for the West* in the op-ed's terms (``better``: +1 if
higher is better, -1 if lower is better). A :class:`Statistic` reduces the series to
one number (the mean over a window of months, or the value at a horizon). The
*engagement advantage* of an outcome is ``better * (engage - refuse)``: positive when
engagement does better than refusal (C9).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from model.outputs import BY_NAME, COUNTRY, OUTPUTS
from model.parameters import ParameterError
from model.scenarios import Scenario

Series = Callable[[pd.DataFrame, Scenario], np.ndarray]
Needs = Callable[[Scenario], list[str]]


@dataclass(frozen=True)
class Outcome:
    """A measured quantity: ``series(results, scenario)`` gives its value per month.

    ``better`` is +1 when a higher value is better for the West in the op-ed's terms,
    -1 when lower is better (0: no direction). ``needs(scenario)`` lists the result
    columns the series is computed from (row by row); ``claims`` lists the claims the
    outcome measures; ``statistic`` is its usual reduction (``mean`` over the months
    for states, ``final`` for cumulative quantities).
    """

    name: str
    label: str
    better: int
    series: Series
    needs: Needs
    claims: str = ""
    statistic: str = "mean"

    def values(self, results: pd.DataFrame, scenario: Scenario) -> np.ndarray:
        """The monthly series as floats (NaN where undefined)."""
        return np.asarray(self.series(results, scenario), dtype=float)


def _column(name: str) -> Series:
    def series(results: pd.DataFrame, scenario: Scenario) -> np.ndarray:
        return results[name].to_numpy(dtype=float)

    return series


def _needs_column(name: str) -> Needs:
    return lambda scenario: [name]


def _needs_prefix(prefix: str, which: Callable[[Scenario], list[str]]) -> Needs:
    return lambda scenario: [prefix + n for n in which(scenario)]


def compromise_power(results: pd.DataFrame, scenario: Scenario) -> np.ndarray:
    """Factional balance (C6, C9): power-weighted stance on compromise, 0–1.

    0 when all power is with factions of stance 0 (hardliners); it rises as power moves
    to the factions most favourable to compromise.
    """
    total = np.zeros(len(results))
    for faction in scenario.factions:
        total += results[f"power_{faction.name}"].to_numpy(dtype=float) * faction.stance
    return total


def non_western_support(results: pd.DataFrame, scenario: Scenario) -> np.ndarray:
    """Mean sanctions support of the non-Western governments (China and Russia in the
    baseline): their willingness to coerce Iran (C3, C4, K1)."""
    names = [g.name for g in scenario.governments if not g.western]
    if not names:
        raise OutcomeError("the scenario has no non-Western governments to measure")
    return np.mean([results[f"sanctions_support_{n}"].to_numpy(dtype=float) for n in names], 0)


def veto_share(results: pd.DataFrame, scenario: Scenario) -> np.ndarray:
    """Share of the deals reached so far that the Supreme Leader vetoed (C2).

    NaN in months before any deal has reached him.
    """
    vetoes = results["vetoes_total"].to_numpy(dtype=float)
    decided = vetoes + results["deals_total"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(decided > 0, vetoes / np.where(decided > 0, decided, 1.0), np.nan)


OUTCOMES: dict[str, Outcome] = {
    "compromise_power": Outcome(
        "compromise_power",
        "Factional balance: power-weighted stance on compromise",
        +1,
        compromise_power,
        _needs_prefix("power_", lambda s: [f.name for f in s.factions]),
        "C6, C9",
    ),
    "china_russia_support": Outcome(
        "china_russia_support",
        "Sanctions support of the non-Western governments (China, Russia)",
        +1,
        non_western_support,
        _needs_prefix(
            "sanctions_support_", lambda s: [g.name for g in s.governments if not g.western]
        ),
        "C3, C4, K1",
    ),
    "veto_share": Outcome(
        "veto_share",
        "Share of deals reached that the Leader vetoed",
        -1,
        veto_share,
        lambda scenario: ["vetoes_total", "deals_total"],
        "C2",
        "final",
    ),
}
# Every numeric column of the output schema is an outcome, with its declared label,
# direction, claims and usual statistic (``model.outputs``).
OUTCOMES |= {
    c.name: Outcome(
        c.name, c.label, c.direction, _column(c.name), _needs_column(c.name), c.claims, c.statistic
    )
    for c in OUTPUTS
    if c.numeric and c.template is None and c.name not in ("run_id", "step")
}


class OutcomeError(ParameterError):
    """An outcome that does not exist (in this scenario): one line, exit status 2."""


def get_outcome(name: str, scenario: Scenario | None = None) -> Outcome:
    """The outcome called ``name``: a registered one, or ``sanctions_support_<country>``
    for a government of ``scenario`` (higher is better for the West: C3, C4)."""
    if name in OUTCOMES:
        return OUTCOMES[name]
    prefix = "sanctions_support_"
    if name.startswith(prefix):
        country = name[len(prefix) :]
        known = [g.name for g in scenario.governments] if scenario is not None else None
        if known is None or country in known:
            column = BY_NAME[f"sanctions_support_{COUNTRY}"]
            label = f"{column.label}: {country}"
            return Outcome(
                name, label, column.direction, _column(name), _needs_column(name), column.claims
            )
    if name.startswith(prefix) and scenario is not None:
        raise OutcomeError(
            f"outcome '{name}': the scenario has no foreign government "
            f"'{name[len(prefix) :]}' (it has {', '.join(g.name for g in scenario.governments)}; "
            "leave such claims out with --claims)"
        )
    choices = ", ".join(sorted(OUTCOMES)) + ", sanctions_support_<country>"
    raise OutcomeError(f"unknown outcome {name!r}; expected one of {choices}")


def directed_outcomes() -> list[str]:
    """Registered outcomes with a direction (usable as an engagement advantage)."""
    return sorted(n for n, o in OUTCOMES.items() if o.better != 0)


@dataclass(frozen=True)
class Statistic:
    """Reduces a monthly series to one number.

    ``kind="mean"``: mean over months ``start``..``horizon`` (inclusive);
    ``kind="final"``: value at ``horizon``. ``horizon=None`` means the run's last
    month; a horizon beyond the run is capped at its last month.
    """

    kind: Literal["mean", "final"]
    horizon: int | None = None
    start: int = 1

    def __post_init__(self) -> None:
        if self.kind not in ("mean", "final"):
            raise ValueError(f"unknown statistic kind {self.kind!r}; expected mean or final")
        if self.start < 0 or (self.horizon is not None and self.horizon < 0):
            raise ValueError("statistic months must be >= 0")

    def months_needed(self, max_steps: int) -> int:
        """Months a run must last for this statistic, at most ``max_steps``."""
        return max_steps if self.horizon is None else min(self.horizon, max_steps)

    def apply(self, series: np.ndarray) -> float:
        """The statistic of ``series`` (index = month). NaN if undefined."""
        last = len(series) - 1
        horizon = last if self.horizon is None else min(self.horizon, last)
        if self.kind == "final":
            return float(series[horizon])
        start = min(self.start, horizon)
        window = series[start : horizon + 1]
        if np.isnan(window).all():
            return math.nan
        return float(np.nanmean(window))

    def describe(self, max_steps: int | None = None) -> str:
        """Short text for tables, e.g. ``mean m1–24`` or ``at m120``."""
        horizon = self.horizon
        if max_steps is not None:
            horizon = self.months_needed(max_steps)
        end = "end" if horizon is None else str(horizon)
        if self.kind == "final":
            return f"at m{end}"
        start = self.start if horizon is None else min(self.start, horizon)
        return f"mean m{start}–{end}"
