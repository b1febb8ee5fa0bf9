"""Benchmark of the simulation engine against Mesa's Epstein civil-violence example.

Measured in one run, so that the ratios hold on a noisy shared machine:
(a) the default scenario (2,000 citizens) for 120 months;
(b) 1,000, 10,000 and 100,000 citizens for 120 months;
(c) Mesa's own Epstein civil-violence example for 100 steps;
(d) with ``--million``: 1,000,000 citizens for 120 months in a fresh process, with its
    construction time, run time, peak memory and bytes per citizen (about a minute).
Prints the cost per citizen-month against Epstein's cost per agent-step as a ratio
(target: at least 20 times cheaper), and how cost grows with the population (target:
no worse than linear). Each timing is the best of ``--repeats`` runs.

Usage: python benchmarks/engine.py [--repeats 3] [--million]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
import tracemalloc

from mesa.examples.advanced.epstein_civil_violence.agents import Citizen
from mesa.examples.advanced.epstein_civil_violence.model import (
    EpsteinCivilViolence,
    EpsteinScenario,
)

from model import DEFAULT_MONTHS, IranModel


def best_of(repeats: int, fn) -> float:
    """Smallest wall time of ``repeats`` calls of ``fn`` (seconds)."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def iran_run(n_citizens: int | None, months: int = DEFAULT_MONTHS) -> None:
    """Build and run the model (construction included, as a user would see it)."""
    overrides = {} if n_citizens is None else {"n_citizens": n_citizens}
    model = IranModel(rng=1, **overrides)
    model.run(months)
    model.results()


def epstein_run(steps: int = 100) -> int:
    """Run Mesa's Epstein example; returns its number of agents."""
    model = EpsteinCivilViolence(scenario=EpsteinScenario(rng=1))
    for _ in range(steps):
        model.step()
    return len(model.agents)


MILLION = 1_000_000


def million_child() -> None:
    """(d), in a fresh process: build and run 1,000,000 citizens; print one JSON line.

    Memory: numpy's allocations traced while the model is built (what it holds after,
    and the peak on the way), and the process's peak resident size over the whole run
    less that of a process that has built and run a 100-citizen model (Python, the
    libraries and the compiled kernel).
    """
    IranModel(rng=1, n_citizens=100).run(2)
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    tracemalloc.start()
    start = time.perf_counter()
    model = IranModel(rng=1, n_citizens=MILLION)
    built = time.perf_counter() - start
    held, construction_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    start = time.perf_counter()
    model.run(DEFAULT_MONTHS)
    ran = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(
        json.dumps(
            {
                "kernel": model.population.kernel,
                "construction_s": built,
                "run_s": ran,
                "held_bytes": held,
                "construction_peak_bytes": construction_peak,
                "peak_rss_bytes": peak,
                "baseline_rss_bytes": baseline,
            }
        )
    )


def million_report() -> None:
    """Run (d) in a child process and print its figures."""
    done = subprocess.run(
        [sys.executable, __file__, "--million-child"], capture_output=True, text=True
    )
    if done.returncode != 0:
        sys.exit(f"error: the 1,000,000-citizen run failed: {done.stderr.strip()[-500:]}")
    r = json.loads(done.stdout.strip().splitlines()[-1])
    per_month = r["run_s"] / (MILLION * DEFAULT_MONTHS) * 1e9
    print(f"(d) 1,000,000 citizens x {DEFAULT_MONTHS} months ({r['kernel']} kernel):")
    print(
        f"    construction {r['construction_s']:.1f} s; run {r['run_s']:.1f} s "
        f"= {per_month:.0f} ns/citizen-month"
    )
    print(
        f"    held after construction {r['held_bytes'] / MILLION:.0f} B/citizen; "
        f"construction peak {r['construction_peak_bytes'] / MILLION:.0f} B/citizen"
    )
    extra = r["peak_rss_bytes"] - r["baseline_rss_bytes"]
    print(
        f"    peak resident memory {r['peak_rss_bytes'] / 2**20:.0f} MiB, "
        f"{extra / 2**20:.0f} MiB above a 100-citizen run = {extra / MILLION:.0f} B/citizen"
    )


def main() -> None:
    """Time everything and print the table and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--million", action="store_true", help="also run (d)")
    parser.add_argument("--million-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.million_child:
        million_child()
        return

    epstein_agents = len(EpsteinCivilViolence(scenario=EpsteinScenario(rng=1)).agents)
    epstein_citizens = len(
        EpsteinCivilViolence(scenario=EpsteinScenario(rng=1)).agents_by_type[Citizen]
    )
    epstein_time = best_of(args.repeats, epstein_run)
    epstein_per_agent_step = epstein_time / (epstein_agents * 100)

    default_time = best_of(args.repeats, lambda: iran_run(None))
    print(f"(a) default scenario, 2,000 citizens x {DEFAULT_MONTHS} months: {default_time:.3f} s")
    print(
        f"(c) Mesa Epstein example, {epstein_agents} agents ({epstein_citizens} citizens)"
        f" x 100 steps: {epstein_time:.3f} s = {epstein_per_agent_step * 1e6:.2f} us/agent-step"
    )
    print("(b) population size:")
    print("    citizens   seconds   us/citizen-month   vs Epstein (times cheaper)")
    per_citizen = {}
    for n in (1_000, 10_000, 100_000):
        seconds = best_of(args.repeats, lambda n=n: iran_run(n))
        per = seconds / (n * DEFAULT_MONTHS)
        per_citizen[n] = per
        cheaper = epstein_per_agent_step / per
        print(f"    {n:>8,}   {seconds:7.3f}   {per * 1e6:16.3f}   {cheaper:10.0f}")
    growth = per_citizen[100_000] / per_citizen[1_000]
    print(
        f"cost per citizen-month at 100,000 relative to 1,000: {growth:.2f} "
        "(<= 1 means no worse than linear)"
    )
    ratio = epstein_per_agent_step / per_citizen[100_000]
    verdict = "meets" if ratio >= 20 else "MISSES"
    print(f"per citizen-month vs Epstein per agent-step at 100,000: {ratio:.0f}x ({verdict} 20x)")
    if args.million:
        million_report()


if __name__ == "__main__":
    main()
