"""The citizens' social network: a seeded Watts-Strogatz small world as a sparse matrix.

Built with numpy in one pass (no per-citizen Python, no networkx), so that 100,000
citizens take a fraction of a second. Used by the population's blame attribution (C5)
and protest (Epstein's rule, with neighbours' activity as safety in numbers).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp


def small_world_adjacency(
    n: int, degree: int, rewiring: float, rng: np.random.Generator
) -> sp.csr_matrix:
    """Symmetric 0/1 adjacency of a Watts-Strogatz graph on ``n`` nodes.

    Each node links to its ``degree // 2`` clockwise neighbours on a ring; each link's
    far end is rewired to a uniformly drawn other node with probability ``rewiring``.
    Duplicate links merge, so the mean degree is ``degree`` or slightly less.
    """
    half = max(1, min(degree // 2, (n - 1) // 2))
    source = np.repeat(np.arange(n, dtype=np.int64), half)
    target = (source + np.tile(np.arange(1, half + 1, dtype=np.int64), n)) % n
    rewire = rng.random(source.size) < rewiring
    new_target = rng.integers(0, n - 1, size=int(rewire.sum()))
    new_target += new_target >= source[rewire]  # never a self-loop
    target[rewire] = new_target
    rows = np.concatenate([source, target])
    cols = np.concatenate([target, source])
    adjacency = sp.csr_matrix((np.ones(rows.size), (rows, cols)), shape=(n, n))
    adjacency.data[:] = 1.0
    adjacency.eliminate_zeros()
    return adjacency


def row_normalised(adjacency: sp.csr_matrix) -> sp.csr_matrix:
    """The matrix that averages over each node's neighbours (rows sum to 1)."""
    degree = np.asarray(adjacency.sum(axis=1)).ravel()
    inverse = np.divide(1.0, degree, out=np.zeros_like(degree), where=degree > 0)
    return sp.csr_matrix(sp.diags(inverse) @ adjacency)
