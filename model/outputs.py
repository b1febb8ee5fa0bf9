"""The output schema: every column of ``IranModel.results()``, declared once (ODD §2, §8).

Each :class:`Column` carries what every consumer needs: how the DataCollector reads it
from the model, a label for charts, the meaning, unit and range for the docs, the
claims it measures, its direction (which way favours compromise, the outcome the
op-ed expects engagement to bring), the chart group it is drawn in and its usual
reduction over a run. The DataCollector, ``docs/columns.md``, the outcomes of the
claims audit, sensitivity and frontier, the sweep and comparison reports and the
dashboard all derive from :data:`OUTPUTS`; nothing else may repeat a label or a unit.

Two entries are templates: ``power_<faction>`` (and ``legitimacy_<faction>``) give one
column per faction of the scenario, ``sanctions_support_<country>`` one per foreign
government; :func:`expand` turns them into concrete columns.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any, Literal

FACTION = "<faction>"
COUNTRY = "<country>"

# Chart groups in the order reports show them: one panel per group.
GROUPS = (
    "Factions: power",
    "Factions: legitimacy",
    "Society",
    "Sanctions",
    "Economy, nuclear programme, division",
    "Oil price (USD/bbl)",
    "Oil exports and revenue",
    "Diplomacy and the Leader",
    "Diplomacy: counts so far",
)


@dataclass(frozen=True)
class Column:
    """One output column (or a per-faction / per-country template of columns).

    ``reporter``: the model attribute the DataCollector reads (a dotted path such as
    ``leader.distrust`` reads through the model's parts), or a function of the model;
    for templates, the attribute of each faction or government, or a function of the
    model and the member; None for columns that only sweep outputs carry.
    ``direction``: +1 when a higher value favours compromise (what the op-ed expects
    engagement to bring), -1 when a lower one does, 0 when the column has no direction
    in the argument. ``statistic``: its usual reduction over a run (``mean`` for
    states, ``final`` for what accumulates).
    """

    name: str
    label: str
    description: str
    unit: str
    reporter: str | Callable[..., Any] | None
    low: float | None = None
    high: float | None = None
    claims: str = ""
    direction: int = 0
    group: str = ""
    statistic: Literal["mean", "final"] = "mean"
    cumulative: bool = False
    headline: bool = False

    @property
    def numeric(self) -> bool:
        """Whether the column holds numbers (outcomes can only be numeric)."""
        return self.low is not None

    @property
    def template(self) -> str | None:
        """``FACTION`` or ``COUNTRY`` for a template column, else None."""
        return next((t for t in (FACTION, COUNTRY) if t in self.name), None)


def _index(name, label, description, claims="", direction=0, group="", **kw) -> Column:
    """A column on the 0–1 scale (index, share) read from the model attribute ``name``."""
    unit = kw.pop("unit", "index, 0–1")
    reporter = kw.pop("reporter", name)
    return Column(
        name, label, description, unit, reporter, 0.0, 1.0, claims, direction, group, **kw
    )


def _quantity(
    name: str,
    label: str,
    description: str,
    unit: str,
    claims: str = "C4",
    group: str = "Oil exports and revenue",
) -> Column:
    """A non-negative quantity with a unit of its own (oil), read from the attribute."""
    return Column(name, label, description, unit, name, 0.0, None, claims, group=group)


def _count(name, label, description, counter, claims="", direction=0, headline=False) -> Column:
    """A count of diplomatic events so far (never decreases)."""
    return Column(
        name,
        label,
        description,
        "count, never decreases",
        f"diplomacy.counters.{counter}",
        0.0,
        None,
        claims,
        direction,
        "Diplomacy: counts so far",
        "final",
        cumulative=True,
        headline=headline,
    )


SOCIETY, SANCTIONS = "Society", "Sanctions"
ECONOMY = "Economy, nuclear programme, division"
LEADER = "Diplomacy and the Leader"

OUTPUTS: tuple[Column, ...] = (
    Column("run_id", "Run", "Run number within a sweep (sweep outputs only).", "integer", None),
    Column(
        "step", "Month", "Month since the start (0 = initial state).", "integer, 0–steps", "steps"
    ),
    Column("date", "Date", "Calendar month of the step.", "YYYY-MM", "date"),
    Column(
        "western_policy",
        "Western policy",
        "Western policy in force (a scenario may switch it).",
        "engage / refuse / conditional / reciprocal",
        "western_policy",
    ),
    _index(
        f"power_{FACTION}",
        "Power",
        "Faction's share of power; shares sum to 1.",
        "C6",
        group="Factions: power",
        unit="share, 0–1",
        reporter="power",
        headline=True,
    ),
    _index(
        f"legitimacy_{FACTION}",
        "Legitimacy",
        "Faction's popular approval: citizens' mean approval.",
        "C6",
        group="Factions: legitimacy",
        reporter="legitimacy",
    ),
    Column(
        "president_faction",
        "President's faction",
        "Name of the faction holding the presidency.",
        "text",
        "president.faction.name",
    ),
    _index(
        "president_standing",
        "President's standing",
        "President's standing (legitimacy, power, prestige); C1.",
        "C1",
        group="Factions: legitimacy",
        reporter="president.standing",
    ),
    _index(
        "regime_legitimacy",
        "Regime legitimacy",
        "Power-weighted approval of the factions, mean over citizens.",
        "C7, K3",
        -1,
        "Factions: legitimacy",
        headline=True,
    ),
    _index(
        "compromise_preference",
        "Citizens preferring compromise",
        "Share of citizens whose preferred faction leans to compromise (stance >= 0.5).",
        "C6",
        +1,
        SOCIETY,
        unit="share, 0–1",
    ),
    _index("hardship", "Economic hardship", "Citizens' mean economic hardship.", "C7", 0, SOCIETY),
    _index(
        "economic_resentment",
        "Economic resentment of the government",
        "Citizens' mean resentment of the government: hardship not blamed on the West (C7).",
        "C7",
        +1,
        SOCIETY,
        headline=True,
    ),
    _index(
        "blame_west",
        "Hardship blamed on the West",
        "Citizens' mean share of hardship blamed on the West (C5).",
        "C5",
        -1,
        SOCIETY,
        unit="share, 0–1",
        headline=True,
    ),
    _index(
        "resolve",
        "Resolve to endure hardship",
        "Citizens' mean resolve to endure hardship (C5).",
        "C5",
        -1,
        SOCIETY,
        headline=True,
    ),
    _index(
        "protest_share",
        "Citizens protesting",
        "Share of citizens actively protesting (Epstein's rule).",
        "C7",
        0,
        SOCIETY,
        unit="share, 0–1",
        headline=True,
    ),
    _index(
        "political_grievance",
        "Political grievance",
        "Citizens' mean political grievance (from a disputed election; it fades).",
        "",
        0,
        SOCIETY,
    ),
    _index(
        "narrative_credibility",
        "Credibility of the anti-Western narrative",
        "Credibility of the regime's anti-Western narrative (C5, C7).",
        "C5, C7",
        -1,
        SOCIETY,
    ),
    _index(
        f"sanctions_support_{COUNTRY}",
        "Sanctions support",
        "Government's support for sanctions on Iran (C3, C4).",
        "C3, C4, K1",
        +1,
        SANCTIONS,
        reporter="sanctions_support",
        headline=True,
    ),
    _index(
        "western_sanctions",
        "Western sanctions",
        "Intensity of unilateral US and EU sanctions.",
        "C4",
        0,
        SANCTIONS,
    ),
    _index(
        "un_sanctions",
        "UN sanctions",
        "Intensity of UN Security Council sanctions.",
        "C3",
        0,
        SANCTIONS,
    ),
    _index(
        "effective_sanctions",
        "Effective sanctions",
        "Western and UN sanctions combined, less leakage through "
        "Chinese and Russian trade and less deal relief (C4).",
        "C4",
        +1,
        SANCTIONS,
        headline=True,
    ),
    _quantity(
        "oil_price", "Oil price", "Oil price.", "USD per barrel, > 0", "", "Oil price (USD/bbl)"
    ),
    _quantity(
        "oil_exports",
        "Oil exports",
        "Iran's crude oil exports: capacity less what oil-export sanctions bar (C4).",
        "million barrels per day, >= 0",
    ),
    _quantity(
        "oil_revenue", "Oil revenue", "Oil revenue: exports x price.", "billion USD per month, >= 0"
    ),
    _index("economic_health", "Economic health", "Iran's economic health.", "C7", 0, ECONOMY),
    _index(
        "nuclear_progress",
        "Nuclear progress",
        "Progress of the nuclear programme (1 = breakout capability).",
        "C8, C9, K2",
        -1,
        ECONOMY,
        statistic="final",
        headline=True,
    ),
    _index(
        "factional_division",
        "Factional division",
        "Division inside the regime: power-weighted polarisation of "
        "stances, scaled by the salience of compromise (C8).",
        "C8",
        +1,
        ECONOMY,
        headline=True,
    ),
    _index(
        "talks_active",
        "Talks under way",
        "1 while talks run, else 0.",
        "C1",
        0,
        LEADER,
        unit="0 or 1",
        reporter=lambda m: int(m.diplomacy.talks_active),
    ),
    _index(
        "deal_active",
        "Deal in force",
        "1 while a ratified deal holds, else 0.",
        "C2",
        0,
        LEADER,
        unit="0 or 1",
        reporter=lambda m: int(m.diplomacy.deal_active),
    ),
    _count("offers_total", "Offers of talks", "Iranian offers of talks so far.", "offers", "C1"),
    _count("talks_total", "Rounds of talks", "Rounds of talks opened so far.", "talks"),
    _count(
        "deals_total",
        "Deals ratified",
        "Deals ratified by the Supreme Leader so far.",
        "deals",
        "C2, C7",
        +1,
    ),
    _count("vetoes_total", "Deals vetoed", "Deals vetoed by the Supreme Leader so far.", "vetoes"),
    _count("refusals_total", "Offers refused", "Offers refused by the West so far.", "refusals"),
    _count(
        "un_resolutions_total",
        "UN resolutions",
        "UN Security Council resolutions on Iran adopted so far (with or without sanctions).",
        "un_resolutions",
        "C3",
    ),
    _count(
        "runoffs_total",
        "Run-off elections",
        "Presidential elections so far that went to a run-off.",
        "runoffs",
    ),
    _index(
        "leader_distrust",
        "Leader's distrust of the West",
        "Supreme Leader's distrust of the West (C2).",
        "C2",
        0,
        LEADER,
        reporter="leader.distrust",
    ),
    _index(
        "leader_pressure",
        "Pressure on the Leader for relief",
        "Domestic pressure for sanctions relief the Leader perceives (C7).",
        "C7",
        +1,
        LEADER,
        reporter="leader.pressure",
    ),
)
BY_NAME: dict[str, Column] = {c.name: c for c in OUTPUTS}


def expand(column: Column, factions: Any = (), governments: Any = ()) -> Iterator[Column]:
    """The concrete columns of ``column`` for these factions and governments (objects
    with ``name`` and ``label``): the column itself when it is not a template."""
    members = {FACTION: factions, COUNTRY: governments}.get(column.template)
    if members is None:
        yield column
        return
    for member in members:
        yield replace(
            column,
            name=column.name.replace(column.template, member.name),
            label=f"{column.label}: {member.label}",
        )


def concrete_columns(factions: Any, governments: Any) -> list[Column]:
    """Every column of a run with these factions and governments, in results() order."""
    return [c for column in OUTPUTS for c in expand(column, factions, governments)]


def column_for(name: str) -> Column | None:
    """The declaration of a concrete column name (a template's for ``power_x``), or None."""
    if name in BY_NAME:
        return BY_NAME[name]
    for column in OUTPUTS:
        if column.template and name.startswith(column.name.split("<")[0]):
            return column
    return None


def group_of(name: str) -> str:
    """The chart group of a concrete column ("Other" when it has none)."""
    column = column_for(name)
    return column.group if column is not None and column.group else "Other"
