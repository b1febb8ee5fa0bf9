"""Side-by-side benchmark of the citizens' engine against a public peer model.

The peer is Iran-Simulator's ``src/abm_engine.py`` (a numpy and scipy.sparse threshold
model of protest on a small-world network), imported from a checkout given with
``--peer``; none of its code is copied here. In one process, at 2,000, 10,000 and
100,000 citizens (agents), engine time only (construction excluded), median of
``--repeats`` runs, the peer's and ours alternating:

- peer: ``ABMEngine({'n_agents': n, 'seed': 42}).step(context)`` for 90 days, with the
  day-by-day contexts of the peer's own benchmark;
- ours: ``IranModel(n_citizens=n).run(120)``, the whole model month (citizens, factions,
  diplomacy, data collection), and within it the citizens' month alone
  (``Population.live_month``, ODD §2.4);
- Mesa's Epstein civil-violence example for 100 steps (its size is fixed), as in
  ``benchmarks/engine.py``.

Times are CPU time of this process (``--clock wall`` for wall time). Prints
nanoseconds per citizen-month (per agent-step for the others), ours/peer (target: at
most 0.33) and Epstein/ours. The machine is shared and noisy: compare the ratios of one
run, not absolute times across runs.

Usage: python benchmarks/peer_comparison.py --peer PATH [--sizes 2000,10000,100000]
       [--repeats 3]
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

from mesa.examples.advanced.epstein_civil_violence.model import (
    EpsteinCivilViolence,
    EpsteinScenario,
)

from model import SCHEMA, IranModel
from model.parameters import ParameterError

PEER_DAYS = 90
OUR_MONTHS = 120
EPSTEIN_STEPS = 100
SIZES = (2_000, 10_000, 100_000)
# The peer's target for the ratio ours / peer.
TARGET_RATIO = 0.33


# The clocks: the process's CPU time (the default), which unlike wall time does not
# count the time the process waits for a core (most of the noise on a busy shared
# machine), and wall time.
CLOCKS: dict[str, Callable[[], float]] = {"cpu": time.process_time, "wall": time.perf_counter}


def load_peer(checkout: Path) -> ModuleType:
    """Import the peer's ``src/abm_engine.py`` from its checkout (exits with one line
    if the file is missing or the peer's own dependency, scipy, is not installed)."""
    path = checkout / "src" / "abm_engine.py"
    if not path.is_file():
        sys.exit(f"error: no src/abm_engine.py under {checkout} (give the peer's checkout)")
    spec = importlib.util.spec_from_file_location("peer_abm_engine", path)
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except ModuleNotFoundError as exc:
        sys.exit(f"error: the peer needs {exc.name}; install it (pip install {exc.name})")
    return module


def peer_contexts() -> list[dict]:
    """The day-by-day global context of the peer's own benchmark (``benchmark()``)."""
    return [
        {
            "protest_state": "ESCALATING" if day > 5 else "STABLE",
            "regime_state": "CRACKDOWN" if day > 30 else "STATUS_QUO",
            "rial_rate": 1_000_000 + day * 15_000,
            "crackdown_intensity": 0.2 if day < 30 else 0.7,
            "concessions_offered": day > 60,
            "internet_blackout": 30 <= day <= 40,
        }
        for day in range(PEER_DAYS)
    ]


def peer_seconds(peer: ModuleType, n: int, clock: Callable[[], float]) -> float:
    """Seconds of ``PEER_DAYS`` peer steps (construction excluded)."""
    engine = peer.ABMEngine({"n_agents": n, "seed": 42})
    contexts = peer_contexts()
    start = clock()
    for context in contexts:
        engine.step(context)
    return clock() - start


def our_seconds(n: int, clock: Callable[[], float]) -> tuple[float, float]:
    """Seconds of ``OUR_MONTHS`` model months, and of the citizens' months within them."""
    model = IranModel(rng=1, n_citizens=n)
    population = model.population
    live_month = population.live_month
    spent = [0.0]

    def timed(*args, **kwargs):
        begin = clock()
        result = live_month(*args, **kwargs)
        spent[0] += clock() - begin
        return result

    population.live_month = timed  # an instance attribute: only this model is timed
    start = clock()
    model.run(OUR_MONTHS)
    return clock() - start, spent[0]


def epstein_seconds(clock: Callable[[], float]) -> tuple[float, int]:
    """Seconds of ``EPSTEIN_STEPS`` steps of Mesa's Epstein example, and its agents."""
    model = EpsteinCivilViolence(scenario=EpsteinScenario(rng=1))
    start = clock()
    for _ in range(EPSTEIN_STEPS):
        model.step()
    return clock() - start, len(model.agents)


def median_of(repeats: int, fn) -> tuple:
    """Element-wise median of ``repeats`` calls of ``fn`` (each returns a tuple)."""
    runs = [fn() for _ in range(repeats)]
    return tuple(statistics.median(values) for values in zip(*runs, strict=True))


def main() -> None:
    """Time everything and print the table and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--peer", type=Path, required=True, help="the peer's checkout")
    parser.add_argument("--sizes", default=",".join(str(n) for n in SIZES))
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--clock", choices=sorted(CLOCKS), default="cpu")
    args = parser.parse_args()
    clock = CLOCKS[args.clock]
    if args.repeats < 1:
        sys.exit("error: --repeats must be at least 1")
    try:
        sizes = [SCHEMA["n_citizens"].validate(size) for size in args.sizes.split(",")]
    except ParameterError as exc:
        sys.exit(f"error: --sizes: {exc}")
    peer = load_peer(args.peer)
    our_seconds(sizes[0], clock)  # loads (or compiles) the citizens' kernel, untimed
    epstein, agents = median_of(args.repeats, lambda: epstein_seconds(clock))
    epstein_ns = epstein / (agents * EPSTEIN_STEPS) * 1e9
    kernel = IranModel(rng=1, n_citizens=100).population.kernel
    print(
        f"citizens' kernel: {kernel}; Mesa Epstein example ({agents} agents): "
        f"{epstein_ns:.0f} ns/agent-step; {args.clock} time, median of {args.repeats}"
    )
    print(
        "    citizens   peer ns   ours ns   citizens ns   ours/peer   citizens/peer   Epstein/ours"
    )
    for n in sizes:
        # Peer and ours alternate, so that both see the same load on a shared machine.
        peer_time, whole, citizens = median_of(
            args.repeats, lambda n=n: (peer_seconds(peer, n, clock), *our_seconds(n, clock))
        )
        peer_ns = peer_time / (n * PEER_DAYS) * 1e9
        ours_ns = whole / (n * OUR_MONTHS) * 1e9
        citizens_ns = citizens / (n * OUR_MONTHS) * 1e9
        print(
            f"    {n:>8,}   {peer_ns:7.1f}   {ours_ns:7.1f}   {citizens_ns:11.1f}"
            f"   {ours_ns / peer_ns:9.2f}   {citizens_ns / peer_ns:13.2f}"
            f"   {epstein_ns / ours_ns:12.0f}"
        )
    print(f"target: ours/peer <= {TARGET_RATIO} at the largest size")


if __name__ == "__main__":
    main()
