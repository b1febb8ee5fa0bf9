"""``iran-sim --version``, ``params`` and ``scenarios``: what an installed package can tell."""

from __future__ import annotations

from importlib import metadata

import pytest

from cli.main import main
from model import SCHEMA, list_scenarios
from model.parameters import parameter_table_markdown


def test_version_names_the_package_mesa_and_python(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert f"iran-sim {metadata.version('iran-sim')}" in out and "Mesa 3.5" in out


def test_params_lists_every_parameter_with_its_default_and_range(capsys):
    assert main(["params"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(SCHEMA) + 1  # a header, then one line per parameter
    row = next(line for line in lines if line.startswith("oil_volatility "))
    assert "0.08" in row and "[0, 0.5]" in row and "C4" in row


def test_params_describes_named_ones_and_prints_the_docs_table(capsys):
    assert main(["params", "blame_memory"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("blame_memory: ") and SCHEMA["blame_memory"].description[:30] in text
    assert main(["params", "--markdown"]) == 0
    assert capsys.readouterr().out == parameter_table_markdown()
    assert main(["params", "--group", "Economy"]) == 0
    out = capsys.readouterr().out
    assert "oil_volatility" in out and "blame_memory" not in out


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["params", "nonsense"], "unknown parameter 'nonsense'"),
        (["params", "--group", "x"], "--group"),
    ],
)
def test_params_bad_names_give_one_line(capsys, argv, fragment):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and fragment in err[0]


def test_scenarios_lists_every_shipped_scenario_with_its_period(capsys):
    assert main(["scenarios"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == list_scenarios()
    history = next(line for line in lines if line.startswith("history_2003"))
    assert "2003-01 to 2009-05" in history


def test_a_scenario_in_full_says_what_it_sets(capsys):
    assert main(["scenarios", "history_2003"]) == 0
    text = capsys.readouterr().out
    assert "start_date = '2003-01'" in text and "oil price path:" in text
    assert "talks_open" in text and "factions: " in text
    assert main(["scenarios", "no_such_scenario"]) == 2
    assert "no_such_scenario" in capsys.readouterr().err
