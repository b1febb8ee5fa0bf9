"""``iran-sim patterns``: scores the record's patterns over seeds; bad input is one line."""

from pathlib import Path

import pandas as pd
import pytest

from batch_runs.patterns import PATTERN_IDS
from batch_runs.validation import read_scores, score_patterns
from cli.main import main

SMALL = ["--seeds", "4", "--workers", "1", "--set", "n_citizens=200"]


def test_patterns_writes_the_table_and_the_runs(tmp_path: Path, capsys):
    out = tmp_path / "p"
    assert main(["patterns", *SMALL, "--out", str(out)]) == 0
    table = pd.read_csv(out / "patterns.csv")
    assert table["pattern"].tolist() == list(PATTERN_IDS)
    assert table["reproduced_share"].between(0, 1).all()
    runs = pd.read_csv(out / "runs.csv")
    assert len(runs) == 4 and {f"miss_{i}" for i in PATTERN_IDS} <= set(runs)
    printed = capsys.readouterr().out
    assert "mean share of patterns reproduced" in printed
    assert (out / "patterns.md").read_text() == printed


def test_the_same_seeds_give_the_same_scores(tmp_path: Path):
    a = score_patterns(tmp_path / "a", seeds=3, workers=1, overrides={"n_citizens": 200})
    b = score_patterns(tmp_path / "b", seeds=3, workers=2, overrides={"n_citizens": 200})
    pd.testing.assert_frame_equal(a.table, b.table)


def test_a_subset_of_patterns_and_resume(tmp_path: Path):
    out = tmp_path / "p"
    argv = ["patterns", *SMALL, "--patterns", "P03,P07", "--out", str(out)]
    assert main(argv) == 0
    assert main([*argv, "--resume"]) == 0
    scores = read_scores(out, ["P03", "P07"])
    assert len(scores.runs) == 4 and list(scores.table["pattern"]) == ["P03", "P07"]


def test_the_coin_flip_baseline_runs_through_the_same_command(tmp_path: Path):
    out = tmp_path / "coin"
    assert main(["patterns", *SMALL, "--model", "coin_flip", "--out", str(out)]) == 0
    assert "coin_flip" in (out / "patterns.md").read_text()


@pytest.mark.parametrize(
    ("extra", "fragment"),
    [
        (["--patterns", "P01,P99"], "unknown pattern 'P99'"),
        (["--patterns", "P01,"], "empty id"),
        (["--scenario", "baseline_2011"], "use the history_2003 scenario"),
        (["--set", "start_date=2004-01"], "the runs cover 2004-01"),
        (["--set", "bogus=1"], "unknown parameter 'bogus'"),
        (["--resume"], "holds no pattern runs"),
        (["--scheduler", "tcp://x:1"], "--scheduler needs --backend dask"),
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(tmp_path: Path, capsys, extra, fragment):
    out = tmp_path / "p"
    status = main(["patterns", *SMALL, *extra, "--out", str(out)])
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 2 and len(err) == 1 and fragment in err[0], err
    assert not out.exists()


def test_compare_puts_finished_folders_side_by_side(tmp_path: Path, capsys):
    model, coin = tmp_path / "model", tmp_path / "coin"
    assert main(["patterns", *SMALL, "--out", str(model)]) == 0
    assert main(["patterns", *SMALL, "--model", "coin_flip", "--out", str(coin)]) == 0
    capsys.readouterr()
    out = tmp_path / "both"
    assert main(["patterns", "--compare", str(model), str(coin), "--out", str(out)]) == 0
    table = pd.read_csv(out / "comparison.csv")
    assert set(table["setup"]) == {"history_2003 (model)", "history_2003 (coin_flip)"}
    assert len(table) == 2 * len(PATTERN_IDS)
    text = (out / "comparison.md").read_text()
    assert "| history_2003 (model) | history_2003 (coin_flip) |" in text
    status = main(["patterns", "--compare", str(tmp_path / "nothing"), "--out", str(out)])
    assert status == 2 and "holds no pattern runs" in capsys.readouterr().err
