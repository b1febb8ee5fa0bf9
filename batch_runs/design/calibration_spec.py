"""What a calibration fits, and with what budget (ODD §1.3, C9).

:class:`CalibrationSpec` is validated on construction; the priors are uniform over the
schema's ranges (``Parameter.low`` / ``high``), whole-number parameters rounded.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from batch_runs.design.spec import SpecError
from batch_runs.patterns import PATTERN_IDS, check_covers, get_patterns
from model.parameters import SCHEMA, get_parameter
from model.scenarios import load_scenario


@dataclass(frozen=True)
class CalibrationSpec:
    """What to fit and with what budget; validated on construction.

    ``parameters``: names to fit, as given (no screening). Default: screen the
    candidates, every uncertain parameter of the schema but the critics'
    counter-mechanisms K1-K3 (the alternative hypotheses the claims audit switches on
    and off: fitting them would let the width of their prior decide the argument), on
    ``screening`` Latin-hypercube points, and fit the parameters of the rules the patterns
    test (``Pattern.informs``) and the most influential others, ``max_fitted`` in all.
    ``fixed``: overrides for every run (e.g. a smaller population). ``particles``:
    posterior sample size. ``rounds``: ABC-SMC rounds after the first (rejection from
    the prior). ``quantile``: the share of particles each round's tolerance keeps.
    ``seeds``: runs per particle. ``batch_size``: particles per sweep. ``apply_to``: the
    scenario the calibrated parameters are written onto (besides ``scenario``).
    """

    scenario: str = "history_2003"
    parameters: tuple[str, ...] | None = None
    fixed: Mapping[str, Any] = field(default_factory=dict)
    patterns: tuple[str, ...] = PATTERN_IDS
    screening: int = 400
    max_fitted: int = 22
    particles: int = 300
    rounds: int = 5
    quantile: float = 0.5
    seeds: int = 4
    batch_size: int = 300
    seed: int = 2003
    apply_to: str = "baseline_2011"

    def __post_init__(self) -> None:
        for name, low in (
            ("particles", 2),
            ("rounds", 0),
            ("seeds", 1),
            ("batch_size", 1),
            ("seed", 0),
            ("screening", 2),
            ("max_fitted", 1),
        ):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise SpecError(
                    f"{name}: {value!r} is not allowed; expected a whole number >= {low}"
                )
        if not (isinstance(self.quantile, float | int) and 0 < self.quantile < 1):
            raise SpecError(f"quantile: {self.quantile!r} is not allowed; expected 0 < q < 1")
        names = self.parameters
        if names is not None:
            names = tuple(names)
        for name in names or ():
            get_parameter(name)
        candidates = names if names is not None else default_parameters()
        if not candidates:
            raise SpecError("parameters: give at least one parameter to fit")
        for name in candidates:
            p = get_parameter(name)
            if p.kind not in (int, float):
                raise SpecError(f"parameter '{name}' is not numeric; only numbers can be fitted")
        if len(set(candidates)) != len(candidates):
            raise SpecError("parameters: a parameter is named twice")
        fixed = {n: get_parameter(n).validate(v) for n, v in dict(self.fixed).items()}
        if names is None:
            candidates = tuple(n for n in candidates if n not in fixed)
        both = sorted(set(fixed) & set(candidates))
        if both:
            raise SpecError(f"parameter '{both[0]}' is both fixed and fitted")
        get_patterns(self.patterns)
        object.__setattr__(self, "parameters", names)
        object.__setattr__(self, "fixed", fixed)
        object.__setattr__(self, "patterns", tuple(self.patterns))
        object.__setattr__(self, "quantile", float(self.quantile))
        scenario = load_scenario(self.scenario).with_overrides(**fixed)
        check_covers(scenario.parameters.start_date, scenario.months, self.patterns)
        load_scenario(self.apply_to)

    def to_json(self) -> dict[str, Any]:
        """Normalised form (the manifest's ``spec``)."""
        data = asdict(self)
        data["parameters"] = None if self.parameters is None else list(self.parameters)
        data["patterns"] = list(self.patterns)
        data["fixed"] = dict(self.fixed)
        return data

    def digest(self) -> str:
        """SHA-256 of :meth:`to_json`: equal digests, equal calibrations."""
        text = json.dumps(self.to_json(), sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(text.encode()).hexdigest()

    @property
    def screened(self) -> bool:
        """Whether the parameters to fit are chosen by screening."""
        return self.parameters is None

    @property
    def candidates(self) -> tuple[str, ...]:
        """The parameters screened (or, when named, fitted)."""
        if self.parameters is not None:
            return self.parameters
        return tuple(n for n in default_parameters() if n not in self.fixed)

    @property
    def simulations_per_round(self) -> int:
        """Particles simulated in the first round (later rounds: until enough pass)."""
        return math.ceil(self.particles / self.quantile)


def default_parameters() -> tuple[str, ...]:
    """The parameters a calibration fits unless told otherwise: the uncertain ones,
    except the critics' counter-mechanisms (claims K1-K3)."""
    return tuple(n for n, p in SCHEMA.items() if p.uncertain and not p.claim.startswith("K"))


def prior_bounds(name: str) -> tuple[float, float]:
    """The uniform prior's range: the schema's range of the parameter."""
    p = SCHEMA[name]
    return float(p.low), float(p.high)


def point_values(names: Sequence[str], row: Sequence[float]) -> dict[str, Any]:
    """A particle's parameter values (on the parameters' own scale), rounded and
    validated by the schema."""
    values = {}
    for name, value in zip(names, row, strict=True):
        p = SCHEMA[name]
        low, high = prior_bounds(name)
        value = min(high, max(low, float(value)))
        values[name] = p.validate(round(value) if p.kind is int else value)
    return values
