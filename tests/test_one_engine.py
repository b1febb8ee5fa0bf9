"""Every batch command runs on the one engine: it resumes after Ctrl-C and runs on Dask.

For the claims audit, compare, sensitivity and frontier: an interrupted command says
what it kept and exits 130; the same command with ``--resume`` completes it, and its
tables equal those of a run that was never interrupted, and those of a run on Dask.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import pandas as pd
import pytest

from cli.main import main

SMALL = ["--set", "n_citizens=100", "--seed", "3"]
COMMANDS = {
    "claims": (
        ["claims", *SMALL, "--replicates", "2", "--steps", "6", "--claims", "C6", "--no-critics"],
        "batch_runs.claims",
        ("claims.csv", "pairs.csv"),
    ),
    "compare": (
        ["compare", *SMALL, "--replicates", "2", "--steps", "6"],
        "batch_runs.paired",
        ("differences.csv", "horizon.csv"),
    ),
    "sensitivity": (
        [
            "sensitivity",
            *SMALL,
            "--samples",
            "2",
            "--replicates",
            "2",
            "--steps",
            "6",
            "--params",
            "leakage_rate,blame_memory",
        ],
        "batch_runs.sensitivity",
        ("sensitivity.csv", "samples.csv"),
    ),
    "frontier": (
        [
            "frontier",
            "--x",
            "leakage_rate",
            "--y",
            "blame_memory",
            "--grid",
            "2",
            "--replicates",
            "2",
            "--steps",
            "6",
            "--seed",
            "3",
        ],
        "batch_runs.frontier",
        ("frontier.csv",),
    ),
}


def _tables(out: Path, files: tuple[str, ...]) -> dict[str, pd.DataFrame]:
    return {name: pd.read_csv(out / name) for name in files}


@pytest.mark.slow
@pytest.mark.parametrize("command", list(COMMANDS))
def test_interrupted_command_resumes_to_the_same_tables_and_dask_agrees(
    command, tmp_path, capsys, monkeypatch
):
    argv, module_name, files = COMMANDS[command]
    module = importlib.import_module(module_name)
    whole = tmp_path / "whole"
    assert main([*argv, "--workers", "1", "--out", str(whole)]) == 0

    real = module.run_sweep

    def run_then_ctrl_c(*args, **kwargs):
        real(*args, **kwargs)
        raise KeyboardInterrupt

    out = tmp_path / "interrupted"
    monkeypatch.setattr(module, "run_sweep", run_then_ctrl_c)
    assert main([*argv, "--workers", "1", "--out", str(out)]) == 130
    err = capsys.readouterr().err
    assert "interrupted; the finished runs are kept in" in err and "--resume" in err
    assert not any((out / name).exists() for name in files)
    monkeypatch.setattr(module, "run_sweep", real)
    assert main([*argv, "--workers", "1", "--out", str(out)]) == 2  # not without --resume
    assert main([*argv, "--workers", "1", "--out", str(out), "--resume"]) == 0

    on_dask = tmp_path / "dask"
    assert main([*argv, "--backend", "dask", "--workers", "1", "--out", str(on_dask)]) == 0
    expected = _tables(whole, files)
    for other in (out, on_dask):
        for name, table in _tables(other, files).items():
            pd.testing.assert_frame_equal(table, expected[name], obj=f"{other.name}/{name}")
