"""Diplomacy: offers, the Western answer, talks, deals and the Leader's veto.

One month of diplomacy (DESIGN.md section 4, step 4): a president may offer talks (C1)
or a scenario schedules an offer; the US and EU answer by their policy; a refusal
humiliates the president's camp (C6), feeds the regime's narrative (C5) and gives
China and Russia an excuse (C4); talks run, break down with blame to one side (C3) or
reach a deal that the Supreme Leader ratifies or vetoes (C2, C7); a ratified deal
relieves sanctions and constrains the programme until it collapses.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from agents.president import Offer
from model import factional_balance, narrative
from model.parameters import WESTERN_POLICIES

if TYPE_CHECKING:
    from model.model import IranModel

# Uniform draws the diplomacy stream makes every month, used or not, so that paired
# runs that differ only in policy share the same random numbers (common random numbers).
DRAWS_PER_MONTH = 6


def western_answer(policy: str, offer: Offer, iran_last_cooperative: bool) -> bool:
    """Whether the US and EU accept ``offer`` under ``policy`` (the model's main lever).

    engage: always; refuse: never; conditional: when the offer carries a real
    concession; reciprocal: when Iran's last behaviour was cooperative.
    """
    if policy == "engage":
        return True
    if policy == "refuse":
        return False
    if policy == "conditional":
        return offer.concession
    if policy == "reciprocal":
        return iran_last_cooperative
    raise ValueError(f"unknown Western policy {policy!r}; expected one of {WESTERN_POLICIES}")


@dataclass
class Counters:
    """Running totals of diplomatic events; they never decrease."""

    offers: int = 0
    talks: int = 0
    deals: int = 0
    vetoes: int = 0
    refusals: int = 0
    un_resolutions: int = 0


class Diplomacy:
    """The negotiation state and its monthly rule.

    State: ``talks_active``, ``months_in_talks``, the ``offer`` on the table,
    ``deal_active``, ``iran_last_cooperative`` (read by the reciprocal policy),
    ``salience`` of the compromise question (C8) and the ``counters``.
    """

    def __init__(self, model: IranModel) -> None:
        self.model = model
        self.talks_active = False
        self.months_in_talks = 0
        self.offer: Offer | None = None
        self.scheduled_offer: Offer | None = None
        self.deal_active = False
        self.iran_last_cooperative = model.params.iran_last_cooperative
        self.salience = 0.0
        self.counters = Counters()

    @property
    def engaged(self) -> bool:
        """Talks run or a deal holds: the West is not, for now, the adversary."""
        return self.talks_active or self.deal_active

    def step(self, u: np.ndarray) -> None:
        """One month of diplomacy with this month's ``DRAWS_PER_MONTH`` uniform draws."""
        m = self.model
        scheduled, self.scheduled_offer = self.scheduled_offer, None
        if scheduled is not None and self.engaged:
            m.log("offer", "a scheduled offer lapsed: talks or a deal were already under way")
        if self.deal_active:
            self._maybe_collapse(u[5])
        elif self.talks_active:
            self._run_talks(u[2], u[3], u[4])
        else:
            offer = scheduled or m.president.consider_offer(u[0], u[1], m.leader.pressure)
            if offer is not None:
                self._answer(offer)
        target = 1.0 if self.engaged else 0.0
        self.salience += m.params.salience_rate * (target - self.salience)

    # --- the answer to an offer ---------------------------------------------------------

    def _answer(self, offer: Offer) -> None:
        m = self.model
        p = m.params
        self.counters.offers += 1
        if offer.concession:
            self.iran_last_cooperative = True
        who = m.president.faction.label
        what = "with a real concession" if offer.concession else "with nothing new"
        m.log("offer", f"Iran's president ({who}) offered to return to talks, {what}")
        if western_answer(m.western_policy, offer, self.iran_last_cooperative):
            self.counters.talks += 1
            self.talks_active = True
            self.months_in_talks = 0
            self.offer = offer
            m.president.faction.change_prestige(0.5 * p.success_prestige_gain)
            m.log("talks", f"the US and EU accepted the offer ({m.western_policy}); talks opened")
            return
        self.counters.refusals += 1
        self._rebuff_president(p.rebuff_power_cost, p.rebuff_prestige_cost)
        m.narrative_credibility = narrative.boost(
            m.narrative_credibility, p.refusal_narrative_boost
        )
        m.leader.change_distrust(p.distrust_refusal_increase)
        for g in m.governments:
            g.perceive_failure(iran_blamed=False, weight=p.refusal_excuse)
        m.president.cooldown = p.offer_cooldown
        m.log("refusal", f"the US and EU refused Iran's offer of talks ({m.western_policy})")

    def _rebuff_president(self, power_cost: float, prestige_cost: float) -> None:
        m = self.model
        factional_balance.rebuff(m.factions, m.president.faction, power_cost)
        m.president.faction.change_prestige(-prestige_cost)

    # --- talks ------------------------------------------------------------------------

    def _run_talks(self, u_outcome: float, u_ratify: float, u_blame: float) -> None:
        m = self.model
        p = m.params
        self.months_in_talks += 1
        m.leader.change_distrust(-p.distrust_talks_decrease)
        centre = factional_balance.compromise_power(m.factions)
        deal_hazard = p.talks_deal_rate * 2.0 * centre
        breakdown_hazard = p.talks_breakdown_rate * 2.0 * (1.0 - centre)
        if u_outcome < deal_hazard:
            self._decide_deal(u_ratify, centre)
        elif (
            u_outcome < deal_hazard + breakdown_hazard or self.months_in_talks >= p.talks_max_months
        ):
            self._break_down(u_blame, centre)

    def _decide_deal(self, u_ratify: float, centre: float) -> None:
        """A deal at the table goes to the Leader, who ratifies or vetoes it (C2, C7)."""
        m = self.model
        p = m.params
        self.talks_active = False
        president = m.president.faction
        chance = m.leader.ratification_probability(president.power, 1.0 - centre)
        if u_ratify < chance:
            self.counters.deals += 1
            self.deal_active = True
            self.iran_last_cooperative = True
            president.change_prestige(p.success_prestige_gain)
            factional_balance.reward(m.factions, president, p.success_prestige_gain)
            m.leader.change_distrust(-p.distrust_deal_decrease)
            m.log(
                "deal",
                f"a deal was reached and the Supreme Leader ratified it "
                f"(chance {chance:.0%}); sanctions eased",
            )
            return
        self.counters.vetoes += 1
        self.iran_last_cooperative = False
        self._rebuff_president(0.5 * p.rebuff_power_cost, p.rebuff_prestige_cost)
        for g in m.governments:
            g.perceive_failure(iran_blamed=True, weight=1.0)
        m.president.cooldown = p.offer_cooldown
        m.log(
            "veto",
            f"the Supreme Leader vetoed the deal the president reached "
            f"(chance of ratification {chance:.0%})",
        )

    def _break_down(self, u_blame: float, centre: float) -> None:
        """Talks fail; Iran is seen as the spoiler more often when hardliners dominate (C3)."""
        m = self.model
        p = m.params
        self.talks_active = False
        concession = self.offer.concession if self.offer else False
        iran_blame_chance = min(0.95, max(0.05, 0.3 + 0.6 * (1.0 - centre) - 0.2 * concession))
        iran_blamed = u_blame < iran_blame_chance
        self.iran_last_cooperative = not iran_blamed
        for g in m.governments:
            g.perceive_failure(iran_blamed=iran_blamed, weight=1.0)
        if not iran_blamed:
            m.narrative_credibility = narrative.boost(
                m.narrative_credibility, 0.5 * p.refusal_narrative_boost
            )
        m.president.cooldown = p.offer_cooldown
        side = "Iran" if iran_blamed else "the West"
        m.log(
            "breakdown", f"talks broke down after {self.months_in_talks} months; {side} was blamed"
        )

    def _maybe_collapse(self, u: float) -> None:
        m = self.model
        p = m.params
        centre = factional_balance.compromise_power(m.factions)
        if u < p.deal_collapse_rate * 2.0 * (1.0 - centre):
            self.deal_active = False
            m.leader.change_distrust(p.distrust_sanctions_increase)
            m.narrative_credibility = narrative.boost(
                m.narrative_credibility, p.sanctions_narrative_boost
            )
            m.log("collapse", "the deal collapsed; sanctions snapped back")
