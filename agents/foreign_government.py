"""Foreign governments: sanctions support, trade and energy ties, blame (C3, C4, K1)."""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

import mesa

from agents.bounds import clamp


@dataclass(frozen=True)
class GovernmentSpec:
    """Initial state and fixed traits of one foreign government (C3, C4)."""

    name: str
    label: str
    western: bool
    un_veto: bool
    sanctions_support: float
    base_support: float
    trade_ties: float = 0.0
    energy_ties: float = 0.0
    blame_iran: float = 0.5


# Spread of a government's noisy reading of a draft resolution (logistic scale, in
# units of sanctions support): votes are not fully predictable from support alone.
VOTE_NOISE = 0.05
# Blame on Iran at which a government reads failures as nobody's fault in particular:
# more blame on Iran raises its sanctions support, less lowers it.
NEUTRAL_BLAME = 0.5
# Keeps the uniform draw off 0 and 1, where the logistic reading would be infinite.
LOGIT_EPSILON = 1e-12


class ForeignGovernment(mesa.Agent):
    """A foreign government (the US, the EU, China, Russia, ...).

    State: ``sanctions_support`` (0–1), fixed ``trade_ties`` and ``energy_ties`` with
    Iran, ``base_support`` (support on its own interests), and ``blame_iran``: its
    view of who spoils diplomacy (1 = Iran, 0 = the West). Western governments carry the
    engagement policy and never blame the West; the others read every failure (C3) and
    every Western refusal (C4) as evidence about who is to blame.
    """

    def __init__(self, model: mesa.Model, spec: GovernmentSpec) -> None:
        super().__init__(model)
        # Every field of the spec is a trait or initial state of the same name (ODD 2.5).
        for item in fields(spec):
            setattr(self, item.name, getattr(spec, item.name))
        self.prior_blame_iran = spec.blame_iran

    def perceive_failure(self, iran_blamed: bool, weight: float) -> None:
        """Move the view of who is to blame after failed diplomacy (C3) or a refusal (C4)."""
        shift = self.model.params.blame_shift * weight
        if iran_blamed:
            self.blame_iran += shift * (1.0 - self.blame_iran)
        elif not self.western:
            self.blame_iran -= shift * self.blame_iran

    def support_target(
        self, energy_stress: float, nuclear_progress: float, talks_active: bool
    ) -> float:
        """The sanctions support its interests and beliefs imply this month (C3, C4, K1).

        Blame on Iran and nuclear alarm raise it; trade ties and energy ties (weighted by
        oil-market volatility) hold it down (C4); while talks run, non-Western
        governments ease off by the K1 parameter.
        """
        p = self.model.params
        target = (
            self.base_support
            + p.credibility_weight * (self.blame_iran - NEUTRAL_BLAME)
            - p.trade_weight * self.trade_ties
            - p.energy_weight * self.energy_ties * energy_stress
            + p.nuclear_alarm_weight * nuclear_progress
        )
        if talks_active and not self.western:
            target -= p.talks_coercion_dampening
        return clamp(target, 0.0, 1.0)

    def update_support(
        self, energy_stress: float, nuclear_progress: float, talks_active: bool
    ) -> None:
        """Views of blame fade to the prior; support moves towards its target."""
        p = self.model.params
        self.blame_iran += p.blame_memory * (self.prior_blame_iran - self.blame_iran)
        target = self.support_target(energy_stress, nuclear_progress, talks_active)
        self.sanctions_support += p.support_adjustment * (target - self.sanctions_support)

    def acceptable_share(self, u: float) -> float:
        """Share of a draft UN resolution's sanctions it will vote for (C3), in [0, 1].

        Western governments table the drafts and accept them whole. Another veto power
        reads the draft with noise (a logistic draw from the uniform ``u``): at or above
        the veto threshold it accepts the whole draft; below it, it waters the draft
        down in proportion to the gap, and at ``un_dilution_room`` or more below it
        accepts nothing and vetoes (as China and Russia amended resolutions 1737 to
        1803 before voting for them).
        """
        if self.western:
            return 1.0
        p = self.model.params
        u = clamp(u, LOGIT_EPSILON, 1.0 - LOGIT_EPSILON)
        reading = self.sanctions_support + VOTE_NOISE * math.log(u / (1.0 - u))
        return clamp(1.0 + (reading - p.un_veto_threshold) / p.un_dilution_room, 0.0, 1.0)

    def leakage(self) -> float:
        """Sanctions leakage through its trade: ties weighted by opposition (C4)."""
        if self.western:
            return 0.0
        return self.trade_ties * (1.0 - self.sanctions_support)
