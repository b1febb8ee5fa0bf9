"""Batch experiments on the model: seeds, paired runs, sweeps (see the README)."""
