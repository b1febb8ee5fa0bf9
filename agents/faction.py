"""Iranian factions: power share, legitimacy, stance on compromise, prestige (C6, C8)."""

from __future__ import annotations

from dataclasses import dataclass, fields

import mesa

from agents.bounds import clamp

# Prestige is added to approval, which lies in [0, 1]: kept within half of that either
# way, a success or humiliation shifts approval without swamping ideological affinity.
PRESTIGE_BOUND = 0.5
# A placeholder only: the citizens' first judgement replaces it during initialisation,
# before any rule reads it (ODD 5.1).
INITIAL_LEGITIMACY = 0.5


@dataclass(frozen=True)
class FactionSpec:
    """Initial state of one faction (C6: power and legitimacy; C2: the president)."""

    name: str
    label: str
    power: float
    stance: float
    president: bool = False
    prestige: float = 0.0
    economic_appeal: float = 0.0


class Faction(mesa.Agent):
    """A faction of the Iranian regime (hardliners, the president's camp, ...).

    State: ``power`` (share of power; the shares of all factions sum to 1),
    ``legitimacy`` (popular approval in [0, 1], from the citizens), ``stance`` (on
    compromise with the West, fixed), ``prestige`` (diplomatic standing added to
    approval: rebuffs lower it, successes raise it, it fades), ``economic_appeal`` (how
    credible voters find its promise of economic relief, fixed) and ``holds_presidency``.
    The power rule, which acts on all factions at once because shares are
    renormalised, lives in ``model/factional_balance.py`` (C6).
    """

    def __init__(self, model: mesa.Model, spec: FactionSpec) -> None:
        super().__init__(model)
        # The spec's fields are the initial state of the same name (ODD 2.1), but for
        # ``president``, which becomes ``holds_presidency``.
        for item in fields(spec):
            if item.name != "president":
                setattr(self, item.name, getattr(spec, item.name))
        self.holds_presidency = spec.president
        self.legitimacy = INITIAL_LEGITIMACY

    def update_legitimacy(self, approval: float) -> None:
        """Take the citizens' mean approval of this faction as its legitimacy."""
        self.legitimacy = clamp(float(approval), 0.0, 1.0)

    def fade_prestige(self, memory: float) -> None:
        """Prestige from past successes and humiliations fades towards zero (C6)."""
        self.prestige *= 1.0 - memory

    def change_prestige(self, amount: float) -> None:
        """A success (positive) or humiliation (negative), kept within
        [-PRESTIGE_BOUND, PRESTIGE_BOUND]."""
        self.prestige = clamp(self.prestige + amount, -PRESTIGE_BOUND, PRESTIGE_BOUND)
