"""A run's CSV carries the set-up that made it (``model.export.RunHeader``).

The header block (``#`` lines: scenario, seed, months, every parameter value, the code)
reads back to the same set-up, a rerun of that set-up gives the same table to the byte,
pandas reads the table with ``comment="#"``, and a file without a usable header is
refused in one line naming the file.
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest

from model import SCHEMA, IranModel, load_scenario
from model.export import (
    RunCsvError,
    RunHeader,
    parameter_text,
    parse_run_csv,
    read_run_csv,
    run_csv_text,
    write_run_csv_atomic,
)

SMALL = {"n_citizens": 150}


def small_run(steps: int = 4, seed: int = 3, **overrides) -> IranModel:
    model = IranModel(rng=seed, **(SMALL | overrides))
    model.run(steps)
    return model


def test_every_parameter_value_reads_back_exactly() -> None:
    for name, p in SCHEMA.items():
        assert p.validate(parameter_text(p.default)) == p.default, name
    for value in (0.1, 1 / 3 * 0.5, 1e-05, 0.0812345, 0.5):
        assert SCHEMA["oil_volatility"].validate(parameter_text(value)) == value


def test_header_round_trip_then_rerun_gives_the_same_table(tmp_path: Path) -> None:
    model = small_run(oil_volatility=1 / 3 * 0.2, western_policy="engage")
    header = RunHeader.of_model(model, git_commit="abc123", code_version="f00d")
    path = tmp_path / "run.csv"
    write_run_csv_atomic(header, model.results(), path)

    back, table = read_run_csv(path)
    assert back == header  # every field, every parameter value
    assert set(back.parameters) == set(SCHEMA)
    assert (back.scenario, back.seed, back.steps, back.scenario_file) == (
        "baseline_2011",
        3,
        4,
        None,
    )
    rerun = IranModel(back.scenario, rng=back.seed, **back.parameters)
    rerun.run(back.steps)
    assert rerun.results().to_csv(index=False) == table
    again = run_csv_text(RunHeader.of_model(rerun, **_same(header)), rerun.results())
    assert path.read_text() == again  # the rerun's own CSV is the file, byte for byte


def _same(header: RunHeader) -> dict:
    return {"git_commit": header.git_commit, "code_version": header.code_version}


def test_pandas_reads_the_table_with_comment_hash(tmp_path: Path) -> None:
    model = small_run()
    path = tmp_path / "run.csv"
    write_run_csv_atomic(RunHeader.of_model(model), model.results(), path)
    frame = pd.read_csv(path, comment="#")
    expected = pd.read_csv(io.StringIO(model.results().to_csv(index=False)))
    pd.testing.assert_frame_equal(frame, expected)
    assert path.read_text().startswith("# iran-sim ")


def test_the_header_names_its_horizon_and_the_months_in_the_table() -> None:
    model = small_run(steps=2)
    header = RunHeader.of_model(model)
    assert (header.months, header.steps) == (model.months, 2)
    assert RunHeader.of_model(model, months=2).months == 2
    lines = header.lines()
    assert f"# months: {model.months}" in lines and "# steps: 2" in lines
    assert sum(line.startswith("# param ") for line in lines) == len(SCHEMA)


def test_a_scenario_file_is_recorded_and_a_shipped_scenario_is_not(tmp_path: Path) -> None:
    mine = tmp_path / "mine.toml"
    mine.write_text('base = "baseline_2011"\nname = "mine"\n[parameters]\nrepression = 0.6\n')
    model = IranModel(mine, rng=1, **SMALL)
    header = RunHeader.of_model(model)
    assert header.scenario == "mine" and header.scenario_file == str(mine.resolve())
    assert f"# scenario file: {mine.resolve()}" in header.lines()
    back, _ = parse_run_csv(run_csv_text(header, model.results()))
    assert back.scenario_file == str(mine.resolve())
    assert RunHeader.of_model(small_run(steps=0)).scenario_file is None
    assert load_scenario("baseline_2011").source  # shipped scenarios know their file


def test_a_huge_seed_is_kept_exactly() -> None:
    model = small_run(steps=1, seed=2**40 + 3)
    back, _ = parse_run_csv(run_csv_text(RunHeader.of_model(model), model.results()))
    assert back.seed == 2**40 + 3


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "no set-up header"),
        ("step,date\n0,2011-06\n", "no set-up header"),
        ("# something else\nstep\n0\n", "no set-up header"),
        ("# iran-sim 0.1.0 run\n# seed: 1\n# steps: 1\nstep\n", "no '# scenario: …' line"),
        ("# iran-sim 0.1.0 run\n# scenario: x\n# steps: 1\nstep\n", "no '# seed: …' line"),
        ("# iran-sim 0.1.0 run\n# scenario: x\n# seed: -1\n# steps: 1\n", "not a whole number"),
        ("# iran-sim 0.1.0 run\n# scenario: x\n# seed: 1\n# steps: 1\n# param oops\n", "line 5"),
        (
            "# iran-sim 0.1.0 run\n# scenario: x\n# seed: 1\n# steps: 1\n# param repression = 7\n",
            "'repression'",
        ),
        (
            "# iran-sim 0.1.0 run\n# scenario: x\n# seed: 1\n# steps: 1\n# param repressio = 1\n",
            "unknown parameter 'repressio'",
        ),
    ],
)
def test_a_file_without_a_usable_header_is_refused_in_one_line(
    tmp_path: Path, text: str, fragment: str
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(RunCsvError) as caught:
        read_run_csv(path)
    message = str(caught.value)
    assert "\n" not in message and fragment in message
    assert message.startswith(f"{path}: not a run CSV of iran-sim")


def test_a_missing_or_binary_file_is_refused_in_one_line(tmp_path: Path) -> None:
    with pytest.raises(RunCsvError, match="file not found"):
        read_run_csv(tmp_path / "nope.csv")
    binary = tmp_path / "b.csv"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(RunCsvError, match="cannot read file"):
        read_run_csv(binary)
