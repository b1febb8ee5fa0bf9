"""The population: a seeded small-world network and vectorised monthly rules."""

import numpy as np

from agents.network import row_normalised, small_world_adjacency
from model import IranModel


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
