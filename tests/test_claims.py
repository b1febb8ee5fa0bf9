"""The claims audit: paired design, intervals, verdicts, critics' checks, CLI."""

from __future__ import annotations

import json
import math
import zlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from batch_runs import claims as cl
from batch_runs.analysis.outcomes import Statistic, get_outcome
from batch_runs.design import changes as ch
from batch_runs.design.seeds import run_seed
from batch_runs.execution import SweepError, code_version, read_manifest, read_runs
from cli.main import main
from model import list_scenarios, load_scenario
from model.scenarios import Scenario

ALL_EXPERIMENTS = [*cl.EXPERIMENTS, *(c.check for c in cl.CRITICS)]
SETTINGS = [cl.BASELINE, *(c.setting for c in cl.CRITICS)]

ACCEPT = ch.SetParameter("western_policy", "engage")


# --- the paired design -------------------------------------------------------------


@pytest.mark.parametrize("scenario_name", list_scenarios())
@pytest.mark.parametrize("experiment", ALL_EXPERIMENTS, ids=lambda e: e.id)
def test_arms_differ_in_exactly_the_cause(experiment: cl.Experiment, scenario_name: str):
    for setting in SETTINGS:
        base = setting.apply(load_scenario(scenario_name))
        a, b = experiment.scenarios(base)
        diffs = cl.scenario_differences(a, b)
        assert len(diffs) == 1, diffs
        target = experiment.arm_a.target
        if target.startswith("parameter "):
            assert diffs[0].startswith(target + ":")
        else:  # the president's faction's field
            field = target.split()[-1]
            president = next(f for f in base.factions if f.president)
            assert diffs[0].startswith(f"faction {president.name} {field}:")


def test_scenario_differences_sees_every_kind_of_change():
    base = load_scenario("baseline_2011")
    assert cl.scenario_differences(base, base) == []
    assert len(cl.scenario_differences(base, base.with_overrides(oil_volatility=0.2))) == 1
    weaker = ch.SetPresidentFaction("prestige", 0.3).apply(base)
    assert cl.scenario_differences(base, weaker)[0].startswith("faction ahmadinejad_camp")
    assert cl.scenario_differences(base, ch.SwitchPolicy(5, "engage").apply(base))[0].startswith(
        "events"
    )
    two = ch.SetParameter("talks_deal_rate", 0.0).apply(weaker)
    assert len(cl.scenario_differences(base, two)) == 2


def test_an_experiment_whose_arms_change_different_things_is_rejected():
    with pytest.raises(ValueError, match="same target"):
        cl.Experiment(
            "X",
            "C9",
            "x",
            "x",
            ACCEPT,
            ch.SetParameter("talks_deal_rate", 0.0),
            "a",
            "b",
            "resolve",
            Statistic("mean"),
            +1,
        )
    with pytest.raises(ValueError, match="same target"):
        cl.Experiment(
            "X", "C9", "x", "x", ACCEPT, ACCEPT, "a", "b", "resolve", Statistic("mean"), +1
        )


def test_every_claim_of_the_op_ed_has_an_experiment():
    assert {e.claim for e in cl.EXPERIMENTS} == {f"C{i}" for i in range(1, 10)}
    assert [c.id for c in cl.CRITICS] == ["K1", "K2", "K3"]
    c9 = {e.outcome for e in cl.EXPERIMENTS if e.claim == "C9"}
    assert c9 == {
        "compromise_power",
        "sanctions_support_china",
        "sanctions_support_russia",
        "resolve",
        "nuclear_progress",
    }
    for e in cl.EXPERIMENTS:
        if e.claim == "C9":
            assert e.statistic.horizon == 120


def _fake_results(scenario: Scenario, seed: int, steps: int, effect: float = 0.0) -> pd.DataFrame:
    """A synthetic model: every outcome column is noise from the seed, plus ``effect``
    when the West refuses (policy) - so a refuse-vs-accept effect is exactly ``effect``
    in expectation."""
    rng = np.random.default_rng(seed)
    months = np.arange(steps + 1)
    shared = rng.normal(0.0, 0.1, steps + 1)  # common to both arms of a pair (CRN)
    # crc32, not hash(): str hashes change with every process (PYTHONHASHSEED).
    own = np.random.default_rng([seed, zlib.crc32(scenario.parameters.western_policy.encode())])
    noise = own.normal(0.0, 0.02, steps + 1)
    bump = effect if scenario.parameters.western_policy == "refuse" else 0.0
    frame = {"step": months, "resolve": 0.5 + shared + noise + bump}
    for name in (
        "deals_total",
        "vetoes_total",
        "offers_total",
        "nuclear_progress",
        "economic_resentment",
        "leader_pressure",
        "factional_division",
        "regime_legitimacy",
    ):
        frame[name] = 1.0 + shared
    for f in scenario.factions:
        frame[f"power_{f.name}"] = np.full(steps + 1, 1.0 / len(scenario.factions))
    for g in scenario.governments:
        frame[f"sanctions_support_{g.name}"] = 0.3 + shared
    return pd.DataFrame(frame)


class _Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[Scenario, int, int]] = []

    def __call__(self, scenario: Scenario, seed: int, steps: int) -> pd.DataFrame:
        self.calls.append((scenario, seed, steps))
        return _fake_results(scenario, seed, steps)


def test_each_experiment_runs_both_arms_on_the_same_seeds_and_only_the_cause_differs():
    recorder = _Recorder()
    replicates, seed = 4, 17
    plan = cl.audit_plan(critics=True)
    table, pairs = cl.run_plan(plan, replicates=replicates, seed=seed, simulate=recorder)
    expected_seeds = {run_seed(seed, j) for j in range(replicates)}
    base = load_scenario(None)
    for setting, experiment in plan:
        a, b = experiment.scenarios(setting.apply(base))
        seeds_a = {s for sc, s, _ in recorder.calls if cl.scenario_differences(sc, a) == []}
        seeds_b = {s for sc, s, _ in recorder.calls if cl.scenario_differences(sc, b) == []}
        assert seeds_a == seeds_b == expected_seeds, experiment.id
        assert len(cl.scenario_differences(a, b)) == 1
    # The pairs table records the shared seeds, one row per replicate.
    assert set(pairs["seed"]) == expected_seeds
    assert len(pairs) == len(plan) * replicates
    assert len(table) == len(plan)
    # Runs shared by several experiments run once.
    keys = [(cl._scenario_key(sc), s, n) for sc, s, n in recorder.calls]
    assert len(keys) == len(set(keys))


def test_a_synthetic_model_with_a_known_effect_gives_an_interval_that_covers_it():
    effect = 0.05
    c5 = next(e for e in cl.EXPERIMENTS if e.id == "C5")  # refuse vs accept on resolve

    def simulate(scenario: Scenario, seed: int, steps: int) -> pd.DataFrame:
        return _fake_results(scenario, seed, steps, effect=effect)

    table, pairs = cl.run_audit([c5], replicates=30, seed=3, simulate=simulate)
    row = table.iloc[0]
    assert row["ci_low"] < effect < row["ci_high"]
    assert row["ci_high"] - row["ci_low"] < 0.02  # pairing removes the shared noise
    assert row["verdict"] == cl.SUPPORTED
    assert np.allclose(pairs["difference"].mean(), row["effect"])


def test_paired_intervals_cover_a_known_effect_at_about_the_nominal_rate():
    rng = np.random.default_rng(11)
    c5 = next(e for e in cl.EXPERIMENTS if e.id == "C5")
    true_effect, covered, trials = 0.3, 0, 400
    for _ in range(trials):
        shared = rng.normal(0, 1.0, 12)
        a = shared + true_effect + rng.normal(0, 0.2, 12)
        b = shared + rng.normal(0, 0.2, 12)
        row = cl.summarise("s", c5, a, b, 24)
        covered += row["ci_low"] <= true_effect <= row["ci_high"]
    assert 0.91 <= covered / trials <= 0.98


def test_pairs_with_an_undefined_statistic_are_left_out():
    c2 = next(e for e in cl.EXPERIMENTS if e.id == "C2")
    row = cl.summarise("s", c2, [0.5, math.nan, 0.7, 1.0], [0.2, 0.3, math.nan, 0.5], 120)
    assert row["n"] == 2
    assert row["effect"] == pytest.approx(0.4)


# --- verdicts --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("low", "high", "expected", "verdict"),
    [
        (0.1, 0.3, +1, cl.SUPPORTED),
        (0.1, 0.3, -1, cl.CONTRADICTED),
        (-0.3, -0.1, -1, cl.SUPPORTED),
        (-0.3, -0.1, +1, cl.CONTRADICTED),
        (-0.1, 0.2, +1, cl.INCONCLUSIVE),
        (-0.1, 0.2, -1, cl.INCONCLUSIVE),
        (0.0, 0.2, +1, cl.INCONCLUSIVE),  # touching zero is not enough
        (-0.2, 0.0, +1, cl.INCONCLUSIVE),
        (math.nan, math.nan, +1, cl.INCONCLUSIVE),
        (0.1, math.inf, +1, cl.INCONCLUSIVE),
    ],
)
def test_verdict(low: float, high: float, expected: int, verdict: str):
    assert cl.verdict(low, high, expected) == verdict


# --- statistics and outcomes --------------------------------------------------------


def test_statistics():
    series = np.arange(11, dtype=float)  # value = month
    assert Statistic("final", horizon=4).apply(series) == 4
    assert Statistic("final").apply(series) == 10
    assert Statistic("final", horizon=50).apply(series) == 10  # capped at the run
    assert Statistic("mean", horizon=4).apply(series) == pytest.approx(2.5)  # months 1..4
    assert Statistic("mean", horizon=4, start=3).apply(series) == pytest.approx(3.5)
    assert Statistic("mean", horizon=24).describe(12) == "mean m1–12"
    assert Statistic("final", horizon=24).describe() == "at m24"


def test_derived_outcomes():
    base = load_scenario(None)
    frame = _fake_results(base, 1, 3)
    frame["deals_total"] = [0, 1, 1, 1]
    frame["vetoes_total"] = [0, 0, 1, 3]
    share = get_outcome("veto_share").values(frame, base)
    assert math.isnan(share[0])
    assert list(share[1:]) == [0.0, 0.5, 0.75]
    balance = get_outcome("compromise_power").values(frame, base)
    assert balance[0] == pytest.approx(np.mean([f.stance for f in base.factions]))
    with pytest.raises(ValueError, match="unknown outcome"):
        get_outcome("happiness")


# --- the critics' mechanisms, on the real model -------------------------------------


@pytest.mark.parametrize("critic", cl.CRITICS, ids=lambda c: c.id)
def test_switching_a_critics_mechanism_on_moves_its_outcome_its_way(critic: cl.Critic):
    table, _ = cl.run_audit(
        [critic.check], overrides={"n_citizens": 300}, replicates=5, steps=120, seed=5
    )
    row = table.iloc[0]
    assert row["effect"] * critic.check.expected > 0
    assert row["verdict"] == cl.SUPPORTED


@pytest.mark.slow
def test_the_audit_on_the_real_model_is_complete_and_independent_of_workers():
    kwargs = dict(overrides={"n_citizens": 300}, replicates=3, steps=24, seed=2, critics=False)
    one, pairs_one = cl.full_audit(workers=1, **kwargs)
    two, pairs_two = cl.full_audit(workers=2, **kwargs)
    pd.testing.assert_frame_equal(one, two)
    pd.testing.assert_frame_equal(pairs_one, pairs_two)
    assert list(one["id"]) == [e.id for e in cl.EXPERIMENTS]
    assert set(one["verdict"]) <= {cl.SUPPORTED, cl.CONTRADICTED, cl.INCONCLUSIVE}
    assert (one["statistic"].str.contains("24")).all()  # horizons capped at --steps
    # The overture's answer is the cause of C6: a refusal costs the compromise camp.
    c6 = one.set_index("id").loc["C6"]
    assert c6["effect"] < 0


# --- the command line ---------------------------------------------------------------


def test_claims_command_writes_table_csv_and_manifest(tmp_path: Path, capsys):
    out = tmp_path / "audit"
    status = main(
        [
            "claims",
            "--replicates",
            "2",
            "--steps",
            "12",
            "--claims",
            "C5,C6",
            "--set",
            "n_citizens=300",
            "--workers",
            "1",
            "--out",
            str(out),
        ]
    )
    assert status == 0
    printed = capsys.readouterr().out
    assert "| C5 |" in printed and "| C6 |" in printed and "| C1 |" not in printed
    table = pd.read_csv(out / "claims.csv")
    assert set(table["setting"]) == {"baseline", "critics", "K1 on", "K2 on", "K3 on"}
    assert set(table.loc[table["setting"] == "critics", "id"]) == {"K1", "K2", "K3"}
    assert (out / "claims.md").read_text() in printed
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["command"] == (
        f"iran-sim claims --set n_citizens=300 --replicates 2 --steps 12 --seed 0 "
        f"--claims C5,C6 --out {out}"
    )
    assert sorted(p.name for p in out.iterdir()) == [
        "claims.csv",
        "claims.md",
        "manifest.json",
        "pairs.csv",
        "runs",
    ]
    assert manifest["code_version"] == code_version()
    assert {"mesa", "numpy", "pandas"} <= set(manifest["packages"])
    # The runs are the sweep runner's: one resumable sweep per run length.
    assert sorted(p.name for p in (out / "runs").iterdir()) == ["months_12"]
    assert read_manifest(out / "runs" / "months_12")["status"] == "complete"


class _StopAfter:
    """Progress callback that presses Ctrl-C after ``n`` recorded runs."""

    def __init__(self, n: int) -> None:
        self.n = n

    def __call__(self, done: int, total: int) -> None:
        if done >= self.n:
            raise KeyboardInterrupt


def test_an_interrupted_audit_resumes_to_the_same_table(tmp_path):
    kwargs = dict(
        claims=["C5", "C6"],
        critics=False,
        overrides={"n_citizens": 300},
        replicates=3,
        steps=12,
        seed=4,
    )
    whole, whole_pairs = cl.full_audit(**kwargs)
    out = tmp_path / "audit"
    with pytest.raises(KeyboardInterrupt):
        cl.full_audit(out_dir=out, progress=_StopAfter(4), **kwargs)
    kept = len(read_runs(out / "runs" / "months_12"))
    assert 0 < kept < 12  # some runs were kept, not all
    with pytest.raises(SweepError, match="--resume"):
        cl.full_audit(out_dir=out, **kwargs)
    resumed, resumed_pairs = cl.full_audit(out_dir=out, resume=True, **kwargs)
    pd.testing.assert_frame_equal(whole, resumed)
    pd.testing.assert_frame_equal(whole_pairs, resumed_pairs)


@pytest.mark.slow
def test_the_audit_runs_on_dask_with_the_same_results():
    kwargs = dict(
        claims=["C6"],
        critics=False,
        overrides={"n_citizens": 300},
        replicates=2,
        steps=12,
        seed=4,
    )
    local, _ = cl.full_audit(**kwargs)
    dask, _ = cl.full_audit(backend="dask", workers=1, **kwargs)
    pd.testing.assert_frame_equal(local, dask)


def test_the_claims_command_resumes_after_ctrl_c(tmp_path, capsys, monkeypatch):
    out = tmp_path / "audit"
    argv = [
        "claims",
        "--set",
        "n_citizens=300",
        "--replicates",
        "2",
        "--steps",
        "6",
        "--claims",
        "C6",
        "--no-critics",
        "--workers",
        "1",
        "--out",
        str(out),
    ]
    real = cl.run_sweep

    def interrupted(*args, **kwargs):
        real(*args, **kwargs)
        raise KeyboardInterrupt

    monkeypatch.setattr(cl, "run_sweep", interrupted)
    assert main(argv) == 130
    err = capsys.readouterr().err
    assert "interrupted; the finished runs are kept in" in err and "--resume" in err
    assert not (out / "claims.csv").exists()
    monkeypatch.setattr(cl, "run_sweep", real)
    assert main([*argv, "--resume"]) == 0
    assert (out / "claims.csv").exists()


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--replicates", "1"], "--replicates"),
        (["--replicates", "many"], "--replicates"),
        (["--steps", "0"], "--steps"),
        (["--workers", "0"], "--workers"),
        (["--claims", "C10"], "unknown claim 'C10'"),
        (["--set", "oil_volatility=9"], "'oil_volatility'"),
        (["--scenario", "nope"], "unknown scenario 'nope'"),
        (["--bogus"], "unrecognized arguments"),
        (["--seed", "-1"], "--seed"),
    ],
)
def test_bad_arguments_give_one_line_and_exit_2(tmp_path: Path, capsys, args, fragment):
    with pytest.raises(SystemExit) as exit_info:
        status = main(["claims", "--out", str(tmp_path / "o"), *args])
        raise SystemExit(status)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and fragment in err[0]
    assert not (tmp_path / "o").exists()


def test_out_must_be_a_folder(tmp_path: Path, capsys):
    afile = tmp_path / "f"
    afile.write_text("x")
    assert main(["claims", "--out", str(afile)]) == 2
    assert "is not a folder" in capsys.readouterr().err


def test_compare_puts_two_audits_side_by_side_and_marks_changed_verdicts(tmp_path, capsys):
    argv = ["claims", "--claims", "C5,C6", "--no-critics", "--replicates", "3", "--steps", "12"]
    argv += ["--set", "n_citizens=200", "--workers", "1"]
    assert main([*argv, "--out", str(tmp_path / "a")]) == 0
    assert main([*argv, "--set", "rebuff_power_cost=0", "--out", str(tmp_path / "b")]) == 0
    capsys.readouterr()
    out = tmp_path / "both"
    status = main(
        ["claims", "--compare", f"default={tmp_path / 'a'}", f"no_rebuff={tmp_path / 'b'}"]
        + ["--out", str(out)]
    )
    assert status == 0
    table = pd.read_csv(out / "comparison.csv")
    assert list(table["id"]) == ["C5", "C6"]
    assert {"verdict (default)", "verdict (no_rebuff)", "verdict_changed"} <= set(table)
    differ = table["verdict (default)"] != table["verdict (no_rebuff)"]
    assert (table["verdict_changed"] == differ).all()
    assert "| default | no_rebuff |" in (out / "comparison.md").read_text()


def test_side_by_side_flags_a_changed_verdict_in_bold():
    row = {"setting": "baseline", "claim": "C5", "statement": "s", "outcome": "resolve"}
    row |= {"expected": "+", "ci_low": 0.1, "ci_high": 0.3}
    a = pd.DataFrame([row | {"id": "C5", "effect": 0.2, "verdict": "supported"}])
    b = pd.DataFrame([row | {"id": "C5", "effect": 0.0, "ci_low": -0.1, "verdict": "inconclusive"}])
    table = cl.side_by_side({"a": a, "b": b})
    assert table["verdict_changed"].tolist() == [True]
    text = cl.side_by_side_markdown(table, ["a", "b"])
    assert "**+0.200 [+0.100, +0.300] supported**" in text
    assert "**+0.000 [-0.100, +0.300] inconclusive**" in text
    same = cl.side_by_side({"a": a, "b": a.copy()})
    assert same["verdict_changed"].tolist() == [False]


@pytest.mark.parametrize(
    ("items", "fragment"),
    [
        (["a"], "expected LABEL=DIR"),
        (["a=/nonexistent"], "claims.csv not found"),
    ],
)
def test_compare_refuses_bad_arguments(tmp_path, capsys, items, fragment):
    status = main(["claims", "--compare", *items, "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 2 and len(err) == 1 and fragment in err[0]


# --- the claims file ------------------------------------------------------------------


def test_the_shipped_claims_file_holds_every_experiment_and_critic():
    experiments, critics = cl.load_claims()
    assert [e.id for e in experiments] == [e.id for e in cl.EXPERIMENTS]
    assert [c.id for c in critics] == ["K1", "K2", "K3"]
    overture = next(e for e in experiments if e.id == "C4").context
    assert [type(c).__name__ for c in overture] == ["ScheduleOffer", "SwitchPolicy"]


ONE_EXPERIMENT = """
[arms]
engage = { kind = "parameter", name = "western_policy", value = "engage" }
refuse = { kind = "parameter", name = "western_policy", value = "refuse" }

[[experiment]]
id = "X1"
claim = "C5"
statement = "Refusal hardens resolve."
cause = "policy"
arm_a = "refuse"
arm_b = "engage"
label_a = "refuse"
label_b = "engage"
outcome = "resolve"
statistic = "mean"
horizon = 6
expected = 1
"""


def test_a_users_claims_file_is_audited_like_the_shipped_one(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text(ONE_EXPERIMENT)
    table, pairs = cl.full_audit(
        claims_file=path, overrides={"n_citizens": 100}, replicates=2, steps=6, seed=1
    )
    assert list(table["id"]) == ["X1"] and len(pairs) == 2


@pytest.mark.parametrize(
    ("edit", "fragment"),
    [
        (('arm_a = "refuse"', 'arm_a = "hold"'), "no arm named 'hold'"),
        (("horizon = 6", 'horizon = 6\ncolour = "red"'), "unknown key 'colour'"),
        (('statement = "Refusal hardens resolve."\n', ""), "missing key 'statement'"),
        (("expected = 1", "expected = 2"), "expected sign must be +1 or -1"),
        (('outcome = "resolve"', 'outcome = "mood"'), "unknown outcome 'mood'"),
        (('value = "refuse"', 'value = "ignore"'), "western_policy"),
        (('statistic = "mean"', 'statistic = "median"'), "unknown statistic kind"),
    ],
)
def test_a_bad_claims_file_names_the_file_and_the_entry(tmp_path, edit, fragment):
    path = tmp_path / "bad.toml"
    path.write_text(ONE_EXPERIMENT.replace(*edit))
    with pytest.raises(cl.ClaimsFileError) as info:
        cl.load_claims(path)
    message = str(info.value)
    assert str(path) in message and fragment in message and "\n" not in message


def test_the_claims_command_audits_a_users_claims_file(tmp_path, capsys):
    path = tmp_path / "mine.toml"
    path.write_text(ONE_EXPERIMENT)
    out = tmp_path / "audit"
    argv = [
        "claims",
        "--claims-file",
        str(path),
        "--set",
        "n_citizens=100",
        "--replicates",
        "2",
        "--steps",
        "6",
        "--no-critics",
        "--workers",
        "1",
        "--out",
        str(out),
    ]
    assert main(argv) == 0
    table = pd.read_csv(out / "claims.csv")
    assert list(table["id"]) == ["X1"]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["claims_file"] == str(path) and "--claims-file" in manifest["command"]
    capsys.readouterr()
    path.write_text(ONE_EXPERIMENT.replace('arm_a = "refuse"', 'arm_a = "hold"'))
    assert main([*argv[:-1], str(tmp_path / "other")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no arm named 'hold'" in err[0]
