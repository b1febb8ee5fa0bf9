"""The president: a role held by one faction; offers talks when weak (C1)."""

from __future__ import annotations

from dataclasses import dataclass

import mesa

from agents.bounds import at_most, clamp
from agents.faction import Faction

# A placeholder only: the president assesses his standing during initialisation, before
# any rule reads it (ODD 5.1).
INITIAL_STANDING = 0.5
# Power relative to an even split (1/n each) counts in the standing up to this multiple
# of it: a faction with twice an even share holds all the power a standing can reflect.
FULL_POWER_MULTIPLE = 2.0


@dataclass(frozen=True)
class Offer:
    """An Iranian offer to return to talks, made at ``month``.

    ``concession`` says whether it carries something new (read by the conditional
    policy); ``scheduled`` marks offers that came from a scenario's events.
    """

    month: int
    concession: bool
    scheduled: bool = False


class President(mesa.Agent):
    """The Iranian president, leader of the faction that holds the presidency.

    State: ``faction`` (the holder, changed by elections), ``standing`` (0–1: his
    faction's legitimacy, power and prestige), ``cooldown`` (months before he can
    offer again after a refusal or failed talks) and ``terms`` (consecutive terms the
    person in office has begun, for the term limit). Presidents reach out to the West to
    improve their domestic standing when it is weak (C1).
    """

    def __init__(self, model: mesa.Model, faction: Faction) -> None:
        super().__init__(model)
        self.faction = faction
        self.standing = INITIAL_STANDING
        self.cooldown = 0
        self.terms = model.params.president_terms_served_initial

    def assess_standing(self, n_factions: int) -> None:
        """Standing: legitimacy and power relative to an even split, weighted by
        ``standing_legitimacy_weight``, plus prestige (ODD 7.10)."""
        f = self.faction
        w = self.model.params.standing_legitimacy_weight
        relative_power = at_most(f.power * n_factions / FULL_POWER_MULTIPLE, 1.0)
        standing = w * f.legitimacy + (1.0 - w) * relative_power + f.prestige
        self.standing = clamp(standing, 0.0, 1.0)

    def offer_probability(self) -> float:
        """Monthly probability of offering talks: rises as standing falls (C1)."""
        p = self.model.params
        weakness = 1.0 - self.standing
        return at_most(
            p.offer_base_rate + p.offer_weakness_sensitivity * weakness * self.faction.stance, 1.0
        )

    def concession_probability(self, leader_pressure: float) -> float:
        """Chance that an offer carries a real concession (stance and pressure, C1/C7)."""
        p = self.model.params
        willingness = p.concession_without_pressure + leader_pressure
        return at_most(p.concession_propensity * self.faction.stance * willingness, 1.0)

    def consider_offer(
        self, u_offer: float, u_concession: float, leader_pressure: float
    ) -> Offer | None:
        """Decide, with two uniform draws, whether to offer talks this month (C1)."""
        if self.cooldown > 0:
            self.cooldown -= 1
            return None
        if u_offer >= self.offer_probability():
            return None
        concession = u_concession < self.concession_probability(leader_pressure)
        return Offer(month=self.model.steps, concession=concession)

    def accepts_invitation(self, u: float) -> bool:
        """Whether he joins talks the West opens, with one uniform draw (C1).

        Even a hardline president joins with the probability ``talks_acceptance_base``
        (talks ward off sanctions and buy time); the chance rises linearly to 1 with his
        faction's stance on compromise.
        """
        base = self.model.params.talks_acceptance_base
        return u < base + (1.0 - base) * self.faction.stance

    @property
    def may_stand_again(self) -> bool:
        """Whether the term limit lets the person in office stand for another term."""
        limit = self.model.params.presidential_term_limit
        return limit == 0 or self.terms < limit

    def take_office(self, faction: Faction, reelected: bool) -> None:
        """The presidency passes to ``faction`` after an election; ``reelected`` says
        whether the person in office won another term (else a new president begins)."""
        self.faction.holds_presidency = False
        faction.holds_presidency = True
        self.faction = faction
        self.cooldown = 0
        self.terms = self.terms + 1 if reelected else 1
