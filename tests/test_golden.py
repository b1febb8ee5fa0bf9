"""Behaviour is pinned: the same scenario and seed give byte-identical output.

Refactoring the code must not move a single number. This test hashes the results
CSV and the event log of every shipped scenario at two seeds and compares them with
the digests in ``tests/data/golden_digests.json``. When a change is *meant* to alter
behaviour, regenerate the digests and say so in the changelog:

    .venv/bin/python tests/test_golden.py --update
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import pytest

from model.model import IranModel
from model.scenarios import list_scenarios

DIGESTS = Path(__file__).parent / "data" / "golden_digests.json"
SEEDS = (1, 2026)
# Fewer citizens keep the whole table under a few seconds; the citizen arrays still
# exercise every rule (network, protest, elections).
CITIZENS = 300


def digest(scenario: str, seed: int) -> dict[str, str]:
    """SHA-256 of the results CSV and of the event-log CSV of one full run."""
    model = IranModel(scenario, rng=seed, n_citizens=CITIZENS)
    model.run()
    results = model.results().to_csv(index=False).encode()
    events = model.events().to_csv(index=False).encode()
    return {
        "results": hashlib.sha256(results).hexdigest(),
        "events": hashlib.sha256(events).hexdigest(),
    }


def cases() -> list[tuple[str, int]]:
    return [(name, seed) for name in list_scenarios() for seed in SEEDS]


@pytest.mark.parametrize(("scenario", "seed"), cases())
def test_output_is_byte_identical_to_the_pinned_run(scenario: str, seed: int) -> None:
    pinned = json.loads(DIGESTS.read_text())
    key = f"{scenario}@{seed}"
    assert key in pinned, f"no pinned digest for {key}: run `python {__file__} --update`"
    assert digest(scenario, seed) == pinned[key], (
        f"{key}: output changed. If the change is intended, regenerate the digests "
        f"(python tests/test_golden.py --update) and record it in CHANGELOG.md"
    )


def test_every_pinned_run_still_exists() -> None:
    pinned = json.loads(DIGESTS.read_text())
    assert sorted(pinned) == sorted(f"{s}@{seed}" for s, seed in cases())


if __name__ == "__main__":
    if sys.argv[1:] != ["--update"]:
        sys.exit("usage: python tests/test_golden.py --update")
    table = {f"{s}@{seed}": digest(s, seed) for s, seed in cases()}
    DIGESTS.write_text(json.dumps(table, indent=1, sort_keys=True) + "\n")
    print(f"wrote {len(table)} digests to {DIGESTS}")
