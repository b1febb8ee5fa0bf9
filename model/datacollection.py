"""The model's outputs: one row per month, the state variables of ODD §2.

``COLUMNS`` documents every column (meaning, unit and range); ``docs/columns.md`` and
the README's table are generated from it, and a test checks that ``results()`` has
exactly these columns.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

if TYPE_CHECKING:
    from model.model import IranModel

# (column, meaning, unit and range). ``<faction>`` and ``<country>`` stand for the
# names in the scenario's [[factions]] and [[foreign_governments]].
COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("run_id", "Run number within a sweep (sweep outputs only).", "integer"),
    ("step", "Month since the start (0 = initial state).", "integer, 0–steps"),
    ("date", "Calendar month of the step.", "YYYY-MM"),
    (
        "western_policy",
        "Western policy in force (a scenario may switch it).",
        "engage / refuse / conditional / reciprocal",
    ),
    ("power_<faction>", "Faction's share of power; shares sum to 1.", "share, 0–1"),
    ("legitimacy_<faction>", "Faction's popular approval: citizens' mean approval.", "index, 0–1"),
    ("president_faction", "Name of the faction holding the presidency.", "text"),
    ("president_standing", "President's standing (legitimacy, power, prestige); C1.", "index, 0–1"),
    (
        "regime_legitimacy",
        "Power-weighted approval of the factions, mean over citizens.",
        "index, 0–1",
    ),
    (
        "compromise_preference",
        "Share of citizens whose preferred faction leans to compromise (stance >= 0.5).",
        "share, 0–1",
    ),
    ("hardship", "Citizens' mean economic hardship.", "index, 0–1"),
    (
        "economic_resentment",
        "Citizens' mean resentment of the government: hardship not blamed on the West (C7).",
        "index, 0–1",
    ),
    ("blame_west", "Citizens' mean share of hardship blamed on the West (C5).", "share, 0–1"),
    ("resolve", "Citizens' mean resolve to endure hardship (C5).", "index, 0–1"),
    ("protest_share", "Share of citizens actively protesting (Epstein's rule).", "share, 0–1"),
    (
        "political_grievance",
        "Citizens' mean political grievance (from a disputed election; it fades).",
        "index, 0–1",
    ),
    (
        "narrative_credibility",
        "Credibility of the regime's anti-Western narrative (C5, C7).",
        "index, 0–1",
    ),
    (
        "sanctions_support_<country>",
        "Government's support for sanctions on Iran (C3, C4).",
        "index, 0–1",
    ),
    ("western_sanctions", "Intensity of unilateral US and EU sanctions.", "index, 0–1"),
    ("un_sanctions", "Intensity of UN Security Council sanctions.", "index, 0–1"),
    (
        "effective_sanctions",
        "Western and UN sanctions combined, less leakage through "
        "Chinese and Russian trade and less deal relief (C4).",
        "index, 0–1",
    ),
    ("oil_price", "Oil price.", "USD per barrel, > 0"),
    (
        "oil_exports",
        "Iran's crude oil exports: capacity less what oil-export sanctions bar (C4).",
        "million barrels per day, >= 0",
    ),
    ("oil_revenue", "Oil revenue: exports x price.", "billion USD per month, >= 0"),
    ("economic_health", "Iran's economic health.", "index, 0–1"),
    (
        "nuclear_progress",
        "Progress of the nuclear programme (1 = breakout capability).",
        "index, 0–1",
    ),
    (
        "factional_division",
        "Division inside the regime: power-weighted polarisation of "
        "stances, scaled by the salience of compromise (C8).",
        "index, 0–1",
    ),
    ("talks_active", "1 while talks run, else 0.", "0 or 1"),
    ("deal_active", "1 while a ratified deal holds, else 0.", "0 or 1"),
    ("offers_total", "Iranian offers of talks so far.", "count, never decreases"),
    ("talks_total", "Rounds of talks opened so far.", "count, never decreases"),
    ("deals_total", "Deals ratified by the Supreme Leader so far.", "count, never decreases"),
    ("vetoes_total", "Deals vetoed by the Supreme Leader so far.", "count, never decreases"),
    ("refusals_total", "Offers refused by the West so far.", "count, never decreases"),
    (
        "un_resolutions_total",
        "UN Security Council resolutions on Iran adopted so far (with or without sanctions).",
        "count, never decreases",
    ),
    (
        "runoffs_total",
        "Presidential elections so far that went to a run-off.",
        "count, never decreases",
    ),
    ("leader_distrust", "Supreme Leader's distrust of the West (C2).", "index, 0–1"),
    (
        "leader_pressure",
        "Domestic pressure for sanctions relief the Leader perceives (C7).",
        "index, 0–1",
    ),
)


def make_datacollector(model: IranModel) -> mesa.DataCollector:
    """A DataCollector with one model reporter per column, in the documented order."""
    reporters: dict[str, object] = {
        "step": "steps",
        "date": "date",
        "western_policy": "western_policy",
    }
    for f in model.factions:
        reporters[f"power_{f.name}"] = lambda m, f=f: f.power
    for f in model.factions:
        reporters[f"legitimacy_{f.name}"] = lambda m, f=f: f.legitimacy
    reporters |= {
        "president_faction": lambda m: m.president.faction.name,
        "president_standing": lambda m: m.president.standing,
        "regime_legitimacy": "regime_legitimacy",
        "compromise_preference": "compromise_preference",
        "hardship": "hardship",
        "economic_resentment": "economic_resentment",
        "blame_west": "blame_west",
        "resolve": "resolve",
        "protest_share": "protest_share",
        "political_grievance": "political_grievance",
        "narrative_credibility": "narrative_credibility",
    }
    for g in model.governments:
        reporters[f"sanctions_support_{g.name}"] = lambda m, g=g: g.sanctions_support
    reporters |= {
        "western_sanctions": "western_sanctions",
        "un_sanctions": "un_sanctions",
        "effective_sanctions": "effective_sanctions",
        "oil_price": "oil_price",
        "oil_exports": "oil_exports",
        "oil_revenue": "oil_revenue",
        "economic_health": "economic_health",
        "nuclear_progress": "nuclear_progress",
        "factional_division": "factional_division",
        "talks_active": lambda m: int(m.diplomacy.talks_active),
        "deal_active": lambda m: int(m.diplomacy.deal_active),
        "offers_total": lambda m: m.diplomacy.counters.offers,
        "talks_total": lambda m: m.diplomacy.counters.talks,
        "deals_total": lambda m: m.diplomacy.counters.deals,
        "vetoes_total": lambda m: m.diplomacy.counters.vetoes,
        "refusals_total": lambda m: m.diplomacy.counters.refusals,
        "un_resolutions_total": lambda m: m.diplomacy.counters.un_resolutions,
        "runoffs_total": lambda m: m.diplomacy.counters.runoffs,
        "leader_distrust": lambda m: m.leader.distrust,
        "leader_pressure": lambda m: m.leader.pressure,
    }
    return mesa.DataCollector(model_reporters=reporters)


def columns_table_markdown() -> str:
    """The table of output columns in ``docs/columns.md``, generated from ``COLUMNS``."""
    lines = [
        "| column | meaning | unit and range |",
        "|---|---|---|",
    ]
    lines += [f"| `{name}` | {meaning} | {unit} |" for name, meaning, unit in COLUMNS]
    return "\n".join(lines) + "\n"
