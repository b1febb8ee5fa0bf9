"""Monitors: the current month's key outcomes as big numbers above the charts.

As NetLogo's monitors do, each shows one number with its label and unit, updated every
month, with the change since the month before: the hardliners' and the compromise
camp's shares of power (C6), regime legitimacy (C7, K3), economic resentment of the
government (C7), China's and Russia's support for sanctions (C3, C4, K1) and nuclear
progress (C8, K2). Labels, units and descriptions are the output schema's
(``model/outputs.py``, ODD §2); the numbers are the model's results for the month shown.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

import pandas as pd
import solara

from agents.population import COMPROMISE_STANCE
from dashboard.session import frames
from model import IranModel
from model.outputs import BY_NAME, Column, expand

# The compromise camp is every faction whose stance leans to compromise (the same line
# as the citizens' "preferring compromise", ODD §7.7.5); its share is their power summed.
COMPROMISE_CAMP_LABEL = "Power: compromise camp"
# The change since the month before is shown to three decimals (a month moves most
# outcomes by less than the value's two); smaller than this, it shows as none.
UNCHANGED = 0.0005


@dataclass(frozen=True)
class Monitor:
    """One big number: the results columns summed into it, and its declaration (label,
    unit, description and claims from the output schema)."""

    columns: tuple[str, ...]
    column: Column

    def value(self, row: pd.Series) -> float:
        """The monitor's value in one month of results."""
        return float(sum(row[c] for c in self.columns))


def _power_column(faction) -> Column:
    return next(expand(BY_NAME["power_<faction>"], [faction]))


def monitors_for(model: IranModel) -> tuple[Monitor, ...]:
    """The monitors of a model, in display order: its most hardline faction's and its
    compromise camp's power, regime legitimacy, economic resentment, each non-Western
    government's sanctions support, nuclear progress."""
    hardline = min(model.factions, key=lambda f: f.stance)
    camp = [f for f in model.factions if f.stance >= COMPROMISE_STANCE]
    camp_column = replace(
        BY_NAME["power_<faction>"],
        name="compromise_camp_power",
        label=COMPROMISE_CAMP_LABEL,
        description="Power of the factions leaning to compromise: "
        + ", ".join(f.label for f in camp)
        + ".",
    )
    others = [g for g in model.governments if not g.western]
    support = list(expand(BY_NAME["sanctions_support_<country>"], (), others))
    plain = [BY_NAME[name] for name in ("regime_legitimacy", "economic_resentment")]
    power = _power_column(hardline)
    return (
        Monitor((power.name,), power),
        Monitor(tuple(_power_column(f).name for f in camp), camp_column),
        *(Monitor((c.name,), c) for c in plain),
        *(Monitor((c.name,), c) for c in support),
        Monitor(("nuclear_progress",), BY_NAME["nuclear_progress"]),
    )


def change_text(now: float, before: float | None) -> str:
    """The change since the month before as an arrow and a number ("" at month 0)."""
    if before is None:
        return ""
    delta = now - before
    if abs(delta) < UNCHANGED:
        return "= 0.000"
    return f"{'▲' if delta > 0 else '▼'} {abs(delta):.3f}"


def short_label(label: str) -> str:
    """A label without its parentheses ("Power: Hardliners (Leader's loyalists, IRGC)"
    is "Power: Hardliners"): the full label is the monitor's tooltip."""
    return re.sub(r"\s*\([^)]*\)", "", label)


def monitor_html(monitors: Sequence[Monitor], results: pd.DataFrame) -> str:
    """The monitors of the last month of ``results`` as HTML cards: label, value, unit,
    the change since the month before; the tooltip gives the full label, the
    description and the claims."""
    now = results.iloc[-1]
    before = results.iloc[-2] if len(results) > 1 else None
    cards = []
    for m in monitors:
        value = m.value(now)
        change = change_text(value, None if before is None else m.value(before))
        c = m.column
        tip = f"{c.label}. {c.description} Claims: {c.claims}."
        cards.append(
            f'<div class="monitor" data-column="{html.escape(c.name)}" title="{html.escape(tip)}">'
            f'<div class="monitor-label">{html.escape(short_label(c.label))}</div>'
            f'<div class="monitor-value">{value:.2f}'
            f'<span class="monitor-change">{change}</span></div>'
            f'<div class="monitor-unit">{html.escape(c.unit)}</div></div>'
        )
    return "".join(cards)


MONITOR_CSS = """
.monitors {
  display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 104px), 1fr));
  gap: 8px; margin-top: 8px;
}
.monitor { border: 1px solid #dde2ea; border-radius: 6px; padding: 3px 10px; min-width: 0; }
.monitor-label { font-size: 12px; color: #444; line-height: 1.2; overflow-wrap: anywhere; }
.monitor-value {
  font-size: 22px; font-weight: 500; line-height: 1.25; font-variant-numeric: tabular-nums;
}
.monitor-change { font-size: 12px; font-weight: 400; color: #555; margin-left: 6px; }
.monitor-unit { font-size: 11px; color: #666; }
"""


@solara.component
def Monitors(model: IranModel, update: int = 0) -> None:
    """The monitors of the month on screen; ``update`` (SolaraViz's update counter, which
    moves after every Step, Play tick or Reset) makes them follow the months."""
    monitors = solara.use_memo(lambda: monitors_for(model), [model])
    solara.Style(MONITOR_CSS)
    solara.HTML(
        tag="div", unsafe_innerHTML=monitor_html(monitors, frames(model)[0]), classes=["monitors"]
    )
