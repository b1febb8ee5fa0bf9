"""IranModel: the Mesa model that owns every agent and runs one month per step."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import mesa
import numpy as np
import pandas as pd
from mesa.model import Scenario as MesaScenario

from agents import Faction, ForeignGovernment, Population, President, SupremeLeader
from agents.bounds import clamp
from model import economy, elections, factional_balance, nuclear
from model import events as scheduled_events
from model.datacollection import make_datacollector
from model.diplomacy import DRAWS_PER_MONTH, Diplomacy
from model.narrative import Narrative
from model.parameters import ParameterError, Parameters
from model.scenarios import DEFAULT_MONTHS, MAX_MONTHS, Scenario, load_scenario
from model.un_security_council import SecurityCouncil

__all__ = ["DEFAULT_MONTHS", "IranModel", "check_seed", "resolve_scenario"]

# A ratchet rise of this size counts as one sanctions package for the narrative (C5) and
# the Leader's distrust (C2); smaller rises count in proportion.
SANCTIONS_PACKAGE_SIZE = 0.1
_STREAMS = ("population", "oil", "economy", "diplomacy", "council", "elections")


def resolve_scenario(scenario: Scenario | Parameters | Mapping | str | Path | None) -> Scenario:
    """A Scenario from a name, a path, a Scenario, a Parameters object or a mapping.

    A Parameters object or a mapping of parameter values is applied to the default
    scenario's factions, governments and events.
    """
    if isinstance(scenario, Scenario):
        return scenario
    if isinstance(scenario, Parameters):
        return load_scenario(None).with_overrides(**dict(scenario))
    if isinstance(scenario, Mapping):
        return load_scenario(None).with_overrides(**scenario)
    return load_scenario(scenario)


class RunParameters(Parameters):
    """A run's parameters: equal to the scenario's, with every value also a plain
    attribute of the object.

    The monthly rules read about eighty parameters a month (ODD §3.1); a plain
    attribute is read several times faster than through ``Parameters.__getattr__``.
    It is still a :class:`Parameters` (``replace``, mapping access, equality, pickling
    as a Parameters object) and holds nothing but the schema's validated values.
    """

    def __init__(self, params: Parameters) -> None:
        # The values' own dict, copied as it is: ``dict(params)`` would read them one
        # ``__getitem__`` call at a time, which costs more than the rest of this method.
        values = dict(params._values)
        object.__setattr__(self, "_values", values)
        self.__dict__.update(values)


def monthly_draws(
    draw: Callable[..., Any], months: int, per_month: int | None = None
) -> Callable[[], Any]:
    """A function that returns one month's draws from a random stream, taken from it
    ``months`` months at a time.

    A numpy Generator gives the same numbers in the same order whether they are drawn
    one month or a block of months at a time, so every month still draws the same
    values from its submodel's stream (ODD §3.2) for a fraction of the cost of a call
    into the Generator. ``draw`` is a Generator method (``random``,
    ``standard_normal``); ``per_month`` None gives one float a month, else a list of
    ``per_month`` floats.
    """
    shape = max(1, months) if per_month is None else (max(1, months), per_month)
    blocks = iter(lambda: draw(shape).tolist(), None)  # the next block, for ever
    return itertools.chain.from_iterable(blocks).__next__


def check_seed(rng: Any) -> int:
    """A seed as a non-negative integer (strings of digits accepted, e.g. from a form)."""
    if isinstance(rng, str) and rng.strip().isdigit():
        rng = int(rng.strip())
    if isinstance(rng, bool) or not isinstance(rng, int | np.integer) or rng < 0:
        raise ParameterError(f"seed: {rng!r} is not allowed; expected a whole number >= 0")
    return int(rng)


class IranModel(mesa.Model):
    """Iran's factional politics and Western engagement, one month per step.

    Formalises Zachary Keck's 2011 op-ed "Why to Accept Iran's Talks Offer" and its
    critics: claims C1–C9 and K1–K3, each a local rule of an agent (ODD section 8).

    ``IranModel(scenario=None, *, rng=None, **overrides)``: ``scenario`` is a scenario
    name, a path to a TOML file, a Scenario or a Parameters object (default:
    ``baseline_2011``); ``overrides`` set parameters by name (validated by the schema);
    ``rng`` is an integer seed (drawn and kept in ``model.seed`` when omitted).

    Each month (ODD 3.1): scheduled events; world (oil, sanctions, oil exports, economy,
    narrative); citizens; factions; diplomacy; foreign governments and the UN Security
    Council; the nuclear programme; elections; data collection. Every random draw comes
    from streams spawned from ``self.rng``, one per submodel, each drawing the same
    number of values every month, so that paired runs with the same seed share their
    random numbers wherever they differ only in a cause (common random numbers).

    The agent and submodel classes are class attributes, so that a variant of the model
    (e.g. the coin-flip baseline of ``batch_runs.baselines``) can swap one rule set.
    """

    president_type: type[President] = President
    leader_type: type[SupremeLeader] = SupremeLeader
    population_type: type[Population] = Population
    diplomacy_type: type[Diplomacy] = Diplomacy

    def __init__(
        self,
        scenario: Scenario | Parameters | str | Path | None = None,
        *,
        rng: int | None = None,
        **overrides: Any,
    ) -> None:
        spec = resolve_scenario(scenario)
        if overrides:
            spec = spec.with_overrides(**overrides)
        seed = check_seed(rng) if rng is not None else int(np.random.SeedSequence().entropy % 2**32)
        # Mesa's own Scenario carries the run's seed and parameter values (read-only while
        # the model runs); the full scenario, with factions, governments, dated events and
        # an oil price path that a flat Mesa Scenario cannot hold, is ``scenario_spec``.
        params = RunParameters(spec.parameters)
        super().__init__(scenario=MesaScenario(rng=seed, name=spec.name, **vars(params)))
        self.seed = seed
        self.scenario_spec = spec
        self.params = params
        streams = self.rng.spawn(len(_STREAMS))
        self.streams = dict(zip(_STREAMS, streams, strict=True))
        # Each month's draws, taken from ``self.streams`` a block of months at a time.
        s, block = self.streams, spec.months
        self._oil_normal = monthly_draws(s["oil"].standard_normal, block)
        self._economy_normal = monthly_draws(s["economy"].standard_normal, block)
        self._diplomacy_uniforms = monthly_draws(s["diplomacy"].random, block, DRAWS_PER_MONTH)
        self._council_uniforms = monthly_draws(s["council"].random, block, len(spec.governments))
        self._elections_uniforms = monthly_draws(s["elections"].random, block, len(spec.factions))
        self.months = spec.months
        self.event_log: list[dict[str, Any]] = []
        self._events_by_month: dict[int, list] = {}
        for event in spec.events:
            self._events_by_month.setdefault(event.month, []).append(event)
        self._init_world()
        self._init_agents()
        self._settle()
        self.datacollector = make_datacollector(self)
        self.datacollector.collect(self)

    # --- initialisation (ODD 5.1) -------------------------------------------------------

    def _init_world(self) -> None:
        """World state that is not an agent: oil, sanctions, narrative, programme (ODD 5.1)."""
        spec, p = self.scenario_spec, self.params
        path = spec.oil_price_path
        self.oil_price_path = path.by_step(p.start_date) if path is not None else {}

        self.western_policy = p.western_policy
        self.oil_price = self.oil_price_path.get(0, p.oil_price_initial)
        self.pending_oil_shock = 0.0  # relative change scheduled for this month's move
        self.energy_stress = economy.initial_stress(p)
        self.western_sanctions = p.western_sanctions_initial
        self.un_sanctions = p.un_sanctions_initial
        self.oil_export_sanctions = p.oil_export_sanctions_initial
        self.new_sanctions = False  # whether sanctions were imposed this month
        self.narrative = Narrative(p)
        self.nuclear_progress = p.nuclear_progress_initial

    def _init_agents(self) -> None:
        """Factions, foreign governments, the Leader, the president, the citizens, and the
        diplomacy and Security Council that act on them (ODD 5.1)."""
        spec, p = self.scenario_spec, self.params
        self.factions: tuple[Faction, ...] = tuple(Faction(self, f) for f in spec.factions)
        self.governments: tuple[ForeignGovernment, ...] = tuple(
            ForeignGovernment(self, g) for g in spec.governments
        )
        # ``western`` is a fixed trait: the US and EU, whose support the ratchet follows;
        # sanctions leak only through the others' trade (7.4).
        self.western_governments = tuple(g for g in self.governments if g.western)
        self.non_western_governments = tuple(g for g in self.governments if not g.western)
        self.leader = self.leader_type(self, p.leader_distrust_initial)
        holder = next(f for f in self.factions if f.holds_presidency)
        self.president = self.president_type(self, holder)
        self.population = self.population_type(
            self, p.n_citizens, len(self.factions), self.streams["population"]
        )
        self.diplomacy = self.diplomacy_type(self)
        self.council = SecurityCouncil(self)

    def _settle(self) -> None:
        """Start at rest (ODD 5.1): oil exports, the economy, citizens' resentment and the
        Leader's pressure at the values this month's conditions imply."""
        p = self.params
        self._update_world()
        self.oil_exports = self._oil_exports_target()
        self.oil_revenue = economy.oil_revenue(self.oil_exports, self.oil_price)
        self.economic_health = economy.resting_health(self.oil_revenue, self.effective_sanctions, p)
        self.population.settle(self.economic_health)
        self._update_citizens_and_factions(shift_power=False)
        self.leader.pressure = self.leader.pressure_target(
            self.economic_resentment, self.protest_share
        )
        self.factional_division = factional_balance.division(
            self.factions, 0.0, p.salience_division_floor
        )

    # --- public API -------------------------------------------------------------------

    @property
    def date(self) -> str:
        """Calendar month of the current step (YYYY-MM)."""
        return scheduled_events.month_to_date(self.params.start_date, self.steps)

    def step(self) -> None:
        """Advance one month (ODD 3.1)."""
        p = self.params
        month = self.steps
        self.new_sanctions = False
        for event in self._events_by_month.get(month, ()):
            scheduled_events.apply(self, event)
        # 1. World.
        z_oil = self._oil_normal()
        z_economy = self._economy_normal()
        self.oil_price, self.energy_stress = economy.move_oil_price(
            self.oil_price,
            self.energy_stress,
            z_oil,
            p,
            shock=self.pending_oil_shock,
            path_price=self.oil_price_path.get(month),
        )
        self.pending_oil_shock = 0.0
        self._ratchet_western_sanctions()
        self._update_world()
        self.oil_exports = economy.move_oil_exports(self.oil_exports, self._oil_exports_target(), p)
        self.oil_revenue = economy.oil_revenue(self.oil_exports, self.oil_price)
        target = economy.health_target(self.oil_revenue, self.effective_sanctions, p)
        self.economic_health = economy.move_economy(self.economic_health, target, z_economy, p)
        self.narrative.drift(self.diplomacy.engaged)
        # 2.-3. Citizens, then factions.
        self._update_citizens_and_factions(shift_power=True)
        # 4. Diplomacy.
        self.diplomacy.step(self._diplomacy_uniforms())
        # 5. Foreign governments and the Security Council. A loop over the governments,
        # in the order Mesa's AgentSet holds them, costs less than AgentSet.do.
        talks = self.diplomacy.talks_active
        for government in self.governments:
            government.update_support(self.energy_stress, self.nuclear_progress, talks)
        self.council.step(self._council_uniforms())
        # The Leader weighs the month's diplomacy and sanctions together.
        self.leader.reconsider_distrust(
            promise_kept=self.diplomacy.deal_active and not self.new_sanctions
        )
        self._update_world()
        # 6. Nuclear programme.
        self.factional_division = factional_balance.division(
            self.factions, self.diplomacy.salience, p.salience_division_floor
        )
        self.nuclear_progress = nuclear.advance(
            self.nuclear_progress,
            self.factional_division,
            self.effective_sanctions,
            self.diplomacy.talks_active,
            self.diplomacy.constraint,
            p,
        )
        # 7. Elections.
        vetting_draws = self._elections_uniforms()
        if elections.is_election_month(month, p.first_election_month, p.election_interval):
            elections.hold_election(self, vetting_draws)
        # 8. Data collection.
        self.datacollector.collect(self)
        # Mesa's sign that the run is over: the dashboard's Play stops at the scenario's
        # last month. run() and sweeps may still go on (they do not read it).
        if self.steps >= self.months:
            self.running = False

    def run(self, steps: int | None = None, progress: Callable[[int], None] | None = None) -> None:
        """Run ``steps`` months (default: the scenario's ``months``); ``progress`` (if
        given) is called after each month."""
        if steps is None:
            steps = self.months
        if isinstance(steps, bool) or not isinstance(steps, int) or not 0 <= steps <= MAX_MONTHS:
            raise ParameterError(
                f"steps: {steps!r} is not allowed; expected a whole number from 0 to {MAX_MONTHS}"
            )
        if progress is None and steps > 0:
            # Mesa's run_for takes the same step events as ``steps`` calls of step(),
            # in one loop.
            self.run_for(steps)
            return
        for _ in range(steps):
            self.step()
            if progress is not None:
                progress(self.steps)

    def results(self) -> pd.DataFrame:
        """One row per month collected (month 0 = initial state), the documented columns."""
        return self.datacollector.get_model_vars_dataframe().reset_index(drop=True)

    def events(self) -> pd.DataFrame:
        """What happened, month by month, in words (columns step, date, kind, text)."""
        return pd.DataFrame(self.event_log, columns=["step", "date", "kind", "text"])

    def log(self, kind: str, text: str) -> None:
        """Record an event of this month in the event log."""
        self.event_log.append({"step": self.steps, "date": self.date, "kind": kind, "text": text})

    @property
    def narrative_credibility(self) -> float:
        """Credibility of the anti-Western narrative (0–1), owned by ``self.narrative``."""
        return self.narrative.credibility

    def impose_sanctions(self, scale: float = 1.0) -> None:
        """What new sanctions do inside Iran, whatever imposed them (C5, C2).

        The one path for the Western ratchet, a scheduled package, a UN resolution and
        a deal's snap-back: the sanctions fit the regime's story of a hostile West (the
        narrative rises by ``sanctions_narrative_boost``) and confirm the Leader's
        distrust (by ``distrust_sanctions_increase``), both times ``scale``, the size
        of this step relative to one package. The caller has set the sanction level.
        """
        p = self.params
        self.new_sanctions = True
        self.narrative.boost(p.sanctions_narrative_boost * scale)
        self.leader.change_distrust(p.distrust_sanctions_increase * scale)

    # --- the month's phases -----------------------------------------------------------

    def _ratchet_western_sanctions(self) -> None:
        """Unilateral sanctions follow US and EU support; they do not rise during talks
        or a deal. A rise counts as new sanctions for the narrative (C5) and distrust."""
        p = self.params
        western = [g.sanctions_support for g in self.western_governments]
        target = sum(western) / len(western)
        change = p.sanctions_ratchet * (target - self.western_sanctions)
        if change > 0 and self.diplomacy.engaged:
            return
        self.western_sanctions = clamp(self.western_sanctions + change, 0.0, 1.0)
        if change > 0:
            self.impose_sanctions(change / SANCTIONS_PACKAGE_SIZE)

    def _update_world(self) -> None:
        # A Western government leaks nothing: the sum over the others is the same sum.
        self.leakage = economy.sanctions_leakage(self.non_western_governments, self.params)
        self.effective_sanctions = economy.effective_sanctions(
            self.western_sanctions,
            self.un_sanctions,
            self.leakage,
            self.diplomacy.relief,
            self.params,
        )

    def _oil_exports_target(self) -> float:
        return economy.oil_exports_target(
            self.oil_export_sanctions, self.leakage, self.diplomacy.relief, self.params
        )

    def _update_citizens_and_factions(self, shift_power: bool) -> None:
        p = self.params
        pop = self.population
        factions = self.factions
        stance = [f.stance for f in factions]
        prestige = [f.prestige for f in factions]
        president = factions.index(self.president.faction)
        # Power (before this month's shift) does not depend on this month's legitimacy,
        # so the citizens' whole month runs as one pass (ODD 7.7.2-7.7.6).
        power = [f.power for f in factions]
        hardline = 1.0 - factional_balance.compromise_power(factions)
        legitimacy = pop.live_month(
            self.economic_health,
            self.narrative.credibility,
            stance,
            prestige,
            president,
            self.diplomacy.talks_active,
            power,
            p.repression * (p.repression_base + hardline),
        )
        approvals = legitimacy.tolist()
        for i, f in enumerate(factions):  # zip(..., strict=True)'s keyword costs more
            f.update_legitimacy(approvals[i])
        self.regime_legitimacy = pop.regime_legitimacy(power)
        means = pop.month_averages()
        self.hardship = means["hardship"]
        self.economic_resentment = means["resentment"]
        self.blame_west = means["blame_west"]
        self.resolve = means["resolve"]
        self.protest_share = means["active"]
        self.political_grievance = means["political_grievance"]
        self.compromise_preference = pop.compromise_preference(stance)
        self.leader.perceive_pressure(
            self.economic_resentment, self.protest_share, p.pressure_memory
        )
        self.leader.choose_favourite(factions)
        if shift_power:
            # A plain loop over the factions, in the order Mesa's AgentSet holds them,
            # costs less than AgentSet.do.
            for f in factions:
                f.fade_prestige(p.prestige_memory)
            factional_balance.shift_power(factions, self.leader.favoured, p)
        self.president.assess_standing(len(factions))
