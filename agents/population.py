"""The population: many individual citizens, evaluated in vectorised form (C5, C7, K3).

One Mesa agent holds the citizens as rows of numpy arrays and their small-world
network as a sparse matrix; every monthly rule is a handful of vector operations and
two sparse matrix-vector products, with no Python call per citizen (ODD §2.4).

The rules below are numpy, as the ODD states them (§7.7). The model runs a citizen's
month through ``Population.live_month``: when Numba is installed, that is one compiled
pass over the citizens (``agents/population_kernels.py``) that gives the same numbers bit
for bit; ``IRAN_SIM_KERNEL=numpy`` runs the numpy rules instead (ODD §2.4).
"""

from __future__ import annotations

import functools
import os
from types import ModuleType

import mesa
import numpy as np
import scipy.sparse as sp

from agents.network import row_normalised, small_world_adjacency

# A faction at or above this stance leans to compromise with the West (the midpoint).
COMPROMISE_STANCE = 0.5
# Exposure to the economy is EXPOSURE_MIN + EXPOSURE_RANGE x Beta(EXPOSURE_SHAPE,
# EXPOSURE_SHAPE): from 0.2 to 1.8 with mean 1, so the average citizen feels the
# economy's shortfall in full, nobody is immune and the hardest hit feel nearly twice it.
EXPOSURE_MIN = 0.2
EXPOSURE_RANGE = 1.6
EXPOSURE_SHAPE = 2.0
# Maps the share of hardship blamed on the West, b, to a mood of 1 - BLAME_SIDE_SCALE x b:
# +1 (all blamed on the government) to -1 (all on the West), zero at an even split.
BLAME_SIDE_SCALE = 2.0
# The ideology at which a citizen takes the narrative as it is: more conservative ones
# blame the West more, more liberal ones less (the midpoint of the scale).
NEUTRAL_IDEOLOGY = 0.5

# The environment variable that chooses how a citizen's month runs: "numba" (the
# compiled pass, the default when Numba is installed) or "numpy" (the vectorised rules).
KERNEL_VARIABLE = "IRAN_SIM_KERNEL"
KERNELS = ("numba", "numpy")
# From this many citizens on, the compiled month's averages (``averages``,
# ``regime_legitimacy``) sum with numpy rather than with the compiled mean: numpy's
# summation runs about twice as fast per citizen, and its calls cost more than one
# compiled call only below about 2,000 citizens. Both give numpy's mean bit for bit.
NUMPY_AVERAGES_FROM = 2_000
# numpy's sum of an array (its pairwise order, as ``mean`` sums), without ``sum``'s
# Python wrapper.
_sum = np.add.reduce


@functools.cache
def compiled_kernels() -> ModuleType | None:
    """The compiled kernel's module, or None without Numba (imported on first use, so
    that importing the model does not pay for importing Numba)."""
    try:
        from agents import population_kernels
    except ImportError:
        return None
    return population_kernels


class KernelChoiceError(ValueError):
    """``IRAN_SIM_KERNEL`` names no kernel (a user's setting: one line, no traceback)."""


def kernel_choice() -> str:
    """The kernel a new population uses: ``IRAN_SIM_KERNEL`` if set, else Numba's when
    it is installed, else numpy's. Both give the same results (ODD §2.4)."""
    wanted = os.environ.get(KERNEL_VARIABLE, "").strip().lower()
    if wanted not in ("", *KERNELS):
        raise KernelChoiceError(f"{KERNEL_VARIABLE} must be 'numba' or 'numpy', not {wanted!r}")
    if wanted == "numpy":
        return "numpy"
    if compiled_kernels() is None:
        if wanted == "numba":
            raise ValueError(f"{KERNEL_VARIABLE}=numba, but Numba is not installed")
        return "numpy"
    return "numba"


# The keys of ``averages``, in the order the compiled pass leaves the means.
_AVERAGED = ("hardship", "resentment", "blame_west", "resolve", "political_grievance", "active")


def _same(values: np.ndarray | list[float], kept: list[float]) -> bool:
    # np.array_equal(values, kept) for the factions' few values, at a fraction of its cost.
    if type(values) is list:
        return values == kept
    values = np.asarray(values)
    return values.ndim == 1 and values.tolist() == kept


class Population(mesa.Agent):
    """The Iranian population as ``n`` heterogeneous citizens on a social network.

    Per citizen (arrays of length ``n``): ``ideology`` (0 conservative .. 1 liberal and
    pro-Western, fixed), ``risk_aversion`` (fixed), ``exposure`` (how hard the economy
    hits them, fixed), ``hardship``, ``blame_west`` (share of hardship blamed on the
    West), ``resentment`` (of the government's economic management), ``resolve`` (to
    endure hardship), ``political_grievance`` (from a disputed election; it fades),
    ``approval`` (n x factions), ``preferred`` (faction index) and ``active`` (Epstein's
    protest state). ``taste`` (n x factions, a view of the array kept faction by
    faction) is a fixed personal liking for each faction that makes preferences
    heterogeneous.

    ``kernel`` says how ``live_month`` runs: ``"numba"`` (one compiled pass, which keeps
    no approval matrix: ``approval`` is rebuilt from the month's inputs when read) or
    ``"numpy"`` (the rule methods in turn). Both give the same numbers.
    """

    def __init__(
        self,
        model: mesa.Model,
        n: int,
        n_factions: int,
        rng: np.random.Generator,
    ) -> None:
        super().__init__(model)
        p = model.params
        self.n = n
        self.kernel = kernel_choice()
        concentration = p.ideology_concentration
        mean = p.ideology_mean
        self.ideology = rng.beta(mean * concentration, (1 - mean) * concentration, n)
        self.risk_aversion = rng.random(n)
        self.exposure = EXPOSURE_MIN + EXPOSURE_RANGE * rng.beta(EXPOSURE_SHAPE, EXPOSURE_SHAPE, n)
        self.taste = rng.normal(0.0, p.taste_sd, (n, n_factions))
        self.adjacency = small_world_adjacency(n, p.network_degree, p.network_rewiring, rng)
        self.hardship = np.zeros(n)
        self.blame_west = self._own_blame(p.narrative_initial)
        self.resentment = np.zeros(n)
        self.political_grievance = np.zeros(n)
        self.taken_to_streets = np.zeros(n, dtype=bool)
        self.resolve = self._resolve_target()
        self.approval = np.zeros((n, n_factions))
        self.preferred = np.zeros(n, dtype=np.int64)
        self.active = np.zeros(n, dtype=bool)
        # The compiled pass writes next month's blame and protest states here and swaps
        # (neighbour means need everyone's previous values). It also leaves the
        # citizens' regime approval (``_regime``) for the power it was given and the
        # share preferring compromise for the stances it was given (``_judged_with``),
        # valid until the approval changes.
        self._spare_blame = np.empty(0)
        self._spare_active = np.empty(0, dtype=bool)
        self._judged_with: tuple | None = None
        self._month_means: dict[str, float] | None = None
        self._rules_of = None  # the parameters ``_rules`` were worked out from

    @property
    def taste(self) -> np.ndarray:
        """Each citizen's fixed liking for each faction (n x factions)."""
        return self._taste_rows.T

    @taste.setter
    def taste(self, value: np.ndarray) -> None:
        # Kept faction by faction (factions x n), so that the compiled pass reads each
        # faction's tastes of consecutive citizens together; ``taste`` is its transpose.
        self._taste_rows = np.ascontiguousarray(np.asarray(value, dtype=float).T)

    @functools.cached_property
    def neighbour_mean(self) -> sp.csr_matrix:
        """The matrix that averages over a citizen's neighbours (built on first use: the
        compiled pass reads its own list of the neighbours, made from ``adjacency``)."""
        return row_normalised(self.adjacency)

    @property
    def approval(self) -> np.ndarray:
        """Approval of each faction by each citizen (n x factions) as last judged
        (7.7.5); after a compiled month it is rebuilt from that month's inputs on first
        read, with the same formula."""
        self._fix_approval()
        return self._approval

    @approval.setter
    def approval(self, value: np.ndarray) -> None:
        self._approval = value
        self._judged_with = None

    def _fix_approval(self) -> None:
        # Before a rule moves the inputs of the approval a compiled month left unbuilt.
        if self._approval is None:
            self._approval = self._approval_of(*self._judged)

    def settle(self, economic_health: float) -> None:
        """Start at rest: hardship from the economy and resentment at its equilibrium
        (the hardship not blamed on the West), so that month 1 holds no drift that no
        event caused (ODD 5.1)."""
        self._fix_approval()
        self.feel_economy(economic_health)
        self.resentment = self.hardship * (1.0 - self.blame_west)

    # --- the monthly rules ----------------------------------------------------------------

    def live_month(
        self,
        economic_health: float,
        narrative_credibility: float,
        stance: np.ndarray | list[float],
        prestige: np.ndarray | list[float],
        president: int,
        talks_active: bool,
        power: np.ndarray | list[float],
        repression: float,
    ) -> np.ndarray:
        """The citizens' month (ODD 7.7.2–7.7.6): ``feel_economy``, ``attribute_blame``,
        ``judge_factions`` and ``decide_protest`` in turn; returns each faction's
        legitimacy. With the compiled kernel this is one pass over the citizens with the
        same results; ``power`` must be the power before this month's shift (7.7.6)."""
        self._month_means = None
        if self.kernel == "numpy":
            stance, prestige = np.asarray(stance, dtype=float), np.asarray(prestige, dtype=float)
            power = np.asarray(power, dtype=float)
            self.feel_economy(economic_health)
            self.attribute_blame(narrative_credibility)
            legitimacy = self.judge_factions(stance, prestige, president, talks_active)
            self.decide_protest(power, repression)
            return legitimacy
        kernels = compiled_kernels()
        p = self.model.params
        # The factions' stance, prestige and power, and a row for their legitimacy.
        factions = np.array((stance, prestige, power, stance), dtype=float)
        if self._spare_blame.size != self.n:
            self._make_scratch(kernels)
        if self._rules_of is not p:
            self._rules = self._rule_constants(p, kernels.RULES)
            self._rules_of = p
        marked = kernels.live_month(
            *self._network,
            self.ideology,
            self.exposure,
            self.risk_aversion,
            self._taste_rows,
            self.hardship,
            self.blame_west,
            self.resentment,
            self.resolve,
            self.political_grievance,
            self.active,
            self.taken_to_streets,
            self.preferred,
            self._spare_blame,
            self._spare_active,
            self._regime,
            factions,
            self._rules,
            1.0 - economic_health,
            float(narrative_credibility),
            int(president),
            bool(talks_active),
            -p.arrest_constant * repression,
            self._means,
        )
        self.blame_west, self._spare_blame = self._spare_blame, self.blame_west
        self.active, self._spare_active = self._spare_active, self.active
        stance, prestige, power, legitimacy = factions
        self._approval = None
        self._judged = (stance, prestige, int(president), bool(talks_active))
        regime_mean = None
        if self._means.size:  # the pass took the month's aggregates too
            *states, protesting, regime_mean = self._means.tolist()
            self._month_means = dict(zip(_AVERAGED, [*states, protesting / self.n], strict=True))
        # As lists, compared with == to tell whether a later query asks about the same
        # power or stances (as np.array_equal would, and faster at a few factions).
        self._judged_with = (power.tolist(), stance.tolist(), marked, regime_mean)
        return legitimacy

    def _make_scratch(self, kernels: ModuleType) -> None:
        # The network as the kernel reads it, buffers for the neighbour sums, next
        # month's blame and protest, and the citizens' regime approval.
        adjacency = self.adjacency
        if not adjacency.has_sorted_indices:
            adjacency = adjacency.sorted_indices()
        degree = np.diff(adjacency.indptr)
        # The citizens grouped by degree, in index order within a degree, where each
        # degree's group starts, and their neighbours in that order, each citizen's
        # from the highest-numbered down (the order of ``network.row_normalised``).
        index = np.uint32 if self.n <= np.iinfo(np.uint32).max else np.uint64
        by_degree = np.argsort(degree, kind="stable")
        degree_starts = np.zeros(int(degree.max(initial=0)) + 2, dtype=np.int64)
        np.cumsum(np.bincount(degree), out=degree_starts[1:])
        # Entry k of the list is entry end - 1 - (k - first) of the adjacency, with
        # [first, first + degree) the citizen's entries in the list and end the end of
        # his row: (end + first - nnz) + (nnz - 1 - k), in the adjacency's own index
        # type (no 64-bit copies of the links).
        counts = degree[by_degree].astype(adjacency.indptr.dtype)
        firsts = np.cumsum(counts, dtype=counts.dtype) - counts
        entries = np.repeat(adjacency.indptr[1:][by_degree] + firsts - adjacency.nnz, counts)
        del firsts
        entries += np.arange(adjacency.nnz - 1, -1, -1, dtype=entries.dtype)
        del counts
        neighbours = adjacency.indices[entries].astype(index)
        del entries
        self._network = (
            neighbours,
            by_degree.astype(index),
            degree_starts,
            np.empty(self.n),
            np.empty(self.n, dtype=np.uint32),
        )
        self._spare_blame = np.empty(self.n)
        self._spare_active = np.empty(self.n, dtype=bool)
        self._regime = np.empty(self.n)
        # Room for the month's aggregates, which the pass takes itself below
        # NUMPY_AVERAGES_FROM citizens (one call instead of three).
        small = self.n < NUMPY_AVERAGES_FROM
        self._means = np.empty(kernels.MONTH_MEANS if small else 0)

    @staticmethod
    def _rule_constants(p, order: tuple[str, ...]) -> np.ndarray:
        # 7.7.3-7.7.6's parameters, combined as the numpy rules combine them, in the
        # order the compiled pass reads them: the same for the whole run, so worked
        # out once.
        constants = {
            "bias": p.ideology_blame_bias,
            "neutral": NEUTRAL_IDEOLOGY,
            "own_weight": 1.0 - p.social_influence,
            "influence": p.social_influence,
            "rate": p.blame_update_rate,
            "resolve_weight": p.resolve_blame_weight,
            "conservative_part": (1.0 - p.resolve_blame_weight) * p.conservative_resolve,
            "mood_weight": p.mood_weight,
            "side_scale": BLAME_SIDE_SCALE,
            "resentment_weight": p.incumbent_resentment_weight,
            "boost": p.talks_legitimacy_boost,
            "tolerance": p.resolve_tolerance,
            "threshold": p.protest_threshold,
            "grievance_kept": 1.0 - p.political_grievance_memory,
            "compromise_stance": COMPROMISE_STANCE,
        }
        return np.array([float(constants[name]) for name in order])

    def feel_economy(self, economic_health: float) -> None:
        """Hardship: the economy's shortfall, felt in proportion to exposure."""
        self._month_means = None  # the states change
        self._fix_approval()
        np.clip(self.exposure * (1.0 - economic_health), 0.0, 1.0, out=self.hardship)

    def attribute_blame(self, narrative_credibility: float) -> None:
        """Split hardship between the West and the government (C5, C7).

        A citizen's own view follows the regime's narrative, shifted by ideology; it is
        mixed with the neighbours' mean blame, and blame moves towards that target.
        Resentment of the government is the hardship not blamed on the West; resolve to
        endure grows with blame on the West.
        """
        self._month_means = None  # the states change
        p = self.model.params
        self._fix_approval()
        own = self._own_blame(narrative_credibility)
        neighbours = self.neighbour_mean @ self.blame_west
        target = (1.0 - p.social_influence) * own + p.social_influence * neighbours
        self.blame_west += p.blame_update_rate * (target - self.blame_west)
        government_share = self.hardship * (1.0 - self.blame_west)
        self.resentment += p.blame_update_rate * (government_share - self.resentment)
        self.resolve += p.blame_update_rate * (self._resolve_target() - self.resolve)

    def judge_factions(
        self,
        stance: np.ndarray,
        prestige: np.ndarray,
        president: int,
        talks_active: bool,
    ) -> np.ndarray:
        """Approval of each faction by each citizen; returns each faction's legitimacy.

        Approval is affinity (1 - distance between the faction's stance and the
        citizen's mood-adjusted position) plus the faction's prestige, minus the
        citizen's resentment for the president's faction (C7), plus the K3 boost while
        talks run. Hardship blamed on the West pushes a citizen towards hardliners,
        hardship blamed on the government towards compromise (C5, C7).
        """
        approval = self._approval_of(stance, prestige, president, talks_active)
        self.approval = approval
        self.preferred = np.argmax(approval + self.taste, axis=1)
        return approval.mean(axis=0)

    def _approval_of(
        self, stance: np.ndarray, prestige: np.ndarray, president: int, talks_active: bool
    ) -> np.ndarray:
        p = self.model.params
        shift = p.mood_weight * self.hardship * (1.0 - BLAME_SIDE_SCALE * self.blame_west)
        position = np.clip(self.ideology + shift, 0.0, 1.0)
        approval = 1.0 - np.abs(stance[None, :] - position[:, None])
        approval += prestige[None, :]
        approval[:, president] -= p.incumbent_resentment_weight * self.resentment
        if talks_active:
            approval += p.talks_legitimacy_boost
        np.clip(approval, 0.0, 1.0, out=approval)
        return approval

    def decide_protest(self, power: np.ndarray, repression: float) -> None:
        """Epstein's civil-violence rule with regime legitimacy as each citizen sees it.

        Grievance = felt hardship x (1 - regime approval) + political grievance (capped
        at 1), where felt hardship is lessened by resolve (C5) and regime approval is the
        power-weighted approval of the factions. Net risk = risk aversion x arrest
        probability, which falls with the share of active neighbours. Active when
        grievance - net risk > threshold; those a disputed election has just brought onto
        the streets protest this month whatever the rule says. Political grievance then
        fades.
        """
        self._month_means = None  # the states change
        p = self.model.params
        felt = self.hardship * (1.0 - p.resolve_tolerance * self.resolve)
        regime = self._regime_approval(power)
        grievance = np.minimum(1.0, felt * (1.0 - regime) + self.political_grievance)
        active_neighbours = self.neighbour_mean @ self.active
        arrest = 1.0 - np.exp(-p.arrest_constant * repression * (1.0 - active_neighbours))
        self.active = grievance - self.risk_aversion * arrest > p.protest_threshold
        self.active |= self.taken_to_streets
        self.taken_to_streets[:] = False
        self.political_grievance *= 1.0 - p.political_grievance_memory

    def shock_election(self, grievance: float, protest_share: float) -> None:
        """A disputed election: political grievance rises by ``grievance`` times each
        citizen's liberal ideology (those furthest from the regime feel cheated most),
        and the ``protest_share`` most aggrieved take to the streets this month. Whether
        they stay there is Epstein's rule from then on (C5)."""
        self._month_means = None  # the states change
        self.political_grievance = np.minimum(
            1.0, self.political_grievance + grievance * self.ideology
        )
        k = int(round(protest_share * self.n))
        if k > 0:
            most = np.argpartition(-self.political_grievance, k - 1)[:k]
            self.taken_to_streets[most] = True

    def vote(
        self, allowed: np.ndarray, economic_appeal: np.ndarray, incumbency: np.ndarray
    ) -> np.ndarray:
        """Votes per faction among the allowed candidates; protesters boycott.

        A citizen votes for the allowed candidate with the highest approval plus taste,
        plus the promise of economic relief (the faction's ``economic_appeal``) weighted
        by his own hardship, plus any ``incumbency`` advantage (C6, ODD 7.7.7).
        """
        relief = self.model.params.relief_vote_weight * self.hardship
        utility = (
            self.approval
            + self.taste
            + relief[:, None] * economic_appeal[None, :]
            + incumbency[None, :]
        )
        utility = np.where(allowed[None, :], utility, -np.inf)
        choice = np.argmax(utility, axis=1)[~self.active]
        return np.bincount(choice, minlength=allowed.size)

    # --- summaries ---------------------------------------------------------------------

    def _own_blame(self, narrative_credibility: float) -> np.ndarray:
        bias = self.model.params.ideology_blame_bias
        return np.clip(narrative_credibility + bias * (NEUTRAL_IDEOLOGY - self.ideology), 0.0, 1.0)

    def _resolve_target(self) -> np.ndarray:
        p = self.model.params
        weight = p.resolve_blame_weight
        conservative = p.conservative_resolve
        return weight * self.blame_west + (1.0 - weight) * conservative * (1.0 - self.ideology)

    def month_averages(self) -> dict[str, float]:
        """``averages()`` (7.7.8), from the compiled pass when it took them itself this
        month (a small population; the same numbers) and no rule has changed the
        citizens since, else computed now. A direct write into a state array is not
        seen: read ``averages()`` after one."""
        return self._month_means if self._month_means is not None else self.averages()

    def averages(self) -> dict[str, float]:
        """Means over citizens of ``hardship``, ``resentment``, ``blame_west``,
        ``resolve``, ``political_grievance`` and ``active`` (the protest share), 7.7.8."""
        if self.kernel == "numba" and self.n < NUMPY_AVERAGES_FROM:
            # One compiled call with numpy's summation order: the same means, bit for bit.
            hardship, resentment, blame, resolve, grievance, protesting = (
                compiled_kernels().averages(
                    self.hardship,
                    self.resentment,
                    self.blame_west,
                    self.resolve,
                    self.political_grievance,
                    self.active,
                )
            )
            return {
                "hardship": hardship,
                "resentment": resentment,
                "blame_west": blame,
                "resolve": resolve,
                "political_grievance": grievance,
                "active": protesting / self.n,
            }
        # numpy's sum over n is its mean (the same pairwise sum, then the same division),
        # without the mean's own overhead.
        n = self.n
        means = {
            "hardship": float(_sum(self.hardship)) / n,
            "resentment": float(_sum(self.resentment)) / n,
            "blame_west": float(_sum(self.blame_west)) / n,
            "resolve": float(_sum(self.resolve)) / n,
            "political_grievance": float(_sum(self.political_grievance)) / n,
        }
        # A count over n is the mean of the 0/1 states exactly, and much faster.
        return means | {"active": int(np.count_nonzero(self.active)) / n}

    def compromise_preference(self, stance: np.ndarray) -> float:
        """Share of citizens whose preferred faction leans to compromise (stance >= 0.5)."""
        judged = self._judged_with
        if judged is not None and _same(stance, judged[1]):
            return judged[2] / self.n  # counted by the compiled month
        leaning = np.asarray(stance) >= COMPROMISE_STANCE
        return np.count_nonzero(leaning[self.preferred]) / self.n

    def regime_legitimacy(self, power: np.ndarray) -> float:
        """Mean over citizens of their power-weighted approval of the factions."""
        judged = self._judged_with
        if judged is not None and _same(power, judged[0]):
            # Computed by the compiled month (and for a small population its mean too).
            if judged[3] is not None:
                return judged[3]
            if self.n < NUMPY_AVERAGES_FROM:
                return compiled_kernels().mean(self._regime)
            return float(_sum(self._regime)) / self.n
        return float(self._regime_approval(power).mean())

    def _regime_approval(self, power: np.ndarray) -> np.ndarray:
        """Each citizen's power-weighted approval of the factions (7.7.6), summed over
        factions in index order: a fixed order, unlike a BLAS product's, which depends on
        the processor, so that results are the same on every machine."""
        approval = self.approval
        regime = approval[:, 0] * power[0]
        for j in range(1, len(power)):
            regime = regime + approval[:, j] * power[j]
        return regime
