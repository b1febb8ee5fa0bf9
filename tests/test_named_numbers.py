"""Every behavioural number of the model has a name (ODD §9, item 2).

A number in a rule is either a schema parameter (read as ``params.<name>``) or a
module-level UPPER_CASE constant beside its rule, listed in the ODD's table of fixed
constants with its value and reason. These tests keep a bare number from slipping back
into the rules and keep the ODD's table complete.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from model.parameters import SCHEMA

ROOT = Path(__file__).resolve().parent.parent
RULE_MODULES = sorted(
    [*(ROOT / "agents").glob("*.py"), *(ROOT / "model").glob("*.py")],
)
# Modules that hold no rule of the model: the schema, scenario input checks (fields and
# oil price paths), output columns, docs and export.
NOT_RULES = {
    "parameters.py",
    "scenarios.py",
    "scenario_fields.py",
    "oil_price_path.py",
    "outputs.py",
    "datacollection.py",
    "docs.py",
    "export.py",
    "__init__.py",
}
# Whole numbers that are structure, not behaviour (ODD §9, item 2, last paragraph): the
# seed's range, the calendar's months, the ring neighbours on each side that define
# network_degree, the square of a variance, the count of an election's rounds, and the
# two slots a table of where each degree's citizens start has besides the degrees.
STRUCTURAL_INTS = {
    "model/model.py": {2, 32},
    "model/events.py": {12},
    "agents/network.py": {2},
    "agents/population.py": {2},
    "agents/population_kernels.py": {2},
    "model/factional_balance.py": {2},
    "model/elections.py": {2},
}


def _rule_modules() -> list[Path]:
    return [p for p in RULE_MODULES if p.name not in NOT_RULES]


def _named_constants(tree: ast.Module) -> dict[str, ast.expr]:
    """Module-level UPPER_CASE assignments."""
    named = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name) and re.fullmatch(r"[A-Z][A-Z0-9_]*", target.id):
                named[target.id] = node.value
    return named


def _is_numeric(value: ast.expr) -> bool:
    return all(
        isinstance(n.value, int | float) and not isinstance(n.value, bool)
        for n in ast.walk(value)
        if isinstance(n, ast.Constant)
    ) and any(isinstance(n, ast.Constant) for n in ast.walk(value))


def _bare_numbers(path: Path) -> list[tuple[int, object]]:
    """Numeric literals other than 0 and 1 outside named constants, dataclass field
    defaults (scenario inputs) and subscripts (indices into the month's draws)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip: set[int] = set()
    for value in _named_constants(tree).values():
        skip.update(id(n) for n in ast.walk(value))
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.AnnAssign) and item.value is not None:
                    skip.update(id(n) for n in ast.walk(item.value))
        if isinstance(node, ast.Subscript):
            skip.update(id(n) for n in ast.walk(node.slice))
    allowed = STRUCTURAL_INTS.get(path.relative_to(ROOT).as_posix(), set())
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Constant) or id(node) in skip:
            continue
        value = node.value
        if isinstance(value, bool) or not isinstance(value, int | float):
            continue
        if value in (0, 1) or (isinstance(value, int) and value in allowed):
            continue
        found.append((node.lineno, value))
    return found


@pytest.mark.parametrize("path", _rule_modules(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_no_bare_number_in_the_rules(path: Path) -> None:
    assert _bare_numbers(path) == [], (
        f"{path.name}: name each number as a schema parameter or an UPPER_CASE constant "
        f"listed in ODD §9 (item 2)"
    )


def test_every_named_constant_is_in_the_odd_table() -> None:
    odd = (ROOT / "docs" / "ODD.md").read_text(encoding="utf-8")
    section = odd.split("## 9 Known simplifications")[1].split("\n3. ")[0]
    missing = []
    for path in _rule_modules() + [ROOT / "model" / "scenarios.py"]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for name, value in _named_constants(tree).items():
            if _is_numeric(value) and f"`{name}`" not in section:
                missing.append(f"{path.name}: {name}")
    assert missing == []


def test_every_parameter_is_described_in_the_odd() -> None:
    odd = (ROOT / "docs" / "ODD.md").read_text(encoding="utf-8")
    assert [name for name in SCHEMA if f"`{name}`" not in odd] == []
