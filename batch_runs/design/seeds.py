"""The seed rule: a run's seed depends on the master seed and its index alone (ODD §3.2)."""

from __future__ import annotations

import numpy as np


def run_seed(master_seed: int, index: int) -> int:
    """The seed of run ``index`` in an experiment with ``master_seed``.

    Derived with numpy's SeedSequence from (master seed, index) alone, so a run's seed
    does not depend on how many runs there are, on workers or on completion order.
    Paired designs give replicate ``j`` of every arm the index ``j`` (common random
    numbers).
    """
    sequence = np.random.SeedSequence(master_seed, spawn_key=(index,))
    return int(sequence.generate_state(1, dtype=np.uint32)[0])
