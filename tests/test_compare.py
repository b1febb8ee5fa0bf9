"""``iran-sim compare``: paired differences with 95% CI, CSV and HTML."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from batch_runs.analysis.statistics import paired_differences
from batch_runs.reporting.figures import comparison_figure, label_of, outcome_groups
from cli.main import main


def _synthetic(rng, n, effect, steps=3):
    """n paired runs: a shared random level per run, A = B + effect + small noise."""
    a, b = [], []
    for _ in range(n):
        level = rng.normal(0, 1.0, steps)
        b.append(pd.DataFrame({"step": range(steps), "y": level}))
        a.append(pd.DataFrame({"step": range(steps), "y": level + effect + rng.normal(0, 0.2)}))
    return a, b


def test_ci_covers_a_known_difference():
    rng = np.random.default_rng(1)
    a, b = _synthetic(rng, 30, effect=0.3)
    diffs = paired_differences(a, b)
    assert (diffs["ci_low"] < 0.3).all() and (diffs["ci_high"] > 0.3).all()
    assert (diffs["ci_low"] > 0).all()  # and it excludes zero


@pytest.mark.slow
def test_ci_coverage_is_close_to_95_percent():
    rng = np.random.default_rng(2)
    covered = 0
    trials = 400
    for _ in range(trials):
        a, b = _synthetic(rng, 8, effect=-0.5, steps=1)
        row = paired_differences(a, b).iloc[0]
        covered += row.ci_low <= -0.5 <= row.ci_high
    assert 0.92 <= covered / trials <= 0.98


def test_compare_writes_csv_and_html_with_a_band_per_outcome(tmp_path, capsys):
    out = tmp_path / "cmp"
    argv = ["compare", "--a", "oil_price_initial=120,n_citizens=200"]
    argv += ["--b", "oil_price_initial=110,n_citizens=200", "--replicates", "4"]
    assert main([*argv, "--steps", "3", "--workers", "1", "--out", str(out)]) == 0
    diffs = pd.read_csv(out / "differences.csv")
    horizon = pd.read_csv(out / "horizon.csv")
    assert set(diffs["step"]) == {0, 1, 2, 3} and (horizon["step"] == 3).all()
    oil0 = diffs[(diffs.step == 0) & (diffs.outcome == "oil_price")].iloc[0]
    assert oil0.mean_diff == pytest.approx(10.0) and oil0.n == 4  # known at month 0
    assert oil0.ci_low == pytest.approx(10.0) and oil0.ci_high == pytest.approx(10.0)
    assert horizon["a"].iloc[0] == "oil_price_initial=120,n_citizens=200"
    page = (out / "compare.html").read_text()
    assert "<script src=" not in page and "plotly.js v" in page  # self-contained
    for name in ("oil_price", "economic_health", "deals_total", "power_hardliners"):
        label = label_of(name)
        assert f'"name":"{label}"' in page and f'"name":"{label} (95% CI)"' in page
    assert "Oil price (USD" in page and "Diplomacy: counts so far" in page


def test_comparison_figure_has_one_panel_per_group_and_the_differences():
    rng = np.random.default_rng(3)
    a, b = _synthetic(rng, 5, effect=0.2)
    for frames in (a, b):
        for f in frames:
            f["oil_price"] = f["y"] * 10
    diffs = paired_differences(a, b)
    fig = comparison_figure(diffs, "A", "B")
    names = [t.name for t in fig.data]
    assert names == ["Oil price (95% CI)", "Oil price", "y (95% CI)", "y"]  # declared labels
    line = fig.data[3]
    assert list(line.y) == diffs.loc[diffs.outcome == "y", "mean_diff"].tolist()
    assert [a.text for a in fig.layout.annotations] == ["Oil price (USD/bbl)", "Other"]
    assert list(outcome_groups(["power_x", "deals_total"])) == [
        "Factions: power",
        "Diplomacy: counts so far",
    ]


@pytest.mark.parametrize(
    "args",
    [
        ["--a", "nope=1"],
        ["--b", "western_policy=appease"],
        ["--a", "leakage_rate=2"],
        ["--a", "leakage_rate"],
        ["--a", "leakage_rate=0.1,,repression=0.2"],
        ["--a", "leakage_rate=0.1,leakage_rate=0.2"],
        ["--scenario", "atlantis"],
        ["--out", "FILE/x"],
    ],
)
def test_bad_compare_input_is_one_line_exit_2_and_nothing_written(args, tmp_path, capsys):
    (tmp_path / "FILE").write_text("x")
    args = [str(tmp_path / a) if a == "FILE/x" else a for a in args]
    if "--out" not in args:
        args += ["--out", str(tmp_path / "out")]
    assert main(["compare", "--replicates", "2", "--steps", "1", *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("iran-sim compare: error:")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["FILE"]
