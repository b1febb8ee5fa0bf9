"""The scenario vocabulary for history: new event kinds, the oil price path, the run's
length, term limits; each with its effect and with a clear error for bad input."""

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from test_scenarios import BASE

from model import IranModel, ScenarioError, load_scenario
from model.scenarios import EventSpec

N = 300


def scenario_with(*events: EventSpec, base: str = "baseline_2011", **params):
    scenario = replace(load_scenario(base), events=tuple(events))
    return scenario.with_overrides(**params) if params else scenario


def event(month: int, kind: str, **values) -> EventSpec:
    """An event with every field of its kind (defaults as the loader fills them)."""
    defaults = {
        "talks_open": {"relief": None, "constraint": None},
        "sanctions_package": {"target": "trade"},
        "un_vote": {"sanctions": 1.0},
        "election_shock": {"protest_share": 0.0},
        "offer": {"concession": False},
    }.get(kind, {})
    return EventSpec(month=month, kind=kind, values=defaults | values)


QUIET = {"offer_base_rate": 0.0, "offer_weakness_sensitivity": 0.0}


def run(scenario, months=12, seed=1, **overrides):
    model = IranModel(scenario, rng=seed, n_citizens=N, **overrides)
    model.run(months)
    return model


# --- talks the West opens -------------------------------------------------------------


def test_talks_open_opens_talks_when_the_president_joins():
    scenario = scenario_with(event(2, "talks_open", relief=0.2, constraint=0.5))
    model = run(scenario, 3, talks_acceptance_base=1.0, talks_deal_rate=0.0, **QUIET)
    results = model.results()
    assert results["talks_active"].tolist()[:4] == [0, 0, 1, 1]
    assert results["talks_total"].iloc[-1] == 1 and results["offers_total"].iloc[-1] == 0
    assert model.diplomacy.terms.relief == 0.2 and model.diplomacy.terms.interim


def test_the_president_may_decline_and_is_then_blamed():
    scenario = scenario_with(event(2, "talks_open"))
    # Without a base chance the president (stance 0.55) joins with probability 0.55:
    # over a dozen seeds some decline, and each decline makes China blame Iran more.
    outcomes = []
    for seed in range(12):
        m = run(scenario, 2, seed=seed, talks_acceptance_base=0.0, **QUIET)
        joined = bool(m.results()["talks_active"].iloc[2])
        china = next(g for g in m.governments if g.name == "china")
        declined_logged = "declined the talks" in " ".join(m.events()["text"])
        outcomes.append((joined, china.blame_iran > china.prior_blame_iran + 1e-3, declined_logged))
    assert {joined for joined, _, _ in outcomes} == {True, False}
    assert all(blamed and logged for joined, blamed, logged in outcomes if not joined)


def test_joining_is_likelier_for_a_pro_compromise_president():
    model = IranModel(rng=1, n_citizens=N, talks_acceptance_base=0.3)
    president = model.president
    president.faction.stance = 0.0
    assert president.accepts_invitation(0.29) and not president.accepts_invitation(0.31)
    president.faction.stance = 1.0
    assert president.accepts_invitation(0.99)


def test_talks_open_while_a_deal_holds_lapses():
    scenario = scenario_with(event(2, "talks_open"), event(4, "talks_open"))
    model = IranModel(scenario, rng=1, n_citizens=N, talks_acceptance_base=1.0, **QUIET)
    model.run(3)
    model.diplomacy.talks_active = False
    model.diplomacy.deal_active = True
    model.run(2)
    assert "lapsed: a deal holds" in " ".join(model.events()["text"])


# --- talks the West declares failed ---------------------------------------------------


@pytest.mark.parametrize("blame", ["iran", "west"])
def test_talks_fail_ends_talks_with_the_given_blame(blame):
    scenario = scenario_with(event(2, "talks_open"), event(5, "talks_fail", blame=blame))
    overrides = {
        "talks_acceptance_base": 1.0,
        "talks_deal_rate": 0.0,
        "talks_breakdown_rate": 0.0,
        **QUIET,
    }
    model = run(scenario, 5, **overrides)
    results = model.results()
    assert results["talks_active"].iloc[4] == 1 and results["talks_active"].iloc[5] == 0
    china = next(g for g in model.governments if g.name == "china")
    held = run(scenario_with(event(2, "talks_open")), 5, **overrides)
    china_held = next(g for g in held.governments if g.name == "china")
    if blame == "iran":
        assert china.blame_iran > china_held.blame_iran
    else:
        assert china.blame_iran < china_held.blame_iran
    side = "Iran" if blame == "iran" else "the West"
    assert f"{side} was blamed" in " ".join(model.events()["text"])


def test_talks_fail_without_talks_lapses_with_a_log_entry():
    model = run(scenario_with(event(3, "talks_fail", blame="iran")), 4, **QUIET)
    assert "none were running" in " ".join(model.events()["text"])
    assert model.results()["talks_total"].iloc[-1] == 0


# --- the refusal of the next offer ----------------------------------------------------


def test_refuse_offer_refuses_the_next_offer_whatever_the_policy():
    scenario = scenario_with(event(2, "refuse_offer"), event(3, "offer"), event(6, "offer"))
    model = run(scenario, 6, western_policy="engage", talks_deal_rate=0.0, **QUIET)
    results = model.results()
    assert results["refusals_total"].iloc[3] == 1 and results["talks_active"].iloc[3] == 0
    # The talks opened by the second offer show that only one offer was refused.
    assert results["talks_total"].iloc[6] == 1


# --- sanctions on oil exports ---------------------------------------------------------


def test_oil_export_sanctions_cut_exports_revenue_and_the_economy():
    cut = scenario_with(event(2, "sanctions_package", intensity=0.6, target="oil_exports"))
    free = scenario_with()
    fixed = {"economic_noise": 0.0, "oil_volatility": 0.0, "leakage_rate": 0.0, **QUIET}
    with_cut = run(cut, 24, **fixed).results()
    without = run(free, 24, **fixed).results()
    capacity = load_scenario("baseline_2011").parameters.oil_export_capacity
    assert without["oil_exports"].eq(capacity).all()
    assert with_cut["oil_exports"].iloc[24] == pytest.approx(0.4 * capacity, rel=0.02)
    assert with_cut["oil_revenue"].iloc[24] < 0.5 * without["oil_revenue"].iloc[24]
    assert with_cut["economic_health"].iloc[24] < without["economic_health"].iloc[24] - 0.05
    # Trade sanctions of the same size leave oil exports alone.
    trade = run(scenario_with(event(2, "sanctions_package", intensity=0.6)), 24, **fixed)
    assert trade.results()["oil_exports"].eq(capacity).all()


def test_leakage_lets_some_barred_oil_through():
    cut = scenario_with(event(2, "sanctions_package", intensity=0.6, target="oil_exports"))
    fixed = {"economic_noise": 0.0, "oil_volatility": 0.0, **QUIET}
    tight = run(cut, 24, leakage_rate=0.0, **fixed).results()["oil_exports"].iloc[-1]
    leaky = run(cut, 24, leakage_rate=1.0, **fixed).results()["oil_exports"].iloc[-1]
    assert leaky > tight


# --- the oil price path ---------------------------------------------------------------


def test_history_2003_follows_its_oil_price_path():
    model = run("history_2003", 76)
    prices = model.results().set_index("date")["oil_price"]
    assert prices["2003-01"] == pytest.approx(31.18)
    assert prices["2008-07"] == pytest.approx(132.72)
    assert prices["2009-05"] == pytest.approx(57.3)


def test_after_the_path_ends_the_random_walk_takes_over(tmp_path: Path):
    path = tmp_path / "short.toml"
    path.write_text(
        'base = "baseline_2011"\n[oil_price_path]\nprices = { "2011-07" = 80.0, '
        '"2011-08" = 60.0 }\n'
    )
    model = run(str(path), 6)
    prices = model.results()["oil_price"].tolist()
    assert prices[1:3] == [80.0, 60.0]
    assert len(set(prices[3:])) == 4 and 60.0 not in prices[3:]
    # The walk's shocks are drawn every month, so after the path the price moves as a
    # path-free run's would from the same point on (common random numbers).
    free = run("baseline_2011", 6).results()["oil_price"].tolist()
    ratio = [a / b for a, b in zip(prices[3:], free[3:], strict=True)]
    assert np.ptp(np.log(ratio)) < np.log(2)


def test_a_path_price_moves_energy_stress(tmp_path: Path):
    calm = 'base = "baseline_2011"\n[parameters]\noil_volatility = 0.0\n'
    (tmp_path / "calm.toml").write_text(calm)
    (tmp_path / "jump.toml").write_text(calm + '[oil_price_path]\nprices = { "2011-08" = 300.0 }\n')
    stressed = run(str(tmp_path / "jump.toml"), 3)
    quiet = run(str(tmp_path / "calm.toml"), 3)
    assert stressed.energy_stress > quiet.energy_stress + 0.05


# --- a disputed election --------------------------------------------------------------


def test_election_shock_raises_grievance_and_protest():
    shock = scenario_with(event(3, "election_shock", grievance=0.6, protest_share=0.2))
    shocked = run(shock, 6).results()
    calm = run(scenario_with(), 6).results()
    assert calm["political_grievance"].eq(0).all()
    assert shocked["political_grievance"].iloc[3] > 0.2
    assert shocked["protest_share"].iloc[3] >= 0.2  # those who took to the streets
    assert shocked["protest_share"].iloc[3] > calm["protest_share"].iloc[3] + 0.05
    # Grievance fades month by month.
    assert shocked["political_grievance"].iloc[6] < shocked["political_grievance"].iloc[3]


def test_those_an_election_shock_brings_onto_the_streets_protest_that_month():
    # No grievance: only the protest share itself brings citizens out, for one month.
    out = scenario_with(event(3, "election_shock", grievance=0.0, protest_share=0.3))
    results = run(out, 5).results()
    calm = run(scenario_with(), 5).results()
    assert results["protest_share"].iloc[3] >= 0.3 > calm["protest_share"].iloc[3]
    assert results["protest_share"].iloc[5] < 0.3


# --- scenario length ------------------------------------------------------------------


def test_run_without_steps_uses_the_scenario_months():
    model = IranModel("history_2003", rng=1, n_citizens=N)
    model.run()
    assert model.steps == 76 == load_scenario("history_2003").months


# --- bad input for every new key ------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        ("months = 0\n", ["'months'", "from 1 to 1200"]),
        ("months = 'long'\n", ["'months'"]),
        ("[oil_price_path]\n", ["[oil_price_path]", "either 'file' or 'prices'"]),
        (
            '[oil_price_path]\nfile = "x.csv"\nprices = { "2011-07" = 80.0 }\n',
            ["either 'file' or 'prices'"],
        ),
        ('[oil_price_path]\nprices = { "July" = 80.0 }\n', ["'July'", "YYYY-MM"]),
        ('[oil_price_path]\nprices = { "2011-07" = -3.0 }\n', ["price -3.0", "from 1 to 1000"]),
        ('[oil_price_path]\nprices = { "2011-07" = "dear" }\n', ["price", "from 1 to 1000"]),
        ("[oil_price_path]\nprices = {}\n", ["non-empty"]),
        ('[oil_price_path]\nfile = "missing.csv"\n', ["missing.csv", "not found"]),
        ('[oil_price_path]\nfile = "p.csv"\nunit = "usd"\n', ["unknown key 'unit'"]),
        ('[oil_price_path]\nfile = "p.csv"\nsource = 3\n', ["'source' must be text"]),
        ("[[events]]\nmonth = 2\nkind = 'talks_open'\nrelief = 1.5\n", ["'relief'", "[0, 1]"]),
        ("[[events]]\nmonth = 2\nkind = 'talks_open'\nterms = 1\n", ["unknown key 'terms'"]),
        ("[[events]]\nmonth = 2\nkind = 'talks_fail'\n", ["missing key 'blame'"]),
        ("[[events]]\nmonth = 2\nkind = 'talks_fail'\nblame = 'china'\n", ["'blame'", "iran"]),
        ("[[events]]\nmonth = 2\nkind = 'refuse_offer'\nwithin = 3\n", ["unknown key"]),
        (
            "[[events]]\nmonth = 2\nkind = 'sanctions_package'\nintensity = 0.1\ntarget = 'gas'\n",
            ["'target'", "oil_exports"],
        ),
        ("[[events]]\nmonth = 2\nkind = 'un_vote'\nsanctions = 2\n", ["'sanctions'", "[0, 1]"]),
        ("[[events]]\nmonth = 2\nkind = 'election_shock'\n", ["missing key 'grievance'"]),
        (
            "[[events]]\nmonth = 2\nkind = 'election_shock'\ngrievance = 0.5\nprotest_share = -1\n",
            ["'protest_share'", "[0, 1]"],
        ),
        ("[parameters]\npresidential_term_limit = 7\n", ["presidential_term_limit", "[0, 4]"]),
    ],
)
def test_bad_history_keys_name_the_key_and_expectation(tmp_path: Path, text, fragments):
    (tmp_path / "p.csv").write_text("date,price\n2011-07,80\n")
    path = tmp_path / "bad.toml"
    # Top-level keys must come before the first [[table]] in TOML.
    path.write_text(text + BASE if text.startswith("months") else BASE + text)
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    message = str(err.value)
    assert str(path) in message
    for fragment in fragments:
        assert fragment in message, message
    assert "\n" not in message


@pytest.mark.parametrize(
    ("csv_text", "fragments"),
    [
        ("when,price\n2011-07,80\n", ["header 'date,price'"]),
        ("date,price\n2011-07,80,9\n", ["line 2", "expected 2 fields"]),
        ("date,price\n2011-13,80\n", ["'2011-13'", "YYYY-MM"]),
        ("date,price\n2011-07,80\n2011-07,81\n", ["given twice"]),
        ("date,price\n2011-07,cheap\n", ["line 2", "price"]),
        ("date,price\n", ["holds no prices"]),
    ],
)
def test_bad_oil_price_files_name_the_line(tmp_path: Path, csv_text, fragments):
    (tmp_path / "p.csv").write_text(csv_text)
    path = tmp_path / "bad.toml"
    path.write_text(BASE + '[oil_price_path]\nfile = "p.csv"\n')
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    for fragment in fragments:
        assert fragment in str(err.value), str(err.value)


def test_bad_faction_economic_appeal(tmp_path: Path):
    path = tmp_path / "bad.toml"
    path.write_text(BASE.replace("stance = 0.8", "stance = 0.8\neconomic_appeal = 2"))
    with pytest.raises(ScenarioError, match="economic_appeal"):
        load_scenario(path)


def test_a_derived_scenario_inherits_months_and_the_oil_path(tmp_path: Path):
    path = tmp_path / "derived.toml"
    path.write_text('base = "history_2003"\n[parameters]\nrepression = 0.7\n')
    derived = load_scenario(path)
    original = load_scenario("history_2003")
    assert derived.months == original.months == 76
    assert derived.oil_price_path == original.oil_price_path
