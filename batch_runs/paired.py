"""Paired runs on common random numbers: two arms, the same seeds, through the engine.

The building block of ``iran-sim compare`` and the dashboard's engage-vs-refuse panel:
replicate ``j`` of arm A and of arm B run with the same seed, so that they share every
random number (oil path, economic shocks, diplomatic draws) and differ only in the
cause under study. The runs are a two-point design for the sweep runner, so a
comparison runs on processes or Dask and, given a folder, resumes after Ctrl-C.
Effects are computed by ``batch_runs.analysis.statistics.paired_differences``.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
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
    it they go to a temporary folder that is removed afterwards.
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

    with _folder(out_dir) as folder:
        run_sweep(
            spec,
            folder,
            workers=workers,
            backend=backend,
            scheduler=scheduler,
            resume=resume,
            progress=report,
        )
        frames = _frames_by_run(folder, spec.n_runs)
    return frames[:replicates], frames[replicates:]


@contextmanager
def _folder(out_dir: str | Path | None) -> Iterator[Path]:
    if out_dir is not None:
        yield Path(out_dir)
        return
    with tempfile.TemporaryDirectory(prefix="iran-sim-paired-") as tmp:
        yield Path(tmp) / "runs"


def _frames_by_run(folder: Path, n_runs: int) -> list[pd.DataFrame]:
    """Each run's monthly results, in run order (arm A's replicates, then arm B's)."""
    runs = read_runs(folder, columns=["run_id", "status", "error"])
    failed = runs[runs["status"] != "ok"]
    if not failed.empty:
        raise SweepError(f"{len(failed)} runs failed (first: {failed['error'].iloc[0]})")
    if len(runs) != n_runs:
        raise SweepError(f"{folder}: {n_runs - len(runs)} runs are missing; resume them")
    steps = pd.concat(iter_steps(folder), ignore_index=True)
    by_run = {
        run_id: frame.drop(columns="run_id").sort_values("step").reset_index(drop=True)
        for run_id, frame in steps.groupby("run_id", sort=True)
    }
    return [by_run[r] for r in range(n_runs)]
