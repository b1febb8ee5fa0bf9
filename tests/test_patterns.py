"""The pattern scorers on hand-made result frames: a history that meets every criterion,
and one change at a time that breaks exactly one pattern."""

import numpy as np
import pandas as pd
import pytest

from batch_runs.baselines import CoinFlipIranModel, PatternSummary
from batch_runs.patterns import PATTERN_IDS, PATTERNS, PatternError, get_patterns, score_run
from model import IranModel, load_scenario

SCENARIO = load_scenario("history_2003")
DATES = [f"{y}-{m:02d}" for y in range(2003, 2010) for m in range(1, 13)][:77]


def ideal_history() -> pd.DataFrame:
    """A run that meets every criterion, month by month from 2003-01 to 2009-05."""
    d = pd.Series(DATES)
    frame = pd.DataFrame({"date": DATES, "step": range(77)})
    frame["president_faction"] = np.where(d < "2005-06", "reformists", "principlists")
    frame["deals_total"] = (d >= "2003-11").astype(int)
    frame["deal_active"] = ((d >= "2003-11") & (d <= "2005-07")).astype(int)
    frame["runoffs_total"] = (d >= "2005-06").astype(int)
    frame["talks_total"] = (d >= "2003-09").astype(int) + (d >= "2006-06") + (d >= "2007-04")
    votes = ["2006-07", "2006-12", "2007-03", "2008-03", "2008-09"]
    frame["un_resolutions_total"] = sum((d >= v).astype(int) for v in votes)
    hardened = np.where(d >= "2005-08", 0.4, 0.2)
    frame["sanctions_support_china"] = hardened
    frame["sanctions_support_russia"] = hardened
    rise = np.linspace(0.4, 0.6, 66)
    fall = np.linspace(0.6, 0.45, 12)[1:]
    frame["economic_health"] = np.concatenate([rise, fall])
    frame["resolve"] = 0.6
    frame["compromise_preference"] = 0.7
    rate = np.where(frame["deal_active"] == 1, 0.0005, 0.005)
    frame["nuclear_progress"] = 0.1 + np.concatenate([[0.0], np.cumsum(rate[1:])])
    return frame


def misses(frame):
    return dict(zip(PATTERN_IDS, score_run(frame, SCENARIO), strict=True))


def only_missed(frame):
    return {i for i, m in misses(frame).items() if m > 0}


def test_there_are_at_least_ten_patterns_each_with_record_and_criterion():
    assert len(PATTERNS) >= 10 and len(set(PATTERN_IDS)) == len(PATTERNS)
    for p in PATTERNS:
        assert p.record and p.criterion and p.title


def test_the_ideal_history_reproduces_every_pattern():
    assert misses(ideal_history()) == dict.fromkeys(PATTERN_IDS, 0.0)


def set_from(frame, column, start, value, stop="9999-99"):
    rows = (frame["date"] >= start) & (frame["date"] <= stop)
    frame.loc[rows, column] = value
    return frame


def _no_early_deal(f):
    set_from(f, "deals_total", "2003-01", 0, stop="2005-05")
    set_from(f, "deal_active", "2003-01", 0, stop="2005-05")
    return f


BREAKERS = {
    "P01": _no_early_deal,
    "P02": lambda f: set_from(f, "deal_active", "2003-11", 1, stop="2006-06"),
    "P03": lambda f: set_from(f, "runoffs_total", "2005-06", 0),
    "P04": lambda f: set_from(f, "president_faction", "2005-06", "pragmatists", stop="2005-06"),
    "P05": lambda f: set_from(f, "deals_total", "2007-06", 2),
    "P06": lambda f: set_from(f, "talks_total", "2006-06", 1),
    "P07": lambda f: set_from(f, "un_resolutions_total", "2006-12", 1),
    "P08": lambda f: set_from(f, "un_resolutions_total", "2006-02", 1, stop="2006-06"),
    "P09": lambda f: set_from(f, "sanctions_support_russia", "2005-08", 0.1, stop="2006-06"),
    "P10": lambda f: set_from(f, "economic_health", "2005-01", 0.3, stop="2005-12"),
    "P11": lambda f: set_from(f, "economic_health", "2008-07", 0.7),
    "P12": lambda f: set_from(f, "resolve", "2006-07", 0.3),
    "P13": lambda f: set_from(f, "compromise_preference", "2007-06", 0.95),
    "P14": lambda f: f.assign(nuclear_progress=0.1 + 0.002 * f["step"]),
}


@pytest.mark.parametrize("pattern", PATTERN_IDS)
def test_one_change_breaks_exactly_its_pattern(pattern):
    broken = BREAKERS[pattern](ideal_history())
    assert only_missed(broken) == {pattern}


def test_misses_are_graded_where_the_criterion_counts():
    frame = ideal_history()
    set_from(frame, "un_resolutions_total", "2008-03", 3)  # 3 of the 5 votes pass
    assert misses(frame)["P07"] == pytest.approx(0.25)
    frame = set_from(ideal_history(), "talks_total", "2007-04", 2)  # one round, not two
    assert misses(frame)["P06"] == pytest.approx(0.5)
    frame = set_from(ideal_history(), "resolve", "2006-07", 0.25)
    assert misses(frame)["P12"] == pytest.approx(0.5)


def test_a_suspension_that_ends_under_a_reformist_half_misses():
    frame = ideal_history()
    set_from(frame, "president_faction", "2005-06", "reformists", stop="2005-12")
    assert misses(frame)["P02"] == 0.5
    assert misses(frame)["P04"] == 1.0


def test_a_deal_reached_under_a_hardliner_does_not_count_for_p01():
    frame = _no_early_deal(ideal_history())
    set_from(frame, "president_faction", "2004-01", "hardliners", stop="2005-05")
    set_from(frame, "deals_total", "2004-06", 1, stop="2005-05")
    assert misses(frame)["P01"] == 1.0
    set_from(frame, "president_faction", "2004-01", "reformists", stop="2005-05")
    assert misses(frame)["P01"] == 0.0


def test_a_run_that_does_not_cover_the_window_is_refused():
    model = IranModel("baseline_2011", rng=1, n_citizens=200)
    model.run(12)
    with pytest.raises(PatternError, match="history_2003"):
        score_run(model.results(), load_scenario("baseline_2011"))


def test_unknown_pattern_ids_are_refused():
    with pytest.raises(PatternError, match="unknown pattern 'P99'"):
        get_patterns(["P01", "P99"])


def test_real_runs_score_within_bounds_for_the_model_and_the_coin_flip():
    summary = PatternSummary()
    for model_type in (IranModel, CoinFlipIranModel):
        model = model_type("history_2003", rng=3, n_citizens=300)
        model.run()
        values = summary(model.results(), SCENARIO)
        assert len(values) == len(summary.columns) == len(PATTERNS)
        assert all(0.0 <= v <= 1.0 for v in values)


def test_the_coin_flip_baseline_makes_irans_choices_blind_to_the_state():
    model = CoinFlipIranModel("history_2003", rng=3, n_citizens=300)
    assert model.leader.ratification_probability(0.0, 1.0) == 0.5
    assert model.diplomacy.negotiating_stance() == 0.5
    assert model.president.accepts_invitation(0.49) and not model.president.accepts_invitation(0.51)
    standing = model.president.offer_probability()
    model.president.standing = 0.0
    assert model.president.offer_probability() == standing
    votes = model.population.vote(np.array([True, False, True, True]), np.zeros(4), np.zeros(4))
    assert votes[1] == 0 and votes.min() >= 0
    shares = votes[[0, 2, 3]] / votes.sum()
    assert np.all(np.abs(shares - 1 / 3) < 0.06)


def test_the_validation_document_lists_the_patterns_as_the_code_scores_them():
    from batch_runs.reporting.patterns_report import VALIDATION_DOC, document_with_table

    text = VALIDATION_DOC.read_text(encoding="utf-8")
    stale = "stale: python -m batch_runs.reporting.patterns_report"
    assert text == document_with_table(text), stale


def test_each_pattern_names_uncertain_parameters_of_the_rules_it_tests():
    from model.parameters import SCHEMA

    for p in PATTERNS:
        assert p.informs, p.id
        for name in p.informs:
            assert name in SCHEMA and SCHEMA[name].uncertain, (p.id, name)
