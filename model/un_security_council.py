"""The UN Security Council: new sanctions resolutions, vetoed by China or Russia (C3, C4)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from model import narrative

if TYPE_CHECKING:
    from model.model import IranModel


class SecurityCouncil:
    """Tables and votes on new sanctions resolutions.

    The West tables a resolution when no talks run and no deal holds, the cooldown since
    the last vote has passed and mean Western sanctions support exceeds the push
    threshold (or when a scenario schedules a vote). Each veto power votes yes with a
    probability that rises steeply around the veto threshold; one no vetoes it. A new
    resolution raises UN sanctions, the narrative's credibility (C5) and the Leader's
    distrust (C2).
    """

    def __init__(self, model: IranModel) -> None:
        self.model = model
        self.months_since_vote = model.params.un_vote_cooldown
        self.scheduled_vote = False

    def step(self, u: np.ndarray) -> None:
        """One month, with one uniform draw per foreign government (drawn every month)."""
        m = self.model
        p = m.params
        self.months_since_vote += 1
        western = [g.sanctions_support for g in m.governments if g.western]
        push = (
            not m.diplomacy.engaged
            and self.months_since_vote >= p.un_vote_cooldown
            and sum(western) / len(western) > p.un_push_threshold
        )
        if not (push or self.scheduled_vote):
            return
        self.scheduled_vote = False
        self.months_since_vote = 0
        vetoes = [
            g.label
            for g, draw in zip(m.governments, u, strict=False)
            if g.un_veto and draw >= g.yes_probability()
        ]
        if vetoes:
            m.log("un_veto", "a UN sanctions resolution was vetoed by " + " and ".join(vetoes))
            return
        m.diplomacy.counters.un_resolutions += 1
        m.un_sanctions += p.un_resolution_strength * (1.0 - m.un_sanctions)
        m.narrative_credibility = narrative.boost(
            m.narrative_credibility, p.sanctions_narrative_boost
        )
        m.leader.change_distrust(p.distrust_sanctions_increase)
        m.log("un_resolution", "the UN Security Council adopted new sanctions on Iran")
