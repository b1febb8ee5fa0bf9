"""The varied parameters of a sweep: levels, ranges and sampled designs (ODD §10).

A varied parameter's values are written as ``V1,V2,...`` (levels), ``LO:HI:N`` (N evenly
spaced numbers, grid), ``LO:HI`` (an interval, lhs and sobol) or ``*`` (every choice of a
text or boolean parameter; the schema's range of a numeric one). Every value and bound
is checked by the schema.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from model.parameters import SCHEMA, Parameter, ParameterError, get_parameter

# Spawn key of the design's own random stream: the sampled points depend on the master
# seed, never on the seeds of the runs.
_DESIGN_KEY = (0x5EED, 0xDE51)


class SpecError(ParameterError):
    """A sweep spec that cannot be run (bad file, key, value, range or combination).

    A ParameterError, so that ``iran-sim`` reports it as one line with exit status 2.
    """


@dataclass(frozen=True)
class Dimension:
    """One varied parameter: its ``levels`` (discrete) or its interval ``low``-``high``.

    ``raw`` is how the user wrote it (a list or a string), kept so that the dimension
    can be parsed again for another design.
    """

    name: str
    levels: tuple[Any, ...] | None = None
    low: float | None = None
    high: float | None = None
    raw: Any = "*"

    @property
    def parameter(self) -> Parameter:
        """The schema entry of the varied parameter."""
        return SCHEMA[self.name]

    def value_at(self, u: float) -> Any:
        """The value at quantile ``u`` in [0, 1) (uniform over levels or interval)."""
        if self.levels is not None:
            k = len(self.levels)
            return self.levels[min(int(u * k), k - 1)]
        p = self.parameter
        if p.kind is int:
            lo, hi = int(self.low), int(self.high)
            return min(lo + int(u * (hi - lo + 1)), hi)
        return p.validate(self.low + u * (self.high - self.low))

    def to_json(self) -> dict[str, Any]:
        """Normalised form (for the manifest and the spec digest)."""
        if self.levels is not None:
            return {"levels": list(self.levels)}
        return {"low": self.low, "high": self.high}


def parse_vary(text: str) -> tuple[str, str]:
    """Split a ``--vary`` argument ``KEY=VALUES`` (or a bare ``KEY``) into (key, values)."""
    name, sep, values = text.partition("=")
    name = name.strip()
    if not name:
        raise SpecError(f"--vary {text!r}: expected KEY=V1,V2,... or KEY=LO:HI:N")
    get_parameter(name)
    return name, (values.strip() if sep else "*")


def _split_range(p: Parameter, text: str) -> tuple[float, float, int | None]:
    parts = [s.strip() for s in text.split(":")]
    where = f"parameter '{p.name}': range {text!r}"
    if len(parts) not in (2, 3) or not all(parts):
        raise SpecError(f"{where} is not LO:HI or LO:HI:N")
    if p.kind not in (int, float):
        raise SpecError(f"{where}: a range needs a numeric parameter; list the values instead")
    try:
        low, high = p.validate(parts[0]), p.validate(parts[1])
    except ParameterError as exc:
        raise SpecError(f"{where}: {str(exc).partition(': ')[2]}") from None
    if low > high:
        raise SpecError(f"{where}: LO must not exceed HI")
    n = None
    if len(parts) == 3:
        try:
            n = int(parts[2])
        except ValueError:
            raise SpecError(f"{where}: N must be a whole number >= 1") from None
        if n < 1:
            raise SpecError(f"{where}: N must be a whole number >= 1")
        if n == 1 and low != high:
            raise SpecError(f"{where}: N = 1 needs LO = HI")
    return low, high, n


def make_dimension(name: str, raw: Any, sample: str) -> Dimension:
    """Parse the values of one varied parameter (list, ``V1,V2``, ``LO:HI[:N]``, ``*``)."""
    p = get_parameter(name)
    if isinstance(raw, Dimension):
        raw = raw.raw
    text = raw if isinstance(raw, str) else json.dumps(raw)
    if isinstance(raw, list | tuple):
        values = list(raw)
    elif isinstance(raw, str):
        raw = raw.strip()
        if raw == "*":
            if p.kind is bool:
                return Dimension(name, levels=(False, True), raw=raw)
            if p.choices is not None:
                return Dimension(name, levels=tuple(p.choices), raw=raw)
            if p.kind in (int, float) and sample != "grid":
                return Dimension(name, low=p.low, high=p.high, raw=raw)
            raise SpecError(
                f"parameter '{name}': '*' varies only text or boolean parameters in a grid; "
                f"give values (V1,V2) or a range LO:HI:N within {p.range_text}"
            )
        if ":" in raw:
            low, high, n = _split_range(p, raw)
            if n is None:
                if sample == "grid":
                    raise SpecError(
                        f"parameter '{name}': range {raw!r} needs a number of levels in a "
                        "grid: LO:HI:N"
                    )
                return Dimension(name, low=low, high=high, raw=raw)
            if sample != "grid":
                raise SpecError(
                    f"parameter '{name}': range {raw!r}: LO:HI:N is for grids; "
                    f"{sample} samples the interval LO:HI"
                )
            grid = np.linspace(low, high, n)
            if p.kind is int:
                values = sorted({int(round(x)) for x in grid})
                if len(values) < n:
                    raise SpecError(
                        f"parameter '{name}': range {raw!r} has fewer than {n} whole numbers"
                    )
            else:
                values = [float(f"{x:.12g}") for x in grid]
        else:
            values = [v.strip() for v in raw.split(",")]
    else:
        values = [raw]
    return _levels(p, values, raw, text)


def _levels(p: Parameter, values: list[Any], raw: Any, text: str) -> Dimension:
    name = p.name
    if not values or any(isinstance(v, str) and not v for v in values):
        raise SpecError(f"parameter '{name}': empty value in {text!r}")
    levels = tuple(p.validate(v) for v in values)
    if len(set(levels)) != len(levels):
        raise SpecError(f"parameter '{name}': repeated value in {text!r}")
    return Dimension(name, levels=levels, raw=raw)


def sample_matrix(sample: str, n: int, d: int, seed: int) -> np.ndarray:
    """An n x d design in [0, 1)^d from scipy.stats.qmc, seeded from the master seed."""
    from scipy.stats import qmc

    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=_DESIGN_KEY))
    if sample == "lhs":
        sampler = qmc.LatinHypercube(d=d, rng=rng)
        matrix = sampler.random(n)
    else:
        sampler = qmc.Sobol(d=d, scramble=True, rng=rng)
        matrix = sampler.random_base2(int(math.log2(n)))
    return np.clip(matrix, 0.0, np.nextafter(1.0, 0.0))
