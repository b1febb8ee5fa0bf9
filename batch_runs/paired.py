"""Paired runs on common random numbers: two arms, the same seeds, through the engine.

The building block of ``iran-sim compare`` and the dashboard's engage-vs-refuse panel:
replicate ``j`` of arm A and of arm B run with the same seed, so that they share every
random number (oil path, economic shocks, diplomatic draws) and differ only in the
cause under study. The runs are a two-point design for the sweep runner, so a
comparison runs on processes or Dask and, given a folder, resumes after Ctrl-C.
Effects are computed by ``batch_runs.analysis.statistics.paired_differences``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from batch_runs.design.spec import SweepSpec
from batch_runs.execution import SweepError, SweepProgress, iter_steps, read_runs, run_sweep
from model import DEFAULT_MONTHS


def paired_runs(
    a: Mapping[str, Any],
    b: Mapping[str, Any],
    *,
    scenario: Any = None,
    replicates: int = 20,
    steps: int = DEFAULT_MONTHS,
    seed: int = 0,
    workers: int = 1,
    progress: Callable[[int, int], None] | None = None,
    out_dir: str | Path | None = None,
    resume: bool = False,
    backend: str = "process",
    scheduler: Any = None,
) -> tuple[list[pd.DataFrame], list[pd.DataFrame]]:
    """Run ``replicates`` pairs (A with overrides ``a``, B with ``b``) on shared seeds.

    Returns the results of arm A and of arm B, in replicate order. ``progress(done,
    total)`` is called as runs finish. Both arms are validated before anything runs.
    ``out_dir`` keeps the runs (a sweep folder, resumable with ``resume``); without
    it they stay in memory (the dashboard's comparison).
    """
    spec = SweepSpec(
        scenario=scenario,
        points=[dict(a), dict(b)],
        replicates=replicates,
        steps=steps,
        seed=seed,
        common_random_numbers=True,
        title="paired runs: A vs B",
    )
    report = None
    if progress is not None:
        progress(0, spec.n_runs)

        def report(p: SweepProgress) -> None:
            progress(p.done, p.total)

    done = run_sweep(
        spec,
        out_dir,
        workers=workers,
        backend=backend,
        scheduler=scheduler,
        resume=resume,
        progress=report,
    )
    if out_dir is None:  # kept in memory
        runs, steps = done.runs, done.steps
    else:
        runs, steps = read_runs(out_dir), pd.concat(iter_steps(out_dir), ignore_index=True)
    frames = _frames_by_run(runs, steps, spec.n_runs)
    return frames[:replicates], frames[replicates:]


def _frames_by_run(runs: pd.DataFrame, steps: pd.DataFrame, n_runs: int) -> list[pd.DataFrame]:
    """Each run's monthly results, in run order (arm A's replicates, then arm B's)."""
    failed = runs[runs["status"] != "ok"]
    if not failed.empty:
        raise SweepError(f"{len(failed)} runs failed (first: {failed['error'].iloc[0]})")
    if len(runs) != n_runs:
        raise SweepError(f"{n_runs - len(runs)} runs are missing; resume them")
    by_run = {
        run_id: frame.drop(columns="run_id").sort_values("step").reset_index(drop=True)
        for run_id, frame in steps.groupby("run_id", sort=True)
    }
    return [by_run[r] for r in range(n_runs)]
