"""One focused test per mechanism C1-C8 and K1-K3.

Each compares paired runs with the same seeds that differ only in the cause, and
asserts the direction the op-ed (or its critics) claims. They test that a mechanism is
wired, not that the op-ed is right: that is measured by ``iran-sim claims``.
"""

from dataclasses import replace

import numpy as np
import pytest

from model import IranModel, load_scenario

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
    assert mean_of(weak, "president_standing", 1) < mean_of(strong, "president_standing", 1)
    assert sum(r["offers_total"].iloc[-1] for r in weak) > sum(
        r["offers_total"].iloc[-1] for r in strong
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
    assert vetoes / max(1, vetoes + deals) > vetoes_t / max(1, vetoes_t + deals_t)


def test_c3_failed_talks_blamed_on_iran_raise_chinese_and_russian_support():
    # Talks open and fail (no deals); refusals carry no excuse and talks no K1 effect, so
    # the only difference left is failed talks, mostly blamed on a hardline Iran.
    common = dict(
        steps=48,
        talks_deal_rate=0.0,
        talks_breakdown_rate=0.5,
        refusal_excuse=0.0,
        talks_coercion_dampening=0.0,
    )
    engaged = runs(western_policy="engage", **common)
    refused = runs(western_policy="refuse", **common)
    for country in ("china", "russia"):
        column = f"sanctions_support_{country}"
        assert mean_of(engaged, column, 12) > mean_of(refused, column, 12)


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
    for column in ("narrative_credibility", "blame_west", "resolve"):
        assert mean_of(refused, column, 2) > mean_of(no_offer, column, 2), column


def test_c5_new_sanctions_feed_the_narrative():
    with_package = load_scenario("sanctions_escalation_2012")
    without = replace(with_package, events=with_package.events[:1])
    a = runs(with_package, steps=20, western_policy="refuse")
    b = runs(without, steps=20, western_policy="refuse")
    assert mean_of(a, "narrative_credibility", 8) > mean_of(b, "narrative_credibility", 8)


def test_c6_a_refused_overture_marginalises_the_presidents_camp():
    # The same month-1 offer, accepted in one arm and refused in the other.
    common = dict(steps=6, talks_deal_rate=0.0, talks_breakdown_rate=0.0, **NO_SPONTANEOUS_OFFERS)
    refused = runs(western_policy="refuse", **common)
    accepted = runs(western_policy="engage", **common)
    # In the month of the answer, power differs only through the rebuff itself.
    assert mean_of(refused, "power_ahmadinejad_camp", 1, 2) < mean_of(
        accepted, "power_ahmadinejad_camp", 1, 2
    )
    assert mean_of(refused, "power_hardliners", 1, 2) > mean_of(accepted, "power_hardliners", 1, 2)
    # Afterwards the humiliation shows in the camp's legitimacy.
    assert mean_of(refused, "legitimacy_ahmadinejad_camp", 2) < mean_of(
        accepted, "legitimacy_ahmadinejad_camp", 2
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
    assert mean_of(talks, "blame_west", 3) < mean_of(none, "blame_west", 3)
    assert mean_of(talks, "economic_resentment", 3) > mean_of(none, "economic_resentment", 3)
    assert mean_of(talks, "leader_pressure", 3) > mean_of(none, "leader_pressure", 3)


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
    assert mean_of(talks, "factional_division", 3) > mean_of(none, "factional_division", 3)
    final = [r["nuclear_progress"].iloc[-1] for r in talks]
    final_none = [r["nuclear_progress"].iloc[-1] for r in none]
    assert np.mean(final) < np.mean(final_none)


# --- the critics' counter-mechanisms --------------------------------------------------


@pytest.mark.parametrize(
    ("parameter", "value", "column", "direction"),
    [
        ("talks_coercion_dampening", 0.5, "sanctions_support_china", -1),  # K1
        ("talks_programme_speedup", 1.5, "nuclear_progress", +1),  # K2
        ("talks_legitimacy_boost", 0.3, "regime_legitimacy", +1),  # K3
    ],
    ids=["K1", "K2", "K3"],
)
def test_critics_mechanisms_move_the_result_their_way(parameter, value, column, direction):
    common = dict(
        steps=24,
        **ENDLESS_TALKS,
    )
    on = runs(**{parameter: value}, **common)
    off = runs(**{parameter: 0.0}, **common)
    difference = mean_of(on, column, 3) - mean_of(off, column, 3)
    assert difference * direction > 0
