"""The network view's geometry: a connected sample of citizens and a fixed layout.

The sample and its layout are computed once per model (seeded by the model's seed) and
cached, so each month only the citizens' colours and sizes change: the picture stays
still while opinions move across it (C5, C7).
"""

from __future__ import annotations

import weakref
from collections import deque
from dataclasses import dataclass

import networkx as nx
import numpy as np
import scipy.sparse as sp

from dashboard.charts import faction_series, network_figure

DEFAULT_SAMPLE = 300
_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


@dataclass(frozen=True)
class NetworkSample:
    """Citizens shown (indices into the population), their layout and edge polylines."""

    ids: np.ndarray
    x: np.ndarray
    y: np.ndarray
    edge_x: np.ndarray
    edge_y: np.ndarray


def snowball_sample(adjacency: sp.csr_matrix, size: int, seed: int) -> np.ndarray:
    """Up to ``size`` citizens reached breadth-first from a seeded random citizen.

    A breadth-first (snowball) sample keeps neighbours together, so the sample shows
    the network's local structure instead of isolated dots. If the start's component is
    smaller than ``size``, the search restarts from another unvisited citizen.
    """
    n = adjacency.shape[0]
    size = min(size, n)
    rng = np.random.default_rng(seed)
    order = rng.permutation(n)
    seen = np.zeros(n, dtype=bool)
    picked: list[int] = []
    indptr, indices = adjacency.indptr, adjacency.indices
    for start in order:
        if len(picked) >= size:
            break
        if seen[start]:
            continue
        seen[start] = True
        queue = deque([int(start)])
        while queue and len(picked) < size:
            node = queue.popleft()
            picked.append(node)
            for other in indices[indptr[node] : indptr[node + 1]]:
                if not seen[other]:
                    seen[other] = True
                    queue.append(int(other))
    return np.array(sorted(picked), dtype=np.int64)


def layout_sample(adjacency: sp.csr_matrix, ids: np.ndarray, seed: int) -> NetworkSample:
    """A seeded force-directed layout of the sampled citizens and their links."""
    sub = adjacency[ids][:, ids].tocoo()
    graph = nx.Graph()
    graph.add_nodes_from(range(len(ids)))
    graph.add_edges_from((int(i), int(j)) for i, j in zip(sub.row, sub.col, strict=True) if i < j)
    pos = nx.spring_layout(graph, seed=seed, iterations=60)
    xy = np.array([pos[i] for i in range(len(ids))])
    rows, cols = sub.row[sub.row < sub.col], sub.col[sub.row < sub.col]
    edge_x = np.column_stack([xy[rows, 0], xy[cols, 0], np.full(rows.size, np.nan)]).ravel()
    edge_y = np.column_stack([xy[rows, 1], xy[cols, 1], np.full(rows.size, np.nan)]).ravel()
    return NetworkSample(ids, xy[:, 0], xy[:, 1], edge_x, edge_y)


def sample_for(model, size: int = DEFAULT_SAMPLE) -> NetworkSample:
    """The cached sample and layout of ``model`` (computed on first use)."""
    cached = _CACHE.get(model)
    if cached is None:
        adjacency = model.population.adjacency
        ids = snowball_sample(adjacency, size, model.seed)
        cached = layout_sample(adjacency, ids, model.seed)
        _CACHE[model] = cached
    return cached


def citizens_figure(model):
    """The network view of ``model`` at its current month (see ``charts.network_figure``).

    Serves C5 and C7: how blame and resentment, and with them faction preferences,
    spread among neighbours.
    """
    sample = sample_for(model)
    pop = model.population
    ids = sample.ids
    return network_figure(
        sample.x,
        sample.y,
        (sample.edge_x, sample.edge_y),
        pop.preferred[ids],
        pop.resentment[ids],
        pop.active[ids],
        faction_series(model),
        ids,
        model.date,
    )
