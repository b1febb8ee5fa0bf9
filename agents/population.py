"""The population: many individual citizens, evaluated in vectorised form (C5, C7, K3).

One Mesa agent holds the citizens as rows of numpy arrays and their small-world
network as a sparse matrix; every monthly rule is a handful of vector operations and
two sparse matrix-vector products, with no Python call per citizen (ODD §2.4).
"""

from __future__ import annotations

import mesa
import numpy as np

from agents.network import row_normalised, small_world_adjacency

# A faction at or above this stance leans to compromise with the West (the midpoint).
COMPROMISE_STANCE = 0.5
# Exposure to the economy is EXPOSURE_MIN + EXPOSURE_RANGE x Beta(EXPOSURE_SHAPE,
# EXPOSURE_SHAPE): from 0.2 to 1.8 with mean 1, so the average citizen feels the
# economy's shortfall in full, nobody is immune and the hardest hit feel nearly twice it.
EXPOSURE_MIN = 0.2
EXPOSURE_RANGE = 1.6
EXPOSURE_SHAPE = 2.0
# Maps the share of hardship blamed on the West, b, to a mood of 1 - BLAME_SIDE_SCALE x b:
# +1 (all blamed on the government) to -1 (all on the West), zero at an even split.
BLAME_SIDE_SCALE = 2.0
# The ideology at which a citizen takes the narrative as it is: more conservative ones
# blame the West more, more liberal ones less (the midpoint of the scale).
NEUTRAL_IDEOLOGY = 0.5


class Population(mesa.Agent):
    """The Iranian population as ``n`` heterogeneous citizens on a social network.

    Per citizen (arrays of length ``n``): ``ideology`` (0 conservative .. 1 liberal and
    pro-Western, fixed), ``risk_aversion`` (fixed), ``exposure`` (how hard the economy
    hits them, fixed), ``hardship``, ``blame_west`` (share of hardship blamed on the
    West), ``resentment`` (of the government's economic management), ``resolve`` (to
    endure hardship), ``political_grievance`` (from a disputed election; it fades),
    ``approval`` (n x factions), ``preferred`` (faction index) and ``active`` (Epstein's
    protest state). ``taste`` (n x factions) is a fixed personal liking for each faction
    that makes preferences heterogeneous.
    """

    def __init__(
        self,
        model: mesa.Model,
        n: int,
        n_factions: int,
        rng: np.random.Generator,
    ) -> None:
        super().__init__(model)
        p = model.params
        self.n = n
        concentration = p.ideology_concentration
        mean = p.ideology_mean
        self.ideology = rng.beta(mean * concentration, (1 - mean) * concentration, n)
        self.risk_aversion = rng.random(n)
        self.exposure = EXPOSURE_MIN + EXPOSURE_RANGE * rng.beta(EXPOSURE_SHAPE, EXPOSURE_SHAPE, n)
        self.taste = rng.normal(0.0, p.taste_sd, (n, n_factions))
        self.adjacency = small_world_adjacency(n, p.network_degree, p.network_rewiring, rng)
        self.neighbour_mean = row_normalised(self.adjacency)
        self.hardship = np.zeros(n)
        self.blame_west = self._own_blame(p.narrative_initial)
        self.resentment = np.zeros(n)
        self.political_grievance = np.zeros(n)
        self.taken_to_streets = np.zeros(n, dtype=bool)
        self.resolve = self._resolve_target()
        self.approval = np.zeros((n, n_factions))
        self.preferred = np.zeros(n, dtype=np.int64)
        self.active = np.zeros(n, dtype=bool)

    def settle(self, economic_health: float) -> None:
        """Start at rest: hardship from the economy and resentment at its equilibrium
        (the hardship not blamed on the West), so that month 1 holds no drift that no
        event caused (ODD 5.1)."""
        self.feel_economy(economic_health)
        self.resentment = self.hardship * (1.0 - self.blame_west)

    # --- the monthly rules, called in this order by the model ------------------------

    def feel_economy(self, economic_health: float) -> None:
        """Hardship: the economy's shortfall, felt in proportion to exposure."""
        np.clip(self.exposure * (1.0 - economic_health), 0.0, 1.0, out=self.hardship)

    def attribute_blame(self, narrative_credibility: float) -> None:
        """Split hardship between the West and the government (C5, C7).

        A citizen's own view follows the regime's narrative, shifted by ideology; it is
        mixed with the neighbours' mean blame, and blame moves towards that target.
        Resentment of the government is the hardship not blamed on the West; resolve to
        endure grows with blame on the West.
        """
        p = self.model.params
        own = self._own_blame(narrative_credibility)
        neighbours = self.neighbour_mean @ self.blame_west
        target = (1.0 - p.social_influence) * own + p.social_influence * neighbours
        self.blame_west += p.blame_update_rate * (target - self.blame_west)
        government_share = self.hardship * (1.0 - self.blame_west)
        self.resentment += p.blame_update_rate * (government_share - self.resentment)
        self.resolve += p.blame_update_rate * (self._resolve_target() - self.resolve)

    def judge_factions(
        self,
        stance: np.ndarray,
        prestige: np.ndarray,
        president: int,
        talks_active: bool,
    ) -> np.ndarray:
        """Approval of each faction by each citizen; returns each faction's legitimacy.

        Approval is affinity (1 - distance between the faction's stance and the
        citizen's mood-adjusted position) plus the faction's prestige, minus the
        citizen's resentment for the president's faction (C7), plus the K3 boost while
        talks run. Hardship blamed on the West pushes a citizen towards hardliners,
        hardship blamed on the government towards compromise (C5, C7).
        """
        p = self.model.params
        shift = p.mood_weight * self.hardship * (1.0 - BLAME_SIDE_SCALE * self.blame_west)
        position = np.clip(self.ideology + shift, 0.0, 1.0)
        approval = 1.0 - np.abs(stance[None, :] - position[:, None])
        approval += prestige[None, :]
        approval[:, president] -= p.incumbent_resentment_weight * self.resentment
        if talks_active:
            approval += p.talks_legitimacy_boost
        np.clip(approval, 0.0, 1.0, out=approval)
        self.approval = approval
        self.preferred = np.argmax(approval + self.taste, axis=1)
        return approval.mean(axis=0)

    def decide_protest(self, power: np.ndarray, repression: float) -> None:
        """Epstein's civil-violence rule with regime legitimacy as each citizen sees it.

        Grievance = felt hardship x (1 - regime approval) + political grievance (capped
        at 1), where felt hardship is lessened by resolve (C5) and regime approval is the
        power-weighted approval of the factions. Net risk = risk aversion x arrest
        probability, which falls with the share of active neighbours. Active when
        grievance - net risk > threshold; those a disputed election has just brought onto
        the streets protest this month whatever the rule says. Political grievance then
        fades.
        """
        p = self.model.params
        felt = self.hardship * (1.0 - p.resolve_tolerance * self.resolve)
        grievance = np.minimum(1.0, felt * (1.0 - self.approval @ power) + self.political_grievance)
        active_neighbours = self.neighbour_mean @ self.active
        arrest = 1.0 - np.exp(-p.arrest_constant * repression * (1.0 - active_neighbours))
        self.active = grievance - self.risk_aversion * arrest > p.protest_threshold
        self.active |= self.taken_to_streets
        self.taken_to_streets[:] = False
        self.political_grievance *= 1.0 - p.political_grievance_memory

    def shock_election(self, grievance: float, protest_share: float) -> None:
        """A disputed election: political grievance rises by ``grievance`` times each
        citizen's liberal ideology (those furthest from the regime feel cheated most),
        and the ``protest_share`` most aggrieved take to the streets this month. Whether
        they stay there is Epstein's rule from then on (C5)."""
        self.political_grievance = np.minimum(
            1.0, self.political_grievance + grievance * self.ideology
        )
        k = int(round(protest_share * self.n))
        if k > 0:
            most = np.argpartition(-self.political_grievance, k - 1)[:k]
            self.taken_to_streets[most] = True

    def vote(
        self, allowed: np.ndarray, economic_appeal: np.ndarray, incumbency: np.ndarray
    ) -> np.ndarray:
        """Votes per faction among the allowed candidates; protesters boycott.

        A citizen votes for the allowed candidate with the highest approval plus taste,
        plus the promise of economic relief (the faction's ``economic_appeal``) weighted
        by his own hardship, plus any ``incumbency`` advantage (C6, ODD 7.7.7).
        """
        relief = self.model.params.relief_vote_weight * self.hardship
        utility = (
            self.approval
            + self.taste
            + relief[:, None] * economic_appeal[None, :]
            + incumbency[None, :]
        )
        utility = np.where(allowed[None, :], utility, -np.inf)
        choice = np.argmax(utility, axis=1)[~self.active]
        return np.bincount(choice, minlength=allowed.size)

    # --- summaries ---------------------------------------------------------------------

    def _own_blame(self, narrative_credibility: float) -> np.ndarray:
        bias = self.model.params.ideology_blame_bias
        return np.clip(narrative_credibility + bias * (NEUTRAL_IDEOLOGY - self.ideology), 0.0, 1.0)

    def _resolve_target(self) -> np.ndarray:
        p = self.model.params
        weight = p.resolve_blame_weight
        conservative = p.conservative_resolve
        return weight * self.blame_west + (1.0 - weight) * conservative * (1.0 - self.ideology)

    def compromise_preference(self, stance: np.ndarray) -> float:
        """Share of citizens whose preferred faction leans to compromise (stance >= 0.5)."""
        return float((stance[self.preferred] >= COMPROMISE_STANCE).mean())

    def regime_legitimacy(self, power: np.ndarray) -> float:
        """Mean over citizens of their power-weighted approval of the factions."""
        return float((self.approval @ power).mean())
