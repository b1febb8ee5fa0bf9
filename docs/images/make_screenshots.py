"""Take the dashboard screenshots shown in README.md and docs/dashboard.md.

Starts the dashboard as ``iran-sim dashboard`` does, plays the default run for three
years and takes, in Debian's Chromium (Playwright):

- ``dashboard-simulation.png``: a laptop's first screen (1440x900): the controls, the
  month, the monitors, the headline and the first row of charts;
- ``dashboard-phone.png``: a phone (390x844), drawer closed, scrolled to the charts;
- ``dashboard-event-log.png``: the event log (1440x900);
- ``dashboard-comparison.png``: engage against refuse over 20 paired seeds (1440x1500).

Run it after a change to the dashboard's look; the test suite never writes these files.

    .venv/bin/python docs/images/make_screenshots.py [--out docs/images] [--months 36]
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import Browser, Page  # noqa: E402

from benchmarks.dashboard_latency import chromium, running_dashboard  # noqa: E402

LAPTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
TALL = {"width": 1440, "height": 1500}
TIMEOUT_MS = 180_000


def shoot(page: Page, path: Path) -> None:
    """A screenshot of the viewport, written whole or not at all."""
    partial = path.with_suffix(".partial.png")
    page.wait_for_timeout(800)  # charts finish fitting their legends
    page.screenshot(path=str(partial))
    os.replace(partial, path)
    print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")


def open_dashboard(browser: Browser, url: str, viewport: dict[str, int]) -> Page:
    page = browser.new_context(viewport=viewport).new_page()
    page.goto(url)
    page.wait_for_selector(".chart-network .js-plotly-plot", timeout=TIMEOUT_MS)
    return page


def play_to(page: Page, months: int) -> None:
    """Play the run until month ``months``, then pause (the drawer must be open)."""
    page.get_by_role("button", name="▶", exact=True).click()
    page.wait_for_function(
        "(m) => +document.querySelector('.month-status .step')?.textContent >= m",
        arg=months,
        timeout=TIMEOUT_MS,
    )
    page.get_by_role("button", name="❚❚", exact=True).click()
    page.get_by_role("button", name="Step", exact=True).wait_for(timeout=TIMEOUT_MS)
    page.wait_for_timeout(1500)  # a month under way when Pause came finishes


def laptop_shots(browser: Browser, url: str, out: Path, months: int) -> None:
    page = open_dashboard(browser, url, LAPTOP)
    play_to(page, months)
    shoot(page, out / "dashboard-simulation.png")
    page.get_by_role("tab", name="Event log").click()
    page.wait_for_selector("table.event-log", timeout=TIMEOUT_MS)
    shoot(page, out / "dashboard-event-log.png")
    page.set_viewport_size(TALL)
    page.get_by_role("tab", name="Engage vs refuse").click()
    page.get_by_role("button", name="Run comparison").click()
    page.wait_for_selector(".comparison-result .js-plotly-plot", timeout=TIMEOUT_MS)
    page.locator(".comparison-result").scroll_into_view_if_needed()
    shoot(page, out / "dashboard-comparison.png")
    page.context.close()


def phone_shot(browser: Browser, url: str, out: Path, months: int) -> None:
    page = open_dashboard(browser, url, PHONE)
    page.locator(".v-app-bar__nav-icon").click()  # the drawer holds Play
    play_to(page, months)
    page.mouse.click(PHONE["width"] - 8, PHONE["height"] // 2)  # closes the drawer
    page.wait_for_timeout(500)
    page.locator(".dashboard-tabs").evaluate("e => e.scrollIntoView()")  # the charts
    shoot(page, out / "dashboard-phone.png")
    page.context.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent)
    parser.add_argument("--months", type=int, default=36, help="months played first")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with running_dashboard() as url, chromium() as browser:
        laptop_shots(browser, url, args.out.resolve(), args.months)
        phone_shot(browser, url, args.out.resolve(), args.months)


if __name__ == "__main__":
    main()
