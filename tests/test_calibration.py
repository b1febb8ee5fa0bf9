"""``iran-sim calibrate`` on a small budget: end to end, reproducible, resumable, and
bad input refused with one line before anything is written."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from batch_runs.abc_smc import BATCHES_DIR
from batch_runs.calibration import (
    CalibrationSpec,
    calibrate,
    default_parameters,
    point_values,
    summarise,
)
from batch_runs.design.spec import SpecError
from batch_runs.patterns import PATTERNS
from cli.main import main
from model import IranModel, load_scenario
from model.parameters import SCHEMA

FITTED = ("un_veto_threshold", "talks_deal_rate", "offer_cooldown")
TINY = {
    "parameters": FITTED,
    "fixed": {"n_citizens": 150},
    "particles": 6,
    "rounds": 1,
    "quantile": 0.5,
    "seeds": 1,
    "batch_size": 6,
    "seed": 11,
}


def small_spec(**changes) -> CalibrationSpec:
    return CalibrationSpec(**(TINY | changes))


@pytest.mark.slow
def test_calibrate_end_to_end_writes_a_usable_posterior(tmp_path: Path):
    out = tmp_path / "cal"
    result = calibrate(small_spec(), out, workers=1)
    for name in ("posterior.csv", "rounds.csv", "summary.csv", "posterior.html"):
        assert (out / name).stat().st_size > 0, name
    posterior = pd.read_csv(out / "posterior.csv")
    assert len(posterior) == 6 and posterior["weight"].sum() == pytest.approx(1.0)
    for name in FITTED:
        p = SCHEMA[name]
        assert posterior[name].between(p.low, p.high).all()
    assert (posterior["offer_cooldown"] == posterior["offer_cooldown"].round()).all()
    rounds = pd.read_csv(out / "rounds.csv")
    assert list(rounds["round"]) == [1, 2]
    assert rounds["threshold"].iloc[1] <= rounds["threshold"].iloc[0] + 1e-12
    assert set(result.summary["parameter"]) == set(FITTED)
    # The calibrated scenarios load and run: on the 2011 baseline and on the history.
    calibrated = load_scenario(out / "calibrated.toml")
    assert calibrated.governments == load_scenario("baseline_2011").governments
    for name in FITTED:
        assert calibrated.parameters[name] == result.estimate[name]
    history = load_scenario(out / "calibrated_history_2003.toml")
    assert history.months == 76
    model = IranModel(history, rng=1, n_citizens=150)
    model.run()
    assert model.results()["date"].iloc[-1] == "2009-05"
    assert "elfi" in (out / "manifest.json").read_text()


@pytest.mark.slow
def test_screening_picks_the_influential_candidates_and_fits_only_them(tmp_path: Path):
    spec = CalibrationSpec(
        **(TINY | {"parameters": None, "screening": 60, "max_fitted": 20, "seeds": 1})
    )
    out = tmp_path / "screened"
    result = calibrate(spec, out, workers=2)
    screening = pd.read_csv(out / "screening.csv")
    assert set(screening["parameter"]) == set(default_parameters()) - {"n_citizens"}
    assert screening["influence"].is_monotonic_decreasing
    assert (screening.loc[screening["influential"], "influence"] > 3 / np.sqrt(60)).all()
    tested = {n for p in PATTERNS for n in p.informs}
    fitted = screening.loc[screening["fitted"], "parameter"].tolist()
    # Every tested parameter is fitted, then the most influential others up to the cap.
    assert tested <= set(fitted) and len(fitted) == max(len(tested), 20)
    added = screening[screening["fitted"] & ~screening["tested"]]
    others = screening[screening["influential"] & ~screening["tested"]]
    assert added["parameter"].tolist() == others["parameter"].head(len(added)).tolist()
    assert set(result.estimate) == set(fitted)
    assert set(c for c in result.posterior if c in SCHEMA) == set(fitted)
    calibrated = load_scenario(out / "calibrated.toml")
    baseline = load_scenario("baseline_2011")
    for name in default_parameters():
        if name not in fitted:
            assert calibrated.parameters[name] == baseline.parameters[name], name


@pytest.mark.slow
def test_the_same_seed_gives_the_same_posterior(tmp_path: Path):
    a = calibrate(small_spec(), tmp_path / "a", workers=1)
    b = calibrate(small_spec(), tmp_path / "b", workers=2)
    pd.testing.assert_frame_equal(a.posterior, b.posterior)


@pytest.mark.slow
def test_resume_reuses_every_batch_after_an_interruption(tmp_path: Path):
    whole = calibrate(small_spec(), tmp_path / "whole", workers=1)
    out = tmp_path / "stopped"
    calls = []

    def stop_after_first(progress):
        calls.append(progress)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        calibrate(small_spec(), out, workers=1, progress=stop_after_first)
    assert len(list((out / BATCHES_DIR).iterdir())) == 1
    resumed = calibrate(small_spec(), out, workers=1, resume=True)
    pd.testing.assert_frame_equal(resumed.posterior, whole.posterior)
    batches = sorted(p.name for p in (out / BATCHES_DIR).iterdir())
    assert batches == sorted(p.name for p in (tmp_path / "whole" / BATCHES_DIR).iterdir())


@pytest.mark.slow
def test_resume_refuses_other_settings_and_a_fresh_run_refuses_an_old_folder(tmp_path: Path):
    out = tmp_path / "cal"
    calibrate(small_spec(), out, workers=1)
    with pytest.raises(SpecError, match="already holds a calibration"):
        calibrate(small_spec(), out, workers=1)
    with pytest.raises(SpecError, match="settings differ"):
        calibrate(small_spec(seed=12), out, workers=1, resume=True)
    with pytest.raises(SpecError, match="holds no calibration"):
        calibrate(small_spec(), tmp_path / "empty", workers=1, resume=True)


def test_point_values_round_whole_numbers_and_clip_to_the_range():
    values = point_values(FITTED, [2.0, 0.5, 7.6])
    assert values == {"un_veto_threshold": 1.0, "talks_deal_rate": 0.5, "offer_cooldown": 8}


def test_summary_marks_a_parameter_pinned_only_when_its_interval_is_narrow():
    rng = np.random.default_rng(1)
    posterior = pd.DataFrame(
        {
            "weight": np.full(400, 1 / 400),
            "un_veto_threshold": rng.uniform(0.30, 0.40, 400),  # a tenth of [0, 1]
            "talks_deal_rate": rng.uniform(0.0, 1.0, 400),  # the whole prior
            "offer_cooldown": rng.integers(0, 25, 400).astype(float),
        }
    )
    table = summarise(FITTED, posterior).set_index("parameter")
    assert table.loc["un_veto_threshold", "pinned"]
    assert not table.loc["talks_deal_rate", "pinned"]
    assert table.loc["un_veto_threshold", "shrinkage"] > 0.8
    assert abs(table.loc["talks_deal_rate", "shrinkage"]) < 0.1


def test_default_parameters_leave_out_the_critics_mechanisms():
    names = default_parameters()
    assert "talks_deal_rate" in names and "un_dilution_room" in names
    assert not {"talks_coercion_dampening", "talks_programme_speedup"} & set(names)
    assert all(SCHEMA[n].uncertain for n in names)


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"parameters": ("bogus",)}, "unknown parameter 'bogus'"),
        ({"parameters": ("western_policy",)}, "not numeric"),
        ({"parameters": ()}, "at least one parameter"),
        ({"parameters": ("talks_deal_rate", "talks_deal_rate")}, "named twice"),
        ({"fixed": {"talks_deal_rate": 0.1}}, "both fixed and fitted"),
        ({"quantile": 1.5}, "quantile"),
        ({"particles": 1}, "particles"),
        ({"scenario": "baseline_2011"}, "history_2003"),
        ({"apply_to": "nowhere"}, "unknown scenario 'nowhere'"),
        ({"patterns": ("P42",)}, "unknown pattern 'P42'"),
    ],
)
def test_bad_settings_are_refused(changes, fragment):
    with pytest.raises(Exception, match=fragment.replace("(", r"\(").replace(")", r"\)")):
        small_spec(**changes)


CLI = [
    "calibrate",
    "--params",
    ",".join(FITTED),
    "--set",
    "n_citizens=150",
    "--particles",
    "6",
    "--rounds",
    "1",
    "--quantile",
    "0.5",
    "--seeds",
    "1",
    "--batch-size",
    "6",
    "--workers",
    "1",
]


def test_the_command_writes_the_posterior(tmp_path: Path, capsys):
    out = tmp_path / "cal"
    assert main([*CLI, "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert "pins down" in err and (out / "calibrated.toml").exists()


@pytest.mark.parametrize(
    ("extra", "fragment"),
    [
        (["--params", "bogus"], "unknown parameter 'bogus'"),
        (["--params", "a,,b"], "empty name"),
        (["--quantile", "0"], "quantile"),
        (["--scenario", "baseline_2011"], "history_2003"),
        (["--set", "talks_deal_rate=0.2"], "both fixed and fitted"),
        (["--patterns", "P99"], "unknown pattern"),
        (["--resume"], "holds no calibration"),
        (["--scheduler", "tcp://h:1"], "--scheduler needs --backend dask"),
    ],
)
def test_bad_command_lines_are_one_line_and_write_nothing(tmp_path: Path, capsys, extra, fragment):
    out = tmp_path / "cal"
    status = main([*CLI, *extra, "--out", str(out)])
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 2 and len(err) == 1 and fragment in err[0], err
    assert not out.exists()
