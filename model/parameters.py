"""The parameter schema: the single source of truth for every model parameter.

Each :class:`Parameter` carries its name, type, default, allowed range (or choices),
a label for the dashboard, a one-line description and the claim
(ODD §8: C1–C9 for the op-ed, K1–K3 for its critics) that it belongs to. The schema validates
every input (Python overrides, scenario files, ``--set`` flags, sweep specs,
dashboard controls) and generates the parameter table in ``docs/parameters.md``.
Nothing else in the project may repeat a default or a range.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

WESTERN_POLICIES = ("engage", "refuse", "conditional", "reciprocal")
# Who a scheduled breakdown of talks is blamed on, and what a sanctions package targets.
BLAME_SIDES = ("iran", "west")
SANCTIONS_TARGETS = ("trade", "oil_exports")


class ParameterError(ValueError):
    """A parameter name or value that the schema does not allow (one-line message)."""


@dataclass(frozen=True)
class Parameter:
    """One model parameter: its type, default, range, label, description and claim.

    ``low``/``high`` bound numeric parameters (inclusive); ``choices`` lists the values
    of a text parameter. ``main`` marks the parameters the dashboard shows first.
    """

    name: str
    kind: type
    default: Any
    label: str
    description: str
    claim: str
    group: str
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] | None = None
    unit: str = ""
    main: bool = False
    uncertain: bool = True
    pattern: str | None = None
    pattern_text: str = ""

    @property
    def range_text(self) -> str:
        """The allowed values in words, as used in error messages and docs."""
        if self.kind is bool:
            return "true or false"
        if self.choices is not None:
            return "one of " + ", ".join(self.choices)
        if self.kind is str:
            return self.pattern_text or "any text"
        return f"[{_fmt(self.low)}, {_fmt(self.high)}]"

    def validate(self, value: Any) -> Any:
        """Return ``value`` converted to this parameter's type, or raise ParameterError.

        Strings are parsed, so that values from the command line, TOML files and text
        inputs all go through the same check.
        """
        converted = self._convert(value)
        if self.choices is not None and converted not in self.choices:
            raise ParameterError(
                f"parameter '{self.name}': {value!r} is not allowed; expected {self.range_text}"
            )
        if self.pattern is not None and not re.fullmatch(self.pattern, converted):
            raise ParameterError(
                f"parameter '{self.name}': {value!r} is not allowed; expected {self.range_text}"
            )
        numeric = self.kind in (int, float)
        if numeric and not (math.isfinite(converted) and self.low <= converted <= self.high):
            raise ParameterError(
                f"parameter '{self.name}': {value!r} is out of range; allowed {self.range_text}"
            )
        return converted

    def _convert(self, value: Any) -> Any:
        kind = self.kind
        try:
            if kind is bool:
                if isinstance(value, bool):
                    return value
                if isinstance(value, str) and value.strip().lower() in _BOOL_WORDS:
                    return _BOOL_WORDS[value.strip().lower()]
                raise ValueError
            if kind is int:
                if isinstance(value, bool):
                    raise ValueError
                if isinstance(value, str):
                    value = float(value.strip())
                as_float = float(value)
                if not as_float.is_integer():
                    raise ValueError
                return int(as_float)
            if kind is float:
                if isinstance(value, bool):
                    raise ValueError
                return float(value.strip() if isinstance(value, str) else value)
            if not isinstance(value, str):
                raise ValueError
            return value.strip()
        except (TypeError, ValueError, OverflowError):
            raise ParameterError(
                f"parameter '{self.name}': {value!r} is not a valid {_KIND_NAMES[kind]}; "
                f"expected {self.range_text}"
            ) from None


_BOOL_WORDS = {"true": True, "1": True, "yes": True, "on": True}
_BOOL_WORDS |= {"false": False, "0": False, "no": False, "off": False}
_KIND_NAMES = {bool: "boolean", int: "integer", float: "number", str: "text"}


def _fmt(x: float | None) -> str:
    if x is None:
        return "?"
    return f"{x:.15g}"


def _p(name, kind, default, label, description, claim, group, **kw) -> Parameter:
    return Parameter(name, kind, default, label, description, claim, group, **kw)


# The order below is the order of the docs table and of the dashboard's controls.
_PARAMETERS: tuple[Parameter, ...] = (
    # --- Run set-up -------------------------------------------------------------------
    _p(
        "western_policy",
        str,
        "conditional",
        "Western policy",
        "How the US and EU answer an Iranian offer of talks: engage (accept every offer), "
        "refuse (reject every offer), conditional (accept offers with a real concession), "
        "reciprocal (answer as Iran last behaved).",
        "C9",
        "Set-up",
        choices=WESTERN_POLICIES,
        main=True,
        uncertain=False,
    ),
    _p(
        "n_citizens",
        int,
        2000,
        "Citizens",
        "Number of individual citizens in the population.",
        "C5",
        "Set-up",
        low=100,
        high=1_000_000,
        main=True,
        uncertain=False,
    ),
    _p(
        "start_date",
        str,
        "2011-06",
        "Start month",
        "Calendar month of step 0 (YYYY-MM); one step is one month.",
        "—",
        "Set-up",
        uncertain=False,
        pattern=r"[0-9]{4}-(0[1-9]|1[0-2])",
        pattern_text="a month, YYYY-MM",
    ),
    _p(
        "iran_last_cooperative",
        bool,
        False,
        "Iran last cooperative",
        "Whether Iran's last behaviour before the run counts as cooperative (read by the "
        "reciprocal policy until Iran behaves again).",
        "C9",
        "Set-up",
        uncertain=False,
    ),
    _p(
        "presidential_term_limit",
        int,
        2,
        "Presidential term limit",
        "Consecutive terms a president may serve (Iran: 2; 0 = no limit). A president at "
        "the limit cannot stand again: his faction fields a new candidate, without the "
        "incumbent's advantage.",
        "C6",
        "Set-up",
        low=0,
        high=4,
        unit="terms",
        uncertain=False,
    ),
    _p(
        "president_terms_served_initial",
        int,
        1,
        "President's terms at the start",
        "Consecutive terms the sitting president has begun by step 0, the current one "
        "included (2 = in his second term).",
        "C6",
        "Set-up",
        low=1,
        high=4,
        unit="terms",
        uncertain=False,
    ),
    # --- Social network and citizens --------------------------------------------------
    _p(
        "ideology_mean",
        float,
        0.45,
        "Mean ideology",
        "Mean of citizens' ideology (0 = conservative, 1 = liberal and pro-Western); "
        "drawn from a Beta distribution.",
        "C5",
        "Population",
        low=0.05,
        high=0.95,
    ),
    _p(
        "ideology_concentration",
        float,
        4.0,
        "Ideology concentration",
        "Concentration (a + b) of the Beta distribution of citizens' ideology: higher "
        "values cluster citizens around the mean ideology, lower values polarise them.",
        "C5",
        "Population",
        low=1.0,
        high=50.0,
    ),
    _p(
        "taste_sd",
        float,
        0.1,
        "Spread of personal taste",
        "Standard deviation of each citizen's fixed personal liking for each faction "
        "(normal, mean 0), added to approval when he picks his preferred faction and "
        "when he votes: it makes preferences heterogeneous beyond ideology.",
        "C6",
        "Population",
        low=0.0,
        high=0.5,
    ),
    _p(
        "network_degree",
        int,
        8,
        "Network degree",
        "Mean number of neighbours per citizen on the small-world network (each citizen "
        "links to degree // 2 ring neighbours on each side, so odd values round down).",
        "C5",
        "Population",
        low=2,
        high=40,
    ),
    _p(
        "network_rewiring",
        float,
        0.1,
        "Network rewiring",
        "Watts-Strogatz rewiring probability (0 = ring lattice, 1 = random graph).",
        "C5",
        "Population",
        low=0.0,
        high=1.0,
    ),
    _p(
        "social_influence",
        float,
        0.35,
        "Social influence",
        "Weight of neighbours' average blame in a citizen's own attribution of blame.",
        "C5",
        "Population",
        low=0.0,
        high=1.0,
    ),
    _p(
        "blame_update_rate",
        float,
        0.25,
        "Blame update rate",
        "Monthly rate at which citizens move their blame towards the new target.",
        "C5",
        "Population",
        low=0.01,
        high=1.0,
    ),
    _p(
        "ideology_blame_bias",
        float,
        0.5,
        "Ideology bias in blame",
        "How much a citizen's ideology shifts the share of hardship blamed on the West "
        "(conservatives blame the West more).",
        "C5",
        "Population",
        low=0.0,
        high=1.0,
    ),
    _p(
        "resolve_blame_weight",
        float,
        0.7,
        "Resolve from blame",
        "How strongly blaming the West raises a citizen's resolve to endure hardship.",
        "C5",
        "Population",
        low=0.0,
        high=1.0,
        main=True,
    ),
    _p(
        "conservative_resolve",
        float,
        0.5,
        "Resolve from conservatism",
        "Resolve to endure hardship that a wholly conservative citizen holds whatever he "
        "blames (falling linearly to 0 for a wholly liberal one); it counts with the "
        "weight 1 - resolve_blame_weight beside blame on the West.",
        "C5",
        "Population",
        low=0.0,
        high=1.0,
    ),
    _p(
        "resolve_tolerance",
        float,
        0.6,
        "Tolerance from resolve",
        "Share of felt hardship that full resolve lets a citizen tolerate.",
        "C5",
        "Population",
        low=0.0,
        high=1.0,
    ),
    _p(
        "mood_weight",
        float,
        0.5,
        "Mood shift in preferences",
        "How far hardship blamed on the government pushes a citizen towards "
        "pro-compromise factions (and hardship blamed on the West towards hardliners).",
        "C7",
        "Population",
        low=0.0,
        high=1.0,
    ),
    _p(
        "incumbent_resentment_weight",
        float,
        0.4,
        "Resentment against incumbents",
        "How much a citizen's economic resentment lowers approval of the president's faction.",
        "C7",
        "Population",
        low=0.0,
        high=1.0,
    ),
    _p(
        "repression",
        float,
        0.5,
        "Repression",
        "Strength of the security forces against protesters (scaled by hardliner power).",
        "C5",
        "Population",
        low=0.0,
        high=1.0,
    ),
    _p(
        "repression_base",
        float,
        0.5,
        "Repression without hardliners",
        "Part of the security forces' strength that does not depend on who holds power: "
        "effective repression is repression x (this + hardline power), so hardliners "
        "in power crack down harder.",
        "C5",
        "Population",
        low=0.0,
        high=1.0,
    ),
    _p(
        "arrest_constant",
        float,
        2.3,
        "Arrest constant",
        "Epstein's constant k in the arrest probability 1 - exp(-k * repression * "
        "(1 - share of active neighbours)).",
        "C5",
        "Population",
        low=0.0,
        high=10.0,
    ),
    _p(
        "protest_threshold",
        float,
        0.1,
        "Protest threshold",
        "Epstein's threshold: a citizen turns active when grievance - net risk exceeds it.",
        "C5",
        "Population",
        low=0.0,
        high=1.0,
    ),
    _p(
        "political_grievance_memory",
        float,
        0.1,
        "Political grievance fading",
        "Monthly rate at which political grievance (from a disputed election, added to "
        "Epstein's grievance) fades.",
        "C5",
        "Population",
        low=0.01,
        high=1.0,
    ),
    # --- World: oil and economy -------------------------------------------------------
    _p(
        "oil_price_initial",
        float,
        110.0,
        "Initial oil price",
        "Oil price at step 0.",
        "C4",
        "Economy",
        low=10.0,
        high=300.0,
        unit="USD/bbl",
        uncertain=False,
    ),
    _p(
        "oil_price_reference",
        float,
        100.0,
        "Reference oil price",
        "Long-run price the oil price reverts to, and the price at which oil revenue "
        "neither lifts nor depresses the economy (a fact of the era, set by the scenario).",
        "C4",
        "Economy",
        low=10.0,
        high=300.0,
        unit="USD/bbl",
        uncertain=False,
    ),
    _p(
        "oil_volatility",
        float,
        0.08,
        "Oil volatility",
        "Monthly standard deviation of log oil-price changes.",
        "C4",
        "Economy",
        low=0.0,
        high=0.5,
        main=True,
    ),
    _p(
        "oil_mean_reversion",
        float,
        0.05,
        "Oil mean reversion",
        "Monthly pull of the log oil price towards the reference.",
        "C4",
        "Economy",
        low=0.0,
        high=1.0,
    ),
    _p(
        "energy_stress_memory",
        float,
        0.1,
        "Energy-stress update rate",
        "Weight of this month's oil-price move in the energy-market stress index (a "
        "moving average): how fast China's and Russia's worry about volatile oil markets "
        "follows the market.",
        "C4",
        "Economy",
        low=0.01,
        high=1.0,
    ),
    _p(
        "economic_potential",
        float,
        0.75,
        "Economic potential",
        "Economic health Iran would reach without sanctions, mismanagement or oil shocks.",
        "C7",
        "Economy",
        low=0.0,
        high=1.0,
    ),
    _p(
        "mismanagement",
        float,
        0.15,
        "Mismanagement",
        "Economic health lost to the government's mismanagement.",
        "C7",
        "Economy",
        low=0.0,
        high=1.0,
    ),
    _p(
        "sanctions_economic_impact",
        float,
        0.45,
        "Sanctions' economic impact",
        "Economic health lost at full effective sanctions.",
        "C4",
        "Economy",
        low=0.0,
        high=1.0,
        main=True,
    ),
    _p(
        "oil_economic_sensitivity",
        float,
        0.2,
        "Oil sensitivity of economy",
        "Change of economic health per unit of log oil revenue (exports x price) above "
        "its reference (export capacity x reference price): oil pays the state's budget.",
        "C4",
        "Economy",
        low=0.0,
        high=1.0,
    ),
    _p(
        "oil_export_capacity",
        float,
        2.5,
        "Oil export capacity",
        "Crude oil Iran can export when no sanctions target its oil exports.",
        "C4",
        "Economy",
        low=0.5,
        high=6.0,
        unit="million bbl/day",
        uncertain=False,
    ),
    _p(
        "oil_export_sanctions_initial",
        float,
        0.0,
        "Initial oil-export sanctions",
        "Share of Iran's oil exports barred by sanctions at step 0 (before leakage).",
        "C4",
        "Economy",
        low=0.0,
        high=1.0,
        uncertain=False,
    ),
    _p(
        "oil_export_adjustment",
        float,
        0.2,
        "Oil export adjustment rate",
        "Monthly rate at which oil exports move towards what export sanctions (less "
        "leakage through Chinese and Russian purchases) allow.",
        "C4",
        "Economy",
        low=0.01,
        high=1.0,
    ),
    _p(
        "economic_adjustment",
        float,
        0.15,
        "Economic adjustment rate",
        "Monthly rate at which economic health moves towards its target.",
        "C7",
        "Economy",
        low=0.01,
        high=1.0,
    ),
    _p(
        "economic_noise",
        float,
        0.01,
        "Economic noise",
        "Monthly standard deviation of shocks to economic health.",
        "C7",
        "Economy",
        low=0.0,
        high=0.2,
    ),
    # --- Sanctions --------------------------------------------------------------------
    _p(
        "western_sanctions_initial",
        float,
        0.35,
        "Initial Western sanctions",
        "Intensity of unilateral US and EU sanctions at step 0.",
        "C4",
        "Sanctions",
        low=0.0,
        high=1.0,
        uncertain=False,
        main=True,
    ),
    _p(
        "un_sanctions_initial",
        float,
        0.3,
        "Initial UN sanctions",
        "Intensity of UN Security Council sanctions in force at step 0.",
        "C3",
        "Sanctions",
        low=0.0,
        high=1.0,
        uncertain=False,
    ),
    _p(
        "sanctions_ratchet",
        float,
        0.02,
        "Sanctions ratchet",
        "Monthly rate at which unilateral Western sanctions follow US and EU support.",
        "C4",
        "Sanctions",
        low=0.0,
        high=0.5,
    ),
    _p(
        "un_resolution_strength",
        float,
        0.15,
        "UN resolution strength",
        "Share of the remaining gap to full UN sanctions closed by one new resolution.",
        "C3",
        "Sanctions",
        low=0.0,
        high=1.0,
    ),
    _p(
        "leakage_rate",
        float,
        0.5,
        "Sanctions leakage",
        "How much Chinese and Russian trade (weighted by their opposition to sanctions) "
        "erodes effective sanctions.",
        "C4",
        "Sanctions",
        low=0.0,
        high=1.0,
        main=True,
    ),
    _p(
        "un_push_threshold",
        float,
        0.65,
        "UN push threshold",
        "Mean Western sanctions support above which the West tables a UN resolution.",
        "C3",
        "Sanctions",
        low=0.0,
        high=1.0,
    ),
    _p(
        "un_veto_threshold",
        float,
        0.5,
        "UN veto threshold",
        "Sanctions support a veto power needs to vote for a resolution at full strength "
        "(votes are noisy around it); below it, it waters the draft down or vetoes it.",
        "C3",
        "Sanctions",
        low=0.0,
        high=1.0,
    ),
    _p(
        "un_dilution_room",
        float,
        0.2,
        "Room for watering down",
        "How far below the veto threshold a veto power's support may fall and it still "
        "votes for a watered-down draft: the draft keeps the share 1 + (support - "
        "threshold) / room of its sanctions; at zero or less it vetoes.",
        "C3",
        "Sanctions",
        low=0.01,
        high=1.0,
    ),
    _p(
        "un_vote_cooldown",
        int,
        12,
        "UN vote cooldown",
        "Months between two Security Council votes on Iran.",
        "C3",
        "Sanctions",
        low=1,
        high=60,
        unit="months",
    ),
    # --- Foreign governments ----------------------------------------------------------
    _p(
        "credibility_weight",
        float,
        0.5,
        "Credibility weight",
        "How much a government's view of who spoiled diplomacy moves its sanctions "
        "support (Iran blamed: up).",
        "C3",
        "Foreign governments",
        low=0.0,
        high=1.0,
        main=True,
    ),
    _p(
        "blame_shift",
        float,
        0.25,
        "Blame shift per failure",
        "Share of the way a failed round moves a government's view of who is to blame.",
        "C3",
        "Foreign governments",
        low=0.0,
        high=1.0,
    ),
    _p(
        "refusal_excuse",
        float,
        0.3,
        "Refusal as excuse",
        "Strength of a Western refusal as evidence that the West spoils diplomacy "
        "(relative to a failed round blamed on the West).",
        "C4",
        "Foreign governments",
        low=0.0,
        high=1.0,
        main=True,
    ),
    _p(
        "blame_memory",
        float,
        0.02,
        "Blame forgetting",
        "Monthly rate at which governments' views of blame fade back to their prior (the "
        "scenario's blame_iran).",
        "C3",
        "Foreign governments",
        low=0.0,
        high=0.5,
    ),
    _p(
        "trade_weight",
        float,
        0.3,
        "Trade weight",
        "How much trade ties with Iran hold down a government's sanctions support.",
        "C4",
        "Foreign governments",
        low=0.0,
        high=1.0,
    ),
    _p(
        "energy_weight",
        float,
        0.3,
        "Energy-market weight",
        "How much energy ties hold down sanctions support when oil markets are volatile.",
        "C4",
        "Foreign governments",
        low=0.0,
        high=1.0,
    ),
    _p(
        "nuclear_alarm_weight",
        float,
        0.3,
        "Nuclear alarm",
        "How much Iran's nuclear progress raises every government's sanctions support.",
        "C3",
        "Foreign governments",
        low=0.0,
        high=1.0,
    ),
    _p(
        "support_adjustment",
        float,
        0.1,
        "Support adjustment rate",
        "Monthly rate at which sanctions support moves towards its target.",
        "C3",
        "Foreign governments",
        low=0.01,
        high=1.0,
    ),
    # --- Factions, Leader and president ----------------------------------------------
    _p(
        "power_legitimacy_sensitivity",
        float,
        0.1,
        "Power from legitimacy",
        "Monthly growth of a faction's power per unit of legitimacy above the regime's.",
        "C6",
        "Factions",
        low=0.0,
        high=1.0,
    ),
    _p(
        "leader_favour_weight",
        float,
        0.01,
        "Leader's favour",
        "Monthly power gain of the faction the Supreme Leader favours, scaled by the share "
        "of power it does not yet hold (an arbiter keeps any faction from dominating).",
        "C2",
        "Factions",
        low=0.0,
        high=0.2,
    ),
    _p(
        "rebuff_power_cost",
        float,
        0.15,
        "Cost of a rebuff",
        "Share of its power the president's faction loses when the West refuses its "
        "overture (pro-compromise allies lose in proportion; hardliners gain).",
        "C6",
        "Factions",
        low=0.0,
        high=0.5,
        main=True,
    ),
    _p(
        "rebuff_association",
        float,
        0.5,
        "Rebuff by association",
        "Share of the president's faction's relative power loss that a wholly "
        "pro-compromise allied faction suffers when the president is rebuffed; it falls "
        "linearly to none at the midpoint stance.",
        "C6",
        "Factions",
        low=0.0,
        high=1.0,
    ),
    _p(
        "veto_rebuff_share",
        float,
        0.5,
        "Power cost of a veto",
        "Share of rebuff_power_cost the president's faction loses when the Supreme Leader "
        "vetoes the deal it reached: a domestic setback, less public than a Western "
        "refusal (the prestige cost applies in full).",
        "C6",
        "Factions",
        low=0.0,
        high=1.0,
    ),
    _p(
        "rebuff_prestige_cost",
        float,
        0.12,
        "Humiliation of a rebuff",
        "Prestige (added to approval) the president's faction loses when rebuffed.",
        "C6",
        "Factions",
        low=0.0,
        high=0.5,
    ),
    _p(
        "success_prestige_gain",
        float,
        0.1,
        "Prestige of success",
        "Prestige the president's faction gains when a deal is ratified (the share "
        "talks_prestige_share of it when talks open); also its relative power gain from "
        "a ratified deal.",
        "C6",
        "Factions",
        low=0.0,
        high=0.5,
    ),
    _p(
        "talks_prestige_share",
        float,
        0.5,
        "Prestige of opening talks",
        "Share of success_prestige_gain the president's faction gains when talks open, "
        "on an accepted offer or by joining talks the West opens: a step towards "
        "success, not yet one.",
        "C6",
        "Factions",
        low=0.0,
        high=1.0,
    ),
    _p(
        "prestige_memory",
        float,
        0.08,
        "Prestige fading",
        "Monthly rate at which prestige fades back to zero.",
        "C6",
        "Factions",
        low=0.0,
        high=1.0,
    ),
    _p(
        "standing_legitimacy_weight",
        float,
        0.5,
        "Standing from legitimacy",
        "Weight of his faction's legitimacy in the president's standing; the rest is its "
        "power relative to an even split (prestige is added on top).",
        "C1",
        "Factions",
        low=0.0,
        high=1.0,
    ),
    _p(
        "offer_base_rate",
        float,
        0.01,
        "Base offer rate",
        "Monthly probability that a president at full standing offers talks.",
        "C1",
        "Factions",
        low=0.0,
        high=1.0,
    ),
    _p(
        "offer_weakness_sensitivity",
        float,
        0.25,
        "Offers from weakness",
        "Extra monthly offer probability of a president at zero standing (scaled by his "
        "faction's stance on compromise).",
        "C1",
        "Factions",
        low=0.0,
        high=1.0,
        main=True,
    ),
    _p(
        "offer_cooldown",
        int,
        3,
        "Offer cooldown",
        "Months a president waits after a refused offer, failed talks or a veto before "
        "offering again (scheduled offers ignore it).",
        "C1",
        "Factions",
        low=0,
        high=24,
        unit="months",
    ),
    _p(
        "concession_propensity",
        float,
        0.5,
        "Concession propensity",
        "Probability that an offer carries a real concession, scaled by the president's "
        "stance and the Leader's perceived pressure.",
        "C1",
        "Factions",
        low=0.0,
        high=1.0,
    ),
    _p(
        "concession_without_pressure",
        float,
        0.5,
        "Concession without pressure",
        "Factor on concession_propensity x stance when the Leader feels no domestic "
        "pressure; his perceived pressure is added to it, so pressure makes a real "
        "concession likelier.",
        "C1",
        "Factions",
        low=0.0,
        high=1.0,
    ),
    _p(
        "leader_distrust_initial",
        float,
        0.8,
        "Leader's initial distrust",
        "Supreme Leader's distrust of the West at step 0.",
        "C2",
        "Factions",
        low=0.0,
        high=1.0,
        uncertain=False,
    ),
    _p(
        "distrust_refusal_increase",
        float,
        0.05,
        "Distrust from refusal",
        "Rise of the Leader's distrust when the West refuses an offer.",
        "C2",
        "Factions",
        low=0.0,
        high=0.5,
    ),
    _p(
        "distrust_sanctions_increase",
        float,
        0.03,
        "Distrust from sanctions",
        "Rise of the Leader's distrust when new sanctions are imposed.",
        "C2",
        "Factions",
        low=0.0,
        high=0.5,
    ),
    _p(
        "distrust_talks_decrease",
        float,
        0.01,
        "Trust from talks",
        "Monthly fall of the Leader's distrust while talks run.",
        "C2",
        "Factions",
        low=0.0,
        high=0.2,
    ),
    _p(
        "distrust_deal_decrease",
        float,
        0.15,
        "Trust from a deal",
        "Fall of the Leader's distrust when he ratifies a deal.",
        "C2",
        "Factions",
        low=0.0,
        high=0.5,
    ),
    _p(
        "distrust_kept_promise_decrease",
        float,
        0.01,
        "Trust from kept promises",
        "Monthly fall of the Leader's distrust while a ratified deal holds and the West "
        "imposes no new sanctions (it keeps its side of the bargain).",
        "C2",
        "Factions",
        low=0.0,
        high=0.2,
    ),
    _p(
        "distrust_memory",
        float,
        0.02,
        "Distrust returning",
        "Monthly rate at which the Leader's distrust returns to its level at step 0: the "
        "effect of refusals, sanctions and deals fades.",
        "C2",
        "Factions",
        low=0.0,
        high=0.5,
    ),
    _p(
        "pressure_memory",
        float,
        0.2,
        "Pressure update rate",
        "Monthly rate at which the Leader's perceived pressure follows resentment and protest.",
        "C7",
        "Factions",
        low=0.01,
        high=1.0,
    ),
    _p(
        "vetting_tolerance",
        float,
        0.45,
        "Vetting tolerance",
        "Distance from the Leader's stance beyond which the Guardian Council starts to "
        "disqualify a faction's candidate.",
        "C2",
        "Factions",
        low=0.0,
        high=1.0,
    ),
    _p(
        "vetting_ramp",
        float,
        0.3,
        "Vetting ramp",
        "Distance beyond the vetting tolerance over which the Guardian Council's chance "
        "of disqualifying a faction's candidate rises from 0 to 1.",
        "C2",
        "Factions",
        low=0.01,
        high=1.0,
    ),
    _p(
        "election_power_bonus",
        float,
        0.1,
        "Power of the presidency",
        "Relative power gain of the faction that wins a presidential election.",
        "C6",
        "Factions",
        low=0.0,
        high=1.0,
    ),
    _p(
        "relief_vote_weight",
        float,
        0.3,
        "Economic relief in the vote",
        "How much a citizen's hardship makes a candidate's promise of economic relief (his "
        "faction's economic appeal) weigh in the vote, beside ideological affinity.",
        "C6",
        "Factions",
        low=0.0,
        high=1.0,
    ),
    _p(
        "incumbency_advantage",
        float,
        0.05,
        "Incumbent's advantage",
        "Vote utility a sitting president gains when he stands for re-election (name, "
        "office, patronage); none for a successor from his faction.",
        "C6",
        "Factions",
        low=0.0,
        high=0.5,
    ),
    _p(
        "election_interval",
        int,
        48,
        "Election interval",
        "Months between presidential elections.",
        "C6",
        "Factions",
        low=12,
        high=120,
        unit="months",
        uncertain=False,
    ),
    _p(
        "first_election_month",
        int,
        24,
        "First election",
        "Step of the first presidential election (24 = June 2013 from June 2011).",
        "C6",
        "Factions",
        low=1,
        high=240,
        unit="months",
        uncertain=False,
    ),
    # --- Diplomacy --------------------------------------------------------------------
    _p(
        "talks_deal_rate",
        float,
        0.08,
        "Deal rate",
        "Monthly probability of an agreement at the table at a negotiating stance of one "
        "half (twice it at a fully pro-compromise stance).",
        "C2",
        "Diplomacy",
        low=0.0,
        high=1.0,
    ),
    _p(
        "talks_breakdown_rate",
        float,
        0.06,
        "Breakdown rate",
        "Monthly probability that talks break down at a negotiating stance of one half "
        "(twice it at a fully hardline stance).",
        "C3",
        "Diplomacy",
        low=0.0,
        high=1.0,
    ),
    _p(
        "talks_max_months",
        int,
        12,
        "Longest talks",
        "Talks still open after this many months break down.",
        "C3",
        "Diplomacy",
        low=1,
        high=60,
        unit="months",
    ),
    _p(
        "talks_acceptance_base",
        float,
        0.5,
        "Joining Western talks",
        "Chance that the most hardline president joins talks the West opens; it rises "
        "linearly to 1 with his faction's stance on compromise.",
        "C1",
        "Diplomacy",
        low=0.0,
        high=1.0,
    ),
    _p(
        "ratify_president_weight",
        float,
        4.0,
        "Ratification: president's power",
        "Weight of the president's power share in the Leader's decision to ratify.",
        "C2",
        "Diplomacy",
        low=0.0,
        high=20.0,
    ),
    _p(
        "ratify_hardliner_weight",
        float,
        3.0,
        "Ratification: hardliner power",
        "Weight of hardline power (power times distance from compromise) against ratification.",
        "C2",
        "Diplomacy",
        low=0.0,
        high=20.0,
    ),
    _p(
        "ratify_distrust_weight",
        float,
        3.0,
        "Ratification: distrust",
        "Weight of the Leader's distrust of the West against ratification.",
        "C2",
        "Diplomacy",
        low=0.0,
        high=20.0,
    ),
    _p(
        "ratify_pressure_weight",
        float,
        4.0,
        "Ratification: domestic pressure",
        "Weight of perceived domestic pressure for sanctions relief in favour of ratification.",
        "C7",
        "Diplomacy",
        low=0.0,
        high=20.0,
        main=True,
    ),
    _p(
        "ratify_bias",
        float,
        0.0,
        "Ratification bias",
        "Constant term of the Leader's ratification logit.",
        "C2",
        "Diplomacy",
        low=-10.0,
        high=10.0,
    ),
    _p(
        "deal_sanctions_relief",
        float,
        0.6,
        "Deal: sanctions relief",
        "Share of Western and UN sanctions (oil-export sanctions included) lifted while a "
        "ratified deal holds, unless the talks that reached it offered other terms (an "
        "interim deal).",
        "C7",
        "Diplomacy",
        low=0.0,
        high=1.0,
    ),
    _p(
        "deal_nuclear_constraint",
        float,
        0.9,
        "Deal: nuclear constraint",
        "Share of nuclear progress halted while a ratified deal holds, unless the talks "
        "that reached it set other terms.",
        "C8",
        "Diplomacy",
        low=0.0,
        high=1.0,
    ),
    _p(
        "deal_collapse_rate",
        float,
        0.01,
        "Deal collapse rate",
        "Monthly probability that a deal collapses when the regime's centre of gravity "
        "and the president sit halfway on compromise; more when they lean hardline.",
        "C2",
        "Diplomacy",
        low=0.0,
        high=1.0,
    ),
    _p(
        "deal_president_weight",
        float,
        0.5,
        "President's hold on a deal",
        "Weight of the president's own stance, against the regime's centre of gravity, in "
        "the stance Iran negotiates and keeps a deal with: a hardline president concedes "
        "less at the table and ends a deal sooner.",
        "C2",
        "Diplomacy",
        low=0.0,
        high=1.0,
    ),
    _p(
        "narrative_baseline",
        float,
        0.45,
        "Narrative baseline",
        "Credibility the anti-Western narrative drifts back to without events.",
        "C5",
        "Diplomacy",
        low=0.0,
        high=1.0,
    ),
    _p(
        "narrative_initial",
        float,
        0.6,
        "Initial narrative credibility",
        "Credibility of the regime's anti-Western narrative at step 0.",
        "C5",
        "Diplomacy",
        low=0.0,
        high=1.0,
        uncertain=False,
    ),
    _p(
        "narrative_memory",
        float,
        0.04,
        "Narrative fading",
        "Monthly rate at which narrative credibility drifts back to its baseline.",
        "C5",
        "Diplomacy",
        low=0.0,
        high=1.0,
    ),
    _p(
        "refusal_narrative_boost",
        float,
        0.12,
        "Narrative boost of refusal",
        "Rise of narrative credibility when the West refuses an offer.",
        "C5",
        "Diplomacy",
        low=0.0,
        high=0.5,
        main=True,
    ),
    _p(
        "breakdown_narrative_share",
        float,
        0.5,
        "Narrative boost of a failure blamed on the West",
        "Share of refusal_narrative_boost the narrative gains when talks break down with "
        "the blame on the West: it fits the story of a hostile West, less plainly than "
        "an outright refusal.",
        "C5",
        "Diplomacy",
        low=0.0,
        high=1.0,
    ),
    _p(
        "sanctions_narrative_boost",
        float,
        0.06,
        "Narrative boost of sanctions",
        "Rise of narrative credibility when new sanctions are imposed.",
        "C5",
        "Diplomacy",
        low=0.0,
        high=0.5,
    ),
    _p(
        "talks_scapegoat_loss",
        float,
        0.04,
        "Scapegoat loss in talks",
        "Monthly share of narrative credibility lost while talks run or a deal holds (the "
        "West is no longer a credible scapegoat).",
        "C7",
        "Diplomacy",
        low=0.0,
        high=0.5,
        main=True,
    ),
    # --- Nuclear programme ------------------------------------------------------------
    _p(
        "nuclear_progress_initial",
        float,
        0.35,
        "Initial nuclear progress",
        "Progress of the nuclear programme at step 0 (1 = breakout capability).",
        "C8",
        "Nuclear",
        low=0.0,
        high=1.0,
        uncertain=False,
    ),
    _p(
        "nuclear_base_rate",
        float,
        0.005,
        "Nuclear base rate",
        "Monthly nuclear progress with no division, sanctions or deal.",
        "C8",
        "Nuclear",
        low=0.001,
        high=0.015,
    ),
    _p(
        "division_drag",
        float,
        0.6,
        "Drag from division",
        "Share of nuclear progress lost at full factional division.",
        "C8",
        "Nuclear",
        low=0.0,
        high=1.0,
        main=True,
    ),
    _p(
        "sanctions_drag",
        float,
        0.4,
        "Drag from sanctions",
        "Share of nuclear progress lost at full effective sanctions.",
        "C8",
        "Nuclear",
        low=0.0,
        high=1.0,
    ),
    _p(
        "salience_rate",
        float,
        0.15,
        "Salience of compromise",
        "Monthly rate at which the compromise question gains salience while talks run or "
        "a deal holds (and loses it otherwise), deepening factional division.",
        "C8",
        "Nuclear",
        low=0.0,
        high=1.0,
    ),
    _p(
        "salience_division_floor",
        float,
        0.5,
        "Division without salience",
        "Share of polarisation that counts as factional division when the compromise "
        "question has no salience; salience raises it to full (1 = engagement does not "
        "deepen division, switching C8 off).",
        "C8",
        "Nuclear",
        low=0.0,
        high=1.0,
    ),
    # --- Critics' counter-mechanisms (K1–K3) ------------------------------------------
    _p(
        "talks_coercion_dampening",
        float,
        0.05,
        "K1: talks dampen coercion",
        "Fall of Chinese and Russian sanctions support while talks run (critics: talking "
        "reduces their willingness to coerce).",
        "K1",
        "Critics",
        low=0.0,
        high=1.0,
        main=True,
    ),
    _p(
        "talks_programme_speedup",
        float,
        0.0,
        "K2: talks buy time",
        "Relative speed-up of nuclear progress while talks run (critics: Iran uses talks "
        "to buy time). 0 = off.",
        "K2",
        "Critics",
        low=0.0,
        high=2.0,
        main=True,
    ),
    _p(
        "talks_legitimacy_boost",
        float,
        0.0,
        "K3: talks legitimise the regime",
        "Rise of every citizen's approval of the regime's factions while talks run "
        "(critics: engagement legitimises the regime). 0 = off.",
        "K3",
        "Critics",
        low=0.0,
        high=0.5,
        main=True,
    ),
)

SCHEMA: dict[str, Parameter] = {p.name: p for p in _PARAMETERS}


def get_parameter(name: str) -> Parameter:
    """The schema entry for ``name``; a ParameterError suggests close names."""
    try:
        return SCHEMA[name]
    except KeyError:
        close = difflib.get_close_matches(name, SCHEMA, n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        raise ParameterError(f"unknown parameter '{name}'{hint}") from None


class Parameters(Mapping[str, Any]):
    """An immutable, validated set of values for every parameter in the schema.

    Missing names take their schema default; ``replace`` returns a new set with some
    values changed (validated). Values are readable as attributes: ``params.oil_volatility``.
    """

    __slots__ = ("_values",)

    def __init__(self, values: Mapping[str, Any] | None = None, /, **more: Any) -> None:
        given = dict(values or {}) | more
        checked = {name: p.default for name, p in SCHEMA.items()}
        for name, value in given.items():
            checked[name] = get_parameter(name).validate(value)
        object.__setattr__(self, "_values", checked)

    def replace(self, **changes: Any) -> Parameters:
        """A copy with ``changes`` applied (each one validated)."""
        return Parameters(self._values | changes)

    def __getattr__(self, name: str) -> Any:
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("Parameters are immutable; use replace()")

    def __reduce__(self) -> tuple:
        # Pickle by value (for worker processes); __getattr__ would otherwise recurse.
        return (Parameters, (dict(self._values),))

    def __getitem__(self, name: str) -> Any:
        return self._values[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        changed = {k: v for k, v in self._values.items() if v != SCHEMA[k].default}
        return f"Parameters({changed!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Parameters) and self._values == other._values

    def __hash__(self) -> int:
        return hash(tuple(sorted(self._values.items())))


def parse_assignment(text: str) -> tuple[str, Any]:
    """Parse ``KEY=VALUE`` (as given to ``--set``) into a validated (name, value) pair."""
    if "=" not in text:
        raise ParameterError(f"expected KEY=VALUE, got {text!r}")
    name, _, value = text.partition("=")
    name = name.strip()
    return name, get_parameter(name).validate(value)


def parameter_table_markdown() -> str:
    """The parameter table of ``docs/parameters.md``, generated from the schema."""
    lines = [
        "# Parameters",
        "",
        "Generated from `model/parameters.py` by `python -m model.docs`; do not edit by "
        "hand (a test checks that this file matches the schema).",
        "",
        "| group | name | label | type | default | allowed | unit | claim | description |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for p in _PARAMETERS:
        default = str(p.default).lower() if p.kind is bool else f"{p.default}"
        lines.append(
            f"| {p.group} | `{p.name}` | {p.label} | {_KIND_NAMES[p.kind]} | `{default}` "
            f"| {p.range_text} | {p.unit} | {p.claim} | {p.description} |"
        )
    return "\n".join(lines) + "\n"
