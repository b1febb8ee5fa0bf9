"""Keeping a state within its bounds: ``clamp`` and ``at_most``, bit for bit the values
of ``min(high, max(low, value))`` and ``min(high, value)``.

Every rule keeps its shares, probabilities and indices within their ranges (ODD §7),
some thirty times a month. Python 3.12's builtin ``min`` and ``max`` pack their
arguments into a tuple, which makes each call cost several comparisons' worth; these
functions make the same comparisons in the same order, so they return the same value
(the same object) for every input, a NaN and a signed zero included.
"""

from __future__ import annotations


def clamp(value: float, low: float, high: float) -> float:
    """``min(high, max(low, value))``: ``low`` unless ``value > low``, then ``high``
    unless that is ``< high`` (so a NaN gives ``low``, as the builtins give)."""
    value = value if value > low else low
    return value if value < high else high


def at_most(value: float, high: float) -> float:
    """``min(high, value)``: ``value`` if ``value < high``, else ``high``."""
    return value if value < high else high
