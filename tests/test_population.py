"""The population: a seeded small-world network and vectorised monthly rules, and the
compiled citizens' month that must give the same numbers (ODD §2.4)."""

import importlib.util

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from agents.network import row_normalised, small_world_adjacency
from agents.population import (
    COMPROMISE_STANCE,
    KERNEL_VARIABLE,
    KERNELS,
    NUMPY_AVERAGES_FROM,
    Population,
    kernel_choice,
)
from model import IranModel
from model.parameters import ParameterError, Parameters


def test_small_world_network_is_symmetric_without_self_loops():
    rng = np.random.default_rng(1)
    adjacency = small_world_adjacency(2000, 8, 0.1, rng)
    assert (adjacency != adjacency.T).nnz == 0
    assert adjacency.diagonal().sum() == 0
    degree = np.asarray(adjacency.sum(axis=1)).ravel()
    assert 7.5 < degree.mean() <= 8 and degree.min() >= 1


def test_network_is_reproducible_from_the_seed():
    a = small_world_adjacency(500, 6, 0.2, np.random.default_rng(5))
    b = small_world_adjacency(500, 6, 0.2, np.random.default_rng(5))
    c = small_world_adjacency(500, 6, 0.2, np.random.default_rng(6))
    assert (a != b).nnz == 0 and (a != c).nnz > 0


def test_ring_lattice_without_rewiring():
    adjacency = small_world_adjacency(10, 4, 0.0, np.random.default_rng(0))
    assert sorted(adjacency[0].indices) == [1, 2, 8, 9]


def test_neighbour_mean_rows_sum_to_one():
    adjacency = small_world_adjacency(300, 6, 0.3, np.random.default_rng(2))
    np.testing.assert_allclose(np.asarray(row_normalised(adjacency).sum(axis=1)).ravel(), 1.0)


def test_citizens_are_heterogeneous():
    model = IranModel(rng=1, n_citizens=1000)
    model.run(6)
    pop = model.population
    assert pop.ideology.std() > 0.1 and pop.hardship.std() > 0.05
    assert len(np.unique(pop.preferred)) >= 3


def test_neighbours_pull_blame_together():
    """Social influence (C5): with it, citizens' blame is closer to their neighbours'."""
    spread = {}
    for influence in (0.0, 0.9):
        model = IranModel(rng=3, n_citizens=1000, social_influence=influence)
        model.run(12)
        pop = model.population
        spread[influence] = np.abs(pop.blame_west - pop.neighbour_mean @ pop.blame_west).mean()
    assert spread[0.9] < spread[0.0]


def test_protest_follows_epstein_rule():
    """More repression means fewer active protesters; no repression, more."""
    shares = {}
    for repression in (0.0, 1.0):
        model = IranModel(rng=2, n_citizens=2000, repression=repression, protest_threshold=0.05)
        model.run(12)
        shares[repression] = model.results()["protest_share"].iloc[-6:].mean()
    assert shares[0.0] > shares[1.0]


# --- the compiled citizens' month (ODD §2.4, §7.7.9) ------------------------------------

KERNEL_CASES = [
    # (scenario, seed, citizens, overrides): elections, talks with the K3 boost, a
    # protest wave, a dense random network, a population that is not a round number.
    ("baseline_2011", 1, 300, {}),
    ("history_2003", 1, 137, {"talks_legitimacy_boost": 0.1}),
    ("sanctions_escalation_2012", 4, 1037, {"repression": 0.0, "protest_threshold": 0.0}),
    ("calibrated", 5, 2000, {"network_degree": 40, "network_rewiring": 1.0}),
]
STATE = ("hardship", "blame_west", "resentment", "resolve", "political_grievance")
# A disputed election (election_shock, 7.7.6) put on every run of the comparison.
SHOCK_MONTH, SHOCK_GRIEVANCE, SHOCK_PROTESTERS = 20, 0.6, 0.2


def run_with(
    kernel, monkeypatch, scenario, seed, citizens, overrides, model_type=IranModel, months=None
):
    monkeypatch.setenv(KERNEL_VARIABLE, kernel)
    model = model_type(scenario, rng=seed, n_citizens=citizens, **overrides)
    assert model.population.kernel == kernel
    model.run(months)
    return model


def shocked_run(kernel, monkeypatch, scenario, seed, citizens, overrides):
    model = run_with(kernel, monkeypatch, scenario, seed, citizens, overrides, months=SHOCK_MONTH)
    model.population.shock_election(SHOCK_GRIEVANCE, SHOCK_PROTESTERS)
    model.run(model.months - SHOCK_MONTH)
    return model


@pytest.mark.parametrize(("scenario", "seed", "citizens", "overrides"), KERNEL_CASES)
def test_compiled_month_gives_the_numpy_rules_bit_for_bit(
    monkeypatch, scenario, seed, citizens, overrides
):
    pytest.importorskip("numba")
    compiled = shocked_run("numba", monkeypatch, scenario, seed, citizens, overrides)
    numpy_rules = shocked_run("numpy", monkeypatch, scenario, seed, citizens, overrides)
    pd.testing.assert_frame_equal(compiled.results(), numpy_rules.results(), check_exact=True)
    pd.testing.assert_frame_equal(compiled.events(), numpy_rules.events(), check_exact=True)
    a, b = compiled.population, numpy_rules.population
    for name in (*STATE, "active", "preferred", "approval"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)


def test_the_comparison_covers_talks_elections_and_protest(monkeypatch):
    """The cases above reach every branch of the month: talks with the K3 boost, the
    protesters a disputed election brings out, and active neighbours."""
    runs = [shocked_run("numpy", monkeypatch, *case) for case in KERNEL_CASES]
    frames = [run.results() for run in runs]
    assert frames[1]["talks_active"].any()
    # Row k is the state after k months: the shock acts in the month after SHOCK_MONTH.
    assert all(f["protest_share"].iloc[SHOCK_MONTH + 1] >= SHOCK_PROTESTERS for f in frames)
    assert frames[2]["protest_share"].max() > 0.5


def test_the_month_the_compiled_kernel_leaves_unbuilt_is_the_one_judged(monkeypatch):
    """``approval`` after a compiled month is the month's judgement, even when a rule
    moves its inputs (hardship, blame) before anyone reads it."""
    pytest.importorskip("numba")
    models = {}
    for kernel in ("numba", "numpy"):
        models[kernel] = run_with(kernel, monkeypatch, "baseline_2011", 3, 400, {}, months=7)
    assert models["numba"].population._approval is None  # left unbuilt by the kernel
    for model in models.values():
        model.population.feel_economy(0.1)
        model.population.attribute_blame(0.9)
    a, b = models["numba"].population, models["numpy"].population
    np.testing.assert_array_equal(a.hardship, b.hardship)
    np.testing.assert_array_equal(a.approval, b.approval)


class BlasRegimePopulation(Population):
    """The regime approval of the pinned results before the compiled kernel: a BLAS
    matrix-vector product, whose order of summation depends on the processor."""

    def _regime_approval(self, power):
        return self.approval @ power


class BlasRegimeModel(IranModel):
    population_type = BlasRegimePopulation


@pytest.mark.parametrize(
    ("scenario", "seed"),
    [("baseline_2011", 1), ("baseline_2011", 2026), ("history_2003", 7), ("calibrated", 11)],
)
def test_regime_approval_in_faction_order_agrees_with_the_blas_product(monkeypatch, scenario, seed):
    """The one documented change of numbers: regime approval summed over factions in
    index order instead of by BLAS; whole runs agree to 1e-12."""
    new = run_with("numpy", monkeypatch, scenario, seed, 500, {})
    old = run_with("numpy", monkeypatch, scenario, seed, 500, {}, BlasRegimeModel)
    a, b = new.results(), old.results()
    numeric = a.select_dtypes("number").columns
    np.testing.assert_allclose(a[numeric], b[numeric], rtol=0, atol=1e-12)
    pd.testing.assert_frame_equal(a.drop(columns=numeric), b.drop(columns=numeric))
    power = np.array([f.power for f in new.factions])
    np.testing.assert_allclose(
        new.population._regime_approval(power), new.population.approval @ power, atol=1e-15
    )


def test_kernel_is_chosen_by_the_environment(monkeypatch):
    monkeypatch.setenv(KERNEL_VARIABLE, "numpy")
    assert kernel_choice() == "numpy"
    monkeypatch.setenv(KERNEL_VARIABLE, "fortran")
    with pytest.raises(ValueError, match="IRAN_SIM_KERNEL"):
        kernel_choice()
    monkeypatch.delenv(KERNEL_VARIABLE)
    assert kernel_choice() == ("numba" if importlib.util.find_spec("numba") else "numpy")


@pytest.mark.parametrize("kernel", KERNELS)
def test_citizens_stay_in_range_under_either_kernel(monkeypatch, kernel):
    if kernel == "numba":
        pytest.importorskip("numba")
    model = run_with(kernel, monkeypatch, "history_2003", 9, 700, {"protest_threshold": 0.0})
    pop = model.population
    for name in STATE:
        values = getattr(pop, name)
        assert np.isfinite(values).all() and values.min() >= 0 and values.max() <= 1, name
    assert pop.approval.shape == (700, len(model.factions))
    assert pop.approval.min() >= 0 and pop.approval.max() <= 1
    assert pop.preferred.min() >= 0 and pop.preferred.max() < len(model.factions)
    assert all(0 <= f.legitimacy <= 1 for f in model.factions)


def test_a_million_citizens_is_a_valid_population():
    assert Parameters(n_citizens=1_000_000).n_citizens == 1_000_000
    with pytest.raises(ParameterError):
        Parameters(n_citizens=1_000_001)


def test_network_is_the_canonical_matrix_of_its_links():
    """The sorted-key construction gives the same matrix as scipy's coordinate format
    (duplicates merged, each row's columns sorted)."""
    n, half = 3000, 5
    adjacency = small_world_adjacency(n, 2 * half, 0.3, np.random.default_rng(8))
    rng = np.random.default_rng(8)
    source = np.repeat(np.arange(n), half)
    target = (source + np.tile(np.arange(1, half + 1), n)) % n
    rewire = rng.random(source.size) < 0.3
    drawn = rng.integers(0, n - 1, size=int(rewire.sum()))
    target[rewire] = drawn + (drawn >= source[rewire])
    rows, cols = np.concatenate([source, target]), np.concatenate([target, source])
    expected = sp.csr_matrix((np.ones(rows.size), (rows, cols)), shape=(n, n))
    expected.data[:] = 1.0
    np.testing.assert_array_equal(adjacency.indptr, expected.indptr)
    np.testing.assert_array_equal(adjacency.indices, expected.indices)
    np.testing.assert_array_equal(adjacency.data, expected.data)


def test_neighbour_mean_sums_each_row_from_its_highest_neighbour_down():
    adjacency = small_world_adjacency(400, 8, 0.2, np.random.default_rng(4))
    mean = row_normalised(adjacency)
    for i in (0, 17, 399):
        row = mean.indices[mean.indptr[i] : mean.indptr[i + 1]]
        np.testing.assert_array_equal(row, np.sort(adjacency[i].indices)[::-1])
    x = np.random.default_rng(5).random(400)
    for i in (0, 17):
        span = slice(mean.indptr[i], mean.indptr[i + 1])
        terms = mean.data[span] * x[mean.indices[span]]
        assert (mean @ x)[i] == sum(terms.tolist())  # left to right, as listed


def test_aggregates_kept_from_a_compiled_month_are_dropped_with_its_approval(monkeypatch):
    pytest.importorskip("numba")
    model = run_with("numba", monkeypatch, "baseline_2011", 2, 500, {}, months=5)
    pop = model.population
    stance = np.array([f.stance for f in model.factions])
    prestige = np.zeros(stance.size)
    power = np.full(stance.size, 1.0 / stance.size)
    pop.live_month(0.6, 0.5, stance, prestige, 0, False, power, 0.5)
    kept = pop.regime_legitimacy(power)
    assert kept == float(pop._regime_approval(power).mean())
    leaning = (stance >= COMPROMISE_STANCE)[pop.preferred].mean()
    assert pop.compromise_preference(stance) == leaning
    pop.judge_factions(stance, prestige + np.linspace(0.5, -0.5, stance.size), 0, True)
    assert pop.regime_legitimacy(power) == float(pop._regime_approval(power).mean()) != kept
    leaning_now = (stance >= COMPROMISE_STANCE)[pop.preferred].mean()
    assert pop.compromise_preference(stance) == leaning_now != leaning


# Every size up to 2,000 (the blocks of 8 and 128 and their remainders), and large ones
# of odd length where numpy splits the array many times.
MEAN_SIZES = [*range(1, 2001), 4099, 100_000, 100_003, 1_000_000, 1_048_579]


def test_the_compiled_mean_is_numpys_bit_for_bit():
    """The compiled averages (7.7.8) sum in numpy's pairwise order: any other order (in
    turn, or numpy's blocks combined otherwise) differs in the last bits for many sizes."""
    pytest.importorskip("numba")
    from agents import population_kernels

    rng = np.random.default_rng(2026)
    for n in MEAN_SIZES:
        # Values of very different sizes, so that the order of the additions shows.
        values = rng.random(n) * 10.0 ** rng.integers(-6, 7, n)
        assert population_kernels.mean(values) == values.mean(), n


def test_the_compiled_averages_are_the_numpy_ones(monkeypatch):
    pytest.importorskip("numba")
    compiled = run_with("numba", monkeypatch, "baseline_2011", 4, 301, {}, months=30)
    population = compiled.population
    population.shock_election(0.5, 0.1)  # some citizens protest and are aggrieved
    means = population.averages()
    monkeypatch.setattr(population, "kernel", "numpy")
    expected = population.averages()
    assert expected["active"] > 0 and expected["political_grievance"] > 0
    assert means == expected
    assert all(type(value) is float for value in means.values())


@pytest.mark.parametrize("offset", [-1, 0, 1])
def test_the_compiled_month_in_blocks_gives_the_numpy_rules(monkeypatch, offset):
    """The compiled month runs over blocks of citizens: populations that end one short
    of a whole block, on one, and one past one give the numpy rules' numbers."""
    pytest.importorskip("numba")
    from agents.population_kernels import BLOCK

    case = ("baseline_2011", 6, 2 * BLOCK + offset, {"protest_threshold": 0.02})
    compiled = shocked_run("numba", monkeypatch, *case)
    numpy_rules = shocked_run("numpy", monkeypatch, *case)
    pd.testing.assert_frame_equal(compiled.results(), numpy_rules.results(), check_exact=True)
    a, b = compiled.population, numpy_rules.population
    for name in (*STATE, "active", "preferred", "approval", "taste"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)


@pytest.mark.parametrize("offset", [-1, 0])
def test_the_averages_either_side_of_the_numpy_threshold_are_numpys_means(monkeypatch, offset):
    """Below NUMPY_AVERAGES_FROM citizens the compiled month's averages (7.7.8) come
    from the compiled mean, from it on from numpy's sum: both are numpy's ``mean``."""
    pytest.importorskip("numba")
    citizens = NUMPY_AVERAGES_FROM + offset
    model = run_with("numba", monkeypatch, "history_2003", 8, citizens, {}, months=1)
    population = model.population
    stance = np.array([f.stance for f in model.factions])
    power = np.full(stance.size, 1.0 / stance.size)
    population.live_month(0.55, 0.4, stance, np.zeros(stance.size), 1, False, power, 0.4)
    # The month's own aggregates: below the threshold the pass takes them itself.
    month = {name: float(getattr(population, name).mean()) for name in STATE}
    assert population.month_averages() == month | {"active": population.active.mean()}
    assert population.regime_legitimacy(power) == population._regime.mean()
    assert (population._month_means is not None) == (offset < 0)
    rng = np.random.default_rng(citizens)
    # Values of very different sizes, so that the order of the additions shows.
    for values in (*(getattr(population, name) for name in STATE), population._regime):
        values[:] = rng.random(citizens) * 10.0 ** rng.integers(-6, 7, citizens)
    population.active[:] = rng.random(citizens) < 0.3
    expected = {name: float(getattr(population, name).mean()) for name in STATE}
    means = population.averages()
    assert means == expected | {"active": population.active.mean()}
    assert all(type(value) is float for value in means.values())
    from agents.population_kernels import mean

    assert mean(population._regime) == population._regime.mean()


def test_the_months_own_averages_give_way_to_fresh_ones_once_a_rule_changes_the_citizens(
    monkeypatch,
):
    """The averages the compiled pass takes (7.7.8) are read only until a rule changes
    the citizens: after an election shock, ``month_averages`` equals ``averages``."""
    pytest.importorskip("numba")
    model = run_with("numba", monkeypatch, "history_2003", 8, 100, {}, months=3)
    population = model.population
    assert population.month_averages() == population.averages()
    assert population._month_means is not None
    population.shock_election(0.5, 0.1)
    assert population.month_averages() == population.averages()
    assert population.month_averages()["political_grievance"] > 0.0
