"""Tests that notice a missing mechanism: C1-C8 and K1-K3, each switched on and off.

Every case is a paired comparison on common random numbers (ODD 3.2): arm A (the cause
as the claim states it) and arm B (its counterfactual) share their seeds and differ in
one thing only. Each case asserts two things:

(a) with the mechanism in place, the mean paired effect A - B has the claimed sign and
    exceeds a margin, chosen at about half the measured effect (for the cases with
    chance in them, several standard errors above zero);
(b) with the mechanism switched off, by its own parameter(s) set to zero or, where no
    parameter switches it off, by ``monkeypatch`` replacing its rule, the effect
    vanishes: exactly, or below a small tolerance where a negligible side path remains.

So removing a mechanism from the source makes (a) fail, and a second, unnoticed path
from the cause to the outcome makes (b) fail. To keep (b) sharp, a case closes the other
paths from its cause to its outcome in both arms (C8, for instance, freezes the factional
balance, so that engagement can change division only through salience); each case says
what it closes. The measured effects (mean over the case's seeds, switched on and off)
are noted next to each case. These tests check that a mechanism is wired and is the only
route of its effect; whether the op-ed is right is measured by ``iran-sim claims``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
import pytest

from model import IranModel, factional_balance, load_scenario
from model.scenarios import EventSpec, Scenario

# --- settings shared by the cases ---------------------------------------------------------

# No offers but the scenario's month-1 offer, which the West answers by its policy.
NO_SPONTANEOUS_OFFERS = {"offer_base_rate": 0.0, "offer_weakness_sensitivity": 0.0}
# Talks, once open, neither end in a deal nor break down within the run.
ENDLESS_TALKS = {"talks_deal_rate": 0.0, "talks_breakdown_rate": 0.0, "talks_max_months": 60}
# The West engages with the month-1 offer and the talks go on (arm A), against no offer.
TALKS = {"western_policy": "engage", **NO_SPONTANEOUS_OFFERS, **ENDLESS_TALKS}
# Power shares move only by rebuffs and rewards: no drift, no election within the run.
FROZEN_BALANCE = {
    "power_legitimacy_sensitivity": 0.0,
    "leader_favour_weight": 0.0,
    "first_election_month": 240,
}
# Talks change nothing at home but through the mechanism under test: no prestige for
# opening them, no scapegoat loss, and sanctions move neither the economy nor the story.
QUIET_TALKS = {
    "success_prestige_gain": 0.0,
    "talks_scapegoat_loss": 0.0,
    "sanctions_economic_impact": 0.0,
    "sanctions_narrative_boost": 0.0,
}


# --- scenarios ----------------------------------------------------------------------------


def offer() -> Scenario:
    """baseline_2011 as shipped: the president offers talks in month 1."""
    return load_scenario("baseline_2011")


def no_offer() -> Scenario:
    """baseline_2011 without its events: no offer at all."""
    return replace(offer(), events=())


def offer_then_failure() -> Scenario:
    """The month-1 offer, and the talks declared failed in month 2 with Iran blamed."""
    failure = EventSpec(month=2, kind="talks_fail", values={"blame": "iran"})
    return replace(offer(), events=(*offer().events, failure))


def president_prestige(value: float) -> Callable[[], Scenario]:
    """No offer scheduled; the president's camp starts with prestige ``value``."""

    def build() -> Scenario:
        base = no_offer()
        factions = tuple(replace(f, prestige=value) if f.president else f for f in base.factions)
        return replace(base, factions=factions)

    return build


def president_power(power: float) -> Callable[[], Scenario]:
    """No offer scheduled; the president's camp and the pragmatists made twins (the same
    stance, prestige and appeal), the camp holding ``power`` of their joint 0.43: the
    regime's centre of gravity and its polarisation do not depend on ``power``."""

    def build() -> Scenario:
        base = no_offer()
        twins = {"ahmadinejad_camp": power, "pragmatists": 0.43 - power}
        factions = tuple(
            replace(f, power=twins[f.name], stance=0.6, prestige=0.0, economic_appeal=0.5)
            if f.name in twins
            else f
            for f in base.factions
        )
        return replace(base, factions=factions)

    return build


# --- outcomes -----------------------------------------------------------------------------

Outcome = Callable[[pd.DataFrame], float]


def mean_of(*columns: str, start: int = 1) -> Outcome:
    """Mean, from month ``start`` to the end, of the mean of ``columns``."""
    return lambda r: float(r[list(columns)].iloc[start:].to_numpy().mean())


def at(column: str, step: int = -1) -> Outcome:
    """The value of ``column`` at ``step`` (default: the last month)."""
    return lambda r: float(r[column].iloc[step])


def veto_share(r: pd.DataFrame) -> float:
    """Share of the deals reached that the Leader vetoed."""
    vetoes, deals = r["vetoes_total"].iloc[-1], r["deals_total"].iloc[-1]
    return float(vetoes / max(1, vetoes + deals))


CHINA_RUSSIA = ("sanctions_support_china", "sanctions_support_russia")


# --- a switch that replaces a rule --------------------------------------------------------


def division_ignores_salience(monkeypatch: pytest.MonkeyPatch) -> None:
    """C8 without its link from engagement to division: division as at zero salience,
    whatever the salience of the compromise question."""
    rule = factional_balance.division

    def division(factions, salience, *args, **kwargs):
        return rule(factions, 0.0, *args, **kwargs)

    monkeypatch.setattr(factional_balance, "division", division)


# --- the cases ----------------------------------------------------------------------------

Arm = tuple[Callable[[], Scenario], dict[str, Any]]
Switch = dict[str, Any] | Callable[[pytest.MonkeyPatch], None]


@dataclass(frozen=True)
class Case:
    """A paired experiment: arms ``a`` and ``b`` (a scenario and overrides), both run with
    the ``common`` overrides on ``seeds`` for ``steps`` months; the claimed ``sign`` of
    mean(outcome(A) - outcome(B)) and the ``margin`` it must exceed; the ``off`` switches
    (overrides, or a function given ``monkeypatch``), each of which must bring the effect
    within ``tolerance`` of zero."""

    a: Arm
    b: Arm
    outcome: Outcome
    sign: int
    margin: float
    off: tuple[Switch, ...]
    common: dict[str, Any] = field(default_factory=dict)
    tolerance: float = 0.0
    seeds: tuple[int, ...] = (0, 1, 2)
    steps: int = 24
    n_citizens: int = 200


CASES: dict[str, Case] = {
    # C1: a weaker president offers talks more often. Standing differs by the camp's
    # prestige (-0.4 against +0.4); offers are refused, with no cooldown. Off: the offer
    # probability does not depend on standing. Offers by month 24, weak - strong:
    # on +2.50 (sd 1.64 over the 20 seeds), off 0.
    "C1": Case(
        a=(president_prestige(-0.4), {}),
        b=(president_prestige(0.4), {}),
        common={"western_policy": "refuse", "offer_cooldown": 0},
        outcome=at("offers_total"),
        sign=+1,
        margin=1.0,
        off=({"offer_weakness_sensitivity": 0.0},),
        seeds=tuple(range(20)),
    ),
    # C2: the Leader vetoes more of a weak president's deals. The president's camp holds
    # 0.08 or 0.35 of power and its twin the rest; every month talks run they reach a
    # deal, a ratified deal soon collapses and the president offers again at once, and
    # nothing but the Leader's decisions differs between the arms (no power drift, no
    # rebuff or reward of power or prestige, no incumbent resentment). Off: ratification
    # does not depend on the president's power. Veto share over 48 months, weak -
    # strong: on +0.236 (standard error 0.033 over the 16 seeds), off 0.
    "C2": Case(
        a=(president_power(0.08), {}),
        b=(president_power(0.35), {}),
        common={
            "western_policy": "engage",
            "offer_base_rate": 1.0,
            "offer_cooldown": 0,
            "talks_deal_rate": 1.0,
            "talks_breakdown_rate": 0.0,
            "deal_collapse_rate": 1.0,
            "leader_distrust_initial": 0.5,
            "rebuff_power_cost": 0.0,
            "rebuff_prestige_cost": 0.0,
            "success_prestige_gain": 0.0,
            "incumbent_resentment_weight": 0.0,
            **FROZEN_BALANCE,
        },
        outcome=veto_share,
        sign=+1,
        margin=0.1,
        off=({"ratify_president_weight": 0.0},),
        seeds=tuple(range(16)),
        steps=48,
        n_citizens=100,
    ),
    # C3: talks that fail with Iran blamed raise China's and Russia's support, against
    # no offer. Their support moves only through blame: no K1, no nuclear alarm. Off: the
    # failure shifts no blame, or blame does not move support. Mean support m2-24:
    # on +0.0350, off 0 (both switches).
    "C3": Case(
        a=(offer_then_failure, {}),
        b=(no_offer, {}),
        common={**TALKS, "talks_coercion_dampening": 0.0, "nuclear_alarm_weight": 0.0},
        outcome=mean_of(*CHINA_RUSSIA, start=2),
        sign=+1,
        margin=0.015,
        off=({"blame_shift": 0.0}, {"credibility_weight": 0.0}),
    ),
    # C4: a refused offer lowers China's and Russia's support, against no offer. Off: a
    # refusal is no excuse. Mean support m2-24: on -0.0099, off -0.9e-5 (the rebuff's
    # tiny side effects through the programme and nuclear alarm).
    "C4": Case(
        a=(offer, {}),
        b=(no_offer, {}),
        common={"western_policy": "refuse", **NO_SPONTANEOUS_OFFERS},
        outcome=mean_of(*CHINA_RUSSIA, start=2),
        sign=-1,
        margin=0.005,
        off=({"refusal_excuse": 0.0},),
        tolerance=1e-4,
    ),
    # C5: a refused offer feeds the narrative, which strengthens resolve, against no
    # offer. Off: a refusal does not boost the narrative. Mean resolve m2-24: on +0.0148,
    # off -7e-5 (side effects of the rebuff and the excuse on later sanctions).
    "C5": Case(
        a=(offer, {}),
        b=(no_offer, {}),
        common={"western_policy": "refuse", **NO_SPONTANEOUS_OFFERS},
        outcome=mean_of("resolve", start=2),
        sign=+1,
        margin=0.007,
        off=({"refusal_narrative_boost": 0.0},),
        tolerance=5e-4,
    ),
    # C6: refusing the offer marginalises the president's camp, against accepting it: its
    # power in the month of the answer, before anything else can differ. Off: a rebuff
    # costs no power. On -0.0239, off 0 (up to rounding in the renormalisation).
    "C6": Case(
        a=(offer, {"western_policy": "refuse"}),
        b=(offer, {"western_policy": "engage"}),
        common={**NO_SPONTANEOUS_OFFERS, **ENDLESS_TALKS},
        outcome=at("power_ahmadinejad_camp", 1),
        sign=-1,
        margin=0.01,
        off=({"rebuff_power_cost": 0.0},),
        tolerance=1e-12,
        steps=1,
    ),
    # C7: talks rob the regime of its scapegoat, so resentment of its economic record and
    # the Leader's pressure rise, against no offer; the talks are otherwise quiet. Off:
    # no scapegoat loss while engaged. Means m3-24: resentment on +0.0358, pressure on
    # +0.0372, both off 0.
    "C7-resentment": Case(
        a=(offer, {}),
        b=(no_offer, {}),
        common={**TALKS, **QUIET_TALKS, "talks_scapegoat_loss": 0.04},
        outcome=mean_of("economic_resentment", start=3),
        sign=+1,
        margin=0.015,
        off=({"talks_scapegoat_loss": 0.0},),
    ),
    "C7-pressure": Case(
        a=(offer, {}),
        b=(no_offer, {}),
        common={**TALKS, **QUIET_TALKS, "talks_scapegoat_loss": 0.04},
        outcome=mean_of("leader_pressure", start=3),
        sign=+1,
        margin=0.015,
        off=({"talks_scapegoat_loss": 0.0},),
    ),
    # C8: engagement deepens division (through salience), which slows the programme,
    # against no offer. The factional balance is frozen and sanctions do not drag the
    # programme, so that salience and the division drag are the only route. Off: salience
    # does not move, division ignores salience (its rule replaced), or division does not
    # drag the programme. Mean division m1-36 on +0.241, progress at m36 on -0.0261,
    # off 0 for every switch.
    "C8-division": Case(
        a=(offer, {}),
        b=(no_offer, {}),
        common={**TALKS, **FROZEN_BALANCE, "sanctions_drag": 0.0, "talks_programme_speedup": 0.0},
        outcome=mean_of("factional_division"),
        sign=+1,
        margin=0.1,
        off=({"salience_rate": 0.0}, division_ignores_salience),
        steps=36,
    ),
    "C8-programme": Case(
        a=(offer, {}),
        b=(no_offer, {}),
        common={**TALKS, **FROZEN_BALANCE, "sanctions_drag": 0.0, "talks_programme_speedup": 0.0},
        outcome=at("nuclear_progress"),
        sign=-1,
        margin=0.01,
        off=({"division_drag": 0.0}, division_ignores_salience),
        steps=36,
    ),
    # K1: while talks run China and Russia are less willing to coerce, against no offer;
    # their support moves by nothing else (no nuclear alarm, and the talks do not fail).
    # Off: no dampening. Mean support m2-24 at the default dampening (0.05): on -0.0340,
    # off 0.
    "K1": Case(
        a=(offer, {}),
        b=(no_offer, {}),
        common={**TALKS, "nuclear_alarm_weight": 0.0, "talks_coercion_dampening": 0.05},
        outcome=mean_of(*CHINA_RUSSIA, start=2),
        sign=-1,
        margin=0.015,
        off=({"talks_coercion_dampening": 0.0},),
    ),
    # K2: Iran uses talks to buy time, against no offer; neither division nor sanctions
    # drag the programme. Off: no speed-up. Progress at m24 with a speed-up of 1: on
    # +0.120, off 0.
    "K2": Case(
        a=(offer, {}),
        b=(no_offer, {}),
        common={
            **TALKS,
            "division_drag": 0.0,
            "sanctions_drag": 0.0,
            "talks_programme_speedup": 1.0,
        },
        outcome=at("nuclear_progress"),
        sign=+1,
        margin=0.05,
        off=({"talks_programme_speedup": 0.0},),
    ),
    # K3: engagement legitimises the regime, against no offer; the talks are otherwise
    # quiet. Off: no legitimacy boost. Mean regime legitimacy m2-24 with a boost of 0.1:
    # on +0.0916, off 0.
    "K3": Case(
        a=(offer, {}),
        b=(no_offer, {}),
        common={**TALKS, **QUIET_TALKS, "talks_legitimacy_boost": 0.1},
        outcome=mean_of("regime_legitimacy", start=2),
        sign=+1,
        margin=0.04,
        off=({"talks_legitimacy_boost": 0.0},),
    ),
}


def paired_effect(case: Case, switch: dict[str, Any] | None = None) -> float:
    """Mean over the case's seeds of outcome(A) - outcome(B), the same seed in both arms."""
    differences = []
    for seed in case.seeds:
        values = []
        for build, overrides in (case.a, case.b):
            settings = {**case.common, **overrides, **(switch or {})}
            model = IranModel(build(), rng=seed, n_citizens=case.n_citizens, **settings)
            model.run(case.steps)
            values.append(case.outcome(model.results()))
        differences.append(values[0] - values[1])
    return float(np.mean(differences))


@pytest.mark.parametrize("name", list(CASES))
def test_mechanism_has_its_effect_and_none_when_switched_off(name, monkeypatch):
    case = CASES[name]
    on = paired_effect(case)
    towards_claim, margin = case.sign * on, case.margin
    assert towards_claim > margin, f"{name}: effect {on:+.4g}, claimed sign {case.sign:+d}"
    for switch in case.off:
        if callable(switch):
            with monkeypatch.context() as patch:
                switch(patch)
                off = paired_effect(case)
        else:
            off = paired_effect(case, switch)
        assert abs(off) <= case.tolerance, f"{name} off by {switch}: effect {off:+.3g}"
