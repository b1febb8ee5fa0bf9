"""Naive baselines to score the patterns against, and the pattern summary of a run.

``coin_flip``: the model with every Iranian choice made at random, blind to the state of
the model: the president offers talks at a fixed monthly rate, offers a concession and
joins talks the West opens on the toss of a coin; at the table a deal is reached, or
talks break down, at the parameters' base rates; the Leader ratifies on a coin toss; a
deal collapses at its base rate; and citizens vote at random among the candidates. The
West, China, Russia, the economy and the population follow the model's rules. A model
that reproduces the record no better than this has not explained Iran's choices.

Serves claim C9 (the overall result, measured not assumed) by giving the calibration's
report a yardstick (docs/validation.md).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from agents import Population, President, SupremeLeader
from batch_runs.patterns import PATTERNS, Pattern, get_patterns
from model import IranModel
from model.diplomacy import Diplomacy
from model.scenarios import Scenario

# The probability of a choice made by the toss of a fair coin.
COIN = 0.5
# A stance or standing halfway between the poles, at which the model's state-dependent
# rates take their base values.
MIDPOINT = 0.5
# Keeps the random ballots apart from the model's six random streams.
_BALLOT_KEY = 0xB0A7


class CoinFlipPresident(President):
    """Offers at the rate of a president at middling standing and stance; concedes and
    joins talks on a coin toss."""

    def offer_probability(self) -> float:
        p = self.model.params
        return min(1.0, p.offer_base_rate + p.offer_weakness_sensitivity * MIDPOINT * MIDPOINT)

    def concession_probability(self, leader_pressure: float) -> float:
        return COIN

    def accepts_invitation(self, u: float) -> bool:
        return u < COIN


class CoinFlipLeader(SupremeLeader):
    """Ratifies a deal on a coin toss."""

    def ratification_probability(self, president_power: float, hardline_power: float) -> float:
        return COIN


class CoinFlipDiplomacy(Diplomacy):
    """Deals, breakdowns and collapses at their base rates, whoever sits at the table."""

    def negotiating_stance(self) -> float:
        return MIDPOINT


class CoinFlipPopulation(Population):
    """Citizens vote at random among the allowed candidates (protesters still boycott)."""

    def __init__(self, model, n, n_factions, rng) -> None:
        super().__init__(model, n, n_factions, rng)
        self.ballots = np.random.default_rng(np.random.SeedSequence((model.seed, _BALLOT_KEY)))

    def vote(
        self, allowed: np.ndarray, economic_appeal: np.ndarray, incumbency: np.ndarray
    ) -> np.ndarray:
        candidates = np.flatnonzero(allowed)
        choice = candidates[self.ballots.integers(0, candidates.size, self.n)][~self.active]
        return np.bincount(choice, minlength=allowed.size)


class CoinFlipIranModel(IranModel):
    """The model with Iran's choices made at random (the ``coin_flip`` baseline)."""

    president_type = CoinFlipPresident
    leader_type = CoinFlipLeader
    population_type = CoinFlipPopulation
    diplomacy_type = CoinFlipDiplomacy


MODELS: dict[str, type[IranModel]] = {"model": IranModel, "coin_flip": CoinFlipIranModel}


def simulate_coin_flip(
    scenario: Any, overrides: Mapping[str, Any], seed: int, steps: int
) -> pd.DataFrame:
    """One run of the coin-flip baseline (the runner's ``simulate`` signature)."""
    model = CoinFlipIranModel(scenario, rng=seed, **dict(overrides))
    model.run(steps)
    return model.results()


SIMULATORS = {"model": None, "coin_flip": simulate_coin_flip}


@dataclass(frozen=True)
class PatternSummary:
    """The runner's run summary: each pattern's miss, as columns ``miss_<id>``."""

    ids: tuple[str, ...] = tuple(p.id for p in PATTERNS)

    @property
    def name(self) -> str:
        return "patterns:" + ",".join(self.ids)

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(f"miss_{i}" for i in self.ids)

    @property
    def patterns(self) -> list[Pattern]:
        return get_patterns(self.ids)

    def __call__(self, results: pd.DataFrame, scenario: Scenario) -> Sequence[float]:
        return [p.miss(results, scenario) for p in self.patterns]
