"""The regime's anti-Western narrative and its credibility (C5, C7).

Credibility drifts back to a baseline; Western refusals and new sanctions raise it
(C5: they fit the story of a West bent on keeping Iran weak); while talks run or a deal
holds it loses a share each month (C7: negotiations rob the regime of its scapegoat).
"""

from __future__ import annotations

from model.parameters import Parameters


def drift(credibility: float, engaged: bool, params: Parameters) -> float:
    """One month of drift towards the baseline, and of erosion while engaged (C7)."""
    credibility += params.narrative_memory * (params.narrative_baseline - credibility)
    if engaged:
        credibility -= params.talks_scapegoat_loss * credibility
    return min(1.0, max(0.0, credibility))


def boost(credibility: float, amount: float) -> float:
    """A refusal or new sanctions make the narrative more credible (C5).

    The rise closes ``amount`` of the gap to full credibility, so it stays below 1.
    """
    return min(1.0, max(0.0, credibility + amount * (1.0 - credibility)))
