"""Execution: the one engine that runs the model in batch (see ``runner``).

Parts: ``worker`` (one run, in a worker), ``batches`` (a task's runs, shipped back as
one compact binary batch, and how many runs a task holds), ``lines`` (a run's
``steps.csv`` text, byte for byte ``csv.writer``'s), ``executors`` (inline,
process pool, Dask), ``journal`` (append-only results, recovered after a stop),
``manifest`` (identity and provenance of a result folder), ``readers`` (reading
results back), ``runner`` (:func:`run_sweep`, which drives them).
"""

from batch_runs.execution.common import (
    BACKENDS,
    MANIFEST_FILE,
    RUNS_FILE,
    STEPS_FILE,
    RunSummary,
    SweepError,
    SweepProgress,
    SweepSummary,
)
from batch_runs.execution.manifest import code_version, read_manifest, scenario_digest
from batch_runs.execution.readers import iter_steps, read_runs
from batch_runs.execution.runner import run_sweep
from batch_runs.execution.worker import simulate, simulate_columns

__all__ = [
    "BACKENDS",
    "MANIFEST_FILE",
    "RUNS_FILE",
    "STEPS_FILE",
    "RunSummary",
    "SweepError",
    "SweepProgress",
    "SweepSummary",
    "code_version",
    "iter_steps",
    "read_manifest",
    "read_runs",
    "run_sweep",
    "scenario_digest",
    "simulate",
    "simulate_columns",
]
