"""``iran-sim run``: CSV output, and one-line errors with exit status 2 for bad input.

The error cases call ``cli.main.main`` in the test process (argparse's errors end in
``SystemExit``); one test runs the installed ``iran-sim`` console script, to show that
the real entry point turns an error into one line and a non-zero exit status.
"""

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from cli.main import main
from model import IranModel
from model.export import read_run_csv


def iran_sim(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """Run the installed ``iran-sim`` console script in a child process."""
    return subprocess.run(
        [str(Path(sys.executable).with_name("iran-sim")), *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
        env={"PYTHONPATH": str(Path(__file__).resolve().parent.parent), "PATH": "/usr/bin:/bin"},
    )


def iran_sim_here(capsys, *args: str) -> tuple[int, str]:
    """Run ``iran-sim`` in this process: its exit status and what it wrote to stderr."""
    try:
        status = main(list(args))
    except SystemExit as exc:  # argparse's errors
        status = exc.code
    return status, capsys.readouterr().err


def test_run_writes_the_models_results(tmp_path: Path):
    out = tmp_path / "r.csv"
    status = main(
        ["run", "--steps", "12", "--seed", "5", "--set", "n_citizens=300", "--out", str(out)]
    )
    assert status == 0
    written = pd.read_csv(out, comment="#")
    model = IranModel(rng=5, n_citizens=300)
    model.run(12)
    header, table = read_run_csv(out)
    assert table == model.results().to_csv(index=False)
    assert (header.seed, header.months, header.steps) == (5, 12, 12)
    assert header.parameters == dict(model.params)
    assert len(written) == 13


def test_run_to_stdout(capsys):
    argv = ["run", "--steps", "2", "--seed", "1", "--set", "n_citizens=200", "--out", "-"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert out.startswith("# iran-sim ")
    assert "\nstep,date,western_policy," in out


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--set", "oil_volatility=-1"], "'oil_volatility'"),
        (["--set", "oil_volatilty=0.1"], "unknown parameter 'oil_volatilty'"),
        (["--set", "oil_volatility"], "KEY=VALUE"),
        (["--set", "western_policy=appease"], "'western_policy'"),
        (["--scenario", "nope"], "unknown scenario 'nope'"),
        (["--scenario", "missing.toml"], "not found"),
        (["--steps", "-4"], "--steps"),
        (["--steps", "ten"], "--steps"),
        (["--seed", "x"], "--seed"),
        (["--bogus"], "unrecognized arguments: --bogus"),
        (["--out", "no/such/folder/r.csv"], "does not exist"),
    ],
)
def test_bad_input_gives_one_line_exit_2_and_no_file(
    tmp_path: Path, monkeypatch, capsys, args, fragment
):
    monkeypatch.chdir(tmp_path)
    status, err = iran_sim_here(capsys, "run", "--steps", "3", "--out", "r.csv", *args)
    assert status == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert fragment in lines[0]
    assert "Traceback" not in err
    assert not (tmp_path / "r.csv").exists()
    assert list(tmp_path.iterdir()) == []


def test_bad_scenario_file_is_reported_with_its_key(tmp_path: Path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    bad = tmp_path / "bad.toml"
    bad.write_text('base = "baseline_2011"\n[parameters]\nrepression = 7\n')
    status, err = iran_sim_here(capsys, "run", "--scenario", str(bad), "--out", "r.csv")
    assert status == 2
    assert "bad.toml" in err and "'repression'" in err
    assert not (tmp_path / "r.csv").exists()


def test_the_console_script_gives_one_line_and_a_non_zero_exit(tmp_path: Path):
    # The installed entry point, not main(): its wrapper must pass main's status on.
    done = iran_sim("run", "--set", "oil_volatility=-1", "--out", "r.csv", cwd=tmp_path)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("iran-sim run: error:") and "'oil_volatility'" in lines[0]
    assert list(tmp_path.iterdir()) == []


def test_interrupted_run_leaves_no_file(tmp_path: Path, monkeypatch):
    out = tmp_path / "r.csv"
    out_existing = tmp_path / "keep.csv"
    out_existing.write_text("old\n")

    def interrupt(self, *args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(pd.DataFrame, "to_csv", interrupt)
    for target in (out, out_existing):
        status = main(["run", "--steps", "2", "--set", "n_citizens=200", "--out", str(target)])
        assert status == 130
    assert not out.exists()
    assert out_existing.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.csv"]


def test_output_file_gets_ordinary_permissions(tmp_path: Path):
    import os

    out = tmp_path / "r.csv"
    assert main(["run", "--steps", "1", "--set", "n_citizens=200", "--out", str(out)]) == 0
    umask = os.umask(0)
    os.umask(umask)
    assert out.stat().st_mode & 0o777 == 0o666 & ~umask


def test_dev_keeps_the_callers_folder_for_the_paths_given(tmp_path: Path):
    """``./dev iran-sim ...`` from another folder writes where the user stands."""
    repo = Path(__file__).resolve().parents[1]
    (tmp_path / "scen").mkdir()
    scenario = (repo / "model" / "scenarios" / "baseline_2011.toml").read_text()
    (tmp_path / "scen" / "mine.toml").write_text(scenario)
    argv = [str(repo / "dev"), "iran-sim", "run", "--scenario", "scen/mine.toml"]
    argv += ["--steps", "1", "--set", "n_citizens=100", "--out", "here.csv"]
    done = subprocess.run(argv, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "here.csv").is_file() and not (repo / "here.csv").exists()


def test_out_onto_an_existing_file_keeps_its_mode_and_a_link_stays_a_link(tmp_path: Path):
    from model.export import write_csv_atomic

    frame = pd.DataFrame({"a": [1, 2]})
    private = tmp_path / "private.csv"
    private.write_text("old\n")
    private.chmod(0o600)
    write_csv_atomic(frame, private)
    assert oct(private.stat().st_mode & 0o777) == "0o600" and private.read_text() == "a\n1\n2\n"
    target = tmp_path / "data" / "real.csv"
    target.parent.mkdir()
    target.write_text("old\n")
    link = tmp_path / "link.csv"
    link.symlink_to(target)
    write_csv_atomic(frame, link)
    assert link.is_symlink() and target.read_text() == "a\n1\n2\n"


# --- --from-csv: the run a CSV records, made again ------------------------------------


def test_from_csv_reproduces_the_same_rows(tmp_path: Path, capsys) -> None:
    first, again = tmp_path / "first.csv", tmp_path / "again.csv"
    argv = ["run", "--steps", "6", "--seed", "9", "--set", "n_citizens=200"]
    assert main([*argv, "--set", "oil_volatility=0.0812345", "--out", str(first)]) == 0
    capsys.readouterr()
    assert main(["run", "--from-csv", str(first), "--out", str(again)]) == 0
    assert "reproduces the table" in capsys.readouterr().err
    rows_first = pd.read_csv(first, comment="#")
    rows_again = pd.read_csv(again, comment="#")
    pd.testing.assert_frame_equal(rows_first, rows_again)
    assert read_run_csv(first)[0].parameters == read_run_csv(again)[0].parameters
    assert again.read_text() == first.read_text()  # header and table, byte for byte


def test_from_csv_flags_change_the_recorded_set_up(tmp_path: Path, capsys) -> None:
    first, other = tmp_path / "first.csv", tmp_path / "other.csv"
    small = ["--set", "n_citizens=200"]
    assert main(["run", "--steps", "4", "--seed", "2", *small, "--out", str(first)]) == 0
    argv = ["run", "--from-csv", str(first), "--seed", "3", "--steps", "2"]
    assert main([*argv, "--set", "western_policy=refuse", "--out", str(other)]) == 0
    assert "reproduces" not in capsys.readouterr().err  # a changed set-up: nothing to compare
    header, _ = read_run_csv(other)
    assert (header.seed, header.steps, header.parameters["western_policy"]) == (3, 2, "refuse")
    assert header.parameters["n_citizens"] == 200  # the rest is the file's


def test_from_csv_says_when_the_rerun_differs(tmp_path: Path, capsys) -> None:
    first, again = tmp_path / "first.csv", tmp_path / "again.csv"
    assert (
        main(
            ["run", "--steps", "2", "--seed", "4", "--set", "n_citizens=200"]
            + ["--out", str(first)]
        )
        == 0
    )
    text = first.read_text().splitlines(keepends=True)
    text[-1] = text[-1].replace(",", ";", 1)  # a table this code would not write
    first.write_text("".join(text))
    capsys.readouterr()
    assert main(["run", "--from-csv", str(first), "--out", str(again)]) == 0
    err = capsys.readouterr().err
    assert "warning: the rerun differs from the table" in err


def test_from_csv_of_a_dashboard_download_reruns_its_months(tmp_path: Path) -> None:
    from dashboard.session import DashboardModel, RunSettings, run_csv

    settings = RunSettings.from_values("baseline_2011", 2**40, {"n_citizens": 200}, 30)
    model = DashboardModel(settings)
    model.run(3)
    download = tmp_path / "download.csv"
    download.write_text(run_csv(model))
    again = tmp_path / "again.csv"
    assert main(["run", "--from-csv", str(download), "--out", str(again)]) == 0
    header, table = read_run_csv(again)
    assert (header.seed, header.steps) == (2**40, 3)
    assert table == model.results().to_csv(index=False)


def test_from_csv_reruns_a_scenario_file(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mine.toml").write_text(
        'base = "baseline_2011"\nname = "mine"\n[parameters]\nrepression = 0.6\n'
    )
    argv = ["run", "--scenario", "mine.toml", "--steps", "2", "--set", "n_citizens=200"]
    assert main([*argv, "--seed", "1", "--out", "a.csv"]) == 0
    assert main(["run", "--from-csv", "a.csv", "--out", "b.csv"]) == 0
    assert (tmp_path / "a.csv").read_text() == (tmp_path / "b.csv").read_text()


@pytest.mark.parametrize(
    ("setup", "args", "fragment"),
    [
        (None, ["--from-csv", "missing.csv"], "missing.csv: file not found"),
        ("step,date\n0,2011-06\n", ["--from-csv", "in.csv"], "no set-up header"),
        (
            "# iran-sim 0.1.0 run\n# scenario: baseline_2011\n# seed: 1\n# steps: 1\n"
            "# param oil_volatility = lots\nstep\n",
            ["--from-csv", "in.csv"],
            "line 5: parameter 'oil_volatility'",
        ),
        ("GOOD", ["--from-csv", "in.csv", "--scenario", "baseline_2011"], "drop --scenario"),
        ("GOOD", ["--from-csv", "in.csv", "--set", "repression=9"], "'repression'"),
    ],
)
def test_a_bad_from_csv_gives_one_line_exit_2_and_no_file(
    tmp_path: Path, monkeypatch, capsys, setup, args, fragment
) -> None:
    monkeypatch.chdir(tmp_path)
    if setup == "GOOD":
        assert main(["run", "--steps", "1", "--set", "n_citizens=100", "--out", "in.csv"]) == 0
        capsys.readouterr()
    elif setup is not None:
        (tmp_path / "in.csv").write_text(setup)
    before = sorted(p.name for p in tmp_path.iterdir())
    status, err = iran_sim_here(capsys, "run", *args, "--out", "r.csv")
    assert status == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and fragment in lines[0], err
    assert "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # no r.csv


def test_from_csv_refuses_to_overwrite_its_own_file(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["run", "--steps", "1", "--set", "n_citizens=100", "--out", "results.csv"]) == 0
    kept = (tmp_path / "results.csv").read_text()
    capsys.readouterr()
    status, err = iran_sim_here(capsys, "run", "--from-csv", "results.csv")
    assert status == 2 and "is the --from-csv file" in err
    assert (tmp_path / "results.csv").read_text() == kept
