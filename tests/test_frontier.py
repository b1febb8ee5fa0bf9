"""The frontier map of the engagement advantage: design, boundary, CLI."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from batch_runs import frontier as fr
from batch_runs.design.spec import SpecError, load_spec
from batch_runs.execution import read_runs
from batch_runs.execution import simulate as model_simulate
from cli.main import main

SPECS = Path(__file__).resolve().parent.parent / "batch_runs" / "specs"


def refusal_wins_above_half(scenario, overrides, seed, steps):
    """A synthetic model with a known frontier: nuclear progress under engagement is
    refusal's + (leakage_rate - 0.5) (+ noise shared by the pair), so engagement does
    better (less progress) exactly where leakage_rate < 0.5, whatever repression is."""
    frame = model_simulate(scenario, overrides, seed, steps)
    value = 0.5 + np.random.default_rng(seed).normal(0.0, 0.01)
    if overrides["western_policy"] == "engage":
        value += overrides["leakage_rate"] - 0.5
    frame["nuclear_progress"] = value
    return frame


def test_a_known_frontier_is_found(tmp_path: Path):
    spec = fr.frontier_spec(
        "leakage_rate",
        "repression",
        grid=5,
        replicates=3,
        steps=1,
        parameters={"n_citizens": 100},
    )
    assert spec.n_points == 5 * 5 * 2 and spec.common_random_numbers
    table = fr.run_frontier(
        spec, tmp_path, outcome="nuclear_progress", workers=1, simulate=refusal_wins_above_half
    ).table
    assert len(table) == 25
    for row in table.itertuples():
        expected = -(row.leakage_rate - 0.5)  # better = -1 for nuclear progress
        assert row.advantage == pytest.approx(expected, abs=1e-9)
        assert row.refusal_better == (row.leakage_rate > 0.5)
        expected_better = {True: "engage", False: "refuse"}.get(
            row.leakage_rate < 0.5 if row.leakage_rate != 0.5 else None, "tie"
        )
        assert row.better == expected_better
        assert row.share_engage_wins == (1.0 if row.leakage_rate < 0.5 else 0.0)
        if row.leakage_rate > 0.5:
            assert row.refusal_better_significant
    html = (tmp_path / "frontier.html").read_text()
    assert "refusal better" in html and len(html) > 1_000_000


def test_cells_are_paired_on_seeds_and_differ_only_in_policy(tmp_path: Path):
    spec = fr.frontier_spec(
        "leakage_rate",
        "oil_volatility",
        grid=2,
        replicates=2,
        steps=3,
        parameters={"n_citizens": 100},
        x_range=(0.2, 0.6),
    )
    result = fr.run_frontier(spec, tmp_path, workers=1)
    runs = read_runs(tmp_path / fr.SWEEP_FOLDER)
    assert set(runs["leakage_rate"]) == {0.2, 0.6}
    for _, group in runs.groupby(["leakage_rate", "oil_volatility", "replicate"]):
        assert sorted(group["western_policy"]) == ["engage", "refuse"]
        assert group["seed"].nunique() == 1
    assert (result.table["n"] == 2).all()
    assert set(result.table.columns) >= {
        "advantage",
        "ci_low",
        "ci_high",
        "share_engage_wins",
        "refusal_better",
        "mean_diff",
    }


def test_figure_marks_the_refusal_region():
    import pandas as pd

    table = pd.DataFrame(
        {
            "a": [0.0, 0.0, 1.0, 1.0],
            "b": [0.0, 1.0, 0.0, 1.0],
            "advantage": [0.2, 0.1, -0.1, -0.3],
            "share_engage_wins": [1.0, 0.8, 0.3, 0.0],
            "refusal_better": [False, False, True, True],
            "refusal_better_significant": [False, False, False, True],
        }
    )
    from batch_runs.analysis.outcomes import get_outcome

    fig = fr.frontier_figure(table, "a", "b", get_outcome("nuclear_progress"), "at m120")
    heatmaps = [t for t in fig.data if t.type == "heatmap"]
    assert len(heatmaps) == 2
    assert np.allclose(heatmaps[0].z, [[0.2, -0.1], [0.1, -0.3]])
    marks = [t for t in fig.data if t.type == "scatter" and t.name == "refusal better (mean)"]
    assert sorted(zip(marks[0].x, marks[0].y, strict=True)) == [(1.0, 0.0), (1.0, 1.0)]


def test_the_shipped_spec_is_a_frontier_spec():
    spec = load_spec(SPECS / "frontier_top2.toml")
    x, y = fr.axes_of(spec)
    assert x != y
    assert spec.common_random_numbers


@pytest.mark.parametrize(
    "changes",
    [
        {"vary": {"leakage_rate": "0:1:3", "western_policy": ["engage", "refuse"]}},
        {"vary": {"leakage_rate": "0:1:3", "repression": "0:1:3"}},
        {"vary": {"a": 1}},
    ],
)
def test_axes_of_rejects_specs_that_are_not_frontiers(changes):
    from batch_runs.design.spec import SweepSpec

    with pytest.raises((SpecError, ValueError)):
        fr.axes_of(SweepSpec(common_random_numbers=True, **changes))


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--x", "leakage_rate"], "--x and --y are required"),
        (["--x", "leakage_rate", "--y", "leakage_rate"], "must differ"),
        (["--x", "western_policy", "--y", "repression"], "not numeric"),
        (["--x", "leakage_rat", "--y", "repression"], "unknown parameter 'leakage_rat'"),
        (["--x", "leakage_rate", "--y", "repression", "--grid", "1"], "at least 2"),
        (["--x", "leakage_rate", "--y", "repression", "--grid", "x"], "--grid"),
        (["--x", "leakage_rate", "--y", "repression", "--x-range", "0.9:0.1"], "--x-range"),
        (["--x", "leakage_rate", "--y", "repression", "--x-range", "0:5"], "'leakage_rate'"),
        (["--x", "leakage_rate", "--y", "repression", "--outcome", "nope"], "unknown outcome"),
        (["--spec", "missing.toml"], "not found"),
        (["--x", "leakage_rate", "--y", "repression", "--seed", "-2"], "--seed"),
        (["--spec", str(SPECS / "frontier_top2.toml"), "--x", "repression"], "not both"),
    ],
)
def test_bad_arguments_give_one_line_and_exit_2(tmp_path: Path, capsys, args, fragment):
    out = tmp_path / "o"
    with pytest.raises(SystemExit) as exit_info:
        raise SystemExit(main(["frontier", "--out", str(out), *args]))
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and fragment in err[0], err
    assert not (out / "frontier.csv").exists()
