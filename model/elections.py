"""Presidential elections: vetting by the Guardian Council, then a popular vote (C2, C6)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from model import factional_balance

if TYPE_CHECKING:
    from model.model import IranModel


def is_election_month(month: int, first: int, interval: int) -> bool:
    """Elections fall on the first election month and every ``interval`` months after."""
    return month >= first and (month - first) % interval == 0


def hold_election(model: IranModel, u: np.ndarray) -> None:
    """Vet candidates (one per faction), let citizens vote, pass the presidency on.

    ``u`` holds one uniform draw per faction for the vetting. The Leader's favourite is
    never disqualified, so at least one candidate stands. Citizens vote for the allowed
    faction they like best (approval plus personal taste); protesters boycott. The
    plurality winner takes the presidency and a power bonus (C6).
    """
    factions = model.factions
    leader = model.leader
    leader.choose_favourite(factions)
    p = model.params
    allowed = np.array(
        [
            u_f >= leader.disqualification_probability(f, p.vetting_tolerance)
            for f, u_f in zip(factions, u, strict=True)
        ]
    )
    votes = model.population.vote(allowed)
    total = votes.sum()
    if total == 0:  # everyone boycotts: the Leader's favourite is declared elected
        winner = leader.favoured
        share = 0.0
    else:
        winner = factions[int(np.argmax(votes))]
        share = votes.max() / total
    barred = [f.label for f, ok in zip(factions, allowed, strict=True) if not ok]
    previous = model.president.faction
    model.president.take_office(winner)
    factional_balance.reward(factions, winner, p.election_power_bonus)
    turnout = total / model.population.n
    text = (
        f"presidential election: the candidate of {winner.label} won with {share:.0%} "
        f"of the vote (turnout {turnout:.0%})"
    )
    if barred:
        text += "; disqualified: " + ", ".join(barred)
    if winner is not previous:
        text += f"; the presidency passes from {previous.label}"
    model.log("election", text)
