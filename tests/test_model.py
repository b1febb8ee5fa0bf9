"""The public API of IranModel: construction, stepping, results, reproducibility."""

import re

import numpy as np
import pandas as pd
import pytest

from model import IranModel, ParameterError, Parameters, load_scenario
from model.outputs import OUTPUTS


def expected_columns(model: IranModel) -> list[str]:
    names = []
    for column in (c.name for c in OUTPUTS):
        if column == "run_id":
            continue
        if "<faction>" in column:
            names += [column.replace("<faction>", f.name) for f in model.factions]
        elif "<country>" in column:
            names += [column.replace("<country>", g.name) for g in model.governments]
        else:
            names.append(column)
    return names


def test_results_have_every_documented_column_and_month_zero():
    model = IranModel(rng=1, n_citizens=300)
    model.run(12)
    results = model.results()
    assert list(results.columns) == expected_columns(model)
    assert list(results["step"]) == list(range(13))
    assert results["date"].iloc[0] == "2011-06" and results["date"].iloc[12] == "2012-06"
    assert all(re.fullmatch(r"\d{4}-\d{2}", d) for d in results["date"])


def test_step_advances_one_month():
    model = IranModel(rng=1, n_citizens=200)
    model.step()
    model.step()
    assert model.steps == 2 and len(model.results()) == 3


def test_same_seed_gives_byte_identical_csv():
    a = IranModel(rng=11, n_citizens=500)
    b = IranModel(rng=11, n_citizens=500)
    a.run(60)
    b.run(60)
    assert a.results().to_csv(index=False) == b.results().to_csv(index=False)
    assert a.events().equals(b.events())


def test_different_seeds_differ():
    a = IranModel(rng=1, n_citizens=500)
    b = IranModel(rng=2, n_citizens=500)
    a.run(24)
    b.run(24)
    assert not a.results()["oil_price"].equals(b.results()["oil_price"])


def test_omitted_seed_is_drawn_and_reproduces():
    a = IranModel(n_citizens=200)
    a.run(10)
    b = IranModel(n_citizens=200, rng=a.seed)
    b.run(10)
    pd.testing.assert_frame_equal(a.results(), b.results())


def test_scenario_accepts_name_path_scenario_and_parameters():
    scenario = load_scenario("baseline_2011")
    by_name = IranModel("baseline_2011", rng=5, n_citizens=200)
    by_path = IranModel(scenario.source, rng=5, n_citizens=200)
    by_object = IranModel(scenario, rng=5, n_citizens=200)
    by_params = IranModel(Parameters(n_citizens=200), rng=5)
    frames = []
    for m in (by_name, by_path, by_object, by_params):
        m.run(6)
        frames.append(m.results())
    for f in frames[1:]:
        pd.testing.assert_frame_equal(frames[0], f)


def test_seed_from_a_text_field_and_bad_seeds():
    assert IranModel(rng="42", n_citizens=200).seed == 42
    for bad in (-1, "x", 1.5, True):
        with pytest.raises(ParameterError, match="seed"):
            IranModel(rng=bad, n_citizens=200)


def test_run_rejects_bad_steps():
    model = IranModel(rng=1, n_citizens=200)
    with pytest.raises(ParameterError, match="steps"):
        model.run(-3)


def test_event_log_in_words():
    model = IranModel(rng=1, n_citizens=300, western_policy="refuse")
    model.run(3)
    log = model.events()
    assert list(log.columns) == ["step", "date", "kind", "text"]
    first = log.iloc[0]
    assert first["kind"] == "offer" and first["date"] == "2011-07"
    assert "the US and EU refused Iran's offer of talks" in " ".join(log["text"])


def test_policies_only_differ_once_an_offer_is_answered():
    runs = {}
    for policy in ("engage", "refuse"):
        m = IranModel(rng=9, n_citizens=300, western_policy=policy)
        m.run(24)
        runs[policy] = m.results()
    assert runs["engage"].iloc[0, 3:].equals(runs["refuse"].iloc[0, 3:])
    # Common random numbers: the oil path does not depend on the policy.
    np.testing.assert_array_equal(runs["engage"]["oil_price"], runs["refuse"]["oil_price"])
    assert runs["engage"]["talks_total"].iloc[-1] >= 1
    assert runs["refuse"]["refusals_total"].iloc[-1] >= 1


def test_a_hundred_thousand_citizens_run():
    model = IranModel(rng=1, n_citizens=100_000)
    model.run(3)
    assert model.population.n == 100_000
    assert model.results()["protest_share"].between(0, 1).all()


def test_mesas_scenario_carries_the_runs_seed_and_parameters():
    model = IranModel("history_2003", rng=11, n_citizens=150)
    assert model.scenario.rng == 11 and model.scenario.model is model
    assert model.scenario.name == "history_2003"
    assert model.scenario.n_citizens == 150
    assert dict(model.scenario)["oil_volatility"] == model.params.oil_volatility
    assert model.scenario_spec.events  # the full scenario (events, factions) is ours
    model.step()
    with pytest.raises(ValueError, match="during model run"):
        model.scenario.n_citizens = 10


def test_the_run_is_over_at_the_scenarios_last_month_and_may_go_on():
    model = IranModel("history_2003", rng=3, n_citizens=100)
    model.run(model.months - 1)
    assert model.running
    model.step()
    assert not model.running and model.steps == model.months
    model.run(2)  # past the horizon on request (sweeps with more steps)
    assert len(model.results()) == model.months + 3
