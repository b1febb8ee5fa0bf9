"""Iran's nuclear programme: progress slowed by division, sanctions and deals (C8, K2)."""

from __future__ import annotations

from agents.bounds import clamp
from model.parameters import Parameters


def advance(
    progress: float,
    division: float,
    sanctions: float,
    talks_active: bool,
    deal_constraint: float,
    params: Parameters,
) -> float:
    """One month of nuclear progress (1 = breakout capability).

    The base rate is cut by factional division (C8: a divided government hinders the
    programme), by effective sanctions and by the constraint of a ratified deal
    (``deal_constraint``, 0 when none holds); while talks run the K2 parameter speeds it
    up (critics: Iran uses talks to buy time).
    """
    rate = params.nuclear_base_rate
    rate *= 1.0 - params.division_drag * division
    rate *= 1.0 - params.sanctions_drag * sanctions
    rate *= 1.0 - deal_constraint
    if talks_active:
        rate *= 1.0 + params.talks_programme_speedup
    return clamp(progress + rate, 0.0, 1.0)
