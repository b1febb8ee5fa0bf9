"""Property-based invariants over random valid parameters."""

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from model import SCHEMA, IranModel
from model.outputs import OUTPUTS

COUNTERS = [c.name for c in OUTPUTS if c.cumulative]
UNBOUNDED = {"step", "oil_price", "oil_exports", "oil_revenue"} | set(COUNTERS)


def value_strategy(p):
    if p.kind is bool:
        return st.booleans()
    if p.choices:
        return st.sampled_from(p.choices)
    if p.kind is int:
        return st.integers(int(p.low), int(p.high))
    return st.floats(p.low, p.high, allow_nan=False, allow_infinity=False)


# Every parameter that changes behaviour (the run length and population size are kept
# small so that many examples fit in seconds; the size is covered elsewhere).
VARIED = [p for name, p in SCHEMA.items() if name not in ("n_citizens", "start_date")]
PARAMETERS = st.fixed_dictionaries({p.name: value_strategy(p) for p in VARIED})


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(params=PARAMETERS, seed=st.integers(0, 2**32 - 1))
def test_state_stays_in_range_and_finite(params, seed):
    model = IranModel(rng=seed, n_citizens=150, **params)
    model.run(30)
    results = model.results()
    numeric = results.select_dtypes("number")
    assert np.isfinite(numeric.to_numpy()).all()
    power = results[[c for c in results if c.startswith("power_")]]
    np.testing.assert_allclose(power.sum(axis=1), 1.0, atol=1e-9)
    bounded = numeric[[c for c in numeric if c not in UNBOUNDED]]
    assert ((bounded >= 0) & (bounded <= 1)).all().all(), bounded.agg(["min", "max"]).T
    assert (results["oil_price"] > 0).all()
    capacity = model.params.oil_export_capacity
    assert ((results["oil_exports"] >= 0) & (results["oil_exports"] <= capacity + 1e-9)).all()
    assert (results["oil_revenue"] >= 0).all()
    for counter in COUNTERS:
        assert results[counter].is_monotonic_increasing, counter
    # Agent state between collections stays in range too.
    pop = model.population
    for name in ("hardship", "blame_west", "resentment", "resolve", "political_grievance"):
        values = getattr(pop, name)
        assert ((values >= 0) & (values <= 1)).all(), name
    for f in model.factions:
        assert 0 <= f.legitimacy <= 1 and -0.5 <= f.prestige <= 0.5
