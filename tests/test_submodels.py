"""Submodels in isolation: power normalisation, oil shocks, timing of sanctions."""

from dataclasses import replace
from types import SimpleNamespace

import pytest

from model import IranModel, Parameters, load_scenario
from model.economy import move_oil_price
from model.factional_balance import POWER_FLOOR, normalise


def test_normalise_keeps_every_faction_at_the_floor_and_sums_to_one():
    factions = [SimpleNamespace(power=p) for p in (0.001, 0.01001, 0.98899)]
    normalise(factions)
    assert sum(f.power for f in factions) == pytest.approx(1.0)
    assert min(f.power for f in factions) >= POWER_FLOOR - 1e-15


def test_a_scheduled_oil_shock_counts_as_market_stress():
    params = Parameters()
    calm_price, calm_stress = move_oil_price(100.0, 0.3, 0.0, params)
    shocked_price, shocked_stress = move_oil_price(100.0, 0.3, 0.0, params, shock=-0.5)
    assert shocked_price == pytest.approx(calm_price * 0.5)
    assert shocked_stress > calm_stress


def test_a_sanctions_package_hits_the_economy_in_its_own_month():
    base = load_scenario("sanctions_escalation_2012")
    without = replace(base, events=base.events[:1])
    a = IranModel(base, rng=2, n_citizens=200)
    b = IranModel(without, rng=2, n_citizens=200)
    a.run(7)
    b.run(7)
    ra, rb = a.results(), b.results()
    assert ra["economic_health"].iloc[6] == rb["economic_health"].iloc[6]
    assert ra["economic_health"].iloc[7] < rb["economic_health"].iloc[7]
