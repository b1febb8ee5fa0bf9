"""Sweep throughput: runs per second with 1 and 2 workers, and the runner's overhead.

    .venv/bin/python benchmarks/sweep_throughput.py [--runs 400] [--steps 120]

Default scenario (2,000 citizens, 120 months). Measures, in one process and one go
(the machines are shared and noisy, so compare ratios measured in the same run):

- direct: ``batch_runs.execution.simulate`` called in a loop (model + results(), no I/O);
- sweep, 1 worker: ``run_sweep(workers=1)`` (in-process, writes runs.csv/steps.csv);
- sweep, 2 workers: ``run_sweep(workers=2)`` (process pool).

Targets: 2 workers >= 1.7 x faster than 1; overhead of the runner over
calling the model directly < 10%. Steady-state rates (first to last finished run)
are printed beside wall-clock rates, which include starting the worker pool. Also
prints the parent's peak memory (the runner keeps no results in memory).
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

from batch_runs.design.seeds import run_seed
from batch_runs.design.spec import SweepSpec
from batch_runs.execution import SweepProgress, run_sweep, simulate
from model import load_scenario


def direct(runs: int, steps: int, seed: int) -> float:
    """Seconds to run the model ``runs`` times directly, same seeds as the sweep."""
    scenario = load_scenario(None)
    start = time.perf_counter()
    for r in range(runs):
        simulate(scenario, {}, run_seed(seed, r), steps)
    return time.perf_counter() - start


def _direct_share(args: tuple[int, int, int, int]) -> None:
    runs, steps, seed, offset = args
    scenario = load_scenario(None)
    for r in range(offset, runs, 2):
        simulate(scenario, {}, run_seed(seed, r), steps)


def direct_two_processes(runs: int, steps: int, seed: int) -> float:
    """Seconds for two already-started processes to share the direct loop: the most
    this machine can give two workers (shared cores are often far from 2x)."""
    from multiprocessing import get_context

    with get_context("forkserver").Pool(2) as pool:
        pool.map(_direct_share, [(2, 12, seed, 0), (2, 12, seed, 1)])  # start and warm up
        start = time.perf_counter()
        pool.map(_direct_share, [(runs, steps, seed, 0), (runs, steps, seed, 1)])
        return time.perf_counter() - start


def sweep(runs: int, steps: int, seed: int, workers: int) -> tuple[float, float]:
    """(wall-clock seconds, steady-state runs/s) of a sweep of ``runs`` default runs."""
    finished: list[float] = []

    def progress(p: SweepProgress) -> None:
        finished.append(time.perf_counter())

    spec = SweepSpec(replicates=runs, steps=steps, seed=seed)
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        summary = run_sweep(spec, Path(folder) / "out", workers=workers, progress=progress)
        wall = time.perf_counter() - start
    if summary.ok != runs:
        raise SystemExit(f"benchmark sweep failed: {summary.line()}")
    steady = (len(finished) - 1) / (finished[-1] - finished[0]) if len(finished) > 1 else 0
    return wall, steady


def main() -> None:
    """Run the three measurements and print the figures and the targets."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=400)
    parser.add_argument("--steps", type=int, default=120)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    simulate(load_scenario(None), {}, 0, 12)  # warm up imports and caches
    t_direct = direct(args.runs, args.steps, args.seed)
    t1, steady1 = sweep(args.runs, args.steps, args.seed, 1)
    t2, steady2 = sweep(args.runs, args.steps, args.seed, 2)
    t_ceiling = direct_two_processes(args.runs, args.steps, args.seed)
    n = args.runs
    print(f"{n} runs of the default scenario ({args.steps} months each)")
    print(f"direct model calls : {n / t_direct:7.1f} runs/s ({t_direct:.2f} s)")
    print(f"sweep, 1 worker    : {n / t1:7.1f} runs/s ({t1:.2f} s), steady {steady1:.1f} runs/s")
    print(f"sweep, 2 workers   : {n / t2:7.1f} runs/s ({t2:.2f} s), steady {steady2:.1f} runs/s")
    print(
        f"direct, 2 processes: {n / t_ceiling:7.1f} runs/s ({t_ceiling:.2f} s): this "
        f"machine's ceiling for 2 workers, {t_direct / t_ceiling:.2f}x one process"
    )
    overhead = t1 / t_direct - 1
    print(f"runner overhead over direct calls (1 worker): {overhead:+.1%}  (target < 10%)")
    print(
        f"speed-up 2 vs 1 worker: {t1 / t2:.2f}x wall-clock, {steady2 / steady1:.2f}x steady "
        "(target >= 1.7x)"
    )
    print(f"2-worker sweep vs the machine's 2-process ceiling: {t_ceiling / t2:.0%}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"parent peak memory: {peak:.0f} MB")


if __name__ == "__main__":
    main()
