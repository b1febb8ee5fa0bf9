"""What every browser test's page object shares: opening the dashboard until it has
loaded, the console errors a page logged, the month line's step, the buttons by name and
a Step that waits for the charts (tests/browser/test_*.py)."""

from __future__ import annotations

from playwright.sync_api import Locator, Page

LOAD_TIMEOUT_MS = 90_000
UPDATE_TIMEOUT_MS = 30_000
# Console messages that are not errors of the dashboard: Chromium's software renderer.
IGNORED_CONSOLE = ("GL Driver Message", "WebGL")


class WatchedPage:
    """A browser page of the dashboard that records every console error and uncaught
    page error it logs, in ``errors``; given a ``url``, it opens it and waits until the
    elements of ``LOADED`` show."""

    LOADED = (".chart-balance .js-plotly-plot", ".month-status .step")

    def __init__(self, page: Page, url: str | None = None) -> None:
        self.page = page
        self.errors: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.errors.append(f"page error: {exc}"))
        if url is not None:
            self.open(url)

    def open(self, url: str) -> None:
        self.page.goto(url)
        self.wait_loaded()

    def wait_loaded(self) -> None:
        for selector in self.LOADED:
            self.page.wait_for_selector(selector, timeout=LOAD_TIMEOUT_MS)

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

    def click_step(self) -> None:
        """Step, then wait until the month line and the balance chart show the month."""
        before = self.step
        self.button("Step").click()
        self.page.wait_for_function(
            """(step) => {
                const s = document.querySelector('.month-status .step');
                if (!s || s.textContent !== String(step)) return false;
                const plot = document.querySelector('.chart-balance .js-plotly-plot');
                return !!plot && !!plot.data && plot.data[0].x.length === step + 1;
            }""",
            arg=before + 1,
            timeout=UPDATE_TIMEOUT_MS,
        )
