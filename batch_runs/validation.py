"""How often a scenario reproduces the patterns of the record, over many seeds.

``score_patterns`` runs a scenario (or the coin-flip baseline) for ``seeds`` seeds
through the sweep runner, with each run's pattern misses computed in its worker
(``batch_runs.baselines.PatternSummary``), and summarises: per pattern, the share of
seeds that reproduce it and the mean miss; per seed, how many patterns it reproduces.
``iran-sim patterns`` and the calibration report use it (docs/validation.md). Serves
claim C9: whether the model as a whole reproduces the history its argument rests on.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from batch_runs.baselines import SIMULATORS, PatternSummary
from batch_runs.design.spec import SpecError, SweepSpec
from batch_runs.execution import read_manifest, read_runs, run_sweep
from batch_runs.patterns import PATTERN_IDS, PatternError, check_covers, get_patterns
from model.scenarios import load_scenario

# A seed reproduces "a clear majority" of the patterns when it reproduces at least this
# share of them (two in three).
CLEAR_MAJORITY = 2 / 3


@dataclass(frozen=True)
class PatternScores:
    """Per-run misses (``runs``: one row per seed, ``miss_<id>`` columns) and what they
    add up to (``table``: one row per pattern)."""

    runs: pd.DataFrame
    ids: tuple[str, ...]
    label: str

    @property
    def reproduced(self) -> pd.DataFrame:
        """True where a seed reproduces a pattern (one column per pattern id)."""
        return pd.DataFrame(
            {i: self.runs[f"miss_{i}"] == 0.0 for i in self.ids}, index=self.runs.index
        )

    @property
    def count(self) -> pd.Series:
        """How many patterns each seed reproduces."""
        return self.reproduced.sum(axis=1)

    @property
    def table(self) -> pd.DataFrame:
        """Per pattern: the share of seeds reproducing it and the mean miss."""
        patterns = get_patterns(self.ids)
        return pd.DataFrame(
            {
                "pattern": list(self.ids),
                "title": [p.title for p in patterns],
                "reproduced_share": [float(self.reproduced[i].mean()) for i in self.ids],
                "mean_miss": [float(self.runs[f"miss_{i}"].mean()) for i in self.ids],
            }
        )

    def overall(self) -> dict[str, float]:
        """Headline figures: mean share of patterns reproduced, share of seeds with a
        clear majority, mean miss (the calibration's distance)."""
        n = len(self.ids)
        need = math.ceil(CLEAR_MAJORITY * n)
        return {
            "seeds": int(len(self.runs)),
            "patterns": n,
            "mean_reproduced": float(self.count.mean()),
            "share_reproduced": float(self.count.mean() / n),
            "clear_majority_needs": need,
            "seeds_with_clear_majority": float((self.count >= need).mean()),
            "mean_miss": float(np.mean([self.runs[f"miss_{i}"].mean() for i in self.ids])),
        }


def score_patterns(
    out_dir: str | Path,
    *,
    scenario: str | None = "history_2003",
    overrides: Mapping[str, Any] | None = None,
    model: str = "model",
    seeds: int = 100,
    seed: int = 2003,
    ids: Sequence[str] | None = None,
    **execution: Any,
) -> PatternScores:
    """Run ``seeds`` seeds of ``scenario`` (``model``: ``model`` or ``coin_flip``) and
    score the patterns; the runs go to ``out_dir`` as a sweep (resumable).

    ``execution`` holds the options of :func:`batch_runs.execution.run_sweep`
    (``workers``, ``backend``, ``scheduler``, ``resume``, ``progress``, ``command``).
    """
    if model not in SIMULATORS:
        raise SpecError(f"model: {model!r} is not one of {', '.join(SIMULATORS)}")
    summary = PatternSummary(tuple(ids) if ids is not None else PATTERN_IDS)
    loaded = load_scenario(scenario).with_overrides(**dict(overrides or {}))
    months = loaded.months
    check_covers(loaded.parameters.start_date, months, summary.ids)
    spec = SweepSpec(
        scenario=scenario,
        parameters=dict(overrides or {}),
        replicates=seeds,
        steps=months,
        seed=seed,
        every=months,
        title=f"patterns of {scenario} ({model})",
    )
    run_sweep(
        spec,
        out_dir,
        simulate=SIMULATORS[model],
        summary=summary,
        **execution,
    )
    return read_scores(out_dir, summary.ids, label=f"{scenario} ({model})")


def read_scores(out_dir: str | Path, ids: Sequence[str], label: str = "") -> PatternScores:
    """The pattern scores kept in a sweep folder (failed runs are left out)."""
    runs = read_runs(out_dir)
    runs = runs[runs["status"] == "ok"].reset_index(drop=True)
    return PatternScores(runs=runs, ids=tuple(ids), label=label)


def read_folder(out_dir: str | Path, ids: Sequence[str] | None = None) -> PatternScores:
    """The scores of a folder written by :func:`score_patterns`, labelled as it was
    (scenario and model, from its manifest)."""
    manifest = read_manifest(out_dir)
    runs = read_runs(out_dir)
    found = tuple(c.removeprefix("miss_") for c in runs if c.startswith("miss_"))
    if not found:
        raise PatternError(f"{out_dir}: its runs carry no pattern scores")
    wanted = tuple(ids) if ids is not None else found
    missing = [i for i in wanted if i not in found]
    if missing:
        raise PatternError(f"{out_dir}: pattern {missing[0]} was not scored there")
    title = manifest.get("spec", {}).get("title") or str(out_dir)
    label = title.removeprefix("patterns of ")
    return read_scores(out_dir, wanted, label=label)


def comparison_table(scores: Sequence[PatternScores]) -> pd.DataFrame:
    """Long table: one row per set-up and pattern (share reproduced, mean miss)."""
    frames = [s.table.assign(setup=s.label) for s in scores]
    table = pd.concat(frames, ignore_index=True)
    return table[["setup", "pattern", "title", "reproduced_share", "mean_miss"]]


def comparison_markdown(scores: Sequence[PatternScores]) -> str:
    """One table: each pattern's share of seeds reproducing it, per set-up."""
    if not scores:
        return ""
    ids = scores[0].ids
    titles = {p.id: p.title for p in get_patterns(ids)}
    header = "| id | pattern | " + " | ".join(s.label for s in scores) + " |"
    lines = [header, "|---|---|" + "---|" * len(scores)]
    tables = [s.table.set_index("pattern") for s in scores]
    for i in ids:
        shares = " | ".join(f"{t.loc[i, 'reproduced_share']:.0%}" for t in tables)
        lines.append(f"| {i} | {titles[i]} | {shares} |")
    overall = [s.overall() for s in scores]
    lines.append(
        "| | **mean share of patterns reproduced** | "
        + " | ".join(f"**{o['share_reproduced']:.0%}**" for o in overall)
        + " |"
    )
    need = overall[0]["clear_majority_needs"]
    lines.append(
        f"| | seeds reproducing at least {need} of {len(ids)} | "
        + " | ".join(f"{o['seeds_with_clear_majority']:.0%}" for o in overall)
        + " |"
    )
    lines.append(
        "| | mean miss (the calibration's distance) | "
        + " | ".join(f"{o['mean_miss']:.3f}" for o in overall)
        + " |"
    )
    return "\n".join(lines) + "\n"
