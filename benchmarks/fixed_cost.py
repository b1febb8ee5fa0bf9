"""Benchmark of the model's fixed cost: a month and a construction at 100 citizens.

A sweep of many short runs of a small population (10,000 runs of 100 citizens and 120
months) is bound by what every month and every run costs whatever the population:
Mesa's step, the submodels' Python, data collection, building the model and its
results frame. Measured in one run, so that the ratios hold on a noisy shared machine:

- microseconds per month of a run at 100 citizens (construction excluded), the median
  over ``--runs`` runs of ``--months`` months, and its split: data collection, citizens
  and factions (``_update_citizens_and_factions``, the population's rules), Mesa's own
  step machinery (an empty ``mesa.Model``'s ``run_for``) and the rest (the submodels);
- microseconds to build ``IranModel(rng=s, n_citizens=100)`` (median), and to build
  a run's ``results()`` frame;
- the target: at most 50 microseconds a month.

Times are CPU time of this process (``time.process_time``), so that other processes on
a shared machine disturb them less; compare versions by running both in one session.

Usage: python benchmarks/fixed_cost.py [--runs 30] [--months 120] [--builds 300]
"""

from __future__ import annotations

import argparse
import statistics
import time

import mesa

from model import IranModel

CITIZENS = 100
TARGET_US_PER_MONTH = 50.0
_clock = time.process_time


class _Timed:
    """Wraps a method of one object and adds the time spent in it to ``seconds``."""

    def __init__(self, owner: object, name: str) -> None:
        self.inner = getattr(owner, name)
        self.seconds = 0.0
        setattr(owner, name, self)

    def __call__(self, *args, **kwargs):
        start = _clock()
        try:
            return self.inner(*args, **kwargs)
        finally:
            self.seconds += _clock() - start


class _Empty(mesa.Model):
    """A Mesa model whose step does nothing: the cost of Mesa's step machinery."""

    def step(self) -> None:
        pass


def per_month(runs: int, months: int) -> dict[str, float]:
    """Median microseconds per month over ``runs`` runs, whole and split by part."""
    whole, collect, citizens = [], [], []
    for seed in range(runs):
        model = IranModel(rng=seed, n_citizens=CITIZENS)
        start = _clock()
        model.run(months)
        whole.append((_clock() - start) / months)
    for seed in range(runs):
        model = IranModel(rng=seed, n_citizens=CITIZENS)
        timed_collect = _Timed(model.datacollector, "collect")
        timed_citizens = _Timed(model, "_update_citizens_and_factions")
        model.run(months)
        collect.append(timed_collect.seconds / months)
        citizens.append(timed_citizens.seconds / months)
    empty = _Empty(rng=0)
    start = _clock()
    empty.run_for(runs * months)
    mesa_step = (_clock() - start) / (runs * months)
    out = {
        "whole": statistics.median(whole),
        "data collection": statistics.median(collect),
        "citizens and factions": statistics.median(citizens),
        "Mesa's step machinery": mesa_step,
    }
    out["rest (submodels)"] = out["whole"] - sum(
        out[k] for k in ("data collection", "citizens and factions", "Mesa's step machinery")
    )
    return {k: v * 1e6 for k, v in out.items()}


def construction(builds: int) -> float:
    """Median microseconds to build a 100-citizen model."""
    times = []
    for seed in range(builds):
        start = _clock()
        IranModel(rng=seed, n_citizens=CITIZENS)
        times.append(_clock() - start)
    return statistics.median(times) * 1e6


def results_frame(runs: int, months: int) -> float:
    """Median microseconds of ``results()`` after a run of ``months`` months."""
    times = []
    for seed in range(runs):
        model = IranModel(rng=seed, n_citizens=CITIZENS)
        model.run(months)
        start = _clock()
        model.results()
        times.append(_clock() - start)
    return statistics.median(times) * 1e6


def main() -> None:
    """Measure and print the table and the target."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--months", type=int, default=120)
    parser.add_argument("--builds", type=int, default=300)
    args = parser.parse_args()

    warm = IranModel(rng=0, n_citizens=CITIZENS)  # imports, caches, first compilations
    warm.run(2)
    warm.results()
    month = per_month(args.runs, args.months)
    build = construction(args.builds)
    frame = results_frame(args.runs, args.months)
    print(f"one month at {CITIZENS} citizens (median of {args.runs} runs x {args.months} months):")
    for part, us in month.items():
        share = f"{us / month['whole']:6.1%}" if part != "whole" else ""
        print(f"    {part:<24} {us:8.1f} us  {share}")
    fixed = month["whole"] - month["citizens and factions"]
    for what, us in (("a month", month["whole"]), ("a month but its citizens", fixed)):
        verdict = "meets" if us <= TARGET_US_PER_MONTH else "MISSES"
        print(f"target <= {TARGET_US_PER_MONTH:.0f} us, {what}: {us:.1f} us, {verdict}")
    print(f"construction, {CITIZENS} citizens (median of {args.builds}): {build:8.1f} us")
    print(f"results() after {args.months} months (median of {args.runs}): {frame:8.1f} us")
    run = build + args.months * month["whole"] + frame
    print(
        f"one run of {args.months} months: {run / 1000:.2f} ms; "
        f"10,000 runs on 2 workers: {run * 10_000 / 2 / 1e6:.1f} s (runner overhead excluded)"
    )


if __name__ == "__main__":
    main()
