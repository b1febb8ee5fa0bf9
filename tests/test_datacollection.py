"""The array DataCollector gives exactly the frame Mesa's own DataCollector gives.

``ArrayDataCollector`` (model/datacollection.py) stores each month's values in numpy
arrays and compiles the reading of a row; these tests hold it to Mesa's semantics: the
same columns, values and dtypes over whole runs of several scenarios and past their
``months`` (when its arrays grow), the same handling of every reporter form, deep
copies, and frames that later months never change (ODD §3.1, phase 8).
"""

from __future__ import annotations

import mesa
import numpy as np
import pandas as pd
import pytest

from model import IranModel
from model.datacollection import ArrayDataCollector, Attribute
from model.outputs import OUTPUTS

CITIZENS = 100


def run_with_mesa_collector(model: IranModel, months: int) -> mesa.DataCollector:
    """Run ``model`` for ``months`` months with Mesa's DataCollector, built with the same
    reporters, collecting beside the model's own at the same moments."""
    reference = mesa.DataCollector(model_reporters=model.datacollector.model_reporters)
    reference.collect(model)  # month 0, as the model's own collected at construction
    for _ in range(months):
        model.step()
        reference.collect(model)
    return reference


@pytest.mark.parametrize(
    ("scenario", "seed"),
    [("baseline_2011", 3), ("history_2003", 11), ("hardline_consolidation", 5)],
)
def test_the_frame_is_mesas_frame_over_a_run_that_goes_past_its_months(scenario, seed):
    model = IranModel(scenario, rng=seed, n_citizens=CITIZENS)
    months = model.months + 17  # past the preallocated rows: the arrays grow
    reference = run_with_mesa_collector(model, months)
    ours = model.datacollector.get_model_vars_dataframe()
    theirs = reference.get_model_vars_dataframe()
    assert len(ours) == months + 1
    pd.testing.assert_frame_equal(ours, theirs, check_exact=True)
    assert list(ours.dtypes) == list(theirs.dtypes)
    assert model.datacollector.model_vars == reference.model_vars
    assert model.datacollector._collection_steps == reference._collection_steps


def test_column_dtypes_are_those_of_the_values():
    model = IranModel(rng=2, n_citizens=CITIZENS)
    model.run(3)
    results = model.results()
    counts = {c.name for c in OUTPUTS if c.cumulative}
    whole_numbers = {"step", "talks_active", "deal_active"} | counts
    texts = {"date", "western_policy", "president_faction"}
    for name, dtype in results.dtypes.items():
        if name in whole_numbers:
            assert dtype == np.int64, name
        elif name in texts:
            assert isinstance(dtype, pd.StringDtype), name
        else:
            assert dtype == np.float64, name


def test_a_frame_already_returned_never_changes_nor_changes_the_collector():
    model = IranModel(rng=4, n_citizens=CITIZENS)
    model.run(10)
    early = model.results()
    kept = early.copy(deep=True)
    scratch = model.results()
    scratch.loc[:, "oil_price"] = -1.0  # a user's change to a frame stays in that frame
    scratch.loc[0, "date"] = "changed"
    pd.testing.assert_frame_equal(model.results(), kept, check_exact=True)
    model.run(model.months)  # the state moves on and the arrays grow
    pd.testing.assert_frame_equal(early, kept, check_exact=True)
    later = model.results()
    assert len(later) == len(kept) + model.months
    pd.testing.assert_frame_equal(later.iloc[: len(kept)], kept, check_exact=True)


class _Toy(mesa.Model):
    """A model whose reporters take every form Mesa allows, with values of every kind."""

    def __init__(self) -> None:
        super().__init__(rng=1)
        self.count = 0
        self.share = 0.25
        self.flag = False
        self.label = "a"
        self.items = [0]
        self.small = np.float32(0.5)
        self.part = mesa.Agent(self)
        self.part.level = 1.5
        self.nothing = None

    def step(self) -> None:
        self.count += 1
        self.share /= 3
        self.flag = not self.flag
        self.label += "b"
        self.items.append(self.count)  # mutated in place: Mesa keeps deep copies
        self.small = np.float32(self.small * 1.5)
        self.part.level += 0.5
        self.nothing = None if self.count % 2 else "now"

    def doubled(self) -> float:
        return 2 * self.share


def _toy_reporters(model: _Toy) -> dict:
    return {
        "count": "count",
        "share": lambda m: m.share,
        "flag": "flag",
        "label": "label",
        "items": "items",
        "small": "small",
        "level": Attribute(model, "part.level"),
        "own_level": Attribute(model.part, "level"),
        "plus": [lambda a, b: a.count + b, [model, 10]],
        "doubled": model.doubled,
        "nothing": "nothing",
    }


def test_every_reporter_form_and_value_kind_as_mesa_stores_it():
    model = _Toy()
    ours = ArrayDataCollector(_toy_reporters(model), capacity=2)
    theirs = mesa.DataCollector(model_reporters=_toy_reporters(model))
    for month in range(7):
        if month:
            model.step()
        ours.collect(model)
        theirs.collect(model)
        if month == 2:
            early = ours.get_model_vars_dataframe()
    # later months, which change the list in place, leave an earlier frame as it was
    assert early["items"].tolist() == [[0], [0, 1], [0, 1, 2]]
    pd.testing.assert_frame_equal(
        ours.get_model_vars_dataframe(), theirs.get_model_vars_dataframe(), check_exact=True
    )
    assert ours.model_vars == theirs.model_vars
    assert ours.model_vars["items"][2] == [0, 1, 2]  # a copy, not the list that grew


def test_a_reporter_that_fails_gets_mesas_message():
    model = _Toy()
    collector = ArrayDataCollector({"missing": "no_such_attribute"})
    with pytest.raises(AttributeError, match="no_such_attribute"):
        collector.collect(model)
    collector = ArrayDataCollector({"broken": lambda m: 1 / 0})
    with pytest.raises(RuntimeError, match="Lambda reporter 'broken' failed validation"):
        collector.collect(model)


def test_no_reporters_no_rows_as_in_mesa():
    model = _Toy()
    collector = ArrayDataCollector({"count": "count"})
    pd.testing.assert_frame_equal(
        collector.get_model_vars_dataframe(),
        mesa.DataCollector(model_reporters={"count": "count"}).get_model_vars_dataframe(),
    )
    with pytest.raises(UserWarning):
        ArrayDataCollector({}).get_model_vars_dataframe()
    ArrayDataCollector({}).collect(model)  # nothing to collect, nothing happens
