"""``iran-sim plot``: the HTML report of a finished sweep."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sweep_helpers import small_spec

from batch_runs.execution import iter_steps, run_sweep
from batch_runs.reporting.figures import TrajectoryAccumulator, group_labels
from cli.main import main


@pytest.fixture(scope="module")
def sweep(tmp_path_factory):
    out = tmp_path_factory.mktemp("sweep")
    run_sweep(small_spec(), out, workers=1)
    return out


def test_report_has_trajectories_and_finals_for_each_varied_parameter(sweep, capsys):
    assert main(["plot", str(sweep)]) == 0
    page = (sweep / "report.html").read_text()
    assert "<script src=" not in page and "plotly.js v" in page  # self-contained
    for name in ("western_policy = engage", "western_policy = refuse", "leakage_rate = 0.35"):
        assert f'"name":"{name}"' in page and f'"name":"{name} (95% CI)"' in page
    assert (
        "Trajectories by western_policy" in page and "Final outcomes against leakage_rate" in page
    )
    assert '"name":"mean (95% CI)"' in page and '"name":"runs"' in page
    assert "18 ok, 0 failed of 18 runs" in page


def test_streaming_means_equal_the_direct_means(sweep):
    steps = pd.concat(iter_steps(sweep))
    labels = {r: "engage" if r < 9 else "refuse" for r in range(18)}
    acc = TrajectoryAccumulator(["economic_health"])
    for chunk in iter_steps(sweep, chunk_rows=10):
        acc.add(chunk, labels)
    summary = acc.summary().set_index(["group", "step"])
    part = steps[steps.run_id >= 9].groupby("step")["economic_health"]
    direct = part.mean()
    np.testing.assert_allclose(summary.loc["refuse", "mean"].to_numpy(), direct.to_numpy())
    sem = part.std(ddof=1) / 3
    half = summary.loc["refuse", "ci_high"] - summary.loc["refuse", "mean"]
    np.testing.assert_allclose(half.to_numpy(), (2.306004135 * sem).to_numpy(), rtol=1e-6)


def test_many_distinct_values_are_binned_by_quantile():
    labels = group_labels(pd.Series(np.linspace(0, 1, 100)), bins=4)
    assert labels.nunique() == 4 and labels.value_counts().min() == 25


def test_plot_errors_are_one_line(tmp_path, capsys):
    assert main(["plot", str(tmp_path / "none")]) == 2
    assert main(["plot", str(tmp_path)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 2 and all(e.startswith("iran-sim plot: error:") for e in err)
