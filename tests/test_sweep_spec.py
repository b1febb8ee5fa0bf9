"""Sweep specs: grid and sample expansion, range syntax, validation."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from batch_runs.design.seeds import run_seed
from batch_runs.design.spec import SpecError, SweepSpec, load_spec, make_dimension, parse_vary
from model.parameters import SCHEMA, WESTERN_POLICIES, ParameterError


def test_grid_is_the_cartesian_product_with_the_last_parameter_fastest():
    spec = SweepSpec(
        vary={"western_policy": "engage,refuse", "leakage_rate": "0.2:0.6:3"},
        parameters={"n_citizens": 500},
        replicates=4,
    )
    assert spec.n_points == 6 and spec.n_runs == 24
    points = [spec.point(i) for i in range(spec.n_points)]
    expected = [
        {"n_citizens": 500, "western_policy": p, "leakage_rate": x}
        for p, x in itertools.product(["engage", "refuse"], [0.2, 0.4, 0.6])
    ]
    assert points == expected
    assert spec.varied == ["western_policy", "leakage_rate"]
    with pytest.raises(IndexError):
        spec.point(6)


def test_range_levels_are_evenly_spaced_and_typed():
    assert make_dimension("leakage_rate", "0:1:5", "grid").levels == (0.0, 0.25, 0.5, 0.75, 1.0)
    assert make_dimension("leakage_rate", "0.1:0.9:5", "grid").levels == (0.1, 0.3, 0.5, 0.7, 0.9)
    assert make_dimension("network_degree", "2:10:5", "grid").levels == (2, 4, 6, 8, 10)
    assert make_dimension("leakage_rate", "0.3:0.3:1", "grid").levels == (0.3,)
    assert make_dimension("leakage_rate", [0.1, 0.2], "grid").levels == (0.1, 0.2)


def test_star_means_every_choice_or_the_schema_range():
    assert make_dimension("western_policy", "*", "grid").levels == WESTERN_POLICIES
    assert make_dimension("iran_last_cooperative", "*", "grid").levels == (False, True)
    d = make_dimension("oil_volatility", "*", "lhs")
    p = SCHEMA["oil_volatility"]
    assert (d.low, d.high, d.levels) == (p.low, p.high, None)
    assert parse_vary("western_policy") == ("western_policy", "*")
    assert parse_vary("leakage_rate = 0:1:3") == ("leakage_rate", "0:1:3")


def test_non_numeric_parameters_can_be_varied():
    spec = SweepSpec(vary={"western_policy": "engage,refuse", "iran_last_cooperative": "*"})
    assert [spec.point(i) for i in range(4)] == [
        {"western_policy": w, "iran_last_cooperative": c}
        for w, c in itertools.product(["engage", "refuse"], [False, True])
    ]


@pytest.mark.parametrize("n", [8, 20])
def test_latin_hypercube_stratifies_every_dimension_within_range(n):
    spec = SweepSpec(
        sample="lhs",
        samples=n,
        vary={"leakage_rate": "0.2:0.6", "network_degree": "*", "western_policy": "*"},
        seed=5,
    )
    points = [spec.point(i) for i in range(n)]
    x = np.array([p["leakage_rate"] for p in points])
    assert ((x >= 0.2) & (x <= 0.6)).all()
    strata = np.floor((x - 0.2) / 0.4 * n).astype(int)
    assert sorted(strata) == list(range(n))  # one sample per stratum
    degrees = [p["network_degree"] for p in points]
    assert all(isinstance(d, int) and 2 <= d <= 40 for d in degrees)
    policies = [p["western_policy"] for p in points]
    if n % len(WESTERN_POLICIES) == 0:
        assert all(policies.count(w) == n // 4 for w in WESTERN_POLICIES)


def test_sample_designs_depend_on_the_master_seed_only():
    def design(seed):
        spec = SweepSpec(sample="lhs", samples=16, vary={"leakage_rate": "0:1"}, seed=seed)
        return [spec.point(i)["leakage_rate"] for i in range(16)]

    assert design(1) == design(1)
    assert design(1) != design(2)


def test_sobol_over_every_uncertain_parameter_stays_in_the_schema_ranges():
    spec = SweepSpec(sample="sobol", samples=32, vary_uncertain=True, seed=3)
    uncertain = [p.name for p in SCHEMA.values() if p.uncertain]
    assert list(spec.vary) == uncertain
    assert spec.n_points == 32
    for i in range(32):
        point = spec.point(i)
        for name in uncertain:
            assert SCHEMA[name].validate(point[name]) == point[name]
    column = [spec.point(i)["leakage_rate"] for i in range(32)]
    assert len(set(column)) == 32  # a scrambled Sobol' sequence, not a constant


def test_explicit_points_and_common_random_numbers():
    spec = SweepSpec(
        points=[{"leakage_rate": 0.1}, {"leakage_rate": 0.9}],
        replicates=3,
        common_random_numbers=True,
        seed=7,
    )
    assert spec.n_runs == 6 and spec.varied == ["leakage_rate"]
    assert [spec.run_seed_index(r) for r in range(6)] == [0, 1, 2, 0, 1, 2]
    plain = SweepSpec(points=[{"leakage_rate": 0.1}], replicates=3, seed=7)
    assert [run_seed(7, plain.run_seed_index(r)) for r in range(3)] == [
        run_seed(7, r) for r in range(3)
    ]


def test_flags_override_the_spec_key_by_key(tmp_path):
    path = tmp_path / "spec.toml"
    path.write_text(
        'title = "t"\nreplicates = 5\nseed = 9\n[parameters]\nn_citizens = 300\n'
        '[vary]\nwestern_policy = ["engage", "refuse"]\nleakage_rate = "0:1:3"\n'
    )
    spec = load_spec(path)
    assert (spec.replicates, spec.seed, spec.n_points) == (5, 9, 6)
    changed = spec.with_changes(vary={"leakage_rate": "0.5"}, replicates=2)
    assert changed.n_points == 2 and changed.replicates == 2 and changed.seed == 9
    assert changed.point(1) == {"n_citizens": 300, "western_policy": "refuse", "leakage_rate": 0.5}
    assert changed.digest() != spec.digest()
    assert spec.with_changes().digest() == spec.digest()


def test_spec_file_resolves_a_scenario_path_relative_to_itself(tmp_path):
    (tmp_path / "sub").mkdir()
    scenario = tmp_path / "sub" / "mine.toml"
    scenario.write_text('base = "baseline_2011"\nname = "mine"\n')
    path = tmp_path / "sub" / "spec.toml"
    path.write_text('scenario = "mine.toml"\n')
    assert load_spec(path).scenario == str(scenario)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"vary": {"nope": "1,2"}}, "unknown parameter 'nope'"),
        ({"vary": {"leakage_rate": "0.1:2:3"}}, "out of range"),
        ({"vary": {"leakage_rate": "a:b:3"}}, "not a valid number"),
        ({"vary": {"leakage_rate": "0.1:0.5"}}, "needs a number of levels"),
        ({"vary": {"leakage_rate": "0.1:0.5:0"}}, "N must be"),
        ({"vary": {"leakage_rate": "0.1:0.5:x"}}, "N must be"),
        ({"vary": {"leakage_rate": "0.5:0.1:3"}}, "LO must not exceed HI"),
        ({"vary": {"leakage_rate": "1:2:3:4"}}, "not LO:HI or LO:HI:N"),
        ({"vary": {"leakage_rate": "0.1,,0.2"}}, "empty value"),
        ({"vary": {"leakage_rate": "0.1,0.1"}}, "repeated value"),
        ({"vary": {"western_policy": "engage:refuse:2"}}, "needs a numeric parameter"),
        ({"vary": {"western_policy": "engage,appease"}}, "'appease' is not allowed"),
        ({"vary": {"network_degree": "2:3:5"}}, "fewer than 5 whole numbers"),
        ({"vary": {"leakage_rate": "*"}}, "'*' varies only"),
        ({"sample": "lhs", "vary": {"leakage_rate": "0:1"}}, "needs a number of samples"),
        ({"sample": "lhs", "samples": 4, "vary": {"leakage_rate": "0:1:3"}}, "is for grids"),
        ({"sample": "sobol", "samples": 10, "vary": {"leakage_rate": "0:1"}}, "power of 2"),
        ({"sample": "lhs", "samples": 4}, "vary at least one"),
        ({"samples": 4}, "applies to lhs and sobol"),
        ({"sample": "random"}, "not one of grid, lhs, sobol"),
        ({"format": "xlsx"}, "not one of csv, parquet"),
        ({"replicates": 0}, "replicates"),
        ({"steps": -1}, "steps"),
        ({"every": 0}, "every"),
        ({"seed": 1.5}, "seed"),
        ({"parameters": {"leakage_rate": 3}}, "out of range"),
        ({"parameters": {"leakage_rate": 0.1}, "vary": {"leakage_rate": "0,1"}}, "both fixed"),
        ({"points": [{"leakage_rate": 0.1}], "vary": {"repression": "0,1"}}, "not both"),
        ({"points": []}, "design is empty"),
        ({"vary": {"leakage_rate": "0:1:1000"}, "replicates": 100_000}, "at most"),
    ],
)
def test_bad_specs_fail_with_one_clear_line(kwargs, message):
    with pytest.raises(ParameterError, match=message) as info:
        SweepSpec(**kwargs)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("replicates = \n", "not valid TOML"),
        ("replicats = 3\n", "unknown key 'replicats'"),
        ("vary = 3\n", "'vary' must be a table"),
        ('[vary]\nleakage_rate = "0:1"\n', "needs a number of levels"),
        ('scenario = "nowhere"\n', None),
    ],
)
def test_bad_spec_files_name_the_file(tmp_path, text, message):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    if message is None:  # a bad scenario is caught when the sweep loads it
        assert load_spec(path).scenario == "nowhere"
        return
    with pytest.raises(SpecError, match=message) as info:
        load_spec(path)
    assert str(path) in str(info.value)


def test_a_missing_spec_file_is_a_spec_error(tmp_path):
    with pytest.raises(SpecError, match="spec file not found"):
        load_spec(tmp_path / "none.toml")
