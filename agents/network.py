"""The citizens' social network: a seeded Watts-Strogatz small world as a sparse matrix.

Built with numpy in one pass (no per-citizen Python, no networkx): links become one
integer key per (row, column), sorted in place, so that a million citizens take about a
second. Used by the population's blame attribution (C5) and protest (Epstein's rule,
with neighbours' activity as safety in numbers), ODD §7.7.1.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp


def small_world_adjacency(
    n: int, degree: int, rewiring: float, rng: np.random.Generator
) -> sp.csr_matrix:
    """Symmetric 0/1 adjacency of a Watts-Strogatz graph on ``n`` nodes (ODD §7.7.1).

    Each node links to its ``degree // 2`` clockwise neighbours on a ring; each link's
    far end is rewired to a uniformly drawn other node with probability ``rewiring``.
    Duplicate links merge, so the mean degree is ``degree`` or slightly less. The matrix
    is canonical (each row's columns sorted, no duplicates, 32-bit indices when they fit).
    """
    half = max(1, min(degree // 2, (n - 1) // 2))
    source = np.repeat(np.arange(n, dtype=np.int64), half)
    target = (source + np.tile(np.arange(1, half + 1, dtype=np.int64), n)) % n
    rewire = rng.random(source.size) < rewiring
    new_target = rng.integers(0, n - 1, size=int(rewire.sum()))
    new_target += new_target >= source[rewire]  # never a self-loop
    target[rewire] = new_target
    # Both directions of every link as one key row * n + column: sorting the keys sorts
    # by row, then column, and equal keys are the duplicate links to merge.
    keys = np.concatenate([source * n + target, target * n + source])
    del source, target, rewire, new_target
    keys.sort()
    distinct = np.empty(keys.size, dtype=bool)
    distinct[:1] = True
    np.not_equal(keys[1:], keys[:-1], out=distinct[1:])
    keys = keys[distinct]
    del distinct
    fits = max(keys.size, n) <= np.iinfo(np.int32).max
    index = np.int32 if fits else np.int64
    indptr = np.searchsorted(keys, np.arange(n + 1, dtype=np.int64) * n).astype(index)
    np.remainder(keys, n, out=keys)
    columns = keys.astype(index)
    del keys
    return sp.csr_matrix((np.ones(columns.size), columns, indptr), shape=(n, n))


def inverse_degree(adjacency: sp.csr_matrix) -> np.ndarray:
    """One over each node's (weighted) degree; zero for an isolated node."""
    degree = np.asarray(adjacency.sum(axis=1)).ravel()
    return np.divide(1.0, degree, out=np.zeros_like(degree), where=degree > 0)


def row_normalised(adjacency: sp.csr_matrix) -> sp.csr_matrix:
    """The matrix that averages over each node's neighbours (rows sum to 1).

    ``diag(inverse_degree) · adjacency``, with each row's entries in descending column
    order: a matrix-vector product sums a row in that order, which is the order of the
    pinned results and the one the compiled population kernel follows (ODD §7.7.1).
    """
    if not adjacency.has_sorted_indices:
        adjacency = adjacency.sorted_indices()
    counts = np.diff(adjacency.indptr)
    starts = np.repeat(adjacency.indptr[:-1], counts)
    ends = np.repeat(adjacency.indptr[1:], counts)
    # Entry k of a row [start, end) goes to end - 1 - (k - start): the row reversed.
    reversed_order = starts + ends - 1 - np.arange(adjacency.nnz, dtype=starts.dtype)
    values = np.repeat(inverse_degree(adjacency), counts) * adjacency.data
    return sp.csr_matrix(
        (values[reversed_order], adjacency.indices[reversed_order], adjacency.indptr.copy()),
        shape=adjacency.shape,
    )
