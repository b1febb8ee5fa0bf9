"""The parameter schema: validation, clear errors, and docs generated from it."""

import pytest

from model import SCHEMA, IranModel, ParameterError, Parameters
from model.docs import generated_files
from model.parameters import parse_assignment


def test_every_parameter_is_complete_and_its_default_valid():
    for name, p in SCHEMA.items():
        assert p.label and p.description and p.claim and p.group, name
        assert p.validate(p.default) == p.default, name
        if p.kind in (int, float):
            assert p.low <= p.default <= p.high, name


@pytest.mark.parametrize(
    ("name", "value", "fragment"),
    [
        ("oil_volatility", -1, "out of range; allowed [0, 0.5]"),
        ("oil_volatility", float("nan"), "out of range"),
        ("oil_volatility", float("inf"), "out of range"),
        ("oil_volatility", "abc", "not a valid number"),
        ("n_citizens", 2.5, "not a valid integer"),
        ("n_citizens", 50, "out of range; allowed [100, 1000000]"),
        ("n_citizens", True, "not a valid integer"),
        ("western_policy", "appease", "expected one of engage, refuse, conditional, reciprocal"),
        ("iran_last_cooperative", "maybe", "not a valid boolean"),
        ("start_date", "2011-13", "expected a month, YYYY-MM"),
    ],
)
def test_bad_values_name_parameter_value_and_range(name, value, fragment):
    with pytest.raises(ParameterError) as err:
        IranModel(rng=1, **{name: value})
    message = str(err.value)
    assert f"'{name}'" in message
    assert fragment in message
    assert "\n" not in message


def test_model_error_message_for_the_issue_example():
    with pytest.raises(ParameterError, match=r"'oil_volatility': -1 is out of range; allowed \[0"):
        IranModel(oil_volatility=-1)


def test_unknown_parameter_suggests_close_name():
    with pytest.raises(ParameterError, match="did you mean 'oil_volatility'"):
        IranModel(oil_volatilty=0.1)


def test_strings_are_parsed_like_command_line_values():
    assert parse_assignment("n_citizens=500") == ("n_citizens", 500)
    assert parse_assignment("iran_last_cooperative=yes") == ("iran_last_cooperative", True)
    assert parse_assignment(" oil_volatility = 0.2") == ("oil_volatility", 0.2)
    with pytest.raises(ParameterError, match="KEY=VALUE"):
        parse_assignment("oil_volatility")


def test_parameters_are_immutable_and_replace_validates():
    params = Parameters()
    with pytest.raises(AttributeError):
        params.oil_volatility = 0.3
    changed = params.replace(oil_volatility=0.3)
    assert changed.oil_volatility == 0.3
    assert params.oil_volatility == SCHEMA["oil_volatility"].default
    with pytest.raises(ParameterError):
        params.replace(oil_volatility=3)


def test_generated_docs_match_the_code():
    for path, text in generated_files().items():
        assert path.read_text(encoding="utf-8") == text, f"{path} is stale: python -m model.docs"


def test_readme_column_table_matches_the_code():
    from model.datacollection import columns_table_markdown
    from model.docs import DOCS

    readme = (DOCS.parent / "README.md").read_text(encoding="utf-8")
    table = readme.split("<!-- columns:start -->\n")[1].split("<!-- columns:end -->")[0]
    assert table == columns_table_markdown()


def test_parameters_survive_pickling_for_worker_processes():
    import pickle

    params = Parameters(oil_volatility=0.2)
    assert pickle.loads(pickle.dumps(params)) == params
