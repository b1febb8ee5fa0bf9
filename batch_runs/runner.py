"""The sweep runner: many runs of the model, in parallel, streamed to disk, resumable.

Public Python API (stable; ``iran-sim sweep``, ``iran-sim sensitivity`` and the
frontier map call it)::

    from batch_runs.spec import SweepSpec, load_spec
    from batch_runs.runner import run_sweep, read_runs, iter_steps, read_manifest

    spec = SweepSpec(
        scenario="baseline_2011",            # name or path; None = baseline_2011
        parameters={"n_citizens": 2000},     # fixed overrides for every run
        vary={"western_policy": ["engage", "refuse"],
              "leakage_rate": "0.2:0.8:4"},  # grid levels / ranges (see spec.py)
        sample="grid",                       # grid | lhs | sobol (+ samples=N)
        replicates=20, steps=120, seed=2011, every=1, format="csv",
    )
    # or an explicit design: SweepSpec(points=[{"leakage_rate": 0.3}, ...], ...)
    summary = run_sweep(spec, "out/dir", workers=2, backend="process",
                        scheduler=None, resume=False, progress=None)
    summary.ok, summary.failed, summary.total    # counts by status
    runs = read_runs("out/dir")                  # DataFrame, one row per run, by run_id
    for chunk in iter_steps("out/dir", columns=["run_id", "step", "economic_health"]):
        ...                                      # steps in bounded-memory chunks

Run ``run_id`` is ``point * replicates + replicate`` (``point`` indexes the design:
``spec.point(i)`` gives its overrides). Its seed is
``batch_runs.paired.run_seed(spec.seed, run_id)`` (or ``run_seed(spec.seed,
replicate)`` with ``common_random_numbers=True``, so that replicate j of every design
point shares its random numbers, as in ``iran-sim compare``). A run's results
therefore depend on the spec alone, never on workers, backend or completion order.

Files written in ``out_dir`` (documented in docs/sweeps.md):

- ``runs.csv``: one row per run (``run_id``, ``point``, ``replicate``, ``seed``, every
  parameter, ``status`` ok/failed, ``error``, ``duration_s``, ``final_<column>``);
- ``steps.csv``: ``run_id`` plus the columns of ``IranModel.results()``, one row per
  run per collected month (every ``spec.every`` months, and the last month);
- ``manifest.json``: command, spec, master seed, code version, package versions,
  sessions with start and end times, counts by status.

Guarantees (DESIGN.md section 6): results stream to disk as runs finish and the
parent keeps no results in memory (in-flight tasks are bounded); each run's rows are
appended whole (``steps`` first, then its ``runs`` row, which commits it), so Ctrl-C
or a killed process leaves no partial row that ``resume`` would keep; ``resume=True``
runs exactly the runs missing from ``runs.csv`` and refuses (SpecError) when the
spec or the code version differ from the manifest's; a run that raises is recorded
with ``status=failed`` and its error and the sweep goes on. With ``format="parquet"``
the CSV files are the journal while the sweep runs and are converted to
``runs.parquet`` / ``steps.parquet`` when every run is done.
"""
