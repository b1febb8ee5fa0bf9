"""One focused test per mechanism C1-C8 and K1-K3.

Each compares paired runs with the same seeds that differ only in the cause, and
asserts the direction the op-ed (or its critics) claims, by a margin: each margin is about
half the paired effect measured at the time of writing (noted next to it), so that a
mechanism that is cut off or reduced to a trace fails the test. They test that a mechanism
is wired, not that the op-ed is right: that is measured by ``iran-sim claims``.
``test_mechanism_switches.py`` also checks that each effect vanishes when its mechanism
is switched off.
"""

from dataclasses import replace

import numpy as np
import pytest

from model import IranModel, load_scenario
from model.scenarios import EventSpec

SEEDS = range(6)
N = 400
NO_SPONTANEOUS_OFFERS = {"offer_base_rate": 0.0, "offer_weakness_sensitivity": 0.0}
# Once the West engages, talks neither end in a deal nor break down during the test.
ENDLESS_TALKS = {
    "western_policy": "engage",
    "talks_deal_rate": 0.0,
    "talks_breakdown_rate": 0.0,
    "talks_max_months": 60,
}


def runs(scenario=None, steps=36, **overrides):
    """Results of one run per seed in SEEDS."""
    out = []
    for seed in SEEDS:
        model = IranModel(scenario, rng=seed, n_citizens=N, **overrides)
        model.run(steps)
        out.append(model.results())
    return out


def mean_of(results, column, start=0, stop=None):
    return float(np.mean([r[column].iloc[start:stop].mean() for r in results]))


def without_events():
    return replace(load_scenario("baseline_2011"), events=())


# --- the op-ed's claims -------------------------------------------------------------------


def test_c1_weaker_president_offers_talks_more_often():
    base = load_scenario("baseline_2011")

    def with_prestige(value):
        factions = tuple(replace(f, prestige=value) if f.president else f for f in base.factions)
        return replace(base, factions=factions, events=())

    weak = runs(with_prestige(-0.4), steps=24, western_policy="refuse", offer_cooldown=0)
    strong = runs(with_prestige(0.4), steps=24, western_policy="refuse", offer_cooldown=0)
    # Standing: weak - strong = -0.71; offers over the six runs: 18 against 4.
    assert mean_of(weak, "president_standing", 1) < mean_of(strong, "president_standing", 1) - 0.3
    assert (
        sum(r["offers_total"].iloc[-1] for r in weak)
        > sum(r["offers_total"].iloc[-1] for r in strong) + 6
    )


def test_c1_offer_probability_falls_with_standing():
    model = IranModel(rng=1, n_citizens=200)
    president = model.president
    president.standing = 0.2
    low = president.offer_probability()
    president.standing = 0.8
    assert president.offer_probability() < low


def test_c2_leader_ratifies_a_strong_presidents_deal_more_often():
    model = IranModel(rng=1, n_citizens=200)
    leader = model.leader
    weak = leader.ratification_probability(president_power=0.1, hardline_power=0.6)
    strong = leader.ratification_probability(president_power=0.5, hardline_power=0.6)
    more_hardline = leader.ratification_probability(president_power=0.5, hardline_power=0.9)
    assert weak < strong and more_hardline < strong
    leader.distrust = 0.2
    assert leader.ratification_probability(0.5, 0.6) > strong


def test_c2_a_distrustful_leader_vetoes_more_deals():
    common = dict(steps=60, western_policy="engage", talks_deal_rate=0.5)
    distrustful = runs(leader_distrust_initial=0.95, **common)
    trusting = runs(leader_distrust_initial=0.2, **common)
    vetoes = sum(r["vetoes_total"].iloc[-1] for r in distrustful)
    deals = sum(r["deals_total"].iloc[-1] for r in distrustful)
    vetoes_t = sum(r["vetoes_total"].iloc[-1] for r in trusting)
    deals_t = sum(r["deals_total"].iloc[-1] for r in trusting)
    # Veto shares: 13 of 13 against 5 of 11 (1.00 against 0.45).
    assert vetoes / max(1, vetoes + deals) > vetoes_t / max(1, vetoes_t + deals_t) + 0.25


def test_c3_failed_talks_blamed_on_iran_raise_chinese_and_russian_support():
    # The month-1 offer is accepted and the talks fail in month 3 with Iran blamed, or it
    # is refused. Refusals carry no excuse and talks no K1 effect, so the only difference
    # left is the failed talks. (Talks failing at random, with the blame drawn, give an
    # effect smaller than its noise over a few seeds.)
    base = load_scenario("baseline_2011")
    failure = EventSpec(month=3, kind="talks_fail", values={"blame": "iran"})
    scenario = replace(base, events=(*base.events, failure))
    common = dict(
        steps=24,
        talks_deal_rate=0.0,
        talks_breakdown_rate=0.0,
        refusal_excuse=0.0,
        talks_coercion_dampening=0.0,
        **NO_SPONTANEOUS_OFFERS,
    )
    engaged = runs(scenario, western_policy="engage", **common)
    refused = runs(scenario, western_policy="refuse", **common)
    assert all(r["talks_total"].iloc[-1] == 1 and not r["talks_active"].iloc[-1] for r in engaged)
    for country in ("china", "russia"):
        column = f"sanctions_support_{country}"
        # Engaged - refused: +0.034 (China), +0.037 (Russia).
        assert mean_of(engaged, column, 4) > mean_of(refused, column, 4) + 0.015


def test_c4_a_refusal_lowers_chinese_and_russian_support():
    # The same month-1 offer, refused; in the other arm no offer is made at all.
    refused = runs(steps=12, western_policy="refuse", **NO_SPONTANEOUS_OFFERS)
    no_offer = runs(without_events(), steps=12, western_policy="refuse", **NO_SPONTANEOUS_OFFERS)
    assert all(r["refusals_total"].iloc[-1] == 1 for r in refused)
    for country in ("china", "russia"):
        column = f"sanctions_support_{country}"
        # The excuse lowers support by several thousandths within a year; without it the
        # two arms differ only through tiny side effects (under 1e-4).
        assert mean_of(refused, column, 2) < mean_of(no_offer, column, 2) - 0.003


def test_c4_trade_and_energy_ties_hold_support_down_and_leak_sanctions():
    model = IranModel(rng=1, n_citizens=200)
    china = next(g for g in model.governments if g.name == "china")
    calm = china.support_target(energy_stress=0.0, nuclear_progress=0.3, talks_active=False)
    volatile = china.support_target(energy_stress=1.0, nuclear_progress=0.3, talks_active=False)
    assert volatile < calm
    leak = china.leakage()
    china.trade_ties = 0.0
    assert china.leakage() < leak
    assert china.support_target(0.0, 0.3, False) > calm


def test_c5_a_refusal_feeds_the_narrative_blame_on_the_west_and_resolve():
    refused = runs(steps=12, western_policy="refuse", **NO_SPONTANEOUS_OFFERS)
    no_offer = runs(without_events(), steps=12, western_policy="refuse", **NO_SPONTANEOUS_OFFERS)
    # Refused - no offer: narrative +0.037, blame on the West +0.023, resolve +0.011.
    margins = {"narrative_credibility": 0.015, "blame_west": 0.01, "resolve": 0.005}
    for column, margin in margins.items():
        assert mean_of(refused, column, 2) > mean_of(no_offer, column, 2) + margin, column


def test_c5_new_sanctions_feed_the_narrative():
    with_package = load_scenario("sanctions_escalation_2012")
    without = replace(with_package, events=with_package.events[:1])
    a = runs(with_package, steps=20, western_policy="refuse")
    b = runs(without, steps=20, western_policy="refuse")
    # With the package - without: +0.021.
    assert mean_of(a, "narrative_credibility", 8) > mean_of(b, "narrative_credibility", 8) + 0.01


def test_c6_a_refused_overture_marginalises_the_presidents_camp():
    # The same month-1 offer, accepted in one arm and refused in the other.
    common = dict(steps=6, talks_deal_rate=0.0, talks_breakdown_rate=0.0, **NO_SPONTANEOUS_OFFERS)
    refused = runs(western_policy="refuse", **common)
    accepted = runs(western_policy="engage", **common)
    # In the month of the answer, power differs only through the rebuff itself
    # (refused - accepted: the camp -0.024, the hardliners +0.031).
    assert (
        mean_of(refused, "power_ahmadinejad_camp", 1, 2)
        < mean_of(accepted, "power_ahmadinejad_camp", 1, 2) - 0.01
    )
    assert (
        mean_of(refused, "power_hardliners", 1, 2)
        > mean_of(accepted, "power_hardliners", 1, 2) + 0.015
    )
    # Afterwards the humiliation shows in the camp's legitimacy (-0.15).
    assert (
        mean_of(refused, "legitimacy_ahmadinejad_camp", 2)
        < mean_of(accepted, "legitimacy_ahmadinejad_camp", 2) - 0.07
    )


def test_c7_talks_shift_blame_to_the_government_and_pressure_the_leader():
    # Talks that neither end nor fail, against no offer at all.
    common = dict(
        steps=24,
        **ENDLESS_TALKS,
        **NO_SPONTANEOUS_OFFERS,
    )
    talks = runs(**common)
    none = runs(without_events(), **common)
    assert all(r["talks_active"].iloc[-1] == 1 for r in talks)
    # Talks - none: blame on the West -0.135, resentment +0.052, pressure +0.054.
    assert mean_of(talks, "blame_west", 3) < mean_of(none, "blame_west", 3) - 0.06
    assert (
        mean_of(talks, "economic_resentment", 3) > mean_of(none, "economic_resentment", 3) + 0.025
    )
    assert mean_of(talks, "leader_pressure", 3) > mean_of(none, "leader_pressure", 3) + 0.025


def test_c7_pressure_raises_the_chance_of_ratification():
    model = IranModel(rng=1, n_citizens=200)
    leader = model.leader
    leader.pressure = 0.1
    calm = leader.ratification_probability(0.3, 0.5)
    leader.pressure = 0.8
    assert leader.ratification_probability(0.3, 0.5) > calm


def test_c8_engagement_deepens_division_which_slows_the_programme():
    # Sanctions drag is off, so that only division differs in the nuclear rule.
    common = dict(
        steps=36,
        **ENDLESS_TALKS,
        sanctions_drag=0.0,
        **NO_SPONTANEOUS_OFFERS,
    )
    talks = runs(**common)
    none = runs(without_events(), **common)
    # Talks - none: division +0.245, final progress -0.025.
    assert mean_of(talks, "factional_division", 3) > mean_of(none, "factional_division", 3) + 0.1
    final = [r["nuclear_progress"].iloc[-1] for r in talks]
    final_none = [r["nuclear_progress"].iloc[-1] for r in none]
    assert np.mean(final) < np.mean(final_none) - 0.01


# --- the critics' counter-mechanisms --------------------------------------------------


@pytest.mark.parametrize(
    ("parameter", "value", "column", "direction", "margin"),
    [
        # On - off, measured: K1 -0.170, K2 +0.063, K3 +0.230.
        ("talks_coercion_dampening", 0.5, "sanctions_support_china", -1, 0.08),  # K1
        ("talks_programme_speedup", 1.5, "nuclear_progress", +1, 0.03),  # K2
        ("talks_legitimacy_boost", 0.3, "regime_legitimacy", +1, 0.1),  # K3
    ],
    ids=["K1", "K2", "K3"],
)
def test_critics_mechanisms_move_the_result_their_way(parameter, value, column, direction, margin):
    common = dict(
        steps=24,
        **ENDLESS_TALKS,
    )
    on = runs(**{parameter: value}, **common)
    off = runs(**{parameter: 0.0}, **common)
    difference = mean_of(on, column, 3) - mean_of(off, column, 3)
    assert difference * direction > margin
