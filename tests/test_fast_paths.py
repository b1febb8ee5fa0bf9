"""Shortcuts taken for speed give exactly what the plain way gives.

A sweep of many short runs pays for building each model and for every month's fixed
work; these shortcuts cut that cost (benchmarks/fixed_cost.py) and each is held here to
the result of the plain way: scenario files read once and read again when they change,
overrides checked once, a run's random draws taken a block of months at a time, Mesa's
``run_for`` for a run without a progress callback, parameters read as plain
attributes, and the monthly rules' plain-Python bounds, choices, sums and rankings
(ODD §3.2, §5.2, §7).
"""

from __future__ import annotations

import pickle
import shutil
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from agents.bounds import at_most, clamp
from model import IranModel, Parameters, economy, load_scenario
from model.elections import _ranking
from model.factional_balance import normalise, raise_to_floor
from model.model import RunParameters, monthly_draws
from model.parameters import SCHEMA
from model.scenarios import SCENARIO_DIR, ScenarioError, list_scenarios


def test_a_scenario_file_is_read_again_when_it_changes(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text('base = "baseline_2011"\n[parameters]\nn_citizens = 300\n')
    first = load_scenario(path)
    assert load_scenario(path) is first  # read once
    # The same size, and no time for the file's clock to move: only the contents tell.
    path.write_text('base = "baseline_2011"\n[parameters]\nn_citizens = 400\n')
    assert load_scenario(path).parameters.n_citizens == 400
    path.unlink()
    with pytest.raises(ScenarioError, match="not found"):
        load_scenario(path)


def test_a_change_to_a_base_scenario_or_an_oil_price_file_is_seen(tmp_path):
    for name in ("history_2003.toml", "history_2003_oil.csv", "calibrated_history_2003.toml"):
        shutil.copy(SCENARIO_DIR / name, tmp_path / name)
    child = tmp_path / "calibrated_history_2003.toml"
    child.write_text(child.read_text().replace('"history_2003"', '"history_2003.toml"'))
    before = load_scenario(child)
    csv = tmp_path / "history_2003_oil.csv"
    header, first, *rest = csv.read_text().splitlines()
    date, price = first.split(",")
    csv.write_text("\n".join([header, f"{date},{float(price) + 1:.2f}", *rest]) + "\n")
    after = load_scenario(child)
    assert after.oil_price_path.prices[0][1] == pytest.approx(
        before.oil_price_path.prices[0][1] + 1
    )
    base = tmp_path / "history_2003.toml"
    base.write_text(base.read_text().replace(f"months = {before.months}", "months = 99"))
    assert load_scenario(child).months == 99


def test_every_default_is_its_own_validated_value():
    # What lets a scenario's overrides skip the values that are the schema's defaults.
    for parameter in SCHEMA.values():
        checked = parameter.validate(parameter.default)
        assert type(checked) is type(parameter.default) and checked == parameter.default


@pytest.mark.parametrize("name", list_scenarios())
def test_overrides_give_what_parameters_replace_gives(name):
    spec = load_scenario(name)
    overrides = {"n_citizens": 100, "oil_volatility": 0.05, "western_policy": "refuse"}
    ours = spec.with_overrides(**overrides).parameters
    plain = spec.parameters.replace(**overrides)
    assert ours == plain
    assert [type(v) for v in ours.values()] == [type(v) for v in plain.values()]


def test_draws_a_block_at_a_time_are_the_draws_a_month_at_a_time():
    for per_month in (None, 4):
        plain = np.random.default_rng(7)
        draws = monthly_draws(np.random.default_rng(7).random, months=3, per_month=per_month)
        for _ in range(8):  # past two blocks
            expected = plain.random(per_month)
            got = draws()
            assert np.array_equal(got, expected), per_month
    plain = np.random.default_rng(9)
    normals = monthly_draws(np.random.default_rng(9).standard_normal, months=5)
    assert [normals() for _ in range(12)] == [plain.standard_normal() for _ in range(12)]


def test_run_gives_what_stepping_month_by_month_gives():
    stepped = IranModel("history_2003", rng=6, n_citizens=100)
    for _ in range(30):
        stepped.step()
    run = IranModel("history_2003", rng=6, n_citizens=100)
    run.run(30)
    assert (run.steps, run.time) == (stepped.steps, stepped.time)
    pd.testing.assert_frame_equal(run.results(), stepped.results(), check_exact=True)
    pd.testing.assert_frame_equal(run.events(), stepped.events())
    run.run(0)
    assert run.steps == 30


def test_run_parameters_are_the_scenarios_parameters():
    spec = load_scenario("calibrated")
    params = RunParameters(spec.parameters)
    assert isinstance(params, Parameters) and params == spec.parameters
    assert vars(params) == dict(spec.parameters)  # plain attributes, read without lookup
    assert all(getattr(params, name) == value for name, value in spec.parameters.items())
    assert pickle.loads(pickle.dumps(params)) == spec.parameters
    assert params.replace(n_citizens=300).n_citizens == 300
    with pytest.raises(AttributeError):
        params.n_citizens = 5


# Values where the order of comparison shows: a NaN, zeros of both signs, infinities,
# the bounds themselves, numpy scalars.
_AWKWARD = [
    float("nan"), -0.0, 0.0, 1.0, -1.0, 0.5, 1.5, float("inf"), -float("inf"),
    np.float64(0.25), np.float64(-0.0), np.float64("nan"), 1e-300, 1 - 1e-16,
]  # fmt: skip


def _same_float(a, b) -> bool:
    # Equal as stored: the same bits (so NaN equals NaN and -0.0 differs from 0.0).
    return type(a) is type(b) and np.float64(a).tobytes() == np.float64(b).tobytes()


@pytest.mark.parametrize("bounds", [(0.0, 1.0), (-0.0, 1.0), (0.0, 0.0), (1.0, 0.0), (-0.5, 0.5)])
def test_bounds_give_what_the_builtins_give(bounds):
    low, high = bounds
    for value in _AWKWARD:
        assert _same_float(clamp(value, low, high), min(high, max(low, value))), value
        assert _same_float(at_most(value, high), min(high, value)), value


def test_the_leaders_favourite_is_max_by_backing_the_first_on_a_tie():
    model = IranModel(rng=4, n_citizens=100)
    leader, factions = model.leader, model.factions
    rng = np.random.default_rng(3)
    for trial in range(200):
        for f in factions:
            # Ties on purpose in half the trials: equal power and stance.
            f.power, f.stance = (0.25, 0.5) if trial % 2 else tuple(rng.random(2))
        stance = leader.stance
        expected = max(factions, key=lambda f: f.power * (1.0 - abs(f.stance - stance)))
        leader.choose_favourite(factions)
        assert leader.favoured is expected


def _plain_normalise(factions) -> None:
    # The rule as ODD 7.8.4 states it: rescale, then the floor, always (the floor's
    # passes change nothing when no share is below it): what ``normalise`` must give.
    powers = [max(f.power, 0.0) for f in factions]
    total = sum(powers)
    for f, power in zip(factions, powers, strict=True):
        f.power = power / total if total > 0 else 1.0 / len(factions)
    raise_to_floor(factions)


def test_normalise_gives_the_plain_rules_shares():
    rng = np.random.default_rng(5)
    cases = [[0.0, 0.0, 0.0], [-0.1, 0.5, 0.5], [0.001, 0.01001, 0.98899]]
    cases += [list(rng.random(k) ** 6) for k in (2, 3, 4, 5, 8) for _ in range(40)]
    for powers in cases:
        ours = [SimpleNamespace(power=p) for p in powers]
        plain = [SimpleNamespace(power=p) for p in powers]
        normalise(ours)
        _plain_normalise(plain)
        assert [f.power for f in ours] == [f.power for f in plain], powers


def test_the_ranking_of_candidates_is_numpys_stable_descending_sort():
    rng = np.random.default_rng(8)
    for _ in range(300):
        votes = rng.integers(0, 4, rng.integers(1, 7)).tolist()  # many ties
        expected = np.argsort(-np.array(votes), kind="stable").tolist()
        assert _ranking(votes) == expected, votes


def test_leakage_through_the_non_western_governments_is_the_sum_over_all():
    model = IranModel("history_2003", rng=2, n_citizens=100)
    model.run(24)
    # The month's leakage, from the non-Western governments, is the sum over all of them.
    assert model.leakage == economy.sanctions_leakage(model.governments, model.params)
    assert all(g.leakage() == 0.0 for g in model.western_governments)
    assert 0.0 < model.leakage < 1.0
