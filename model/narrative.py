"""The regime's anti-Western narrative and its credibility (C5, C7; ODD §7.6).

Credibility drifts back to a baseline; Western refusals and new sanctions raise it
(C5: they fit the story of a West bent on keeping Iran weak); while talks run or a deal
holds it loses a share each month (C7: negotiations rob the regime of its scapegoat).
:class:`Narrative` is the only writer of the credibility.
"""

from __future__ import annotations

from agents.bounds import clamp
from model.parameters import Parameters


class Narrative:
    """The anti-Western narrative: its credibility (0–1) and the two ways it moves.

    Owned by the model as ``model.narrative``; every rule that makes the story more or
    less believable goes through :meth:`drift` or :meth:`boost`.
    """

    def __init__(self, params: Parameters) -> None:
        self.params = params
        self.credibility: float = params.narrative_initial

    def drift(self, engaged: bool) -> None:
        """One month of drift towards the baseline, and of erosion while engaged (C7)."""
        p = self.params
        credibility = self.credibility
        credibility += p.narrative_memory * (p.narrative_baseline - credibility)
        if engaged:
            credibility -= p.talks_scapegoat_loss * credibility
        self.credibility = clamp(credibility, 0.0, 1.0)

    def boost(self, amount: float) -> None:
        """A refusal or new sanctions make the narrative more credible (C5).

        The rise closes ``amount`` of the gap to full credibility, so it stays below 1.
        """
        credibility = self.credibility + amount * (1.0 - self.credibility)
        self.credibility = clamp(credibility, 0.0, 1.0)
