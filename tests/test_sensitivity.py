"""Sensitivity analysis of the engagement advantage: SALib through the runner."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from batch_runs import sensitivity as sa
from batch_runs.execution import read_runs
from batch_runs.execution import simulate as model_simulate
from cli.main import main
from model.parameters import SCHEMA

FEW = ["leakage_rate", "oil_volatility", "mismanagement", "repression"]


def dominated_by_leakage(scenario, overrides, seed, steps):
    """A synthetic model: the real model's columns (1 month, 100 citizens), but nuclear
    progress under engagement = refusal's - 0.3 * leakage_rate + 0.01 * repression +
    small noise, so the engagement advantage is dominated by leakage_rate."""
    frame = model_simulate(scenario, overrides, seed, steps)
    noise = np.random.default_rng(seed).normal(0.0, 0.001)
    base = 0.5 + noise
    if overrides["western_policy"] == "engage":
        base += -0.3 * overrides["leakage_rate"] + 0.01 * overrides["repression"]
    frame["nuclear_progress"] = base
    return frame


@pytest.mark.parametrize(
    ("method", "samples"), [("morris", 6), pytest.param("sobol", 16, marks=pytest.mark.slow)]
)
def test_a_parameter_that_dominates_by_construction_ranks_first(tmp_path: Path, method, samples):
    result = sa.run_sensitivity(
        tmp_path / method,
        method=method,
        samples=samples,
        only=FEW,
        replicates=2,
        steps=1,
        parameters={"n_citizens": 100},
        workers=1,
        simulate=dominated_by_leakage,
        outcome="nuclear_progress",
    )
    ranking = result.ranking
    assert ranking.iloc[0]["parameter"] == "leakage_rate"
    key = "mu_star" if method == "morris" else "ST"
    top, second = ranking[key].iloc[0], ranking[key].iloc[1]
    assert top > 5 * abs(second)
    assert ranking.iloc[0]["ci_low"] > 0
    # The advantage is signed: less nuclear progress under engagement is better.
    assert (result.samples["advantage"] > -0.02).all()
    assert sorted(p.name for p in tmp_path.joinpath(method).iterdir()) == [
        "samples.csv",
        "sensitivity.csv",
        "sensitivity.html",
        "sweep",
    ]
    html = (tmp_path / method / "sensitivity.html").read_text()
    assert "plotly" in html.lower() and len(html) > 1_000_000  # plotly.js embedded


def test_runs_go_through_the_sweep_runner_in_pairs_and_resume(tmp_path: Path):
    kwargs = dict(
        method="morris",
        samples=2,
        only=FEW,
        replicates=2,
        steps=1,
        parameters={"n_citizens": 100},
        workers=1,
        simulate=dominated_by_leakage,
    )
    first = sa.run_sensitivity(tmp_path, **kwargs)
    runs = read_runs(tmp_path / "sweep")
    assert len(runs) == first.summary.total == len(first.samples) * 2 * 2
    # Sample i = points 2i (engage) and 2i+1 (refuse), same values, same seeds.
    for _, group in runs.groupby([runs["point"] // 2, "replicate"]):
        assert sorted(group["western_policy"]) == ["engage", "refuse"]
        assert group["seed"].nunique() == 1
        for name in FEW:
            assert group[name].nunique() == 1
    again = sa.run_sensitivity(tmp_path, resume=True, **kwargs)
    assert again.summary.ran == 0
    pd.testing.assert_frame_equal(first.ranking, again.ranking)


def test_analyse_ranks_an_analytic_function():
    params = sa.uncertain_parameters(FEW)
    matrix = sa.sample_design("morris", params, 20, seed=1)
    x = pd.DataFrame(matrix, columns=FEW)
    y = 5 * x["mismanagement"] + 0.5 * x["leakage_rate"] ** 2 + 0.01 * x["repression"]
    ranking = sa.analyse("morris", params, matrix, y.to_numpy())
    assert list(ranking["parameter"][:2]) == ["mismanagement", "leakage_rate"]
    assert list(ranking["rank"]) == [1, 2, 3, 4]
    assert sa.top_parameters(ranking) == ["mismanagement", "leakage_rate"]


def test_the_varied_parameters_are_the_uncertain_ones_over_the_schema_ranges():
    params = sa.uncertain_parameters()
    names = {p.name for p in params}
    assert "western_policy" not in names
    assert names == {p.name for p in SCHEMA.values() if p.uncertain and p.kind in (int, float)}
    problem = sa.salib_problem(params)
    for p, bounds in zip(params, problem["bounds"], strict=True):
        assert bounds == [p.low, p.high]
    fixed = sa.uncertain_parameters(exclude=["leakage_rate"])
    assert "leakage_rate" not in {p.name for p in fixed}


def test_design_points_are_valid_values():
    params = sa.uncertain_parameters(["network_degree", "leakage_rate"])
    matrix = sa.sample_design("morris", params, 4, seed=0)
    for point in sa.design_points(matrix, params):
        assert isinstance(point["network_degree"], int)
        assert 2 <= point["network_degree"] <= 40
        assert 0.0 <= point["leakage_rate"] <= 1.0


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--method", "fast"], "--method"),
        (["--samples", "0"], "--samples"),
        (["--method", "sobol", "--samples", "12"], "power of 2"),
        (["--outcome", "happiness"], "unknown outcome 'happiness'"),
        (["--outcome", "offers_total"], "no better direction"),
        (["--params", "western_policy,leakage_rate"], "not a numeric parameter"),
        (["--params", "leakage_rat,repression"], "unknown parameter 'leakage_rat'"),
        (["--params", "leakage_rate"], "at least two parameters"),
        (["--set", "leakage_rate=7"], "'leakage_rate'"),
        (["--replicates", "x"], "--replicates"),
        (["--seed", "-1"], "--seed"),
    ],
)
def test_bad_arguments_give_one_line_and_exit_2(tmp_path: Path, capsys, args, fragment):
    out = tmp_path / "o"
    with pytest.raises(SystemExit) as exit_info:
        raise SystemExit(main(["sensitivity", "--out", str(out), *args]))
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and fragment in err[0], err
    assert not (out / "sensitivity.csv").exists()
