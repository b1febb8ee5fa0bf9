"""``iran-sim sweep`` on the command line: flags, exit statuses, one-line errors,
a real kill and resume."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sweep_helpers import failing_simulate, table

from batch_runs import execution
from batch_runs.execution import runner
from cli import common as cli_common
from cli import sweep as sweep_cli
from cli.main import main
from model.parameters import SCHEMA

SMALL = ["--vary", "n_citizens=200", "--steps", "4", "--workers", "1"]


def test_sweep_from_flags_writes_the_three_files(tmp_path, capsys):
    out = tmp_path / "out"
    argv = ["sweep", *SMALL, "--vary", "western_policy=engage,refuse", "--replicates", "2"]
    assert main([*argv, "--seed", "5", "--out", str(out)]) == 0
    files = sorted(p.name for p in out.iterdir())
    assert files == [".iran-sim.lock", "journal.csv", "manifest.json", "runs.csv", "steps.csv"]
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("sweep: 4 ok, 0 failed of 4 runs")
    manifest = execution.read_manifest(out)
    assert manifest["command"][:2] == ["iran-sim", "sweep"] and "--seed" in manifest["command"]
    assert manifest["master_seed"] == 5


def test_spec_file_and_flags_combine(tmp_path):
    spec = tmp_path / "s.toml"
    spec.write_text('replicates = 3\nsteps = 2\n[vary]\nwestern_policy = ["engage", "refuse"]\n')
    out = tmp_path / "out"
    code = main(["sweep", str(spec), "--vary", "western_policy=refuse", *SMALL, "--out", str(out)])
    assert code == 0
    runs = execution.read_runs(out)
    assert runs["western_policy"].tolist() == ["refuse"] * 3
    assert (runs["n_citizens"] == 200).all()
    assert execution.read_manifest(out)["spec"]["steps"] == 4  # the flag wins


def test_shipped_specs_are_valid():
    from batch_runs.design.spec import load_spec

    folder = Path(runner.__file__).parents[1] / "specs"
    specs = {p.stem: load_spec(p) for p in folder.glob("*.toml")}
    assert len(specs) >= 3
    assert specs["engage_vs_refuse"].replicates == 100
    assert specs["engage_vs_refuse"].varied == ["western_policy"]
    assert specs["sanctions_by_policy"].varied[0] == "western_policy"
    uncertain = specs["uncertainty_lhs"]
    assert uncertain.sample == "lhs"
    assert {p.name for p in SCHEMA.values() if p.uncertain} <= set(uncertain.vary)


def test_failed_runs_give_exit_status_1_and_a_summary(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(runner, "simulate_columns", failing_simulate)
    out = tmp_path / "out"
    argv = ["sweep", *SMALL, "--vary", "leakage_rate=0.25,0.5", "--out", str(out)]
    assert main(argv) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"sweep: 1 ok, 1 failed of 2 runs (2 run now, 0 already done) in {_t(err)}"]


def _t(err):
    return err[0].split(" in ", 1)[1]


def test_plain_progress_lines_when_not_on_a_terminal(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(cli_common, "PLAIN_INTERVAL_S", 0.0)
    assert main(["sweep", *SMALL, "--replicates", "3", "--out", str(tmp_path / "o")]) == 0
    lines = capsys.readouterr().err.splitlines()
    assert [line.split(",")[0] for line in lines[:3]] == [
        "sweep: 1/3 runs done",
        "sweep: 2/3 runs done",
        "sweep: 3/3 runs done",
    ]


def test_ctrl_c_keeps_the_finished_runs_and_says_how_to_resume(tmp_path, capsys, monkeypatch):
    real = sweep_cli.run_sweep

    def interrupted_after_two(*args, progress, **kwargs):
        def report(p):
            progress(p)
            if p.done == 2:
                raise KeyboardInterrupt

        return real(*args, progress=report, **kwargs)

    monkeypatch.setattr(sweep_cli, "run_sweep", interrupted_after_two)
    out = tmp_path / "o"
    argv = ["sweep", *SMALL, "--replicates", "4", "--out", str(out)]
    assert main(argv) == 130
    assert capsys.readouterr().err.strip().splitlines() == [
        f"iran-sim sweep: interrupted; 2 of 4 runs are done and kept in {out}; "
        "add --resume to the same command to complete them"
    ]
    monkeypatch.setattr(sweep_cli, "run_sweep", real)
    assert main([*argv, "--resume"]) == 0
    summary = capsys.readouterr().err.strip().splitlines()[-1]
    assert summary.startswith("sweep: 4 ok, 0 failed of 4 runs (2 run now, 2 already done)")


@pytest.mark.parametrize(
    "args",
    [
        ["--vary", "nope=1,2"],
        ["--vary", "leakage_rate=0.1:2:3"],
        ["--vary", "leakage_rate=0.1:0.5"],
        ["--vary", "leakage_rate=0.1:0.5:x"],
        ["--vary", "leakage_rate=a:b:3"],
        ["--vary", "western_policy=engage,appease"],
        ["--vary", "=3"],
        ["--sample", "lhs", "--vary", "leakage_rate=0:1"],
        ["--sample", "sobol", "--samples", "6", "--vary", "leakage_rate"],
        ["--samples", "4"],
        ["--scenario", "atlantis"],
        ["--scheduler", "tcp://127.0.0.1:9"],
        ["--replicates", "0"],
        ["--steps", "-1"],
        ["--every", "x"],
        ["--format", "xlsx"],
        ["--backend", "mpi"],
        ["SPEC_MISSING"],
        ["SPEC_BAD"],
        ["SPEC_UNKNOWN_KEY"],
        ["OUT_UNDER_FILE"],
    ],
)
def test_bad_input_is_one_line_exit_2_and_nothing_written(args, tmp_path, capsys):
    (tmp_path / "bad.toml").write_text("replicates = \n")
    (tmp_path / "unknown.toml").write_text("replicats = 3\n")
    (tmp_path / "file").write_text("x")
    out = tmp_path / "out"
    names = {
        "SPEC_MISSING": str(tmp_path / "missing.toml"),
        "SPEC_BAD": str(tmp_path / "bad.toml"),
        "SPEC_UNKNOWN_KEY": str(tmp_path / "unknown.toml"),
    }
    if args == ["OUT_UNDER_FILE"]:
        args, out = [], tmp_path / "file" / "out"
    args = [names.get(a, a) for a in args]
    before = sorted(p.name for p in tmp_path.iterdir())
    with pytest.raises(SystemExit) if _argparse_error(args) else _nothing() as exited:
        code = main(["sweep", *SMALL, *args, "--out", str(out)])
    if exited is not None:
        code = exited.value.code
    assert code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("iran-sim sweep: error:")
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def _argparse_error(args):
    flags = {"--replicates", "--steps", "--every", "--format", "--backend"}
    return any(a in flags for a in args)


class _nothing:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


@pytest.mark.slow
def test_kill_then_resume_completes_exactly_the_missing_runs(tmp_path):
    """A real SIGKILL of a running sweep, then --resume: same files as one clean run."""
    args = ["--vary", "n_citizens=300", "--steps", "36", "--replicates", "12", "--workers", "1"]
    exe = Path(sys.executable).with_name("iran-sim")
    out = tmp_path / "killed"
    process = subprocess.Popen(
        [str(exe), "sweep", *args, "--out", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    runs = out / "runs.csv"
    while time.monotonic() < deadline:
        if runs.exists() and runs.read_bytes().count(b"\n") >= 4:
            break
        time.sleep(0.005)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    done_before = runs.read_bytes().count(b"\n") - 1
    assert 3 <= done_before < 12, "the sweep should have been killed part-way"
    assert main(["sweep", *args, "--out", str(out), "--resume"]) == 0
    clean = tmp_path / "clean"
    assert main(["sweep", *args, "--out", str(clean)]) == 0
    for name in ("runs.csv", "steps.csv"):
        assert table(out / name) == table(clean / name)
    sessions = execution.read_manifest(out)["sessions"]
    assert sessions[-1]["ran"] == 12 - done_before
