"""Experiment design: what to run, as data. Sweep specs (``spec``), the scenario
changes a design point can carry (``changes``), the seed rule (``seeds``) and the
claims audit's experiments (``claims``)."""
