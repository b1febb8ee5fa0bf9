"""The balance of power between factions: shifts, rebuffs, division (C6, C8).

These rules act on all factions at once, because power shares are renormalised to
sum to 1 after every change.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from agents.bounds import at_most
from agents.faction import Faction

# No faction disappears entirely: it keeps a floor of power (networks, clerics, posts).
POWER_FLOOR = 0.01
# Rescales a stance above the midpoint to a lean of 0 to 1 (LEAN_SCALE x stance - 1 is 0
# at one half and 1 at full compromise): only pro-compromise allies share a rebuff.
LEAN_SCALE = 2.0
# The power a rebuff takes goes to factions in proportion to power x (1 - stance)^this:
# squared, so it goes mostly to the hardliners rather than to centrists.
HARDLINE_GAIN_EXPONENT = 2
# The largest power-weighted standard deviation of stances in [0, 1], that of an even
# split between stances 0 and 1: polarisation is measured against it, so it is 1 there.
MAX_STANCE_SD = 0.5


def normalise(factions: Sequence[Faction]) -> None:
    """Rescale power shares to sum to 1, keeping every faction at or above the floor.

    Factions below the floor are set to it and the others share what remains in
    proportion to their power; repeated until no share falls below the floor.
    """
    if not factions:
        return
    # max(power, 0.0) as a comparison, the builtin's, without its cost.
    powers = [0.0 if f.power < 0.0 else f.power for f in factions]
    total = sum(powers)
    if total > 0:
        shares = [power / total for power in powers]
    else:
        shares = [1.0 / len(factions)] * len(factions)
    # Indexing, not zip(..., strict=True): its keyword costs more than the loop.
    for i, f in enumerate(factions):
        f.power = shares[i]
    if min(shares) < POWER_FLOOR:  # not in the usual month
        raise_to_floor(factions)


def raise_to_floor(factions: Sequence[Faction]) -> None:
    """Set the factions below the floor to it and share what remains among the others
    in proportion to their power, until no share falls below the floor (7.8.4)."""
    floored: set[int] = set()
    while True:
        newly = [i for i, f in enumerate(factions) if i not in floored and f.power < POWER_FLOOR]
        if not newly:
            return
        floored.update(newly)
        free = [f for i, f in enumerate(factions) if i not in floored]
        spare = 1.0 - POWER_FLOOR * len(floored)
        rest = sum(f.power for f in free)
        for i, f in enumerate(factions):
            f.power = POWER_FLOOR if i in floored else f.power * spare / rest


def compromise_power(factions: Sequence[Faction]) -> float:
    """Power-weighted stance on compromise: the regime's centre of gravity (0–1)."""
    return sum([f.power * f.stance for f in factions])


def shift_power(factions: Sequence[Faction], favoured: Faction | None, params) -> None:
    """Monthly drift of power: legitimacy above the regime's average and the Leader's
    favour make a faction grow (C6, C2). The Leader is an arbiter: his backing counts for
    less the more power his favourite already holds (it is scaled by the share the
    favourite does not hold), so that it tilts the balance without letting one faction
    swallow the others."""
    regime = sum([f.power * f.legitimacy for f in factions])
    sensitivity = params.power_legitimacy_sensitivity
    for f in factions:
        growth = sensitivity * (f.legitimacy - regime)
        if f is favoured:
            growth += params.leader_favour_weight * (1.0 - f.power)
        f.power *= math.exp(growth)
    normalise(factions)


def rebuff(
    factions: Sequence[Faction], president: Faction, cost: float, association: float
) -> None:
    """A public humiliation of the officials who reached out (C6; ODD 7.8.5).

    The president's faction loses ``cost`` of its power; other pro-compromise factions
    lose by association, up to ``association`` times that share for a wholly
    pro-compromise one, in proportion to how far their stance leans to compromise; the
    power lost goes to factions in proportion to power x (1 - stance)^2, i.e. mostly to
    hardliners.
    """
    lost = 0.0
    for f in factions:
        lean = max(0.0, LEAN_SCALE * f.stance - 1.0)
        involvement = 1.0 if f is president else association * lean
        loss = cost * involvement * f.power
        f.power -= loss
        lost += loss
    weights = [f.power * (1.0 - f.stance) ** HARDLINE_GAIN_EXPONENT for f in factions]
    total = sum(weights)
    for f, w in zip(factions, weights, strict=True):
        f.power += lost * w / total if total > 0 else lost / len(factions)
    normalise(factions)


def reward(factions: Sequence[Faction], winner: Faction, gain: float) -> None:
    """A success (a ratified deal, an election) raises the winner's power by ``gain``."""
    winner.power *= 1.0 + gain
    normalise(factions)


def division(factions: Sequence[Faction], salience: float, floor: float) -> float:
    """Factional division in [0, 1] (C8; ODD 7.8.6).

    Polarisation is the power-weighted standard deviation of stances, scaled so that an
    even split between stances 0 and 1 gives 1. Engagement makes the question of
    compromise salient, and salience scales polarisation from ``floor`` (the
    ``salience_division_floor``) to full strength.
    """
    centre = compromise_power(factions)
    variance = sum([f.power * (f.stance - centre) ** 2 for f in factions])
    polarisation = at_most(math.sqrt(variance) / MAX_STANCE_SD, 1.0)
    return polarisation * (floor + (1.0 - floor) * salience)
