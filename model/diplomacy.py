"""Diplomacy: offers, invitations, the Western answer, talks, deals and the Leader's veto.

One month of diplomacy (ODD 3.1, phase 4; 7.11): a president may offer talks (C1), a
scenario may schedule an offer, or the West may open talks itself, which the president
joins or declines; the US and EU answer offers by their policy (or refuse one a scenario
marks); a refusal humiliates the president's camp (C6), feeds the regime's narrative
(C5) and gives China and Russia an excuse (C4); talks run, break down with blame to one
side (C3) or reach a deal, full or interim, that the Supreme Leader ratifies or vetoes
(C2, C7); a ratified deal relieves sanctions and constrains the programme until it
collapses, sooner under a hardline president.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from agents.bounds import clamp
from agents.president import Offer
from model import factional_balance
from model.parameters import WESTERN_POLICIES

if TYPE_CHECKING:
    from model.model import IranModel

# Uniform draws the diplomacy stream makes every month, used or not, so that paired
# runs that differ only in policy share the same random numbers (common random numbers).
DRAWS_PER_MONTH = 6

# Who the world blames for a failure: Iran with a chance that rises as the regime (or,
# for a collapsing deal, the regime and its president) leans hardline. Even a moderate
# regime is blamed for some failures (base); a wholly hardline one adds the hardline
# share; a real concession on the table makes Iran's blame less likely; the chance is
# never certain either way (bounds).
BLAME_IRAN_BASE = 0.3
BLAME_IRAN_HARDLINE = 0.6
BLAME_CONCESSION_RELIEF = 0.2
BLAME_IRAN_BOUNDS = (0.05, 0.95)

# The talks' and a deal's rate parameters are the monthly hazards at a negotiating stance
# of one half; hazard = rate x this x stance (or x (1 - stance)), so it is the rate there,
# twice it at the pole that drives it and zero at the other.
HAZARD_SCALE = 2.0


def iran_blame_chance(centre: float, concession: bool) -> float:
    """Chance that a failure is blamed on Iran, given how far the regime leans to
    compromise (``centre``, 0–1) and whether Iran's offer carried a concession (C3)."""
    chance = (
        BLAME_IRAN_BASE
        + BLAME_IRAN_HARDLINE * (1.0 - centre)
        - BLAME_CONCESSION_RELIEF * concession
    )
    low, high = BLAME_IRAN_BOUNDS
    return clamp(chance, low, high)


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
    """Running totals of diplomatic events and elections; they never decrease."""

    offers: int = 0
    talks: int = 0
    deals: int = 0
    vetoes: int = 0
    refusals: int = 0
    un_resolutions: int = 0
    runoffs: int = 0


@dataclass(frozen=True)
class Terms:
    """What a deal from the talks on the table would give: the share of sanctions it
    lifts (``relief``) and the share of nuclear progress it halts (``constraint``).
    ``interim`` marks terms with less relief than a full deal's."""

    relief: float
    constraint: float
    interim: bool = False


class Diplomacy:
    """The negotiation state and its monthly rule.

    State: ``talks_active``, ``months_in_talks``, the ``offer`` on the table and the
    ``terms`` of the talks, ``deal_active`` with the ``deal_terms`` that hold,
    ``iran_last_cooperative`` (read by the reciprocal policy), ``salience`` of the
    compromise question (C8), the ``counters``, and what scenario events have scheduled
    for this month: an Iranian offer, a Western ``invitation`` to talks (its terms and the
    event's note), a breakdown (``scheduled_failure``: the side blamed and the note) and
    ``refuse_next_offer``.
    """

    def __init__(self, model: IranModel) -> None:
        self.model = model
        self.talks_active = False
        self.months_in_talks = 0
        self.offer: Offer | None = None
        self.terms = self.full_terms()
        self.scheduled_offer: Offer | None = None
        self.invitation: tuple[Terms, str] | None = None
        self.scheduled_failure: tuple[str, str] | None = None
        self.refuse_next_offer = False
        self.deal_active = False
        self.deal_terms = self.terms
        self.iran_last_cooperative = model.params.iran_last_cooperative
        self.salience = 0.0
        self.counters = Counters()

    def full_terms(self) -> Terms:
        """The terms of a full deal, from the parameters."""
        p = self.model.params
        return Terms(p.deal_sanctions_relief, p.deal_nuclear_constraint)

    def scheduled_terms(self, relief: float | None, constraint: float | None) -> Terms:
        """Terms a scenario's ``talks_open`` offers; missing values from the parameters."""
        full = self.full_terms()
        relief = full.relief if relief is None else relief
        constraint = full.constraint if constraint is None else constraint
        return Terms(relief, constraint, interim=relief < full.relief)

    @property
    def engaged(self) -> bool:
        """Talks run or a deal holds: the West is not, for now, the adversary."""
        return self.talks_active or self.deal_active

    @property
    def relief(self) -> float:
        """Share of sanctions lifted this month (0 unless a deal holds)."""
        return self.deal_terms.relief if self.deal_active else 0.0

    @property
    def constraint(self) -> float:
        """Share of nuclear progress halted this month (0 unless a deal holds)."""
        return self.deal_terms.constraint if self.deal_active else 0.0

    def step(self, u: Sequence[float]) -> None:
        """One month of diplomacy with this month's ``DRAWS_PER_MONTH`` uniform draws.

        Draws: 0 offer or joining, 1 concession, 2 talks' outcome, 3 ratification, 4 blame,
        5 deal collapse.
        """
        m = self.model
        scheduled, self.scheduled_offer = self.scheduled_offer, None
        invitation, self.invitation = self.invitation, None
        failure, self.scheduled_failure = self.scheduled_failure, None
        if scheduled is not None and (self.engaged or invitation is not None):
            m.log("offer", "a scheduled offer lapsed: talks or a deal were already under way")
            scheduled = None
        if invitation is not None and self.deal_active:
            m.log("talks", f"the West's invitation to talks lapsed: a deal holds{invitation[1]}")
        if failure is not None and not self.talks_active:
            m.log("breakdown", f"the West declared talks failed, but none were running{failure[1]}")
        if self.deal_active:
            self._maybe_collapse(u[5], u[4])
        elif self.talks_active:
            if invitation is not None:
                self.terms = invitation[0]
                m.log(
                    "talks",
                    "the West tabled new terms at the talks"
                    + _terms_text(invitation[0])
                    + invitation[1],
                )
            if failure is not None:
                self._break_down(iran_blamed=failure[0] == "iran", note=failure[1])
            else:
                self._run_talks(u[2], u[3], u[4])
        elif invitation is not None:
            self._invite(*invitation, u[0])
        else:
            offer = scheduled or m.president.consider_offer(u[0], u[1], m.leader.pressure)
            if offer is not None:
                self._answer(offer)
        target = 1.0 if self.engaged else 0.0
        self.salience += m.params.salience_rate * (target - self.salience)

    # --- talks the West opens -----------------------------------------------------------

    def _invite(self, terms: Terms, note: str, u: float) -> None:
        """The West opens talks; the president joins or declines (his choice, C1)."""
        m = self.model
        p = m.params
        who = m.president.faction.label
        if m.president.accepts_invitation(u):
            self._open_talks(terms, offer=None)
            m.president.faction.change_prestige(p.talks_prestige_share * p.success_prestige_gain)
            m.log(
                "talks",
                f"the West opened talks and Iran's president ({who}) joined them"
                + _terms_text(terms)
                + note,
            )
            return
        self.iran_last_cooperative = False
        for g in m.governments:
            g.perceive_failure(iran_blamed=True, weight=p.refusal_excuse)
        m.log("refusal", f"Iran's president ({who}) declined the talks the West opened{note}")

    def _open_talks(self, terms: Terms, offer: Offer | None) -> None:
        self.counters.talks += 1
        self.talks_active = True
        self.months_in_talks = 0
        self.offer = offer
        self.terms = terms

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
        forced, self.refuse_next_offer = self.refuse_next_offer, False
        if not forced and western_answer(m.western_policy, offer, self.iran_last_cooperative):
            self._open_talks(self.full_terms(), offer)
            m.president.faction.change_prestige(p.talks_prestige_share * p.success_prestige_gain)
            m.log("talks", f"the US and EU accepted the offer ({m.western_policy}); talks opened")
            return
        self.counters.refusals += 1
        self._rebuff_president(p.rebuff_power_cost, p.rebuff_prestige_cost)
        m.narrative.boost(p.refusal_narrative_boost)
        m.leader.change_distrust(p.distrust_refusal_increase)
        for g in m.governments:
            g.perceive_failure(iran_blamed=False, weight=p.refusal_excuse)
        m.president.cooldown = p.offer_cooldown
        why = "as the scenario set" if forced else m.western_policy
        m.log("refusal", f"the US and EU refused Iran's offer of talks ({why})")

    def _rebuff_president(self, power_cost: float, prestige_cost: float) -> None:
        m = self.model
        factional_balance.rebuff(
            m.factions, m.president.faction, power_cost, m.params.rebuff_association
        )
        m.president.faction.change_prestige(-prestige_cost)

    # --- talks ------------------------------------------------------------------------

    def _run_talks(self, u_outcome: float, u_ratify: float, u_blame: float) -> None:
        m = self.model
        p = m.params
        self.months_in_talks += 1
        m.leader.change_distrust(-p.distrust_talks_decrease)
        centre = self.negotiating_stance()
        deal_hazard = p.talks_deal_rate * HAZARD_SCALE * centre
        breakdown_hazard = p.talks_breakdown_rate * HAZARD_SCALE * (1.0 - centre)
        if u_outcome < deal_hazard:
            self._decide_deal(u_ratify, centre)
        elif (
            u_outcome < deal_hazard + breakdown_hazard or self.months_in_talks >= p.talks_max_months
        ):
            concession = self.offer.concession if self.offer else False
            self._break_down(iran_blamed=u_blame < iran_blame_chance(centre, concession))

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
            self.deal_terms = self.terms
            self.iran_last_cooperative = True
            president.change_prestige(p.success_prestige_gain)
            factional_balance.reward(m.factions, president, p.success_prestige_gain)
            m.leader.change_distrust(-p.distrust_deal_decrease)
            what = "an interim deal" if self.terms.interim else "a deal"
            m.log(
                "deal",
                f"{what} was reached and the Supreme Leader ratified it "
                f"(chance {chance:.0%})" + _terms_text(self.terms),
            )
            return
        self.counters.vetoes += 1
        self.iran_last_cooperative = False
        self._rebuff_president(p.veto_rebuff_share * p.rebuff_power_cost, p.rebuff_prestige_cost)
        for g in m.governments:
            g.perceive_failure(iran_blamed=True, weight=1.0)
        m.president.cooldown = p.offer_cooldown
        m.log(
            "veto",
            f"the Supreme Leader vetoed the deal the president reached "
            f"(chance of ratification {chance:.0%})",
        )

    def _break_down(self, iran_blamed: bool, note: str = "") -> None:
        """Talks fail with the blame on one side (C3): drawn by ``iran_blame_chance``, so
        Iran is seen as the spoiler more often when hardliners dominate, or set by the
        scenario."""
        m = self.model
        p = m.params
        self.talks_active = False
        self.iran_last_cooperative = not iran_blamed
        for g in m.governments:
            g.perceive_failure(iran_blamed=iran_blamed, weight=1.0)
        if not iran_blamed:
            m.narrative.boost(p.breakdown_narrative_share * p.refusal_narrative_boost)
        m.president.cooldown = p.offer_cooldown
        side = "Iran" if iran_blamed else "the West"
        m.log(
            "breakdown",
            f"talks broke down after {self.months_in_talks} months; {side} was blamed{note}",
        )

    def negotiating_stance(self) -> float:
        """How far those who negotiate and must keep a deal lean to compromise (0–1):
        the regime's centre of gravity (the power-weighted stance of the factions) and
        the president's own stance, who leads the negotiators and implements the deal,
        weighted by ``deal_president_weight`` (C2). A hardline president concedes less
        at the table and ends a deal sooner."""
        m = self.model
        weight = m.params.deal_president_weight
        centre = factional_balance.compromise_power(m.factions)
        return (1.0 - weight) * centre + weight * m.president.faction.stance

    def collapse_hazard(self) -> float:
        """Monthly probability that a holding deal collapses: the base rate at a
        negotiating stance of one half, twice it at a wholly hardline one, zero at a wholly
        pro-compromise one."""
        return (
            self.model.params.deal_collapse_rate * HAZARD_SCALE * (1.0 - self.negotiating_stance())
        )

    def _maybe_collapse(self, u: float, u_blame: float) -> None:
        """A deal may collapse; a hardline regime, and above all a hardline president who
        must implement it, end it sooner (C2). The side seen to end it is blamed (C3);
        the sanctions it lifted snap back (C5, C2)."""
        m = self.model
        if u >= self.collapse_hazard():
            return
        self.deal_active = False
        iran_blamed = u_blame < iran_blame_chance(self.negotiating_stance(), concession=False)
        self.iran_last_cooperative = not iran_blamed
        for g in m.governments:
            g.perceive_failure(iran_blamed=iran_blamed, weight=1.0)
        m.impose_sanctions()
        side = "Iran" if iran_blamed else "the West"
        m.log("collapse", f"the deal collapsed ({side} was blamed); sanctions snapped back")


def _terms_text(terms: Terms) -> str:
    """The terms in words, for the event log."""
    kind = "an interim deal" if terms.interim else "a deal"
    return (
        f" ({kind} would lift {terms.relief:.0%} of sanctions and halt "
        f"{terms.constraint:.0%} of nuclear progress)"
    )
