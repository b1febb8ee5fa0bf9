"""The dashboard in a real browser (Debian's Chromium driven by Playwright).

Each test opens its own page (its own Solara session and model). The tests also write
the README's screenshots to docs/images/.
"""

from __future__ import annotations

import io
import os
import time
from pathlib import Path

import pandas as pd
import pytest
from browser_pages import LOAD_TIMEOUT_MS, UPDATE_TIMEOUT_MS, WatchedPage
from playwright.sync_api import Browser, Page, expect

from dashboard.session import DashboardModel, RunSettings
from model.export import parse_run_csv
from model.scenarios import DEFAULT_SCENARIO

IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"
TIME_CHARTS = ("balance", "legitimacy", "population", "sanctions", "nuclear")


class Dashboard(WatchedPage):
    """One browser session of the dashboard, with the console errors it logged."""

    def __init__(self, page: Page, url: str) -> None:
        super().__init__(page)
        page.goto(url)
        page.wait_for_selector(".chart-balance .js-plotly-plot", timeout=LOAD_TIMEOUT_MS)
        page.wait_for_selector(".chart-network .js-plotly-plot", timeout=LOAD_TIMEOUT_MS)

    @property
    def month(self) -> str:
        return self.page.locator(".month-status .month").inner_text()

    def wait_for_step(self, step: int) -> None:
        """Until the month line and every chart show month ``step``."""
        self.page.wait_for_function(
            """([step, charts]) => {
                const status = document.querySelector('.month-status .step');
                if (!status || status.textContent !== String(step)) return false;
                const monthNode = document.querySelector('.month-status .month');
                if (!monthNode) return false;  // the page may be re-rendering it
                const month = monthNode.textContent;
                for (const c of charts) {
                    const plot = document.querySelector(`.chart-${c} .js-plotly-plot`);
                    if (!plot || !plot.data || plot.data[0].x.length !== step + 1) return false;
                }
                const title = document.querySelector('.chart-network .js-plotly-plot .gtitle');
                return !!title && title.textContent.endsWith(month);
            }""",
            arg=[step, list(TIME_CHARTS)],
            timeout=UPDATE_TIMEOUT_MS,
        )

    def click_step(self) -> None:
        before = self.step
        self.button("Step").click()
        self.wait_for_step(before + 1)

    def trace_y(self, chart: str) -> dict[str, list[float]]:
        """The y values of every trace of a chart, by trace name."""
        return self.page.evaluate(
            f"""() => Object.fromEntries(
                document.querySelector('.chart-{chart} .js-plotly-plot').data
                    .map(t => [t.name, Array.from(t.y)]))"""
        )

    def choose(self, control_class: str, option: str) -> None:
        """Pick ``option`` in a select of the run set-up form."""
        self.page.locator(f".{control_class} .v-select__slot").click()
        self.page.locator(".v-menu__content.menuable__content__active .v-list-item").filter(
            has_text=option
        ).first.click()

    def open_tab(self, title: str) -> None:
        self.page.get_by_role("tab", name=title).click()

    def screenshot(self, name: str, height: int | None = None) -> None:
        """Write a README screenshot to docs/images/ (optionally a taller window), only
        when asked (IRAN_SIM_SCREENSHOTS=1): a test run never changes tracked files."""
        if os.environ.get("IRAN_SIM_SCREENSHOTS") != "1":
            return
        IMAGES.mkdir(parents=True, exist_ok=True)
        if height:
            self.page.set_viewport_size({"width": 1600, "height": height})
            time.sleep(0.5)
        self.page.screenshot(path=str(IMAGES / name))

    def assert_no_errors(self) -> None:
        assert self.errors == []
        assert self.page.get_by_text("Traceback").count() == 0


@pytest.fixture()
def dash(dashboard, page: Page) -> Dashboard:
    return Dashboard(page, dashboard.url)


def test_page_loads_without_errors(dash: Dashboard, dashboard) -> None:
    page = dash.page
    expect(page.get_by_text("Run set-up")).to_be_visible()
    assert dash.month == "2011-06"
    assert dash.step == 0
    assert page.locator(".chart-grid .js-plotly-plot").count() == 6
    for chart in ("balance", "legitimacy", "population", "sanctions", "nuclear", "network"):
        assert page.locator(f".chart-{chart} .js-plotly-plot .gtitle").count() == 1
    time.sleep(1)
    dash.assert_no_errors()
    assert "Traceback" not in dashboard.output()


def test_step_advances_month_and_charts(dash: Dashboard) -> None:
    before = dash.trace_y("population")
    dash.click_step()
    assert dash.month == "2011-07"
    after = dash.trace_y("population")
    assert all(len(after[name]) == len(before[name]) + 1 for name in before)
    dash.click_step()
    assert dash.month == "2011-08"
    title = dash.page.locator(".chart-network .js-plotly-plot .gtitle").text_content()
    assert "2011-08" in title
    dash.assert_no_errors()


def _settled_step(dash: Dashboard, tries: int = 15) -> int:
    """The month once it has stayed the same for two seconds (fails if it never does)."""
    for _ in range(tries):
        before = dash.step
        time.sleep(2.0)
        if dash.step == before:
            return before
    raise AssertionError("the month kept moving after Pause")


def test_play_advances_and_pause_stops(dash: Dashboard) -> None:
    dash.button("▶").click()
    dash.page.wait_for_function(
        """() => {
            const status = document.querySelector('.month-status .step');
            return !!status && +status.textContent >= 36;  // absent while it re-renders
        }""",
        timeout=120_000,
    )
    dash.button("❚❚").click()
    # On a loaded machine the pause reaches the server late, and a month already under
    # way when Pause was clicked still finishes: wait until the month stops moving.
    expect(dash.button("Step")).to_be_enabled(timeout=30_000)
    paused_at = _settled_step(dash)
    time.sleep(2.0)
    assert dash.step == paused_at
    dash.wait_for_step(paused_at)
    dash.screenshot("dashboard-simulation.png", height=1900)
    dash.open_tab("Event log")
    expect(dash.page.locator("table.event-log")).to_be_visible()
    assert dash.page.locator("table.event-log tbody tr").count() > 0
    dash.screenshot("dashboard-event-log.png", height=1000)
    dash.assert_no_errors()


def test_policy_change_then_reset_changes_trajectories(dash: Dashboard) -> None:
    for _ in range(4):
        dash.click_step()
    before = dash.trace_y("balance")
    dash.choose("param-western_policy", "engage")
    expect(dash.page.get_by_text("press Reset")).to_be_visible()
    dash.button("Reset").click()
    dash.wait_for_step(0)
    expect(dash.page.locator(".month-status")).to_contain_text("policy engage")
    for _ in range(4):
        dash.click_step()
    after = dash.trace_y("balance")
    faction = next(name for name in before if name.startswith("Hardliners"))
    assert len(after[faction]) == len(before[faction]) == 5
    assert after[faction] != before[faction]
    assert "talks opened" in after  # engage accepted the scripted offer of month 1
    dash.assert_no_errors()


def test_invalid_input_shows_a_message(dash: Dashboard) -> None:
    seed = dash.page.locator(".seed-input input")
    seed.fill("abc")
    seed.press("Enter")
    expect(dash.page.get_by_text("expected a whole number >= 0").first).to_be_visible()
    expect(dash.page.locator(".form-errors")).to_be_visible()
    citizens = dash.page.locator(".param-n_citizens input")
    citizens.fill("5")
    citizens.press("Enter")
    expect(dash.page.get_by_text("is out of range; allowed [100, 1000000]")).to_be_visible()
    dash.button("Reset").click()  # keeps the last valid set-up
    dash.wait_for_step(0)
    dash.click_step()
    dash.assert_no_errors()


def test_comparison_panel_shows_both_runs(dash: Dashboard) -> None:
    dash.open_tab("Engage vs refuse")
    dash.page.get_by_role("button", name="Run comparison").click()
    result = dash.page.locator(".comparison-result .js-plotly-plot").first
    expect(result).to_be_visible(timeout=120_000)
    names = dash.page.evaluate(
        """() => document.querySelector('.comparison-result .js-plotly-plot').data
            .filter(t => t.showlegend !== false).map(t => t.name)"""
    )
    assert "A: engage (mean)" in names
    assert "B: refuse (mean)" in names
    expect(dash.page.get_by_text("A − B").first).to_be_visible()
    time.sleep(0.5)
    dash.screenshot("dashboard-comparison.png", height=1500)
    dash.assert_no_errors()


def test_csv_download_is_the_run(dash: Dashboard) -> None:
    for _ in range(3):
        dash.click_step()
    with dash.page.expect_download() as info:
        dash.page.get_by_text("Download CSV of this run").click()
    download = info.value
    assert download.suggested_filename.endswith(".csv")
    text = Path(download.path()).read_text(encoding="utf-8")
    frame = pd.read_csv(io.StringIO(text), comment="#")
    expected = DashboardModel(RunSettings.for_scenario(DEFAULT_SCENARIO))
    expected.run(3)
    assert list(frame.columns) == list(expected.results().columns)
    assert list(frame["step"]) == [0, 1, 2, 3]
    # The table after the set-up's header block is exactly the run's.
    assert parse_run_csv(text)[1] == expected.results().to_csv(index=False)
    dash.assert_no_errors()


def test_two_sessions_step_independently(dashboard, browser: Browser) -> None:
    one = browser.new_context(viewport={"width": 1600, "height": 1000})
    two = browser.new_context(viewport={"width": 1600, "height": 1000})
    try:
        first = Dashboard(one.new_page(), dashboard.url)
        second = Dashboard(two.new_page(), dashboard.url)
        first.click_step()
        first.click_step()
        time.sleep(0.5)
        assert second.step == 0
        second.click_step()
        assert first.step == 2
        assert second.step == 1
        first.assert_no_errors()
        second.assert_no_errors()
    finally:
        one.close()
        two.close()


def test_about_page_shows_the_check_against_history(dash: Dashboard) -> None:
    dash.open_tab("About the model")
    expect(dash.page.get_by_text("Grounded in history: January 2003 to May 2009")).to_be_visible()
    expect(dash.page.locator(".grounding table").first).to_be_visible()
