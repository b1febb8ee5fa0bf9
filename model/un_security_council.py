"""The UN Security Council: sanctions resolutions, watered down or vetoed by China and
Russia (C3, C4; ODD 7.13)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from model.model import IranModel


class SecurityCouncil:
    """Tables and votes on sanctions resolutions.

    The West tables a full-strength draft when no talks run and no deal holds, the
    cooldown since the last vote has passed and mean Western sanctions support exceeds
    the push threshold; a scenario may also schedule a vote on a draft with a given share
    of a full resolution's sanctions (``scheduled_vote``). Each veto power accepts a
    share of the draft that rises with its sanctions support (``acceptable_share``);
    the resolution is adopted with the smallest share any veto power accepts, and
    vetoed when one accepts nothing. So resolutions pass once China and Russia are
    persuaded enough, weak while they are lukewarm and at full strength only when they
    blame Iran (C3). Adopted sanctions raise UN sanctions, the narrative's credibility
    (C5) and the Leader's distrust (C2), in proportion to their strength.
    """

    def __init__(self, model: IranModel) -> None:
        self.model = model
        self.months_since_vote = model.params.un_vote_cooldown
        self.scheduled_vote: float | None = None

    def step(self, u: Sequence[float]) -> None:
        """One month, with one uniform draw per foreign government (drawn every month)."""
        m = self.model
        p = m.params
        self.months_since_vote += 1
        western = m.western_governments
        push = (
            not m.diplomacy.engaged
            and self.months_since_vote >= p.un_vote_cooldown
            and sum([g.sanctions_support for g in western]) / len(western) > p.un_push_threshold
        )
        proposed = self.scheduled_vote
        if proposed is None:
            if not push:
                return
            proposed = 1.0
        self.scheduled_vote = None
        self.months_since_vote = 0
        shares = {
            g.label: g.acceptable_share(draw)
            for g, draw in zip(m.governments, u, strict=False)
            if g.un_veto
        }
        vetoes = [label for label, share in shares.items() if share <= 0.0]
        if vetoes:
            m.log("un_veto", "a UN sanctions resolution was vetoed by " + " and ".join(vetoes))
            return
        adopted = min([proposed, *shares.values()])
        m.diplomacy.counters.un_resolutions += 1
        strength = p.un_resolution_strength * adopted
        if strength > 0.0:
            m.un_sanctions += strength * (1.0 - m.un_sanctions)
            m.impose_sanctions(adopted)
            text = f"the UN Security Council adopted sanctions on Iran ({adopted:.0%} strength)"
            if adopted < proposed:
                text += f", watered down from a {proposed:.0%} draft"
        else:
            text = "the UN Security Council adopted a resolution without new sanctions"
        m.log("un_resolution", text)
