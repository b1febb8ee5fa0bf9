"""Patterns of the 2003-2009 record that the model should reproduce, and their scorers.

Each :class:`Pattern` names what happened (with its source in the calibration record),
the criterion a run must meet to reproduce it, and a scorer that reads one run's
results (``IranModel.results()``, the ``history_2003`` scenario or any scenario that
covers the same months) and returns a *miss* in [0, 1]: 0 exactly when the criterion
is met, and otherwise how far the run falls short (1 = entirely). The criteria were
fixed before any calibration (docs/validation.md) and may not be changed to fit it.

The calibration (``batch_runs.calibration``) minimises the mean miss over patterns and
seeds; ``iran-sim patterns`` reports the share of seeds that reproduce each pattern.
Serves claim C9 (the overall result, measured not assumed): whether the model as a
whole behaves like the Iran it describes (ODD 1.3).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import pandas as pd

from model.events import month_to_date
from model.parameters import ParameterError
from model.scenarios import Scenario

# A faction leans hardline below this stance (the midpoint of the compromise scale).
HARDLINE_STANCE = 0.5
# A year-on-year fall of mean economic health smaller than this is noise, not a decline.
HEALTH_TOLERANCE = 0.01

Scorer = Callable[[pd.DataFrame, Scenario], float]


class PatternError(ParameterError):
    """A results frame a pattern cannot be scored on (missing months or columns)."""


@dataclass(frozen=True)
class Pattern:
    """One pattern of the record: what happened, the criterion, its scorer, the months
    it reads, and the parameters of the rules it tests most directly (``informs``): a
    calibration fits those even when a screening cannot see them, because a pattern the
    prior almost never produces hides their effect."""

    id: str
    title: str
    record: str
    criterion: str
    scorer: Scorer
    months: tuple[str, ...]
    informs: tuple[str, ...] = ()

    def miss(self, results: pd.DataFrame, scenario: Scenario) -> float:
        """How far one run misses the criterion: 0 when met, up to 1."""
        dates = set(results["date"])
        missing = [m for m in self.months if m not in dates]
        if missing:
            raise PatternError(
                f"pattern {self.id}: the run does not cover {missing[0]} (it needs "
                f"{self.months[0]} to {self.months[-1]}; run the history_2003 scenario)"
            )
        value = float(self.scorer(results, scenario))
        return min(1.0, max(0.0, value))

    def reproduced(self, results: pd.DataFrame, scenario: Scenario) -> bool:
        """Whether one run meets the criterion."""
        return self.miss(results, scenario) == 0.0


# --- helpers on a results frame ----------------------------------------------------------


def _at(results: pd.DataFrame, column: str, date: str):
    return results.loc[results["date"] == date, column].iloc[0]


def _between(results: pd.DataFrame, column: str, start: str, stop: str) -> pd.Series:
    """Values of ``column`` from ``start`` to ``stop`` inclusive (YYYY-MM compare as text)."""
    rows = (results["date"] >= start) & (results["date"] <= stop)
    return results.loc[rows, column]


def _gain(results: pd.DataFrame, column: str, start: str, stop: str) -> float:
    """How much a counter rose after ``start`` up to and including ``stop``."""
    return float(_at(results, column, stop) - _at(results, column, start))


def _stance(scenario: Scenario) -> dict[str, float]:
    return {f.name: f.stance for f in scenario.factions}


def _hardline(name: str, scenario: Scenario) -> bool:
    return _stance(scenario)[name] < HARDLINE_STANCE


def _shortfall(have: float, need: float) -> float:
    """Share of ``need`` not reached."""
    return max(0.0, need - have) / need


def _months(start: str, stop: str) -> tuple[str, ...]:
    first = int(start[:4]) * 12 + int(start[5:]) - 1
    last = int(stop[:4]) * 12 + int(stop[5:]) - 1
    return tuple(f"{i // 12:04d}-{i % 12 + 1:02d}" for i in range(first, last + 1))


# --- the scorers -------------------------------------------------------------------------


def _deal_under_reformist(results: pd.DataFrame, scenario: Scenario) -> float:
    window = results[(results["date"] > "2003-08") & (results["date"] <= "2005-05")]
    new_deal = (
        window["deals_total"]
        .diff()
        .fillna(window["deals_total"].iloc[0] - _at(results, "deals_total", "2003-08"))
    )
    by_reformer = window.loc[new_deal > 0, "president_faction"]
    return 0.0 if any(not _hardline(p, scenario) for p in by_reformer) else 1.0


def _suspension_ends_under_hardliner(results: pd.DataFrame, scenario: Scenario) -> float:
    if not _at(results, "deal_active", "2005-06"):
        return 1.0
    after = results[(results["date"] > "2005-06") & (results["date"] <= "2006-01")]
    ended = after.loc[after["deal_active"] == 0]
    if ended.empty:
        return 0.5
    return 0.0 if _hardline(ended["president_faction"].iloc[0], scenario) else 0.5


def _runoff_2005(results: pd.DataFrame, scenario: Scenario) -> float:
    return 0.0 if _gain(results, "runoffs_total", "2005-05", "2005-06") > 0 else 1.0


def _hardliner_wins_2005(results: pd.DataFrame, scenario: Scenario) -> float:
    return 0.0 if _hardline(_at(results, "president_faction", "2005-06"), scenario) else 1.0


def _no_deal_under_hardliner(results: pd.DataFrame, scenario: Scenario) -> float:
    return min(1.0, _gain(results, "deals_total", "2005-07", "2009-05"))


def _talks_continue(results: pd.DataFrame, scenario: Scenario) -> float:
    return _shortfall(_gain(results, "talks_total", "2006-05", "2008-07"), 2)


def _china_russia_vote_yes(results: pd.DataFrame, scenario: Scenario) -> float:
    return _shortfall(_gain(results, "un_resolutions_total", "2006-06", "2008-09"), 4)


def _no_resolution_before_2006(results: pd.DataFrame, scenario: Scenario) -> float:
    return 0.0 if _at(results, "un_resolutions_total", "2006-06") == 0 else 1.0


def _china_russia_harden(results: pd.DataFrame, scenario: Scenario) -> float:
    columns = [c for c in ("sanctions_support_china", "sanctions_support_russia") if c in results]
    if len(columns) < 2:
        raise PatternError("pattern P09: the run has no China or no Russia")
    rose = [_at(results, c, "2006-02") > _at(results, c, "2005-07") for c in columns]
    return 1.0 - sum(rose) / len(rose)


def _growth_2003_2007(results: pd.DataFrame, scenario: Scenario) -> float:
    means = [
        _between(results, "economic_health", f"{y}-01", f"{y}-12").mean() for y in range(2003, 2008)
    ]
    falls = sum(later < earlier - HEALTH_TOLERANCE for earlier, later in pairwise(means))
    overall = means[-1] > means[0]
    return (falls + (not overall)) / 5


def _slowdown_2008(results: pd.DataFrame, scenario: Scenario) -> float:
    before = _between(results, "economic_health", "2008-01", "2008-06").mean()
    after = _between(results, "economic_health", "2008-10", "2009-03").mean()
    return 0.0 if after < before else 1.0


def _resolve_2006(results: pd.DataFrame, scenario: Scenario) -> float:
    return _shortfall(_at(results, "resolve", "2006-07"), 0.5)


def _compromise_2007(results: pd.DataFrame, scenario: Scenario) -> float:
    share = _at(results, "compromise_preference", "2007-06")
    return max(0.0, 0.5 - share, share - 0.9) / 0.5


def _enrichment_after_suspension(results: pd.DataFrame, scenario: Scenario) -> float:
    during = _gain(results, "nuclear_progress", "2004-01", "2005-06") / 17
    after = _gain(results, "nuclear_progress", "2006-01", "2008-12") / 35
    if during <= 0:
        return 0.0 if after > 0 else 1.0
    return _shortfall(after / during, 3.0)


# --- the patterns ------------------------------------------------------------------------

_SOURCE = "events_2003_2009.csv"

PATTERNS: tuple[Pattern, ...] = (
    Pattern(
        "P01",
        "A deal under the reformist president",
        "Tehran Agreed Statement (21 Oct 2003) and Paris Agreement (15 Nov 2004): Iran "
        f"agrees to suspend enrichment while Khatami is president ({_SOURCE}).",
        "At least one deal is ratified between September 2003 and May 2005 (before the "
        "election) in a month when a pro-compromise faction (stance >= 0.5) holds the "
        "presidency.",
        _deal_under_reformist,
        _months("2003-08", "2005-05"),
        ("talks_deal_rate", "ratify_bias"),
    ),
    Pattern(
        "P02",
        "The suspension ends after a hardliner takes office",
        "Ahmadinejad takes office on 3 Aug 2005; Iran resumes conversion at Isfahan on 8 "
        f"Aug 2005 and removes the Natanz seals on 10 Jan 2006 ({_SOURCE}).",
        "A deal holds in June 2005, and it ends between July 2005 and January 2006 under "
        "a hardline president (stance < 0.5). Miss 0.5 when a deal holds in June 2005 "
        "but ends otherwise, 1 when none holds.",
        _suspension_ends_under_hardliner,
        _months("2005-06", "2006-01"),
        ("deal_collapse_rate", "deal_president_weight"),
    ),
    Pattern(
        "P03",
        "The 2005 election goes to a run-off",
        f"17 Jun 2005: no candidate wins a majority; run-off on 24 Jun ({_SOURCE}).",
        "The presidential election of June 2005 goes to a second round.",
        _runoff_2005,
        ("2005-05", "2005-06"),
        ("relief_vote_weight",),
    ),
    Pattern(
        "P04",
        "A hardliner wins the 2005 election",
        f"24 Jun 2005: Ahmadinejad beats Rafsanjani with 61.7% ({_SOURCE}).",
        "After the June 2005 election the presidency is held by a hardline faction (stance < 0.5).",
        _hardliner_wins_2005,
        ("2005-06",),
        ("relief_vote_weight", "vetting_tolerance"),
    ),
    Pattern(
        "P05",
        "No deal under the hardline president",
        "Every round from August 2005 to July 2008 ends without agreement; the suspension "
        f"is not restored ({_SOURCE}).",
        "No deal is ratified from July 2005 to May 2009.",
        _no_deal_under_hardliner,
        ("2005-07", "2009-05"),
        ("talks_deal_rate", "ratify_bias"),
    ),
    Pattern(
        "P06",
        "Iran keeps talking without agreeing",
        "Solana presents the P5+1 package in Tehran (Jun 2006); Solana-Larijani and "
        f"Solana-Jalili rounds (2007); Geneva with the US (Jul 2008) ({_SOURCE}).",
        "At least two rounds of talks open between June 2006 and July 2008 (miss: the "
        "share of the two not opened).",
        _talks_continue,
        ("2006-05", "2008-07"),
        ("talks_acceptance_base",),
    ),
    Pattern(
        "P07",
        "China and Russia vote for the 2006-2008 resolutions",
        "Resolutions 1696, 1737, 1747, 1803 and 1835, July 2006 to September 2008, each "
        f"with China's and Russia's votes ({_SOURCE}).",
        "At least 4 of the 5 Security Council votes of July 2006 to September 2008 are "
        "adopted (miss: the share of the 4 not adopted).",
        _china_russia_vote_yes,
        ("2006-06", "2008-09"),
        ("un_veto_threshold", "un_dilution_room"),
    ),
    Pattern(
        "P08",
        "No Security Council resolution before mid-2006",
        "The Council's first act is a presidential statement (29 Mar 2006), its first "
        f"resolution 1696 (31 Jul 2006) ({_SOURCE}).",
        "No Security Council resolution on Iran is adopted up to June 2006.",
        _no_resolution_before_2006,
        ("2006-06",),
        ("un_push_threshold",),
    ),
    Pattern(
        "P09",
        "China and Russia harden after the suspension ends",
        "Both abstain on the IAEA Board's finding of non-compliance (24 Sep 2005) and "
        f"vote to report Iran to the Security Council (4 Feb 2006) ({_SOURCE}).",
        "China's and Russia's sanctions support is higher in February 2006 than in July "
        "2005 (miss: the share of the two whose support did not rise).",
        _china_russia_harden,
        ("2005-07", "2006-02"),
        ("credibility_weight",),
    ),
    Pattern(
        "P10",
        "The economy grows from 2003 to 2007",
        "Real GDP growth 8.7, 4.4, 3.2, 5.0 and 8.2% in 2003-2007 (World Bank; "
        "indicators_2003_2008.csv).",
        f"The annual mean of economic health never falls by more than {HEALTH_TOLERANCE} "
        "from one year to the next in 2003-2007, and it is higher in 2007 than in 2003 "
        "(miss: the share of these five conditions failed).",
        _growth_2003_2007,
        _months("2003-01", "2007-12"),
        ("oil_economic_sensitivity", "economic_noise"),
    ),
    Pattern(
        "P11",
        "The economy slows when oil collapses in 2008",
        "Real GDP growth falls from 8.2% (2007) to 0.3% (2008) as Brent falls from 133 "
        "dollars (July 2008) to 40 (December) (World Bank; indicators_2003_2008.csv).",
        "Mean economic health from October 2008 to March 2009 is below its mean from "
        "January to June 2008.",
        _slowdown_2008,
        _months("2008-01", "2009-03"),
        ("oil_economic_sensitivity",),
    ),
    Pattern(
        "P12",
        "Iranians would endure hardship for the programme (2006)",
        "Zogby, July 2006: more than half say economic hardship should not deter the "
        "nuclear programme (polls_2006_2007.csv).",
        "Citizens' mean resolve to endure hardship is at least 0.5 in July 2006 (miss: "
        "the shortfall as a share of 0.5).",
        _resolve_2006,
        ("2006-07",),
        ("narrative_baseline", "resolve_blame_weight"),
    ),
    Pattern(
        "P13",
        "Most Iranians favour compromise (2007)",
        "Terror Free Tomorrow, June 2007: nearly 70% favour normal relations with the US, "
        "80% inspections and no weapons in return for aid and trade (polls_2006_2007.csv).",
        "Between 50% and 90% of citizens prefer a faction that leans to compromise "
        "(stance >= 0.5) in June 2007 (miss: the distance outside that range over 0.5).",
        _compromise_2007,
        ("2007-06",),
        ("ideology_mean",),
    ),
    Pattern(
        "P14",
        "Enrichment takes off once the suspension ends",
        "No enrichment during the suspension; 164 centrifuges enriching in April 2006, "
        "1,312 in 2007, about 4,000 in 2008 (events_2003_2009.csv, "
        "indicators_2003_2008.csv).",
        "Nuclear progress per month from January 2006 to December 2008 is at least three "
        "times its rate from January 2004 to June 2005 (miss: the shortfall of the ratio "
        "as a share of 3).",
        _enrichment_after_suspension,
        ("2004-01", "2005-06", "2006-01", "2008-12"),
        ("deal_nuclear_constraint", "nuclear_base_rate"),
    ),
)

PATTERN_IDS = tuple(p.id for p in PATTERNS)


def get_patterns(ids: Sequence[str] | None = None) -> list[Pattern]:
    """The patterns with these ids (all when ``ids`` is None), in their order."""
    if ids is None:
        return list(PATTERNS)
    known = {p.id: p for p in PATTERNS}
    unknown = [i for i in ids if i not in known]
    if unknown:
        raise PatternError(f"unknown pattern '{unknown[0]}'; known: {', '.join(PATTERN_IDS)}")
    return [known[i] for i in ids]


def score_run(
    results: pd.DataFrame, scenario: Scenario, patterns: Sequence[Pattern] | None = None
) -> np.ndarray:
    """The miss of every pattern for one run, in pattern order."""
    return np.array([p.miss(results, scenario) for p in (patterns or PATTERNS)])


def check_covers(start_date: str, months: int, ids: Sequence[str]) -> None:
    """Refuse (PatternError) a run that would not cover every month the patterns read."""
    needed = sorted(m for p in get_patterns(ids) for m in p.months)
    first, last = start_date, month_to_date(start_date, months)
    if needed[0] < first or needed[-1] > last:
        raise PatternError(
            f"the patterns read {needed[0]} to {needed[-1]}, but the runs cover {first} to "
            f"{last}; use the history_2003 scenario (or one based on it)"
        )
