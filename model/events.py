"""Dated events from a scenario, carried out at the start of their month (ODD 7.1).

Events are the Western and exogenous moves a scenario can set: an Iranian offer to
consider, talks the West opens (with the terms of a deal, full or interim), a breakdown
of talks with the blame it carries, the refusal of Iran's next offer, a sanctions package
(on trade or on oil exports), an oil shock, a policy switch, a UN vote on a draft of a
given strength, and a disputed election. None of them decides an Iranian choice: whether
the president joins talks, what Iran concedes, whether a deal is reached, ratified or
kept, and who wins an election stay with the agents' rules.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from agents.president import Offer
from model.scenarios import MAX_MONTHS, EventSpec

if TYPE_CHECKING:
    from model.model import IranModel


# Every month of every run reads its date, and the runs of a scenario share their
# months: the dates of as many (start, month) pairs as the longest run are kept.
@lru_cache(maxsize=MAX_MONTHS)
def month_to_date(start: str, months: int) -> str:
    """The calendar month ``months`` after ``start`` (both YYYY-MM)."""
    year, month = (int(x) for x in start.split("-"))
    index = year * 12 + (month - 1) + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def apply(model: IranModel, event: EventSpec) -> None:
    """Carry out one scheduled event at the start of its month."""
    values = event.values
    note = f" ({event.note})" if event.note else ""
    match event.kind:
        case "offer":
            model.diplomacy.scheduled_offer = Offer(
                month=model.steps, concession=values["concession"], scheduled=True
            )
        case "talks_open":
            terms = model.diplomacy.scheduled_terms(values["relief"], values["constraint"])
            model.diplomacy.invitation = (terms, note)
        case "talks_fail":
            model.diplomacy.scheduled_failure = (values["blame"], note)
        case "refuse_offer":
            model.diplomacy.refuse_next_offer = True
            model.log("refusal", f"the US and EU resolved to refuse Iran's next offer{note}")
        case "sanctions_package":
            intensity = values["intensity"]
            if values["target"] == "oil_exports":
                model.oil_export_sanctions = min(1.0, model.oil_export_sanctions + intensity)
                what = "sanctions on Iran's oil exports"
            else:
                model.western_sanctions = min(1.0, model.western_sanctions + intensity)
                what = "new sanctions"
            model.impose_sanctions()
            model.log("sanctions", f"the US and EU imposed {what}{note}")
        case "oil_shock":
            model.pending_oil_shock = values["change"]
            model.log("oil_shock", f"oil price shock of {values['change']:+.0%}{note}")
        case "policy_switch":
            model.western_policy = values["policy"]
            model.log("policy", f"the West switched to the '{model.western_policy}' policy{note}")
        case "un_vote":
            model.council.scheduled_vote = values["sanctions"]
        case "election_shock":
            model.population.shock_election(values["grievance"], values["protest_share"])
            model.log("protest", f"a disputed election left citizens aggrieved{note}")
        case _:  # scenarios.py rejects unknown kinds; this guards programming errors
            raise ValueError(f"unknown event kind {event.kind!r}")
