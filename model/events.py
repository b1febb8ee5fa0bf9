"""Dated events from a scenario (an offer, a sanctions package, an oil shock, a policy
switch, a UN vote) and the model's log of what happened, in words."""

from __future__ import annotations

from typing import TYPE_CHECKING

from agents.president import Offer
from model import narrative
from model.scenarios import EventSpec

if TYPE_CHECKING:
    from model.model import IranModel


def month_to_date(start: str, months: int) -> str:
    """The calendar month ``months`` after ``start`` (both YYYY-MM)."""
    year, month = (int(x) for x in start.split("-"))
    index = year * 12 + (month - 1) + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def apply(model: IranModel, event: EventSpec) -> None:
    """Carry out one scheduled event at the start of its month."""
    p = model.params
    note = f" ({event.note})" if event.note else ""
    match event.kind:
        case "offer":
            model.diplomacy.scheduled_offer = Offer(
                month=model.steps, concession=event.values["concession"], scheduled=True
            )
        case "sanctions_package":
            before = model.western_sanctions
            model.western_sanctions = min(1.0, before + event.values["intensity"])
            model.narrative_credibility = narrative.boost(
                model.narrative_credibility, p.sanctions_narrative_boost
            )
            model.leader.change_distrust(p.distrust_sanctions_increase)
            model.log("sanctions", f"the US and EU imposed new sanctions{note}")
        case "oil_shock":
            model.pending_oil_shock = event.values["change"]
            model.log("oil_shock", f"oil price shock of {event.values['change']:+.0%}{note}")
        case "policy_switch":
            model.western_policy = event.values["policy"]
            model.log("policy", f"the West switched to the '{model.western_policy}' policy{note}")
        case "un_vote":
            model.council.scheduled_vote = True
        case _:  # scenarios.py rejects unknown kinds; this guards programming errors
            raise ValueError(f"unknown event kind {event.kind!r}")
