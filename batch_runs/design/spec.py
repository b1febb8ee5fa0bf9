"""Sweep specifications: what to run, validated through the parameter schema.

A sweep is a *design* (a list of design points, each a dict of parameter overrides)
run ``replicates`` times per point for ``steps`` months. The design is one of:

- ``grid``: the Cartesian product of the levels of every varied parameter;
- ``lhs`` / ``sobol``: ``samples`` points of a Latin hypercube or a scrambled Sobol'
  sequence (``scipy.stats.qmc``) over the varied parameters' ranges, seeded from the
  master seed;
- explicit ``points`` (Python API only): a list of override dicts, e.g. from SALib.

A varied parameter's values are written (on the command line after ``KEY=``, or in the
``[vary]`` table of a spec file) as:

- ``V1,V2,...`` or a TOML list: these levels (any type: ``engage,refuse``, ``true``);
- ``LO:HI:N``: N evenly spaced numbers from LO to HI inclusive (grid);
- ``LO:HI``: the interval from LO to HI (lhs and sobol);
- ``*`` (or a bare ``KEY`` on the command line): every choice of a text or boolean
  parameter; the schema's whole range of a numeric one (lhs and sobol).

Every value and bound is checked by the schema (``Parameter.validate``), so a sweep
cannot leave a parameter's allowed range. Errors are :class:`SpecError`, a
ParameterError, which ``iran-sim`` reports as one line with exit status 2.

Spec file (TOML)::

    title = "Sanctions intensity by Western policy"
    scenario = "baseline_2011"      # name or path (relative to the spec file)
    sample = "grid"                 # grid | lhs | sobol
    samples = 64                    # lhs and sobol only
    replicates = 20
    steps = 120
    seed = 2011
    every = 1                       # keep every K-th month in steps.csv
    format = "csv"                  # csv | parquet
    common_random_numbers = false   # true: replicate j of every point shares a seed
    vary_uncertain = false          # true: vary every uncertain parameter ("*")

    [parameters]                    # fixed overrides for every run
    n_citizens = 2000

    [vary]
    western_policy = ["engage", "refuse", "conditional", "reciprocal"]
    sanctions_economic_impact = "0.1:0.9:5"
"""

from __future__ import annotations

import hashlib
import json
import math
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from batch_runs.design.changes import CHANGE_KINDS, Change, change_from_json, change_to_json
from batch_runs.design.dimensions import (
    Dimension,
    SpecError,
    make_dimension,
    parse_vary,
    sample_matrix,
)
from model import DEFAULT_MONTHS
from model.export import read_data_file
from model.parameters import SCHEMA, ParameterError, get_parameter
from model.scenarios import Scenario

__all__ = [
    "FORMATS",
    "MAX_RUNS",
    "SAMPLES",
    "Dimension",
    "SpecError",
    "SweepSpec",
    "load_spec",
    "make_dimension",
    "parse_vary",
]

SAMPLES = ("grid", "lhs", "sobol")
FORMATS = ("csv", "parquet")
MAX_RUNS = 10_000_000
CHANGE_TYPES = tuple(CHANGE_KINDS.values())
# spawn_key of the SeedSequence that draws the design (never a run index: two words).


@dataclass(frozen=True)
class SweepSpec:
    """A validated sweep: scenario, fixed parameters, design, replicates, steps, seed.

    Construct it directly (Python) or with :func:`load_spec` (TOML); every field is
    checked on construction (SpecError / ParameterError / ScenarioError). The
    design, the run indices and the seeds of a sweep are a function of
    this object alone.
    """

    scenario: str | Path | Scenario | None = None
    parameters: Mapping[str, Any] = field(default_factory=dict)
    vary: Mapping[str, Any] = field(default_factory=dict)
    sample: str = "grid"
    samples: int | None = None
    points: Sequence[Mapping[str, Any]] | None = None
    replicates: int = 1
    steps: int = DEFAULT_MONTHS
    seed: int = 0
    every: int = 1
    format: str = "csv"
    common_random_numbers: bool = False
    vary_uncertain: bool = False
    title: str = ""
    # False: steps.csv keeps no monthly rows (audits that need only run summaries).
    monthly: bool = True

    def __post_init__(self) -> None:
        self._check_fields()
        fixed = {n: get_parameter(n).validate(v) for n, v in dict(self.parameters).items()}
        vary_raw = dict(self.vary)
        if self.vary_uncertain:
            for p in SCHEMA.values():
                if p.uncertain and p.name not in vary_raw:
                    vary_raw[p.name] = "*"
        dims = tuple(make_dimension(n, v, self.sample) for n, v in vary_raw.items())
        both = sorted({d.name for d in dims} & set(fixed))
        if both:
            raise SpecError(f"parameter '{both[0]}' is both fixed and varied")
        object.__setattr__(self, "parameters", fixed)
        object.__setattr__(self, "vary", {d.name: d for d in dims})
        matrix = None
        if self.points is not None:
            if dims:
                raise SpecError("give either explicit points or varied parameters, not both")
            object.__setattr__(self, "points", _checked_points(self.points))
            if self.samples is not None:
                raise SpecError("samples applies to lhs and sobol designs, not explicit points")
            n_points = len(self.points)
        elif self.sample == "grid":
            if self.samples is not None:
                raise SpecError("samples applies to lhs and sobol; a grid runs every level")
            n_points = math.prod(len(d.levels) for d in dims)
        else:
            n_points = self._check_samples(dims)
            matrix = sample_matrix(self.sample, self.samples, len(dims), self.seed)
        if n_points * self.replicates > MAX_RUNS:
            raise SpecError(
                f"the design has {n_points * self.replicates:,} runs; at most {MAX_RUNS:,} "
                "are allowed"
            )
        object.__setattr__(self, "_n_points", n_points)
        object.__setattr__(self, "_matrix", matrix)

    def _check_fields(self) -> None:
        _check_int("replicates", self.replicates, 1)
        _check_int("steps", self.steps, 0)
        _check_int("seed", self.seed, 0)
        _check_int("every", self.every, 1)
        if self.sample not in SAMPLES:
            raise SpecError(f"sample: {self.sample!r} is not one of {', '.join(SAMPLES)}")
        if self.format not in FORMATS:
            raise SpecError(f"format: {self.format!r} is not one of {', '.join(FORMATS)}")
        for name in ("common_random_numbers", "vary_uncertain", "monthly"):
            if not isinstance(getattr(self, name), bool):
                raise SpecError(f"{name}: expected true or false")
        if self.scenario is not None and not isinstance(self.scenario, str | Path | Scenario):
            raise SpecError("scenario: expected a scenario name or a path")

    def _check_samples(self, dims: Sequence[Dimension]) -> int:
        """The number of points of an lhs or Sobol' design (SpecError if it cannot be)."""
        if not dims:
            raise SpecError(f"sample {self.sample}: vary at least one parameter")
        if self.samples is None:
            raise SpecError(f"sample {self.sample} needs a number of samples (--samples N)")
        _check_int("samples", self.samples, 1)
        if self.sample == "sobol" and self.samples & (self.samples - 1):
            raise SpecError(
                f"samples: Sobol' designs need a power of 2 (e.g. "
                f"{1 << (self.samples.bit_length() - 1)} or {1 << self.samples.bit_length()}),"
                f" got {self.samples}"
            )
        return self.samples

    # --- the design -----------------------------------------------------------------

    @property
    def n_points(self) -> int:
        """Number of design points."""
        return self._n_points

    @property
    def n_runs(self) -> int:
        """Number of runs: design points times replicates."""
        return self._n_points * self.replicates

    @property
    def varied(self) -> list[str]:
        """Names of the parameters that differ between design points."""
        if self.points is not None:
            names = dict.fromkeys(n for p in self.points for n in p if n != "changes")
            return [n for n in names if len({repr(p.get(n)) for p in self.points}) > 1]
        return list(self.vary)

    def point(self, index: int) -> dict[str, Any]:
        """Overrides of design point ``index``: fixed parameters plus its varied values."""
        if not 0 <= index < self._n_points:
            raise IndexError(f"design point {index} out of range 0..{self._n_points - 1}")
        values = dict(self.parameters)
        if self.points is not None:
            values.update({n: v for n, v in self.points[index].items() if n != "changes"})
        elif self._matrix is None:
            digits = []
            for d in reversed(list(self.vary.values())):  # the last dimension varies fastest
                index, digit = divmod(index, len(d.levels))
                digits.append(digit)
            for d, digit in zip(self.vary.values(), reversed(digits), strict=True):
                values[d.name] = d.levels[digit]
        else:
            row = self._matrix[index]
            for d, u in zip(self.vary.values(), row, strict=True):
                values[d.name] = d.value_at(float(u))
        return values

    def changes(self, index: int) -> tuple[Change, ...]:
        """Scenario changes of design point ``index`` (explicit points only), applied
        in order before its parameter values."""
        return () if self.points is None else self.points[index].get("changes", ())

    def run_seed_index(self, run_id: int) -> int:
        """Index passed to ``run_seed``: the run id, or the replicate with CRN."""
        return run_id % self.replicates if self.common_random_numbers else run_id

    # --- identity -------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        """Normalised, JSON-serialisable form (the manifest's ``spec``)."""
        return {
            "title": self.title,
            "scenario": _scenario_json(self.scenario),
            "parameters": dict(self.parameters),
            "vary": {n: d.to_json() for n, d in self.vary.items()},
            "sample": self.sample,
            "samples": self.samples,
            "points": None if self.points is None else self._points_json(),
            "replicates": self.replicates,
            "steps": self.steps,
            "seed": self.seed,
            "every": self.every,
            "format": self.format,
            "common_random_numbers": self.common_random_numbers,
            "n_points": self.n_points,
            "n_runs": self.n_runs,
        } | ({} if self.monthly else {"monthly": False})

    def _points_json(self) -> list[dict[str, Any]]:
        points = [dict(p) for p in self.points]
        for point in points:
            if "changes" in point:
                point["changes"] = [change_to_json(c) for c in point["changes"]]
        return points

    def digest(self) -> str:
        """SHA-256 of :meth:`to_json` without the title: equal digests, equal runs."""
        data = self.to_json()
        data.pop("title")
        text = json.dumps(data, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()

    def with_changes(self, *, vary: Mapping[str, Any] | None = None, **changes: Any) -> SweepSpec:
        """A validated copy with fields replaced; ``vary`` entries are merged key by key
        (as the command line's flags override a spec file)."""
        merged = {n: d.raw for n, d in self.vary.items()}
        merged.update(vary or {})
        return replace(self, vary=merged, **changes)


def _scenario_json(scenario: str | Path | Scenario | None) -> str | None:
    """A scenario given as an object (e.g. from the dashboard) is named in the spec; its
    content is in the manifest's ``scenario_digest``."""
    if isinstance(scenario, Scenario):
        return scenario.name
    return None if scenario is None else str(scenario)


def _checked_points(points: Sequence[Any]) -> tuple[dict[str, Any], ...]:
    """Explicit design points, each value validated and its changes parsed."""
    checked = []
    for i, point in enumerate(points):
        if not isinstance(point, Mapping):
            raise SpecError(f"points[{i}]: expected a mapping of parameter values")
        values = {n: v for n, v in point.items() if n != "changes"}
        values = {n: get_parameter(n).validate(v) for n, v in values.items()}
        changes = _point_changes(point.get("changes", ()), f"points[{i}]")
        checked.append(values | ({"changes": changes} if changes else {}))
    if not checked:
        raise SpecError("points: the design is empty")
    return tuple(checked)


def _point_changes(raw: Any, where: str) -> tuple[Change, ...]:
    """The scenario changes of one explicit point, from Change objects or JSON tables."""
    if not isinstance(raw, Sequence) or isinstance(raw, str):
        raise SpecError(f"{where}.changes: expected a list of changes")
    return tuple(
        c if isinstance(c, CHANGE_TYPES) else change_from_json(c, f"{where}.changes[{j}]")
        for j, c in enumerate(raw)
    )


def _check_int(name: str, value: Any, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise SpecError(f"{name}: {value!r} is not allowed; expected a whole number >= {minimum}")


_SPEC_KEYS = {f.name for f in fields(SweepSpec)} - {"points"}


def load_spec(path: str | Path) -> SweepSpec:
    """Read and validate a TOML spec file; errors name the file and the key."""
    path = Path(path)
    where = str(path)
    data = read_data_file(
        path,
        tomllib.loads,
        SpecError,
        missing=f"{where}: spec file not found",
        unreadable=f"{where}: cannot read file",
        invalid=f"{where}: not valid TOML",
    )
    unknown = sorted(set(data) - _SPEC_KEYS)
    if unknown:
        raise SpecError(
            f"{where}: unknown key '{unknown[0]}'; expected one of {', '.join(sorted(_SPEC_KEYS))}"
        )
    for table in ("parameters", "vary"):
        if table in data and not isinstance(data[table], dict):
            raise SpecError(f"{where}: '{table}' must be a table ([{table}])")
    scenario = data.get("scenario")
    if isinstance(scenario, str) and (scenario.endswith(".toml") or "/" in scenario):
        candidate = path.parent / scenario
        if not Path(scenario).is_absolute() and candidate.is_file():
            data["scenario"] = str(candidate)
    try:
        return SweepSpec(**data)
    except ParameterError as exc:
        raise SpecError(f"{where}: {exc}") from None
