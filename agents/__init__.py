"""Mesa agents of the model, one module per kind (ODD §2)."""

from agents.faction import Faction
from agents.foreign_government import ForeignGovernment
from agents.population import Population
from agents.president import Offer, President
from agents.supreme_leader import SupremeLeader

__all__ = [
    "Faction",
    "ForeignGovernment",
    "Offer",
    "Population",
    "President",
    "SupremeLeader",
]
