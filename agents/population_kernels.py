"""The citizens' month as one compiled (Numba) kernel (C5, C7, K3; ODD §7.7.9).

``live_month`` computes, citizen by citizen, exactly what the vectorised rules of
``agents/population.py`` compute with numpy (ODD §7.7.2–7.7.6): the same operations in
the same order, with no fused multiply-add and no reassociation, so that both give the
same numbers bit for bit. It is faster because it goes over the citizens twice a month
(their neighbour sums, then everything else), makes no n x factions temporaries, stores
no approval matrix and computes each arrest probability once per month. The neighbour
sums are taken citizen by citizen in order of degree (one citizen's sum does not depend
on another's, so the order of the citizens changes no number), and the clips compile to
selects rather than branches, so that the processor mispredicts neither.

Orders that the numpy rules fix and the kernel repeats:

- a neighbour mean sums each row of the adjacency from its highest-numbered neighbour
  down (the order of ``network.row_normalised``), as ``w · x_k`` with ``w = 1/degree``
  (``1.0 / degree``, as ``network.inverse_degree`` computes it);
- the share of active neighbours adds ``w`` once per active neighbour, which gives the
  same number in any order: a citizen's arrest probability depends only on his degree
  and number of active neighbours, and ``_arrest_risks`` computes it for each such pair
  with ``w = 1.0 / degree``, as ``network.inverse_degree`` computes it;
- a faction's legitimacy sums approval over citizens in index order (numpy's reduction
  along the first axis), then divides by ``n``;
- a citizen's regime approval sums ``approval_ij · power_j`` over factions in index
  order (``Population._regime_approval``);
- the citizens' averages (7.7.8, ``averages`` and ``mean``) add in numpy's pairwise
  order for a contiguous float64 array, so that they equal numpy's ``mean``.

``agents/population.py`` imports this module (and so Numba) only when the compiled
kernel is in use. The compiled code is cached beside this file (``cache=True``): only
the first run on a machine pays for compiling.
"""

from __future__ import annotations

import math

import numba
import numpy as np


@numba.njit(cache=True)
def _clip01(value: float) -> float:
    # numpy's clip: max(value, 0) then min(.., 1), each as "a > b ? a : b". Numba's
    # builtin max(0.0, value) is "value > 0.0 ? value : 0.0" and min(1.0, ..) likewise,
    # compiled as selects (maxsd, minsd) rather than branches, which a citizen's data
    # would make the processor mispredict.
    return min(1.0, max(0.0, value))


@numba.njit(cache=True)
def _gather(neighbours, by_degree, degree_starts, blame, active, near, situation):
    """Each citizen's neighbours' mean blame, and his situation for the arrest risk:
    ``degree · (widest + 1) + active neighbours`` (an index into ``_arrest_risks``).

    The citizens come grouped by degree, in index order within a degree (``by_degree``;
    those of degree d at ``degree_starts[d]:degree_starts[d + 1]``), and ``neighbours``
    lists their neighbours in that order, each citizen's from his highest-numbered
    neighbour down: the neighbours are read in one sweep, and the loop over a
    citizen's neighbours runs as many times for many citizens in turn, which the
    processor predicts, so that it works on several citizens at once."""
    widest = degree_starts.size - 2
    position = 0
    for degree in range(widest + 1):
        # 1/degree, as ``network.inverse_degree`` computes it.
        weight = 1.0 / degree if degree > 0 else 0.0
        situation_base = degree * (widest + 1)
        for k in range(degree_starts[degree], degree_starts[degree + 1]):
            total = 0.0
            protesting = 0
            for m in range(position, position + degree):
                other = neighbours[m]
                total += weight * blame[other]
                protesting += active[other]
            position += degree
            i = by_degree[k]
            near[i] = total
            situation[i] = situation_base + protesting


@numba.njit(cache=True)
def _arrest_risks(widest, arrest_exponent):
    """The arrest probability for every degree d <= widest and number of active
    neighbours c <= d: ``1 - exp(arrest_exponent · (1 - share))`` with ``share`` the sum
    of c times 1/d, as the neighbour mean of the protest states sums it (7.7.6)."""
    risks = np.empty((widest + 1) * (widest + 1))
    for d in range(widest + 1):
        weight = 1.0 / d if d > 0 else 0.0
        share = 0.0
        for c in range(d + 1):
            risks[d * (widest + 1) + c] = 1.0 - math.exp(arrest_exponent * (1.0 - share))
            share += weight
    return risks


@numba.njit(cache=True)
def live_month(
    neighbours,
    by_degree,
    degree_starts,
    near,
    situation,
    ideology,
    exposure,
    risk_aversion,
    taste,
    hardship,
    blame,
    resentment,
    resolve,
    political_grievance,
    active,
    taken_to_streets,
    preferred,
    blame_out,
    active_out,
    regime,
    legitimacy,
    leaning,
    shortfall,
    credibility,
    bias,
    neutral,
    own_weight,
    influence,
    rate,
    resolve_weight,
    conservative_part,
    stance,
    prestige,
    compromise_stance,
    president,
    mood_weight,
    side_scale,
    resentment_weight,
    talks_active,
    boost,
    power,
    tolerance,
    arrest_exponent,
    threshold,
    grievance_kept,
):
    """One month of every citizen: rules 7.7.2–7.7.6 of the ODD in one pass.

    The network: ``neighbours``, ``by_degree`` and ``degree_starts`` as ``_gather``
    reads them (``Population._make_scratch`` builds them from the adjacency); ``near``
    and ``situation`` are scratch arrays of length n.

    Reads last month's ``blame`` and ``active`` and writes this month's into
    ``blame_out`` and ``active_out`` (the neighbour means need everyone's previous
    values); updates ``hardship``, ``resentment``, ``resolve``, ``political_grievance``,
    ``taken_to_streets`` and ``preferred`` in place. Writes each citizen's
    power-weighted approval into ``regime``, each faction's legitimacy (its approval
    summed over citizens, then divided by n) into ``legitimacy``, and into
    ``leaning[0]`` the number of citizens whose preferred faction's stance is at least
    ``compromise_stance``. The scalars are the rules' parameters, combined as the
    numpy rules combine them: ``shortfall = 1 - economic health``, ``own_weight = 1 -
    social_influence``, ``conservative_part = (1 - resolve_blame_weight) ·
    conservative_resolve``, ``arrest_exponent = -arrest_constant · repression``,
    ``grievance_kept = 1 - political_grievance_memory``.
    """
    factions = stance.size
    legitimacy[:] = 0.0
    marked = 0
    # A citizen's arrest risk depends only on his degree and active neighbours.
    widest = degree_starts.size - 2
    risks = _arrest_risks(widest, arrest_exponent)
    # First everyone's neighbour sums, in one tight loop (the cache misses of different
    # citizens overlap), then the rest citizen by citizen.
    _gather(neighbours, by_degree, degree_starts, blame, active, near, situation)
    for i in range(ideology.size):
        # 7.7.2 hardship; 7.7.3 blame; 7.7.4 resentment and resolve.
        h = _clip01(exposure[i] * shortfall)
        hardship[i] = h
        x = ideology[i]
        own = _clip01(credibility + bias * (neutral - x))
        b = blame[i] + rate * ((own_weight * own + influence * near[i]) - blame[i])
        blame_out[i] = b
        r = resentment[i]
        r = r + rate * (h * (1.0 - b) - r)
        resentment[i] = r
        big_r = resolve[i]
        big_r = big_r + rate * ((resolve_weight * b + conservative_part * (1.0 - x)) - big_r)
        resolve[i] = big_r
        # 7.7.5 approval, legitimacy totals, preferred faction, regime approval.
        position = _clip01(x + mood_weight * h * (1.0 - side_scale * b))
        best = -np.inf
        choice = 0
        support = 0.0
        for j in range(factions):
            a = 1.0 - abs(stance[j] - position)
            a = a + prestige[j]
            if j == president:
                a = a - resentment_weight * r
            if talks_active:
                a = a + boost
            a = _clip01(a)
            legitimacy[j] += a
            support += a * power[j]
            utility = a + taste[i, j]
            if utility > best:
                best = utility
                choice = j
        preferred[i] = choice
        if stance[choice] >= compromise_stance:
            marked += 1
        regime[i] = support
        # 7.7.6 Epstein's rule; political grievance fades after the decision.
        felt = h * (1.0 - tolerance * big_r)
        grievance = felt * (1.0 - support) + political_grievance[i]
        grievance = grievance if grievance < 1.0 else 1.0
        arrest = risks[situation[i]]
        active_out[i] = (grievance - risk_aversion[i] * arrest > threshold) | taken_to_streets[i]
        if taken_to_streets[i]:
            taken_to_streets[i] = False
        political_grievance[i] = political_grievance[i] * grievance_kept
    leaning[0] = marked
    for j in range(factions):
        legitimacy[j] = legitimacy[j] / ideology.size


# numpy's pairwise summation of a contiguous float64 array (7.7.8): blocks of at most
# PAIRWISE_BLOCK terms are summed in PAIRWISE_LANES running sums; a longer block is
# split in two. Each split at least halves the block, so PAIRWISE_DEPTH levels of
# splitting cover any array.
PAIRWISE_BLOCK = 128
PAIRWISE_LANES = 8
PAIRWISE_DEPTH = 64


@numba.njit(cache=True)
def _block_sum(values, start, n):
    """numpy's sum of a block of at most PAIRWISE_BLOCK terms ``values[start:start +
    n]``: fewer than PAIRWISE_LANES in turn from 0.0; else eight running sums over
    groups of eight, combined as ((0+1)+(2+3))+((4+5)+(6+7)), then the rest in turn."""
    if n < PAIRWISE_LANES:
        total = 0.0
        for i in range(start, start + n):
            total += values[i]
        return total
    r0, r1, r2, r3 = values[start], values[start + 1], values[start + 2], values[start + 3]
    r4, r5, r6, r7 = values[start + 4], values[start + 5], values[start + 6], values[start + 7]
    groups_end = start + n - n % PAIRWISE_LANES
    for g in range(start + PAIRWISE_LANES, groups_end, PAIRWISE_LANES):
        r0 += values[g]
        r1 += values[g + 1]
        r2 += values[g + 2]
        r3 += values[g + 3]
        r4 += values[g + 4]
        r5 += values[g + 5]
        r6 += values[g + 6]
        r7 += values[g + 7]
    total = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    for i in range(groups_end, start + n):
        total += values[i]
    return total


@numba.njit(cache=True)
def _left_half(n):
    # Where numpy splits a block of n terms: half of it, rounded down to whole groups.
    half = n >> 1
    return half - half % PAIRWISE_LANES


@numba.njit(cache=True)
def _pairwise_sum(values):
    """The sum of a contiguous float64 array in numpy's pairwise order: a block of more
    than PAIRWISE_BLOCK terms is split by ``_left_half`` and the two halves' sums are
    added (left + right). Walked with an explicit stack, as a recursive function
    compiled with ``cache=True`` may crash when loaded from the cache."""
    n = values.size
    if n <= PAIRWISE_BLOCK:
        return _block_sum(values, 0, n)
    starts = np.empty(PAIRWISE_DEPTH, dtype=np.int64)
    sizes = np.empty(PAIRWISE_DEPTH, dtype=np.int64)
    left_sums = np.empty(PAIRWISE_DEPTH)
    left_done = np.zeros(PAIRWISE_DEPTH, dtype=np.bool_)
    top = 0
    starts[0] = 0
    sizes[0] = n
    total = 0.0
    returning = False
    while True:
        if returning:
            if top < 0:
                return total
            if left_done[top]:
                total = left_sums[top] + total
                top -= 1
                continue
            # The left half is summed: now the right half.
            left_sums[top] = total
            left_done[top] = True
            half = _left_half(sizes[top])
            start, size = starts[top] + half, sizes[top] - half
            returning = False
        else:
            start, size = starts[top], sizes[top]
            if size <= PAIRWISE_BLOCK:
                total = _block_sum(values, start, size)
                top -= 1
                returning = True
                continue
            size = _left_half(size)
        top += 1
        starts[top] = start
        sizes[top] = size
        left_done[top] = False


@numba.njit(cache=True)
def mean(values):
    """``values.mean()`` of a contiguous float64 array, bit for bit as numpy computes it
    (its pairwise sum, divided by the length)."""
    return _pairwise_sum(values) / values.size


@numba.njit(cache=True)
def averages(hardship, resentment, blame, resolve, political_grievance, active):
    """The citizens' means of the five states, as numpy's ``mean`` gives them, and the
    number of protesters (ODD 7.7.8), in one call."""
    protesting = 0
    for state in active:
        protesting += state
    return (
        mean(hardship),
        mean(resentment),
        mean(blame),
        mean(resolve),
        mean(political_grievance),
        protesting,
    )
