"""The network view: a connected sample of citizens, a fixed layout, and its figure.

The sample and its layout are computed once per model (seeded by the model's seed) and
cached, so each month only the citizens' colours and sizes change: the picture stays
still while opinions move across it (C5, C7; the network of ODD §7.7.1). The figure is a
plain dict in Plotly's JSON schema, like the other charts (``dashboard/charts.py``).
"""

from __future__ import annotations

import threading
import weakref
import zlib
from collections import OrderedDict, deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np
import scipy.sparse as sp

from batch_runs.reporting.chart_style import legend_name
from dashboard.charts import DECIMALS, Figure, Series, base_layout, faction_series

DEFAULT_SAMPLE = 300
LAYOUTS_KEPT = 16  # layouts remembered across sessions (a few hundred kB each)
_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_LAYOUTS: OrderedDict[tuple, NetworkSample] = OrderedDict()  # across sessions, newest last
_LAYOUTS_LOCK = threading.Lock()  # sessions render in threads of their own


@dataclass(frozen=True)
class NetworkSample:
    """Citizens shown (indices into the population), their layout and their ties (as
    one SVG path, ``M x,y L x,y`` a tie, in the layout's coordinates)."""

    ids: np.ndarray
    x: np.ndarray
    y: np.ndarray
    ties: str


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


LAYOUT_SEED_RANGE = 2**32


def layout_sample(adjacency: sp.csr_matrix, ids: np.ndarray, seed: int) -> NetworkSample:
    """A seeded force-directed layout of the sampled citizens and their links."""
    sub = adjacency[ids][:, ids].tocoo()
    graph = nx.Graph()
    graph.add_nodes_from(range(len(ids)))
    graph.add_edges_from((int(i), int(j)) for i, j in zip(sub.row, sub.col, strict=True) if i < j)
    # networkx seeds numpy's legacy generator, which takes seeds below 2**32 only; the
    # model takes any whole number, so the layout uses the seed's low 32 bits.
    pos = nx.spring_layout(graph, seed=seed % LAYOUT_SEED_RANGE, iterations=60)
    xy = np.array([pos[i] for i in range(len(ids))])
    rows, cols = sub.row[sub.row < sub.col], sub.col[sub.row < sub.col]
    ties = "".join(
        f"M{x0:.4f},{y0:.4f}L{x1:.4f},{y1:.4f}"
        for x0, y0, x1, y1 in np.column_stack([xy[rows], xy[cols]]).tolist()
    )
    return NetworkSample(ids, xy[:, 0], xy[:, 1], ties)


# The key above the plot, on two lines so that it fits a phone's width.
NETWORK_KEY = "colour: preferred faction · size: resentment<br>black ring: protesting"


def ties_shape(path: str) -> dict[str, Any]:
    """The social ties among the citizens shown, drawn under them as one path. A shape
    of the layout, not a trace: it never changes, and the browser draws it again only
    if it did (a trace of a thousand ties would be recomputed every month)."""
    return {
        "type": "path",
        "path": path,
        "xref": "x",
        "yref": "y",
        "layer": "below",
        "line": {"color": "rgba(90,90,90,0.35)", "width": 0.7},
    }


def citizens_trace(
    faction: Series,
    x: np.ndarray,
    y: np.ndarray,
    size: np.ndarray,
    active: np.ndarray,
    customdata: np.ndarray,
) -> dict[str, Any]:
    """The citizens who prefer one faction: its colour, size by resentment, a black
    ring when protesting; ``customdata`` holds id, resentment and protest for hover."""
    return {
        "type": "scatter",
        "x": x,
        "y": y,
        "mode": "markers",
        "name": legend_name(faction.label),
        "marker": {
            "color": faction.colour,
            "size": size,
            "line": {
                "color": np.where(active, "#000000", "#FFFFFF"),
                "width": np.where(active, 2.0, 0.5),
            },
        },
        "customdata": customdata,
        "hovertemplate": "citizen %{customdata[0]:.0f}<br>prefers "
        + faction.label
        + "<br>resentment %{customdata[1]:.2f}<br>protesting (1 = yes): "
        "%{customdata[2]:.0f}<extra></extra>",
    }


def network_layout(shown: int, date: str) -> dict[str, Any]:
    """Title with the number of citizens shown and the month, the key to the markers
    above the plot, no axes (a layout's coordinates mean nothing)."""
    key = {
        "text": NETWORK_KEY,
        "xref": "paper",
        "yref": "paper",
        "x": 0,
        "y": 1.0,
        "xanchor": "left",
        "yanchor": "bottom",
        "showarrow": False,
        "font": {"size": 11, "color": "#555555"},
    }
    text = f"Citizens' network: {shown} shown, {date}"
    return base_layout(text, {"l": 10, "r": 10, "t": 75, "b": 10}) | {
        "annotations": [key],
        "uirevision": "keep",
        "hovermode": "closest",
        "xaxis": {"visible": False},
        "yaxis": {"visible": False},
    }


def network_figure(
    x: np.ndarray,
    y: np.ndarray,
    ties: str,
    preferred: np.ndarray,
    resentment: np.ndarray,
    active: np.ndarray,
    factions: Sequence[Series],
    ids: np.ndarray,
    date: str,
) -> Figure:
    """A sample of citizens on their social network: colour = preferred faction, size =
    resentment of the government, black ring = protesting.

    Serves C5 and C7 (blame and resentment spread over the network, ODD §7.7.3) and C6
    (which factions citizens turn to, ODD §7.7.5).
    """
    size = (5.0 + 16.0 * np.clip(resentment, 0.0, 1.0)).round(1)
    resentment = resentment.round(DECIMALS)
    x, y = x.round(DECIMALS), y.round(DECIMALS)
    data = []
    for index, faction in enumerate(factions):
        m = preferred == index
        hover = np.column_stack([ids[m], resentment[m], active[m]])
        data.append(citizens_trace(faction, x[m], y[m], size[m], active[m], hover))
    layout = network_layout(len(ids), date) | {"shapes": [ties_shape(ties)]}
    return {"data": data, "layout": layout}


def sample_for(model, size: int = DEFAULT_SAMPLE) -> NetworkSample:
    """The cached sample and layout of ``model`` (computed on first use)."""
    cached = _CACHE.get(model)
    if cached is None:
        adjacency = model.population.adjacency
        cached = _sample_of(adjacency, size, model.seed)
        _CACHE[model] = cached
    return cached


def network_key(adjacency: sp.csr_matrix) -> tuple[int, int, int]:
    """A fingerprint of a network (its size, its number of ties and a checksum of them):
    the same scenario, population and seed give the same network, and the same key."""
    crc = zlib.crc32(adjacency.indices.tobytes(), zlib.crc32(adjacency.indptr.tobytes()))
    return adjacency.shape[0], adjacency.nnz, crc


def _sample_of(adjacency: sp.csr_matrix, size: int, seed: int) -> NetworkSample:
    """The sample and layout of a network, computed once for all the sessions that open
    the same set-up (a new page, a Reset that keeps the seed): the force-directed
    layout is the slowest part of opening the page."""
    key = (network_key(adjacency), size, seed)
    with _LAYOUTS_LOCK:
        if key in _LAYOUTS:
            _LAYOUTS.move_to_end(key)
            return _LAYOUTS[key]
    sample = layout_sample(adjacency, snowball_sample(adjacency, size, seed), seed)
    with _LAYOUTS_LOCK:
        _LAYOUTS[key] = sample
        while len(_LAYOUTS) > LAYOUTS_KEPT:
            _LAYOUTS.popitem(last=False)
    return sample


def citizens_figure(model):
    """The network view of ``model`` at its current month (see ``network_figure``).

    Serves C5 and C7: how blame and resentment, and with them faction preferences,
    spread among neighbours.
    """
    sample = sample_for(model)
    pop = model.population
    ids = sample.ids
    return network_figure(
        sample.x,
        sample.y,
        sample.ties,
        pop.preferred[ids],
        pop.resentment[ids],
        pop.active[ids],
        faction_series(model),
        ids,
        model.date,
    )
