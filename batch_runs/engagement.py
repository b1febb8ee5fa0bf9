"""The engagement advantage from sweeps run by the sweep runner (C9, ODD §10).

Sensitivity analysis and frontier maps both run, through ``batch_runs.execution``, design
points in pairs that differ only in ``western_policy`` (engage vs refuse) on common
random numbers (replicate ``j`` of every point shares its seed). This module reads a
sweep's files back, reduces each run to one number (an outcome statistic, see
``batch_runs/analysis/outcomes.py``) and pairs the two arms:

``advantage = better * (engage - refuse)``

is positive when engagement does better than refusal for the West in the op-ed's terms
(for nuclear progress, ``better = -1``: less progress under engagement is an advantage).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from batch_runs.analysis.outcomes import Outcome, Statistic
from batch_runs.analysis.statistics import t_half_width
from batch_runs.execution import iter_steps, read_runs
from model.scenarios import Scenario

ENGAGE, REFUSE = "engage", "refuse"


def run_statistics(
    out_dir: str | Path, outcome: Outcome, statistic: Statistic, scenario: Scenario
) -> pd.Series:
    """One value per successful run of the sweep in ``out_dir`` (index ``run_id``).

    ``final`` at the run's last month reads ``runs.csv`` (its ``final_<column>``);
    otherwise the monthly rows of ``steps.csv`` are read in bounded chunks and reduced
    per run (a mean covers the months the sweep recorded within the window).
    """
    columns = outcome.needs(scenario)
    runs = read_runs(out_dir)
    ok = runs[runs["status"] == "ok"]
    if statistic.kind == "final" and statistic.horizon is None:
        finals = ok[["run_id", *(f"final_{c}" for c in columns)]]
        finals = finals.rename(columns={f"final_{c}": c for c in columns})
        values = outcome.values(finals, scenario)
        return pd.Series(values, index=ok["run_id"].to_numpy(), name=outcome.name)
    sums: dict[int, float] = {}
    counts: dict[int, int] = {}
    finals_at: dict[int, tuple[int, float]] = {}
    for chunk in iter_steps(out_dir, columns=["run_id", "step", *columns]):
        value = outcome.values(chunk, scenario)
        step = chunk["step"].to_numpy()
        run = chunk["run_id"].to_numpy()
        if statistic.kind == "mean":
            inside = (step >= statistic.start) & np.isfinite(value)
            if statistic.horizon is not None:
                inside &= step <= statistic.horizon
            frame = pd.DataFrame({"run": run[inside], "v": value[inside]})
            grouped = frame.groupby("run")["v"].agg(["sum", "count"])
            for rid, row in grouped.iterrows():
                sums[rid] = sums.get(rid, 0.0) + float(row["sum"])
                counts[rid] = counts.get(rid, 0) + int(row["count"])
        else:
            inside = step <= statistic.horizon
            frame = pd.DataFrame({"run": run[inside], "step": step[inside], "v": value[inside]})
            last = frame.sort_values("step").groupby("run").tail(1)
            for rid, s, v in last.itertuples(index=False):
                if rid not in finals_at or s > finals_at[rid][0]:
                    finals_at[rid] = (int(s), float(v))
    wanted = ok["run_id"].to_numpy()
    if statistic.kind == "mean":
        values = [sums[r] / counts[r] if counts.get(r) else math.nan for r in wanted]
    else:
        values = [finals_at[r][1] if r in finals_at else math.nan for r in wanted]
    return pd.Series(values, index=wanted, name=outcome.name, dtype=float)


def paired_table(
    out_dir: str | Path,
    outcome: Outcome,
    statistic: Statistic,
    scenario: Scenario,
    keys: list[str],
    extra: Mapping[str, Mapping[int, Any]] | None = None,
) -> pd.DataFrame:
    """Engage and refuse values side by side: one row per (design ``keys``, replicate).

    ``keys`` are the columns of ``runs.csv`` that identify a design point apart from
    the policy: parameter names, or columns given in ``extra`` (name -> {run_id: value},
    e.g. the sample a run belongs to). Columns: keys,
    ``replicate``, ``engage``, ``refuse``, ``diff`` (engage - refuse) and ``advantage``.
    """
    runs = read_runs(out_dir)
    runs = runs[runs["status"] == "ok"].copy()
    values = run_statistics(out_dir, outcome, statistic, scenario)
    runs["value"] = values.reindex(runs["run_id"]).to_numpy()
    for name, mapping in (extra or {}).items():
        runs[name] = runs["run_id"].map(mapping)
    index = [*keys, "replicate"]
    wide = runs.pivot_table(index=index, columns="western_policy", values="value", aggfunc="first")
    wide = wide.reindex(columns=[ENGAGE, REFUSE]).dropna().reset_index()
    wide.columns.name = None
    wide["diff"] = wide[ENGAGE] - wide[REFUSE]
    wide["advantage"] = outcome.better * wide["diff"]
    return wide


def summarise_pairs(pairs: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Per design point: mean diff and advantage with a Student-t 95% interval, the
    share of paired seeds on which engagement does better (advantage > 0) and on which
    refusal does (< 0; the rest are ties), and which does better on average (``better``:
    engage, refuse or tie, e.g. when both arms saturate at the same value)."""
    rows: list[dict[str, Any]] = []
    for key, group in pairs.groupby(keys, sort=True):
        key = key if isinstance(key, tuple) else (key,)
        adv = group["advantage"].to_numpy(dtype=float)
        n = adv.size
        mean = float(adv.mean())
        if n >= 2 and adv.std(ddof=1) > 0:
            half = float(t_half_width(float(adv.std(ddof=1)), n))
        elif n >= 2:
            half = 0.0
        else:
            half = math.nan
        rows.append(
            {
                **dict(zip(keys, key, strict=True)),
                "mean_engage": float(group[ENGAGE].mean()),
                "mean_refuse": float(group[REFUSE].mean()),
                "mean_diff": float(group["diff"].mean()),
                "advantage": mean,
                "ci_low": mean - half,
                "ci_high": mean + half,
                "share_engage_wins": float((adv > 0).mean()),
                "share_refusal_wins": float((adv < 0).mean()),
                "n": n,
                "better": "engage" if mean > 0 else ("refuse" if mean < 0 else "tie"),
                "refusal_better": mean < 0,
                "refusal_better_significant": mean + half < 0,
            }
        )
    return pd.DataFrame(rows)
