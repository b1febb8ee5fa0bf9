"""The fields of a scenario file's tables, with their types and ranges (ODD §5.2).

Declared like the parameter schema (as :class:`model.parameters.Parameter` objects), so
the same validation and the same one-line errors apply to ``[[factions]]``,
``[[foreign_governments]]`` and every kind of ``[[events]]``. A ``None`` default marks
a required field.
"""

from __future__ import annotations

from agents.faction import PRESTIGE_BOUND
from model.parameters import BLAME_SIDES, SANCTIONS_TARGETS, WESTERN_POLICIES, Parameter


class ScenarioError(ValueError):
    """A scenario that cannot be loaded; the message names the file and the key."""


# Marks an optional event field whose absence means "use the parameter's value".
UNSET = "unset"


def _field(name, kind, default, description, low=None, high=None, choices=None):
    return Parameter(
        name, kind, default, name, description, "—", "Scenario", low=low, high=high, choices=choices
    )


FACTION_FIELDS: dict[str, Parameter] = {
    f.name: f
    for f in (
        _field("name", str, None, "identifier (lower case, digits, underscores)"),
        _field("label", str, "", "name shown in charts and logs"),
        _field("power", float, None, "initial power share (shares are normalised)", 0, 1),
        _field("stance", float, None, "stance on compromise with the West (1 = most)", 0, 1),
        _field("president", bool, False, "whether this faction holds the presidency"),
        _field(
            "prestige",
            float,
            0.0,
            "initial prestige (added to approval)",
            -PRESTIGE_BOUND,
            PRESTIGE_BOUND,
        ),
        _field(
            "economic_appeal",
            float,
            0.0,
            "credibility of its promise of economic relief to voters (1 = most)",
            0,
            1,
        ),
    )
}
GOVERNMENT_FIELDS: dict[str, Parameter] = {
    f.name: f
    for f in (
        _field("name", str, None, "identifier (lower case, digits, underscores)"),
        _field("label", str, "", "name shown in charts and logs"),
        _field("western", bool, False, "whether it carries the Western engagement policy"),
        _field("un_veto", bool, False, "whether it holds a Security Council veto"),
        _field("sanctions_support", float, None, "initial support for sanctions", 0, 1),
        _field("base_support", float, None, "support for sanctions on its own interests", 0, 1),
        _field("trade_ties", float, 0.0, "trade ties with Iran", 0, 1),
        _field("energy_ties", float, 0.0, "dependence on Iranian oil and gas", 0, 1),
        _field(
            "blame_iran",
            float,
            0.5,
            "initial view of who spoils diplomacy (1 = Iran, 0 = the West)",
            0,
            1,
        ),
    )
}
EVENT_FIELDS: dict[str, dict[str, Parameter]] = {
    "offer": {
        "concession": _field(
            "concession", bool, False, "whether the offer carries a real concession"
        )
    },
    "talks_open": {
        "relief": _field(
            "relief",
            float,
            UNSET,
            "share of sanctions a deal from these talks lifts (below the parameter "
            "deal_sanctions_relief: an interim deal); default deal_sanctions_relief",
            0,
            1,
        ),
        "constraint": _field(
            "constraint",
            float,
            UNSET,
            "share of nuclear progress a deal from these talks halts; default "
            "deal_nuclear_constraint",
            0,
            1,
        ),
    },
    "talks_fail": {
        "blame": _field(
            "blame", str, None, "who the world blames for the breakdown", choices=BLAME_SIDES
        )
    },
    "refuse_offer": {},
    "sanctions_package": {
        "intensity": _field("intensity", float, None, "added sanctions intensity", 0, 1),
        "target": _field(
            "target",
            str,
            "trade",
            "what the package targets: trade (finance, trade, investment) or oil_exports "
            "(the share of oil exports barred)",
            choices=SANCTIONS_TARGETS,
        ),
    },
    "oil_shock": {
        "change": _field("change", float, None, "relative change of the oil price", -0.9, 3.0)
    },
    "policy_switch": {
        "policy": _field("policy", str, None, "new Western policy", choices=WESTERN_POLICIES)
    },
    "un_vote": {
        "sanctions": _field(
            "sanctions",
            float,
            1.0,
            "share of a full resolution's new sanctions the draft proposes (0 = demands "
            "without new sanctions)",
            0,
            1,
        )
    },
    "election_shock": {
        "grievance": _field(
            "grievance",
            float,
            None,
            "political grievance added to citizens, in proportion to their liberal ideology",
            0,
            1,
        ),
        "protest_share": _field(
            "protest_share",
            float,
            0.0,
            "share of citizens (the most aggrieved) who take to the streets that month",
            0,
            1,
        ),
    },
}
