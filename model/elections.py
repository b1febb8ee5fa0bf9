"""Presidential elections: vetting by the Guardian Council, then one or two rounds of a
popular vote, with term limits (C2, C6; ODD 7.15)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from model import factional_balance

if TYPE_CHECKING:
    from model.model import IranModel

# Iran's rule: a candidate needs more than half the votes cast, else the top two meet
# in a run-off a week later.
MAJORITY = 0.5
# Iran's rule: the run-off is between the two leading candidates of the first round.
RUNOFF_CANDIDATES = 2


def is_election_month(month: int, first: int, interval: int) -> bool:
    """Elections fall on the first election month and every ``interval`` months after."""
    return month >= first and (month - first) % interval == 0


def hold_election(model: IranModel, u: Sequence[float]) -> None:
    """Vet candidates (one per faction), let citizens vote, pass the presidency on.

    ``u`` holds one uniform draw per faction for the vetting. The Leader's favourite is
    never disqualified, so at least one candidate stands. The sitting president stands
    again unless the term limit bars him; then his faction fields a successor, who has
    no incumbent's advantage. Citizens vote for the allowed candidate they value most:
    approval, taste, the promise of economic relief weighted by their hardship, and the
    incumbent's advantage; protesters boycott. A candidate with more than half the votes
    wins; otherwise the top two meet in a run-off. The winner takes the presidency and a
    power bonus (C6).
    """
    factions = model.factions
    president = model.president
    p = model.params
    allowed = _vetted(model, u)
    incumbent_stands = president.may_stand_again
    appeal = np.array([f.economic_appeal for f in factions])
    incumbency = np.zeros(len(factions))
    if incumbent_stands:
        incumbency[factions.index(president.faction)] = p.incumbency_advantage
    winner, share, rounds, turnout = _count_votes(model, allowed, appeal, incumbency)
    previous = president.faction
    president.take_office(winner, reelected=winner is previous and incumbent_stands)
    factional_balance.reward(factions, winner, p.election_power_bonus)
    barred = [f.label for f, ok in zip(factions, allowed.tolist(), strict=True) if not ok]
    model.log(
        "election",
        _result_text(winner, share, rounds, turnout, previous, incumbent_stands, barred),
    )


def _vetted(model: IranModel, u: Sequence[float]) -> np.ndarray:
    """Which factions' candidates the Leader allows to stand (C2); his favourite always."""
    leader, p = model.leader, model.params
    leader.choose_favourite(model.factions)
    return np.array(
        [
            u_f >= leader.disqualification_probability(f, p.vetting_tolerance, p.vetting_ramp)
            for f, u_f in zip(model.factions, u, strict=True)
        ]
    )


def _count_votes(
    model: IranModel, allowed: np.ndarray, appeal: np.ndarray, incumbency: np.ndarray
) -> tuple[Any, float, list[str], float]:
    """The winner, his share of the deciding round, each round in words, and turnout:
    a majority in the first round wins, else the top two meet in a run-off."""
    # The counts as Python integers: a handful of candidates, whose sums, maxima and
    # order cost less in plain Python than through numpy scalars, with the same values.
    factions = model.factions
    first = model.population.vote(allowed, appeal, incumbency).tolist()
    total = sum(first)
    turnout = total / model.population.n
    rounds = [_round_text(factions, first)]
    if total == 0:  # everyone boycotts: the Leader's favourite is declared elected
        return model.leader.favoured, 0.0, rounds, turnout
    most = max(first)
    if most / total > MAJORITY or allowed.sum() == 1:
        return factions[first.index(most)], most / total, rounds, turnout
    finalists = _ranking(first)[:RUNOFF_CANDIDATES]
    in_runoff = np.zeros(len(factions), dtype=bool)
    in_runoff[finalists] = True
    second = model.population.vote(in_runoff, appeal, incumbency).tolist()
    rounds.append(_round_text(factions, second))
    model.diplomacy.counters.runoffs += 1
    most = max(second)
    return factions[second.index(most)], most / max(1, sum(second)), rounds, turnout


def _ranking(votes: list[int]) -> list[int]:
    """The candidates' indices from most to fewest votes, a tie in index order."""
    return sorted(range(len(votes)), key=lambda i: -votes[i])


def _result_text(
    winner: Any,
    share: float,
    rounds: list[str],
    turnout: float,
    previous: Any,
    incumbent_stood: bool,
    barred: list[str],
) -> str:
    """The election in words, for the event log."""
    how = "in a run-off" if len(rounds) == 2 else "in the first round"
    text = (
        f"presidential election: the candidate of {winner.label} won {how} with "
        f"{share:.0%} of the vote (turnout {turnout:.0%}; first round: {rounds[0]}"
        + (f"; run-off: {rounds[1]})" if len(rounds) == 2 else ")")
    )
    if not incumbent_stood:
        text += f"; the president of {previous.label} could not stand again (term limit)"
    if barred:
        text += "; disqualified: " + ", ".join(barred)
    if winner is not previous:
        text += f"; the presidency passes from {previous.label}"
    return text


def _round_text(factions, votes: list[int]) -> str:
    total = max(1, sum(votes))
    return ", ".join(
        f"{factions[i].label} {votes[i] / total:.0%}" for i in _ranking(votes) if votes[i] > 0
    )
