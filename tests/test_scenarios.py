"""Scenario files: every shipped one loads and runs; bad files get clear errors."""

from dataclasses import replace
from pathlib import Path

import pytest

from model import IranModel, ScenarioError, list_scenarios, load_scenario
from model.events import month_to_date


def test_there_are_a_baseline_and_at_least_three_more():
    names = list_scenarios()
    assert "baseline_2011" in names and len(names) >= 4


@pytest.mark.parametrize("name", list_scenarios())
def test_every_scenario_runs_its_months(name):
    model = IranModel(name, rng=3, n_citizens=300)
    model.run()
    results = model.results()
    scenario = load_scenario(name)
    assert len(results) == scenario.months + 1
    assert results["date"].iloc[-1] == month_to_date(
        scenario.parameters.start_date, scenario.months
    )


def test_history_2003_runs_january_2003_to_may_2009():
    model = IranModel("history_2003", rng=3, n_citizens=300)
    model.run()
    dates = model.results()["date"]
    assert (dates.iloc[0], dates.iloc[-1]) == ("2003-01", "2009-05")


def test_baseline_sets_the_op_ed_situation():
    s = load_scenario("baseline_2011")
    president = next(f for f in s.factions if f.president)
    assert president.name == "ahmadinejad_camp" and president.prestige < 0
    china = next(g for g in s.governments if g.name == "china")
    assert china.sanctions_support < s.parameters.un_veto_threshold  # blocks new UN sanctions
    assert s.parameters.un_sanctions_initial > 0  # resolution 1929 in force
    assert [(e.month, e.kind) for e in s.events] == [(1, "offer")]


def test_base_inheritance_keeps_and_replaces():
    s = load_scenario("hardline_consolidation")
    base = load_scenario("baseline_2011")
    assert s.governments == base.governments
    assert s.events == base.events
    assert dict(s.factions[0].__dict__)["power"] > base.factions[0].power
    assert s.parameters.vetting_tolerance != base.parameters.vetting_tolerance


def test_events_are_applied_at_their_month():
    model = IranModel("sanctions_escalation_2012", rng=1, n_citizens=200)
    model.run(26)
    kinds = model.events()
    assert (kinds.loc[kinds.kind == "policy", "step"] == 25).all()
    assert model.western_policy == "engage"
    assert set(kinds.loc[kinds.kind == "sanctions", "step"]) == {7, 13}


def test_oil_shock_moves_the_price():
    path_free = IranModel("baseline_2011", rng=4, n_citizens=200)
    shocked = IranModel("oil_price_collapse", rng=4, n_citizens=200, oil_volatility=0.08)
    path_free.run(40)
    shocked.run(40)
    ratio = shocked.results()["oil_price"].iloc[40] / path_free.results()["oil_price"].iloc[40]
    assert ratio == pytest.approx(0.5, rel=0.05)


BASE = """
name = "t"
[[factions]]
name = "a"
power = 0.5
stance = 0.2
president = true
[[factions]]
name = "b"
power = 0.5
stance = 0.8
[[foreign_governments]]
name = "us"
western = true
sanctions_support = 0.9
base_support = 0.8
"""


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        ("name = ", ["not valid TOML"]),
        (BASE + "colour = 'red'\n", ["unknown key 'colour'"]),
        (BASE + "[parameters]\nbogus = 1\n", ["[parameters]", "unknown parameter 'bogus'"]),
        (BASE + "[parameters]\noil_volatility = 9\n", ["'oil_volatility'", "[0, 0.5]"]),
        (
            BASE.replace("power = 0.5\nstance = 0.8", "power = 0.9\nstance = 0.8"),
            ["'power' must sum to 1"],
        ),
        (BASE.replace("stance = 0.8", "stance = 1.8"), ["[[factions]] #2", "'stance'", "[0, 1]"]),
        (BASE.replace("stance = 0.8", 'stance = "high"'), ["'stance' must be a number"]),
        (BASE.replace('name = "b"', 'name = "B b"'), ["'name'", "lower case"]),
        (BASE.replace('name = "b"', 'name = "a"'), ["name 'a' appears twice"]),
        (BASE.replace("president = true", ""), ["exactly one faction"]),
        (BASE.replace("base_support = 0.8\n", ""), ["missing key 'base_support'"]),
        (BASE.replace("western = true", "western = false"), ["western = true"]),
        (BASE + "[[events]]\nmonth = 3\nkind = 'invasion'\n", ["[[events]] #1", "'kind'"]),
        (BASE + "[[events]]\nmonth = 0\nkind = 'offer'\n", ["'month'"]),
        (BASE + "[[events]]\nmonth = 2\nkind = 'oil_shock'\n", ["missing key 'change'"]),
        (BASE + "[[events]]\nmonth = 2\nkind = 'policy_switch'\npolicy = 'x'\n", ["'policy'"]),
        ('base = "nonexistent"\n', ["unknown scenario 'nonexistent'"]),
        ('name = "x"\n', ["missing [[factions]]"]),
    ],
)
def test_bad_scenario_files_name_file_key_and_expectation(tmp_path: Path, text, fragments):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    message = str(err.value)
    assert str(path) in message or "unknown scenario" in message
    for fragment in fragments:
        assert fragment in message
    assert "\n" not in message


def test_a_minimal_valid_file_runs(tmp_path: Path):
    path = tmp_path / "mine.toml"
    path.write_text(BASE + "[[events]]\nmonth = 2\nkind = 'un_vote'\n")
    model = IranModel(str(path), rng=1, n_citizens=150)
    model.run(5)
    assert {"power_a", "power_b", "sanctions_support_us"} <= set(model.results().columns)


def test_base_cycle_is_reported(tmp_path: Path):
    (tmp_path / "a.toml").write_text('base = "b.toml"\n')
    (tmp_path / "b.toml").write_text('base = "a.toml"\n')
    with pytest.raises(ScenarioError, match="cycle"):
        load_scenario(tmp_path / "a.toml")


def test_missing_file():
    with pytest.raises(ScenarioError, match="not found"):
        load_scenario("does/not/exist.toml")


def test_a_scheduled_offer_during_talks_lapses_with_a_log_entry():
    base = load_scenario("baseline_2011")
    late_offer = replace(base.events[0], month=3)
    scenario = replace(base, events=(base.events[0], late_offer))
    model = IranModel(
        scenario,
        rng=1,
        n_citizens=200,
        western_policy="engage",
        talks_breakdown_rate=0.0,
        talks_deal_rate=0.0,
    )
    model.run(4)
    log = model.events()
    assert "lapsed" in log.loc[log.step == 3, "text"].iloc[0]
    assert model.results()["offers_total"].iloc[-1] == 1
