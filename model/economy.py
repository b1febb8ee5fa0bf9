"""The world economy as Iran feels it: oil price, oil exports, sanctions, economic health.

Model state (not agents): the oil price follows a mean-reverting log random walk with
a volatility parameter, or a scenario's path of absolute monthly prices where it gives
one; the energy-market stress index that worries China (C4) is a moving average of the
oil price's absolute monthly moves; oil exports move towards what oil-export sanctions,
less leakage through Chinese and Russian purchases, allow; oil revenue (exports x price)
pays the state's budget; effective sanctions are Western and UN sanctions, less leakage
through Chinese and Russian trade (C4), less any relief from a ratified deal; economic
health moves towards a target set by potential, mismanagement (C7), sanctions and oil
revenue, and starts at that target (ODD 7.2, 7.4, 7.5).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from agents.bounds import at_most, clamp
from agents.foreign_government import ForeignGovernment
from model.parameters import Parameters
from model.scenarios import OIL_PRICE_BOUNDS

# An average absolute monthly log move of 10% counts as full energy-market stress.
FULL_STRESS_MOVE = 0.1
# E|z| of a standard normal z (sqrt(2/pi), rounded): the mean absolute log move of a
# random walk is this times its volatility, so the run starts at the stress it implies.
MEAN_ABS_NORMAL = 0.8
# Days in an average month: turns barrels per day into barrels per month for revenue.
DAYS_PER_MONTH = 365.25 / 12
# Million bbl x USD is million USD; revenue is reported in billion USD.
MILLIONS_PER_BILLION = 1000.0
# Revenue floor inside the logarithm (billion USD a month): keeps the economy's target
# finite when sanctions bar every barrel, without moving it at any real revenue.
MIN_REVENUE = 1e-9


def initial_stress(params: Parameters) -> float:
    """The expected stress at the parameterised volatility (E|z| = 0.8 for a normal z)."""
    return at_most(MEAN_ABS_NORMAL * params.oil_volatility / FULL_STRESS_MOVE, 1.0)


def move_oil_price(
    price: float,
    stress: float,
    z: float,
    params: Parameters,
    shock: float = 0.0,
    path_price: float | None = None,
) -> tuple[float, float]:
    """One month of the oil price and of the energy-market stress index (C4).

    ``z`` is a standard normal draw (drawn every month, used or not, so that runs keep
    their random numbers in step); ``path_price`` an absolute price from the scenario's
    path, which replaces the random walk this month; ``shock`` a scheduled relative
    change (-0.5 halves the price), applied to either. Every move, whatever its cause,
    counts as market stress. Returns (price, stress).
    """
    low, high = OIL_PRICE_BOUNDS
    if path_price is not None:
        new_price = path_price * (1.0 + shock)
    else:
        log_price = math.log(price)
        pull = params.oil_mean_reversion * (math.log(params.oil_price_reference) - log_price)
        new_price = math.exp(log_price + pull + params.oil_volatility * z + math.log1p(shock))
    new_price = clamp(new_price, low, high)
    move = abs(math.log(new_price / price))
    memory = params.energy_stress_memory
    stress = (1 - memory) * stress + memory * at_most(move / FULL_STRESS_MOVE, 1.0)
    return new_price, stress


def sanctions_leakage(governments: Iterable[ForeignGovernment], params: Parameters) -> float:
    """Share of sanctions that leaks through non-Western trade (C4), in [0, 1]."""
    return at_most(params.leakage_rate * sum([g.leakage() for g in governments]), 1.0)


def effective_sanctions(
    western: float, un: float, leakage: float, relief: float, params: Parameters
) -> float:
    """Combined intensity of Western and UN sanctions, less leakage and deal ``relief``."""
    combined = 1.0 - (1.0 - western) * (1.0 - un)
    return clamp(combined * (1.0 - leakage) * (1.0 - relief), 0.0, 1.0)


def oil_exports_target(
    export_sanctions: float, leakage: float, relief: float, params: Parameters
) -> float:
    """Exports (million barrels a day) that oil-export sanctions allow (C4).

    Sanctions bar a share of capacity; what leaks to Chinese and Russian buyers and what
    a deal relieves is sold after all.
    """
    barred = export_sanctions * (1.0 - leakage) * (1.0 - relief)
    return params.oil_export_capacity * (1.0 - clamp(barred, 0.0, 1.0))


def move_oil_exports(exports: float, target: float, params: Parameters) -> float:
    """Exports adjust gradually: buyers, tankers and insurance take months to change."""
    return exports + params.oil_export_adjustment * (target - exports)


def oil_revenue(exports: float, price: float) -> float:
    """Oil revenue in billion USD per month (exports in million bbl/day, price in USD)."""
    return exports * price * DAYS_PER_MONTH / MILLIONS_PER_BILLION


def health_target(revenue: float, sanctions: float, params: Parameters) -> float:
    """The economic health Iran settles at under this month's conditions (C7, C4).

    Potential, less mismanagement and sanctions, plus or minus oil revenue against its
    reference (export capacity at the reference price): oil pays the state's budget.
    """
    reference = oil_revenue(params.oil_export_capacity, params.oil_price_reference)
    # max(revenue, MIN_REVENUE) as a comparison, the builtin's, without its cost.
    floored = MIN_REVENUE if revenue < MIN_REVENUE else revenue
    return (
        params.economic_potential
        - params.mismanagement
        - params.sanctions_economic_impact * sanctions
        + params.oil_economic_sensitivity * math.log(floored / reference)
    )


def resting_health(revenue: float, sanctions: float, params: Parameters) -> float:
    """The target, kept in [0, 1]: the economy's state at step 0, so that no month
    starts with a drift that no event caused."""
    return clamp(health_target(revenue, sanctions, params), 0.0, 1.0)


def move_economy(health: float, target: float, z: float, params: Parameters) -> float:
    """Economic health moves towards its target, with a random shock ``z`` (C7)."""
    health += params.economic_adjustment * (target - health) + params.economic_noise * z
    return clamp(health, 0.0, 1.0)
