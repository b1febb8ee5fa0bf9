"""The citizens' month as one compiled (Numba) kernel (C5, C7, K3; ODD §7.7.9).

``live_month`` computes, citizen by citizen, exactly what the vectorised rules of
``agents/population.py`` compute with numpy (ODD §7.7.2–7.7.6): the same operations in
the same order, with no fused multiply-add and no reassociation, so that both give the
same numbers bit for bit. It is faster because it goes over the citizens twice a month
(their neighbour sums, then everything else), makes no n x factions temporaries, stores
no approval matrix and computes each arrest probability once per month, only for the
situations (degree, active neighbours) that occur. The neighbour sums are taken
citizen by citizen in order of degree (one citizen's sum does not depend on another's,
so the order of the citizens changes no number), and the clips compile to selects
rather than branches, so that the processor mispredicts neither. The rest goes
over blocks of ``BLOCK`` citizens in index order: each rule is a short loop over the
block's citizens, which the compiler vectorises (each citizen's own arithmetic stays as
written: vector lanes compute exactly what scalar code does), and the faction loop runs
faction by faction over the block.

Orders that the numpy rules fix and the kernel repeats:

- a neighbour mean sums each row of the adjacency from its highest-numbered neighbour
  down (the order of ``network.row_normalised``), as ``w · x_k`` with ``w = 1/degree``
  (``1.0 / degree``, as ``network.inverse_degree`` computes it);
- the share of active neighbours adds ``w`` once per active neighbour, which gives the
  same number in any order: a citizen's arrest probability depends only on his degree
  and number of active neighbours, and ``_arrest_risks`` computes it for each such pair
  with ``w = 1.0 / degree``, as ``network.inverse_degree`` computes it;
- a faction's legitimacy sums approval over citizens in index order (numpy's reduction
  along the first axis), then divides by ``n``: a block's approvals are added to the
  running total one citizen after another;
- a citizen's regime approval sums ``approval_ij · power_j`` over factions in index
  order (``Population._regime_approval``);
- the citizens' averages (7.7.8, ``averages`` and ``mean``) add in numpy's pairwise
  order for a contiguous float64 array, so that they equal numpy's ``mean``
  (``Population`` uses them below ``NUMPY_AVERAGES_FROM`` citizens and numpy's own sum
  from there on).

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
def _gather(neighbours, by_degree, degree_starts, blame, active, near, situation, needed):
    """Each citizen's neighbours' mean blame, and his situation for the arrest risk:
    ``degree · (widest + 1) + active neighbours`` (an index into ``_arrest_risks``).

    The citizens come grouped by degree, in index order within a degree (``by_degree``;
    those of degree d at ``degree_starts[d]:degree_starts[d + 1]``), and ``neighbours``
    lists their neighbours in that order, each citizen's from his highest-numbered
    neighbour down: the neighbours are read in one sweep, and the loop over a
    citizen's neighbours runs as many times for many citizens in turn, which the
    processor predicts, so that it works on several citizens at once. Marks in
    ``needed`` the situations that occur."""
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
            needed[situation_base + protesting] = True


@numba.njit(cache=True)
def _arrest_risks(widest, arrest_exponent, needed):
    """The arrest probability for each degree d <= widest and number of active
    neighbours c <= d marked in ``needed`` (at index ``d · (widest + 1) + c``): ``1 -
    exp(arrest_exponent · (1 - share))`` with ``share`` the sum of c times 1/d, as the
    neighbour mean of the protest states sums it (7.7.6). The other entries are left
    unset: no citizen reads them."""
    risks = np.empty((widest + 1) * (widest + 1))
    for d in range(widest + 1):
        weight = 1.0 / d if d > 0 else 0.0
        share = 0.0
        for c in range(d + 1):
            if needed[d * (widest + 1) + c]:
                risks[d * (widest + 1) + c] = 1.0 - math.exp(arrest_exponent * (1.0 - share))
            share += weight
    return risks


# Citizens per block of the main loop: each rule runs over a block's citizens at once,
# which the compiler vectorises, and the block's temporaries (a few rows of BLOCK
# floats) stay in the fastest cache. 16 to 256 ran equally fast at 100,000 citizens.
BLOCK = 64


# The rules' constants, in the order of the array ``live_month`` reads them from
# (``Population._rule_constants`` builds it).
RULES = (
    "bias",
    "neutral",
    "own_weight",
    "influence",
    "rate",
    "resolve_weight",
    "conservative_part",
    "mood_weight",
    "side_scale",
    "resentment_weight",
    "boost",
    "tolerance",
    "threshold",
    "grievance_kept",
    "compromise_stance",
)


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
    factions,
    rules,
    shortfall,
    credibility,
    president,
    talks_active,
    arrest_exponent,
    means,
):
    """One month of every citizen: rules 7.7.2–7.7.6 of the ODD in one pass; returns
    the number of citizens whose preferred faction's stance is at least
    ``compromise_stance``. If ``means`` has room (``MONTH_MEANS`` values), it receives
    the month's aggregates of 7.7.8 as ``averages`` and ``mean`` give them: the means of
    hardship, resentment, blame, resolve and political grievance, the number of
    protesters, and the mean regime approval (one call instead of three, for a small
    population).

    The network: ``neighbours``, ``by_degree`` and ``degree_starts`` as ``_gather``
    reads them (``Population._make_scratch`` builds them from the adjacency); ``near``
    and ``situation`` are scratch arrays of length n. ``taste`` is kept faction by
    faction (factions x n).

    Reads last month's ``blame`` and ``active`` and writes this month's into
    ``blame_out`` and ``active_out`` (the neighbour means need everyone's previous
    values); updates ``hardship``, ``resentment``, ``resolve``, ``political_grievance``,
    ``taken_to_streets`` and ``preferred`` in place. Writes each citizen's
    power-weighted approval into ``regime``. ``factions`` holds the factions' stance,
    prestige and power in its first three rows; the fourth receives each faction's
    legitimacy (its approval summed over citizens, then divided by n). ``rules`` holds
    the rules' constants in the order of ``RULES``, combined as the numpy rules combine
    them: ``own_weight = 1 - social_influence``, ``conservative_part = (1 -
    resolve_blame_weight) · conservative_resolve``, ``grievance_kept = 1 -
    political_grievance_memory``; and ``shortfall = 1 - economic health``,
    ``arrest_exponent = -arrest_constant · repression``.

    The month runs over blocks of ``BLOCK`` citizens in index order: a block's rules
    are short loops over its citizens, and its approvals are added to the legitimacy
    totals citizen by citizen.
    """
    bias = rules[0]
    neutral = rules[1]
    own_weight = rules[2]
    influence = rules[3]
    rate = rules[4]
    resolve_weight = rules[5]
    conservative_part = rules[6]
    mood_weight = rules[7]
    side_scale = rules[8]
    resentment_weight = rules[9]
    boost = rules[10]
    tolerance = rules[11]
    threshold = rules[12]
    grievance_kept = rules[13]
    compromise_stance = rules[14]
    stance = factions[0]
    prestige = factions[1]
    power = factions[2]
    legitimacy = factions[3]
    count = stance.size
    n = ideology.size
    legitimacy[:] = 0.0
    marked = 0
    # First everyone's neighbour sums, in one tight loop (the cache misses of different
    # citizens overlap), then the rest block by block. A citizen's arrest risk depends
    # only on his degree and active neighbours: worked out once for each such
    # situation that some citizen is in.
    widest = degree_starts.size - 2
    needed = np.zeros((widest + 1) * (widest + 1), dtype=np.bool_)
    _gather(neighbours, by_degree, degree_starts, blame, active, near, situation, needed)
    risks = _arrest_risks(widest, arrest_exponent, needed)
    position = np.empty(BLOCK)
    support = np.empty(BLOCK)
    best = np.empty(BLOCK)
    choice = np.empty(BLOCK, dtype=np.int64)
    approval = np.empty((count, BLOCK))
    capped = np.empty(BLOCK)
    # 1 for a faction leaning to compromise, 0 otherwise: counted per preferred faction.
    leans = np.empty(count, dtype=np.int64)
    for j in range(count):
        leans[j] = stance[j] >= compromise_stance
    for first in range(0, n, BLOCK):
        last = min(first + BLOCK, n)
        size = last - first
        # The block's citizens as views indexed from 0: short loops over them, each
        # touching few arrays, which the compiler vectorises.
        x = ideology[first:last]
        h = hardship[first:last]
        b_old = blame[first:last]
        b = blame_out[first:last]
        r = resentment[first:last]
        big_r = resolve[first:last]
        # 7.7.2 hardship.
        e = exposure[first:last]
        for k in range(size):
            h[k] = _clip01(e[k] * shortfall)
        # 7.7.3 blame.
        heard = near[first:last]
        for k in range(size):
            own = _clip01(credibility + bias * (neutral - x[k]))
            b[k] = b_old[k] + rate * ((own_weight * own + influence * heard[k]) - b_old[k])
        # 7.7.4 resentment and resolve.
        for k in range(size):
            r[k] = r[k] + rate * (h[k] * (1.0 - b[k]) - r[k])
        for k in range(size):
            target = resolve_weight * b[k] + conservative_part * (1.0 - x[k])
            big_r[k] = big_r[k] + rate * (target - big_r[k])
        # 7.7.5 approval, preferred faction, regime approval: faction by faction over
        # the block, each citizen's own sums in faction order.
        for k in range(size):
            position[k] = _clip01(x[k] + mood_weight * h[k] * (1.0 - side_scale * b[k]))
            support[k] = 0.0
            best[k] = -np.inf
            choice[k] = 0
        for j in range(count):
            s = stance[j]
            lift = prestige[j]
            weight = power[j]
            row = approval[j]
            incumbent = j == president
            tastes = taste[j, first:last]
            for k in range(size):
                a = 1.0 - abs(s - position[k])
                a = a + lift
                if incumbent:
                    a = a - resentment_weight * r[k]
                if talks_active:
                    a = a + boost
                a = _clip01(a)
                row[k] = a
                support[k] += a * weight
                utility = a + tastes[k]
                better = utility > best[k]
                best[k] = utility if better else best[k]
                choice[k] = j if better else choice[k]
        # Legitimacy totals: citizen by citizen in index order.
        for j in range(count):
            total = legitimacy[j]
            row = approval[j]
            for k in range(size):
                total += row[k]
            legitimacy[j] = total
        chosen = preferred[first:last]
        shared = regime[first:last]
        for k in range(size):
            c = choice[k]
            chosen[k] = c
            marked += leans[c]
            shared[k] = support[k]
        # 7.7.6 Epstein's rule; political grievance fades after the decision.
        political = political_grievance[first:last]
        for k in range(size):
            felt = h[k] * (1.0 - tolerance * big_r[k])
            grievance = felt * (1.0 - support[k]) + political[k]
            capped[k] = grievance if grievance < 1.0 else 1.0
        aversion = risk_aversion[first:last]
        place = situation[first:last]
        streets = taken_to_streets[first:last]
        out = active_out[first:last]
        for k in range(size):
            out[k] = (capped[k] - aversion[k] * risks[place[k]] > threshold) | streets[k]
        for k in range(size):
            streets[k] = False
            political[k] = political[k] * grievance_kept
    for j in range(count):
        legitimacy[j] = legitimacy[j] / n
    if means.size >= MONTH_MEANS:
        aggregates = averages(
            hardship, resentment, blame_out, resolve, political_grievance, active_out
        )
        means[0] = aggregates[0]
        means[1] = aggregates[1]
        means[2] = aggregates[2]
        means[3] = aggregates[3]
        means[4] = aggregates[4]
        means[5] = aggregates[5]
        means[6] = mean(regime)
    return marked


# The month's aggregates ``live_month`` can leave in its ``means``: the five states'
# means, the number of protesters and the mean regime approval (7.7.8).
MONTH_MEANS = 7


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
