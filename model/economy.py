"""The world economy as Iran feels it: oil price, effective sanctions, economic health.

Model state (not agents): the oil price follows a mean-reverting log random walk with
a volatility parameter; the energy-market stress index that worries China (C4) is a
moving average of the oil price's absolute monthly moves; effective sanctions are
Western and UN sanctions, less leakage through Chinese and Russian trade (C4), less
any relief from a ratified deal; economic health moves towards a target set by
potential, mismanagement (C7), sanctions and oil.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from agents.foreign_government import ForeignGovernment
from model.parameters import Parameters

# An average absolute monthly log move of 10% counts as full energy-market stress.
FULL_STRESS_MOVE = 0.1
STRESS_MEMORY = 0.1


def initial_stress(params: Parameters) -> float:
    """The expected stress at the parameterised volatility (E|z| = 0.8 for a normal z)."""
    return min(1.0, 0.8 * params.oil_volatility / FULL_STRESS_MOVE)


def move_oil_price(
    price: float, stress: float, z: float, params: Parameters, shock: float = 0.0
) -> tuple[float, float]:
    """One month of the oil price and of the energy-market stress index (C4).

    ``z`` is a standard normal draw; ``shock`` a scheduled relative change (-0.5 halves
    the price), which counts as a market move like any other. Returns (price, stress).
    """
    log_price = math.log(price)
    pull = params.oil_mean_reversion * (math.log(params.oil_price_reference) - log_price)
    new_log = log_price + pull + params.oil_volatility * z + math.log1p(shock)
    new_log = min(math.log(1000.0), max(math.log(1.0), new_log))
    move = abs(new_log - log_price)
    stress = (1 - STRESS_MEMORY) * stress + STRESS_MEMORY * min(1.0, move / FULL_STRESS_MOVE)
    return math.exp(new_log), stress


def sanctions_leakage(governments: Iterable[ForeignGovernment], params: Parameters) -> float:
    """Share of sanctions that leaks through non-Western trade (C4), in [0, 1]."""
    return min(1.0, params.leakage_rate * sum(g.leakage() for g in governments))


def effective_sanctions(
    western: float, un: float, leakage: float, deal_active: bool, params: Parameters
) -> float:
    """Combined intensity of Western and UN sanctions, less leakage and deal relief."""
    combined = 1.0 - (1.0 - western) * (1.0 - un)
    relief = params.deal_sanctions_relief if deal_active else 0.0
    return min(1.0, max(0.0, combined * (1.0 - leakage) * (1.0 - relief)))


def move_economy(
    health: float, oil_price: float, sanctions: float, z: float, params: Parameters
) -> float:
    """Economic health moves towards potential less mismanagement and sanctions (C7)."""
    target = (
        params.economic_potential
        - params.mismanagement
        - params.sanctions_economic_impact * sanctions
        + params.oil_economic_sensitivity * math.log(oil_price / params.oil_price_reference)
    )
    health += params.economic_adjustment * (target - health) + params.economic_noise * z
    return min(1.0, max(0.0, health))
