"""The Supreme Leader: the veto over deals and the vetting of candidates (C2, C7)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import mesa

from agents.bounds import at_most, clamp
from agents.faction import Faction

# Street protest weighs twice as much as resentment in the pressure the Leader feels.
PROTEST_PRESSURE = 2.0


class SupremeLeader(mesa.Agent):
    """The Supreme Leader (Khamenei in 2011), the regime's real power (C2).

    State: ``distrust`` of the West (0–1), which events move and which returns to its
    level at step 0 (``prior_distrust``) as their effect fades; ``pressure`` (perceived
    domestic pressure for sanctions relief, 0–1, from economic resentment and protest:
    C7) and ``favoured`` (the faction he backs: the strongest faction close to his own
    stance). His stance on compromise is ``1 - distrust``.
    """

    def __init__(self, model: mesa.Model, distrust: float) -> None:
        super().__init__(model)
        self.distrust = distrust
        self.prior_distrust = distrust
        self.pressure = 0.0
        self.favoured: Faction | None = None

    @property
    def stance(self) -> float:
        """How much compromise with the West the Leader would accept (0–1)."""
        return 1.0 - self.distrust

    @staticmethod
    def pressure_target(resentment: float, protest_share: float) -> float:
        """The pressure the public mood implies: resentment plus street protest, which
        counts double because it threatens the regime directly (C7)."""
        return at_most(resentment + PROTEST_PRESSURE * protest_share, 1.0)

    def perceive_pressure(self, resentment: float, protest_share: float, rate: float) -> None:
        """Follow the public mood: resentment of the economy and street protest (C7)."""
        self.pressure += rate * (self.pressure_target(resentment, protest_share) - self.pressure)

    def reconsider_distrust(self, promise_kept: bool) -> None:
        """Monthly: the effect of past events fades back towards his prior distrust, and
        while a ratified deal holds and the West keeps its side (no new sanctions) his
        distrust falls (C2: trust can be earned, as it can be lost)."""
        p = self.model.params
        change = p.distrust_memory * (self.prior_distrust - self.distrust)
        if promise_kept:
            change -= p.distrust_kept_promise_decrease
        self.change_distrust(change)

    def choose_favourite(self, factions: Sequence[Faction]) -> None:
        """Back the faction whose power and closeness to his stance are greatest (C2)."""
        stance = self.stance
        # max(factions, key=...) as a plain loop, which spares a call of the key function
        # per faction; on a tie the first faction wins, as with max.
        favoured, best = None, 0.0
        for faction in factions:
            backing = faction.power * (1.0 - abs(faction.stance - stance))
            if favoured is None or backing > best:
                favoured, best = faction, backing
        self.favoured = favoured

    def change_distrust(self, amount: float) -> None:
        """Refusals and sanctions raise distrust; talks and deals lower it (C2)."""
        self.distrust = clamp(self.distrust + amount, 0.0, 1.0)

    def ratification_probability(self, president_power: float, hardline_power: float) -> float:
        """Probability that he ratifies a deal the president reached (C2, C7).

        A logistic function of the president's power share, hardline power, the
        Leader's distrust and his perceived pressure; the weights are parameters.
        """
        p = self.model.params
        logit = (
            p.ratify_bias
            + p.ratify_president_weight * president_power
            + p.ratify_pressure_weight * self.pressure
            - p.ratify_hardliner_weight * hardline_power
            - p.ratify_distrust_weight * self.distrust
        )
        return 1.0 / (1.0 + math.exp(-logit))

    def disqualification_probability(
        self, faction: Faction, tolerance: float, ramp: float
    ) -> float:
        """The Guardian Council's chance of disqualifying this faction's candidate (C2).

        Zero for the faction he favours and within ``tolerance`` of his stance; rising
        linearly to one at ``ramp`` beyond it (ODD 7.9).
        """
        if faction is self.favoured:
            return 0.0
        distance = abs(faction.stance - self.stance)
        return clamp((distance - tolerance) / ramp, 0.0, 1.0)
