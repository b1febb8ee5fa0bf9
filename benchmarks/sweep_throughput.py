"""Sweep throughput: runs per second with 1 and 2 workers, the runner's overhead, and
where the time of a run goes.

    .venv/bin/python benchmarks/sweep_throughput.py [--runs 400] [--steps 120]
        [--n-citizens N] [--modes direct,1,2,ceiling,split]

    # the 10,000-run sweep of 100-citizen runs, on 2 workers only
    .venv/bin/python benchmarks/sweep_throughput.py --runs 10000 --n-citizens 100 --modes 2

Runs of the default scenario (its 2,000 citizens unless ``--n-citizens``), each
measurement in a fresh process that first makes one warm-up run (imports, compiled
kernels), so that none inherits another's state. The machines are shared and noisy:
compare the ratios of one invocation, not absolute times.

- ``direct``: ``batch_runs.execution.simulate_columns`` called in a loop (the model and
  its collected columns, no frame, no text, no I/O), with the sweep's seeds: the runs
  alone, which is what the runner's overhead is measured against;
- ``frames``: the same with each run's ``results()`` frame built too
  (``batch_runs.execution.simulate``), the reference of earlier versions, whose sweeps
  built the frame;
- ``1``: ``run_sweep(workers=1)`` (in this process; writes runs.csv, steps.csv);
- ``2``: ``run_sweep(workers=2)`` (process pool, including starting it);
- ``ceiling``: two already-started processes sharing the direct loop: the most this
  machine gives two workers (shared cores are often far from 2x);
- ``split``: where the time of one run goes: construction, months, its columns, the
  worker's record (CSV lines and runs row), packing the batch (row counts, CRC-32),
  shipping it between processes (pickling both ways; the pipe itself is not timed),
  and writing it to the journal, on ``min(--runs, 200)`` runs.

Targets: 2 workers >= 1.85x faster than 1; runner overhead over direct calls < 5%.
Steady-state rates (first to last finished run) are printed beside wall-clock rates,
which include starting the worker pool. CPU times (of the sweep process and its
workers) are printed too: unlike wall-clock times, they hardly move when other
programs load the machine. The sweep process's peak memory is printed
for each sweep: its results stream to disk, so it should not grow with the runs.
"""

from __future__ import annotations

import argparse
import json
import pickle
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from batch_runs.design.seeds import run_seed
from batch_runs.design.spec import SweepSpec
from batch_runs.execution import (
    SweepProgress,
    code_version,
    run_sweep,
    simulate,
    simulate_columns,
)
from batch_runs.execution.batches import Batch
from batch_runs.execution.journal import Journal
from batch_runs.execution.recovery import JOURNAL_FILE
from batch_runs.execution.worker import RunContext, execute, headers, jobs, probe_run
from model import IranModel, load_scenario
from model.model import resolve_scenario

MODES = ("direct", "1", "2", "ceiling", "split", "frames")


def _overrides(n_citizens: int | None) -> dict[str, Any]:
    return {} if n_citizens is None else {"n_citizens": n_citizens}


def _spec(args: argparse.Namespace) -> SweepSpec:
    return SweepSpec(
        parameters=_overrides(args.n_citizens),
        replicates=args.runs,
        steps=args.steps,
        seed=args.seed,
    )


def _warm_up(args: argparse.Namespace) -> None:
    """One short run: imports, caches and compiled kernels, outside the timings."""
    simulate_columns(load_scenario(None), _overrides(args.n_citizens), 0, min(args.steps, 12))


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu_s(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def direct(args: argparse.Namespace, run: Any = simulate_columns) -> dict[str, float]:
    """Seconds to run the model ``runs`` times directly, same seeds as the sweep."""
    scenario, overrides = load_scenario(None), _overrides(args.n_citizens)
    start, cpu = time.perf_counter(), _cpu_s(resource.RUSAGE_SELF)
    for r in range(args.runs):
        run(scenario, overrides, run_seed(args.seed, r), args.steps)
    return {"seconds": time.perf_counter() - start, "cpu_s": _cpu_s(resource.RUSAGE_SELF) - cpu}


def frames(args: argparse.Namespace) -> dict[str, float]:
    """:func:`direct` with each run's ``results()`` frame built too (``simulate``)."""
    return direct(args, simulate)


def _direct_share(job: tuple[int, int, int, dict[str, Any], int]) -> None:
    runs, steps, seed, overrides, offset = job
    scenario = load_scenario(None)
    for r in range(offset, runs, 2):
        simulate_columns(scenario, overrides, run_seed(seed, r), steps)


def ceiling(args: argparse.Namespace) -> dict[str, float]:
    """Seconds for two already-started processes to share the direct loop."""
    from multiprocessing import get_context

    overrides = _overrides(args.n_citizens)
    with get_context("forkserver").Pool(2) as pool:
        warm = [(2, 12, args.seed, overrides, k) for k in (0, 1)]
        pool.map(_direct_share, warm)  # start and warm up
        start = time.perf_counter()
        pool.map(_direct_share, [(args.runs, args.steps, args.seed, overrides, k) for k in (0, 1)])
        return {"seconds": time.perf_counter() - start}


def sweep(args: argparse.Namespace, workers: int) -> dict[str, float]:
    """Wall-clock seconds, steady-state runs/s and peak memory of a sweep."""
    finished: list[float] = []

    def progress(p: SweepProgress) -> None:
        finished.append(time.perf_counter())

    before = _peak_mb()
    parent, children = _cpu_s(resource.RUSAGE_SELF), _cpu_s(resource.RUSAGE_CHILDREN)
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        summary = run_sweep(_spec(args), Path(folder) / "out", workers=workers, progress=progress)
        wall = time.perf_counter() - start
        parent = _cpu_s(resource.RUSAGE_SELF) - parent  # workers: forked, waited for
        children = _cpu_s(resource.RUSAGE_CHILDREN) - children
        size = sum(p.stat().st_size for p in (Path(folder) / "out").iterdir())
    if summary.ok != args.runs:
        raise SystemExit(f"benchmark sweep failed: {summary.line()}")
    span = finished[-1] - finished[0] if len(finished) > 1 else 0.0
    return {
        "seconds": wall,
        "steady": (len(finished) - 1) / span if span > 0 else 0.0,
        "first_s": finished[0] - start,
        "peak_mb": _peak_mb(),
        "base_mb": before,
        "files_mb": size / 1e6,
        "parent_cpu_s": parent,
        "cpu_s": parent + children,
    }


def split(args: argparse.Namespace) -> dict[str, float]:
    """Seconds per run in each stage of a sweep run, over ``min(runs, 200)`` runs."""
    spec = _spec(args).with_changes(replicates=min(args.runs, 200))
    scenario = resolve_scenario(None)
    probe = probe_run(scenario, spec)
    runs_header, steps_header = headers(tuple(probe.columns))
    overrides = spec.point(0)
    parts = dict.fromkeys(("construct", "months", "columns", "csv", "pack", "ship", "write"), 0.0)

    def timed(run_id: int, seed: int) -> Any:
        clock = time.perf_counter()
        model = IranModel(scenario, rng=seed, **overrides)
        parts["construct"] += (t1 := time.perf_counter()) - clock
        model.run(spec.steps)
        parts["months"] += (t2 := time.perf_counter()) - t1
        columns = model.datacollector.columns()  # what the sweep writes from
        parts["columns"] += time.perf_counter() - t2
        return columns

    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder)
        for name, header in (("runs.csv", runs_header), ("steps.csv", steps_header)):
            (out / name).write_text(",".join(header) + "\n")
        (out / JOURNAL_FILE).write_text("run_id,rows,crc32\n")
        journal = Journal(out)
        results: dict[int, Any] = {}
        for job in jobs(spec, set()):
            results[job[0]] = timed(job[0], job[3])
        # the CSV lines from the columns computed above (execute minus the model)
        replay = RunContext(
            scenario,
            spec.steps,
            1,
            tuple(probe.columns),
            code_version(),
            lambda _scenario, _overrides, seed, _steps: results[seed],
        )
        records = []
        for run_id, point, replicate, _, o, changes in jobs(spec, set()):
            clock = time.perf_counter()  # the seed slot names the frame to replay
            records.append(execute(replay, (run_id, point, replicate, run_id, o, changes)))
            parts["csv"] += time.perf_counter() - clock
        if not all(ok for _, ok, _, _ in records):
            raise SystemExit("benchmark: a replayed run failed")
        batch_runs = 16
        for first in range(0, len(records), batch_runs):
            clock = time.perf_counter()
            batch = Batch.pack(records[first : first + batch_runs], 0.0)
            parts["pack"] += (t1 := time.perf_counter()) - clock
            batch = pickle.loads(pickle.dumps(batch, protocol=pickle.DEFAULT_PROTOCOL))
            parts["ship"] += (t2 := time.perf_counter()) - t1
            journal.append(batch)
            parts["write"] += time.perf_counter() - t2
        clock = time.perf_counter()
        journal.close()
        parts["write"] += time.perf_counter() - clock
    return {name: seconds / spec.n_runs for name, seconds in parts.items()}


def _child(args: argparse.Namespace) -> None:
    _warm_up(args)
    mode = args.child
    if mode in ("1", "2"):
        result = sweep(args, int(mode))
    else:
        result = {"direct": direct, "ceiling": ceiling, "split": split, "frames": frames}[mode](
            args
        )
    print(json.dumps(result))


def _measure(args: argparse.Namespace, mode: str) -> dict[str, float]:
    """Run one measurement in a fresh process and read back its figures."""
    argv = [sys.executable, __file__, "--child", mode, "--runs", str(args.runs)]
    argv += ["--steps", str(args.steps), "--seed", str(args.seed)]
    if args.n_citizens is not None:
        argv += ["--n-citizens", str(args.n_citizens)]
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"measurement {mode} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _report(args: argparse.Namespace, results: dict[str, dict[str, float]]) -> None:
    n = args.runs
    who = f"{args.n_citizens} citizens" if args.n_citizens else "the default population"
    print(f"{n} runs of the default scenario, {who}, {args.steps} months each")
    if "direct" in results:
        t = results["direct"]["seconds"]
        print(f"direct model calls : {n / t:7.2f} runs/s ({t:.2f} s)")
    for workers in ("1", "2"):
        if workers in results:
            r = results[workers]
            print(
                f"sweep, {workers} worker{'s' if workers == '2' else ' '}  : "
                f"{n / r['seconds']:7.2f} "
                f"runs/s ({r['seconds']:.2f} s), steady {r['steady']:.2f} runs/s, first run "
                f"after {r['first_s']:.2f} s; sweep process peak {r['peak_mb']:.0f} MB "
                f"({r['base_mb']:.0f} MB before it), files {r['files_mb']:.0f} MB"
            )
            print(
                f"  CPU: {r['cpu_s'] / n * 1e3:.2f} ms a run in all, of which the sweep "
                f"process {r['parent_cpu_s'] / n * 1e3:.2f} ms"
            )
    if "ceiling" in results:
        t = results["ceiling"]["seconds"]
        line = f"direct, 2 processes: {n / t:7.2f} runs/s ({t:.2f} s): this machine's ceiling"
        if "direct" in results:
            line += f" for 2 workers, {results['direct']['seconds'] / t:.2f}x one process"
        print(line)
    if "direct" in results:
        print(f"  CPU, direct   : {results['direct']['cpu_s'] / n * 1e3:.2f} ms a run")
    overheads = (
        ("direct", "runner overhead over direct calls (1 worker)", "  (target < 5%)"),
        ("frames", "  ... over direct calls that also build results()", ""),
    )
    for reference, label, target in overheads:
        if reference in results and "1" in results:
            one, base = results["1"], results[reference]
            wall, cpu = one["seconds"] / base["seconds"] - 1, one["cpu_s"] / base["cpu_s"] - 1
            print(f"{label}: {wall:+.1%} wall-clock, {cpu:+.1%} CPU{target}")
    if "1" in results and "2" in results:
        one, two = results["1"], results["2"]
        print(
            f"speed-up 2 vs 1 worker: {one['seconds'] / two['seconds']:.2f}x wall-clock, "
            f"{two['steady'] / one['steady']:.2f}x steady (target >= 1.85x); CPU of 2 "
            f"workers / 1: {two['cpu_s'] / one['cpu_s']:.2f} (the speed-up on an idle "
            f"machine is about 2 / this)"
        )
    if "ceiling" in results and "2" in results:
        share = results["ceiling"]["seconds"] / results["2"]["seconds"]
        print(f"2-worker sweep vs the machine's 2-process ceiling: {share:.0%}")
    if "split" in results:
        parts = results["split"]
        total = sum(parts.values())
        print(f"time of one run ({total * 1e3:.2f} ms in all, in one process):")
        for name, seconds in parts.items():
            print(f"  {name:10s} {seconds * 1e3:8.3f} ms  {seconds / total:6.1%}")


def main() -> None:
    """Run the chosen measurements, each in a fresh process, and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=400)
    parser.add_argument("--steps", type=int, default=120)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--n-citizens", type=int, default=None)
    parser.add_argument("--modes", default=",".join(MODES[:4]), help=f"of {', '.join(MODES)}")
    parser.add_argument("--child", choices=MODES, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args)
        return
    modes = [m for m in args.modes.split(",") if m]
    if unknown := set(modes) - set(MODES):
        parser.error(f"unknown mode(s): {', '.join(sorted(unknown))}")
    _report(args, {mode: _measure(args, mode) for mode in modes})


if __name__ == "__main__":
    main()
