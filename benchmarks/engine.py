"""Benchmark of the simulation engine against Mesa's Epstein civil-violence example.

Measured in one run, so that the ratios hold on a noisy shared machine:
(a) the default scenario (2,000 citizens) for 120 months;
(b) 1,000, 10,000 and 100,000 citizens for 120 months;
(c) Mesa's own Epstein civil-violence example for 100 steps.
Prints the cost per citizen-month against Epstein's cost per agent-step as a ratio
(target: at least 20 times cheaper), and how cost grows with the population (target:
no worse than linear). Each timing is the best of ``--repeats`` runs.

Usage: python benchmarks/engine.py [--repeats 3]
"""

from __future__ import annotations

import argparse
import time

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


def main() -> None:
    """Time everything and print the table and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

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


if __name__ == "__main__":
    main()
