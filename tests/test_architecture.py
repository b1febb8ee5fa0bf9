"""The packages depend on each other one way only (docs/architecture.md).

schema and agents → model (scenarios, submodels, IranModel, results frame) → experiment
design → execution (the one engine) → analysis → reporting → experiments (job lists
that combine them) → command line and dashboard. A module may import from its own layer
and the layers before it, never from a later one.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Layer of each package or module, in the order of the flow. Inside batch_runs, the
# patterns and the coin-flip baseline are inputs of the design (what the record says,
# a model variant); ``analysis.outcomes`` and ``analysis.statistics`` are pure functions
# of a results frame that the design names outcomes by.
LAYERS = {
    "agents": 0,
    "model": 1,
    "batch_runs.patterns": 2,
    "batch_runs.baselines": 2,
    "batch_runs.analysis.outcomes": 2,
    "batch_runs.analysis.statistics": 2,
    "batch_runs.design": 3,
    "batch_runs.execution": 4,
    "batch_runs.analysis": 5,
    "batch_runs.reporting": 6,
    "batch_runs": 7,  # the experiments: claims, paired, sensitivity, frontier, calibration
    "cli": 8,
    "dashboard": 8,
    "server": 9,
}


def layer_of(module: str) -> int | None:
    """The layer of a module: that of its longest listed prefix (None if external)."""
    parts = module.split(".")
    for n in range(len(parts), 0, -1):
        prefix = ".".join(parts[:n])
        if prefix in LAYERS:
            return LAYERS[prefix]
    return None


def modules() -> list[tuple[str, Path]]:
    found = []
    for path in sorted(ROOT.glob("*/**/*.py")) + [ROOT / "server.py"]:
        relative = path.relative_to(ROOT)
        if relative.parts[0] in ("tests", "benchmarks", "docs", ".venv", "build"):
            continue
        name = ".".join(relative.with_suffix("").parts).removesuffix(".__init__")
        if layer_of(name) is not None:
            found.append((name, path))
    return found


def imports_of(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


@pytest.mark.parametrize(("module", "path"), modules(), ids=lambda x: str(x))
def test_a_module_imports_only_from_its_layer_and_the_ones_before(module, path):
    own = layer_of(module)
    later = [
        name for name in imports_of(path) if (other := layer_of(name)) is not None and other > own
    ]
    assert later == [], f"{module} (layer {own}) imports from a later layer: {later}"


def test_the_check_sees_every_package():
    names = {m for m, _ in modules()}
    for package in ("agents.faction", "model.model", "batch_runs.execution.runner", "cli.main"):
        assert package in names
    assert layer_of("batch_runs.execution.runner") == 4
    assert layer_of("batch_runs.claims") == 7
    assert layer_of("numpy") is None
