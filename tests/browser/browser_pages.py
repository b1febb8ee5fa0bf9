"""What every browser test's page object shares: the console errors a page logged, the
month line's step and the buttons by name (tests/browser/test_*.py)."""

from __future__ import annotations

from playwright.sync_api import Locator, Page

LOAD_TIMEOUT_MS = 90_000
UPDATE_TIMEOUT_MS = 30_000
# Console messages that are not errors of the dashboard: Chromium's software renderer.
IGNORED_CONSOLE = ("GL Driver Message", "WebGL")


class WatchedPage:
    """A browser page of the dashboard that records every console error and uncaught
    page error it logs, in ``errors``."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.errors: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.errors.append(f"page error: {exc}"))

    def _console(self, message) -> None:
        if message.type == "error" and not any(s in message.text for s in IGNORED_CONSOLE):
            self.errors.append(message.text)

    @property
    def step(self) -> int:
        """The step the month line shows."""
        return int(self.page.locator(".month-status .step").inner_text())

    def button(self, name: str) -> Locator:
        """The button with exactly this label (Plotly has a "Reset axes" button)."""
        return self.page.get_by_role("button", name=name, exact=True)
