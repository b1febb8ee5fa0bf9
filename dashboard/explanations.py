"""Texts that tell a newcomer what the model is and what each chart shows.

Kept apart from the layout so the wording can be reviewed in one place; each chart's
text names the claims it serves (ODD §8) (C1–C9 of the op-ed, K1–K3 of its critics).
"""

from __future__ import annotations

from pathlib import Path

ODD_PATH = Path(__file__).resolve().parent.parent / "docs" / "ODD.md"
VALIDATION_PATH = ODD_PATH.with_name("validation.md")
# The part of docs/validation.md that the About page shows: the results against history.
_RESULTS_START, _RESULTS_END = "<!-- results:start -->", "<!-- results:end -->"

MODEL_OVERVIEW = """\
### What you are looking at

An **agent-based model** of Iran's factional politics and the West's answer to Iranian
offers of nuclear talks, built to test the argument of a 2011 op-ed (*Why to Accept
Iran's Talks Offer*): the West should accept the offer, even an insincere one, because
refusing it only hurts, through China's and Russia's willingness to sanction, Iranian
public opinion and the balance between Iran's factions.

One step is **one month**, starting in June 2011. Each month the oil price and Iran's
economy move; thousands of individual **citizens** on a social network feel hardship and
split the blame for it between the West and their own government; **factions** gain or
lose legitimacy and power; the **president** may offer talks, which the **US and EU**
accept or refuse according to the *Western policy*; talks may end in a deal that the
**Supreme Leader** ratifies or vetoes; **China and Russia** adjust their support for
sanctions and may veto UN resolutions; the **nuclear programme** advances, slowed by
sanctions and by division inside the regime; presidential **elections** come every
four years.

Nothing in the rules says that engagement is better: the op-ed's claims (C1–C9) and its
critics' counter-claims (K1–K3, parameters in the *Critics* group) are separate
mechanisms, and the outcome is measured. It is a formalised argument, not a forecast.

**How to use it.** Pick a scenario, a Western policy and the main parameters in *Run
set-up*, press **Reset** to build the run, then **Step** one month or **Play**. Hover
over any chart for values; click legend entries to hide series. The *Engage vs refuse*
tab runs the same scenario and seeds under two policies and shows the differences.
"""

CHART_HELP: dict[str, str] = {
    "balance": (
        "Each faction's share of power (they add up to 100%). Markers above the area are "
        "what happened that month: Iranian offers of talks, Western refusals, talks, "
        "deals, the Leader's vetoes, elections and UN votes; hover over a marker for the "
        "event in words. Claims: C1 (a weak president reaches out), C2 (the Leader "
        "vetoes a weak president's deal), C6 (a rebuffed president's camp loses ground "
        "to the hardliners)."
    ),
    "legitimacy": (
        "Popular approval of each faction (the citizens' mean approval, 0–1) and of the "
        "regime as a whole (approval weighted by each faction's power, dashed). "
        "Claims: C6, C7 (during talks, resentment turns on the government), K3 "
        "(engagement legitimises the regime)."
    ),
    "population": (
        "Means over all citizens: economic hardship, resentment of the government (the "
        "part of hardship not blamed on the West), the share of hardship blamed on the "
        "West, resolve to endure it, and the share of citizens protesting (Epstein's "
        "civil-violence rule). Claims: C5 (refusal feeds the anti-Western narrative and "
        "resolve), C7 (talks take away the regime's scapegoat)."
    ),
    "sanctions": (
        "Each government's support for sanctions (0–1) and the effective sanctions "
        "intensity (dashed): Western and UN sanctions less the leakage through Chinese "
        "and Russian trade. Claims: C3 (failed engagement brings China and Russia along), "
        "C4 (refusal gives them an excuse), K1 (talks dampen their will to coerce)."
    ),
    "nuclear": (
        "Progress of the nuclear programme (1 = breakout capability) and the division "
        "inside the regime; shaded: months with talks running or a deal holding. "
        "Claims: C8 (division slows the programme), K2 (talks buy time)."
    ),
    "network": (
        "A connected sample of citizens on their social network (the same sample and "
        "layout for the whole run). Colour: the faction a citizen prefers; size: "
        "resentment of the government; black ring: protesting. Watch preferences and "
        "resentment spread among neighbours. Claims: C5, C7."
    ),
    "events": (
        "Everything that happened, month by month, in words: offers, answers, talks, "
        "deals, vetoes, elections, UN votes, scheduled shocks and policy switches."
    ),
    "comparison": (
        "The same scenario, parameters and seeds under two Western policies (common "
        "random numbers: the oil path, economic shocks and diplomatic draws are shared, "
        "so the difference is due to the policy alone). With several replicates the "
        "lines are means over paired seeds with a 95% band, and the table gives the mean "
        "difference A − B at the last month with its 95% confidence interval. "
        "Claim C9: refusing can only have adverse consequences; this is where it is "
        "measured, not assumed."
    ),
}


def odd_markdown() -> str:
    """The ODD description of the model (docs/ODD.md), or a short notice if absent."""
    if ODD_PATH.is_file():
        return ODD_PATH.read_text(encoding="utf-8")
    return (
        "### ODD description\n\nThe ODD (Overview, Design concepts, Details) description "
        "of the model will be in `docs/ODD.md`; it is not in this copy of the project yet."
    )


def grounding_markdown() -> str:
    """How the model does against the 2003-2009 record: the results section of
    docs/validation.md (patterns before and after calibration, the baseline, what the
    record pins down, the claims audit on the calibrated scenario)."""
    if VALIDATION_PATH.is_file():
        text = VALIDATION_PATH.read_text(encoding="utf-8")
        if _RESULTS_START in text and _RESULTS_END in text:
            section = text.split(_RESULTS_START)[1].split(_RESULTS_END)[0]
            return "### Grounded in history: January 2003 to May 2009\n" + section
    return (
        "### Grounded in history\n\nThe check of the model against the record of 2003-2009 "
        "is described in `docs/validation.md`, which is not in this copy of the project."
    )
