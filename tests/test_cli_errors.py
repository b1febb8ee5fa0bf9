"""User errors found in review: each ends with one line and exit status 2, nothing written."""

from pathlib import Path

import pandas as pd
import pytest

from cli.main import main

NO_CHINA = """base = "baseline_2011"
[[foreign_governments]]
name = "us"
western = true
un_veto = true
sanctions_support = 0.9
base_support = 0.7
[[foreign_governments]]
name = "india"
sanctions_support = 0.3
base_support = 0.3
"""
SMALL = ["--replicates", "2", "--steps", "4", "--workers", "1"]


def one_line_error(capsys, argv: list[str]) -> str:
    """Run ``iran-sim`` in this process; its one line on stderr (exit status 2)."""
    try:
        status = main(argv)
    except SystemExit as exc:  # argparse's errors
        status = exc.code
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 2
    assert len(err) == 1, err
    return err[0]


def test_claims_on_a_scenario_without_china(tmp_path: Path, capsys):
    scenario = tmp_path / "no_china.toml"
    scenario.write_text(NO_CHINA)
    out = tmp_path / "o"
    argv = ["claims", "--scenario", str(scenario), "--set", "n_citizens=200", *SMALL]
    line = one_line_error(capsys, [*argv, "--out", str(out)])
    assert "no foreign government 'china'" in line and "--claims" in line
    assert not out.exists()


def test_sensitivity_rejects_a_parameter_named_twice(tmp_path: Path, capsys):
    out = tmp_path / "o"
    argv = ["sensitivity", "--params", "oil_volatility,oil_volatility", "--samples", "2", *SMALL]
    line = one_line_error(capsys, [*argv, "--out", str(out)])
    assert "'oil_volatility' is named twice" in line
    assert not out.exists()


def test_sensitivity_names_the_parameters_fixed_by_set(tmp_path: Path, capsys):
    argv = ["sensitivity", "--params", "oil_volatility,mismanagement"]
    argv += ["--set", "mismanagement=0.2", "--out", str(tmp_path / "o")]
    line = one_line_error(capsys, argv)
    assert "mismanagement fixed by --set" in line


def test_plot_of_a_damaged_sweep(tmp_path: Path, capsys):
    sweep = tmp_path / "s"
    argv = ["sweep", "--vary", "western_policy=engage,refuse", "--vary", "n_citizens=200"]
    assert main([*argv, "--steps", "3", "--workers", "1", "--out", str(sweep)]) == 0
    steps = sweep / "steps.csv"
    steps.write_text(steps.read_text()[:300])
    capsys.readouterr()
    line = one_line_error(capsys, ["plot", str(sweep)])
    assert "cannot read the steps table" in line
    assert not (sweep / "report.html").exists()


@pytest.mark.parametrize(
    ("a", "b"),
    [("n_citizens=300", "n_citizens=300"), ("western_policy=engage", "western_policy=engage")],
)
def test_compare_refuses_identical_arms(tmp_path: Path, capsys, a, b):
    out = tmp_path / "o"
    line = one_line_error(capsys, ["compare", "--a", a, "--b", b, "--out", str(out)])
    assert "nothing to compare" in line
    assert not out.exists()


def test_compare_set_applies_to_both_arms(tmp_path: Path):
    out = tmp_path / "o"
    argv = ["compare", "--set", "n_citizens=200", "--replicates", "2", "--steps", "3"]
    assert main([*argv, "--workers", "1", "--out", str(out)]) == 0
    assert (out / "horizon.csv").is_file()


@pytest.mark.parametrize(("value", "fragment"), [("", "empty"), ("K1", "--no-critics")])
def test_claims_selection_errors(tmp_path: Path, capsys, value, fragment):
    out = tmp_path / "o"
    line = one_line_error(capsys, ["claims", "--claims", value, "--out", str(out)])
    assert fragment in line
    assert not out.exists()


def test_frontier_axis_fixed_by_set(tmp_path: Path, capsys):
    argv = ["frontier", "--x", "n_citizens", "--y", "oil_volatility", "--set", "n_citizens=300"]
    line = one_line_error(capsys, [*argv, "--out", str(tmp_path / "o")])
    assert "both an axis and fixed" in line


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["compare", "--replicates", "1"], "an interval needs two"),
        (["claims", "--workers", "100000"], "--workers 100000: this machine has"),
        (["sweep", "--vary", "leakage_rate=0.2,0.4", "--workers", "100000"], "use at most"),
        (["run", "--steps", "10000000"], "from 0 to 1200"),
    ],
)
def test_limits_give_one_line_and_exit_2(tmp_path, capsys, argv, fragment):
    assert fragment in one_line_error(capsys, [*argv, "--out", str(tmp_path / "out")])
    assert not (tmp_path / "out").exists()


def test_more_workers_than_cores_warns_but_runs(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("os.cpu_count", lambda: 1)
    argv = ["compare", "--set", "n_citizens=100", "--replicates", "2", "--steps", "2"]
    assert main([*argv, "--workers", "2", "--out", str(tmp_path / "c")]) == 0
    assert "warning: --workers 2 on 1 cores" in capsys.readouterr().err


def test_compare_still_takes_its_old_horizon_flag(tmp_path):
    argv = ["compare", "--set", "n_citizens=100", "--replicates", "2", "--horizon", "3"]
    assert main([*argv, "--workers", "1", "--out", str(tmp_path / "c")]) == 0
    assert (pd.read_csv(tmp_path / "c" / "horizon.csv")["step"] == 3).all()


def test_an_unknown_kernel_setting_is_one_line(tmp_path: Path, capsys, monkeypatch):
    monkeypatch.setenv("IRAN_SIM_KERNEL", "bogus")
    out = tmp_path / "run.csv"
    line = one_line_error(capsys, ["run", "--steps", "2", "--out", str(out)])
    assert "IRAN_SIM_KERNEL must be 'numba' or 'numpy'" in line
    assert not out.exists()
