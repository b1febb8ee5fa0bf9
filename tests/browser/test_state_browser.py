"""The run set-up outside the page, in a real browser (Debian's Chromium, Playwright).

The set-up in the page's address (a shared link, a reload), the CSV download with its
set-up and its upload back into the form, a seed of 2**40, the engage-vs-refuse
headline on the first screen, and a comparison that knows when it is out of date and
can be cancelled. Each test opens its own page (its own Solara session and model).
"""

from __future__ import annotations

import time
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlparse

import pytest
from browser_pages import UPDATE_TIMEOUT_MS, WatchedPage
from playwright.sync_api import Page, expect

from dashboard.session import DashboardModel, RunSettings
from model.export import parse_run_csv

HUGE_SEED = 2**40
# A set-up off the sliders' grid (0.0812345), a horizon other than the scenario's and a
# small population, so that runs are quick.
SET_UP = {
    "scenario": "baseline_2011",
    "seed": "99",
    "months": "30",
    "oil_volatility": "0.0812345",
    "n_citizens": "300",
}


class Session(WatchedPage):
    """One browser tab of the dashboard, for a set-up's state (URL, form, files)."""

    @property
    def status(self) -> str:
        return self.page.locator(".month-status").inner_text()

    def field(self, css_class: str):
        return self.page.locator(f".{css_class} input")

    def type_into(self, css_class: str, text: str, listed: str) -> None:
        """Type ``text`` into a field, then wait until the server has it: the card's
        notice of a changed set-up lists ``listed`` (a Reset sent before then could
        overtake the value, which the browser sends once the last update is answered)."""
        box = self.field(css_class)
        box.fill(text)
        box.press("Enter")
        expect(self.page.locator(".form-changed")).to_contain_text(listed)

    def reset(self) -> None:
        self.button("Reset").click()
        self.page.wait_for_function(
            "() => { const s = document.querySelector('.month-status .step');"
            " return !!s && s.textContent === '0'; }",
            timeout=UPDATE_TIMEOUT_MS,
        )

    def query(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(urlparse(self.page.url).query).items()}

    def assert_no_errors(self) -> None:
        assert self.errors == []
        assert self.page.get_by_text("Traceback").count() == 0


def url_of(base: str, **query: str) -> str:
    return f"{base}?{urlencode(query)}"


def drop_file(page: Page, target: str, path: Path) -> None:
    """Drop a file from disk onto ``target`` as a user's drag from the file manager does
    (Chromium's own drag events, through the DevTools protocol)."""
    page.locator(target).scroll_into_view_if_needed()
    box = page.locator(target).bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    cdp = page.context.new_cdp_session(page)
    data = {"items": [], "files": [str(path)], "dragOperationsMask": 1}
    for kind in ("dragEnter", "dragOver", "drop"):
        cdp.send("Input.dispatchDragEvent", {"type": kind, "x": x, "y": y, "data": data})


@pytest.fixture()
def open_session(dashboard, page: Page):
    def opener(**query: str) -> Session:
        return Session(page, url_of(dashboard.url, **query) if query else dashboard.url)

    return opener


def test_the_address_sets_the_form_survives_a_reload_and_follows_reset(open_session) -> None:
    s = open_session(**SET_UP)
    expect(s.page.locator(".month-status")).to_contain_text("seed 99")
    assert "scenario baseline_2011" in s.status and "300 citizens" in s.status
    assert s.field("seed-input").input_value() == "99"
    assert s.field("months-input").input_value() == "30"
    expect(s.page.locator(".param-oil_volatility .slider-label")).to_have_text(
        "Oil volatility: 0.08123"
    )
    # The form is the run on screen: the slider kept the off-grid value.
    expect(s.page.get_by_text("press Reset")).to_have_count(0)
    x_axis = s.page.evaluate(
        "() => document.querySelector('.chart-balance .js-plotly-plot').layout.xaxis.range"
    )
    assert x_axis is not None  # the axes span the run's 30 months
    s.page.reload()
    s.wait_loaded()
    expect(s.page.locator(".month-status")).to_contain_text("seed 99")
    assert s.field("months-input").input_value() == "30"
    s.type_into("seed-input", "123", "seed 123")
    s.type_into("months-input", "12", "12 months")
    s.reset()
    s.page.wait_for_url("**seed=123**", timeout=UPDATE_TIMEOUT_MS)
    query = s.query()
    assert (query["seed"], query["months"], query["oil_volatility"]) == ("123", "12", "0.0812345")
    s.page.reload()
    s.wait_loaded()
    expect(s.page.locator(".month-status")).to_contain_text("seed 123")
    s.assert_no_errors()


def test_an_invalid_address_shows_one_message_and_the_defaults(open_session) -> None:
    s = open_session(seed="abc", months="24")
    expect(s.page.locator(".url-notice")).to_contain_text("seed: 'abc' is not allowed")
    expect(s.page.locator(".month-status")).to_contain_text("seed 2011")
    assert s.field("months-input").input_value() == "120"
    s.assert_no_errors()


def test_csv_download_records_its_set_up_and_uploads_back(
    open_session, tmp_path: Path, dashboard
) -> None:
    s = open_session(**SET_UP)
    for _ in range(3):
        s.click_step()
    with s.page.expect_download() as info:
        s.page.get_by_text("Download CSV of this run").click()
    path = tmp_path / "download.csv"
    info.value.save_as(path)
    header, table = parse_run_csv(path.read_text(encoding="utf-8"))
    assert (header.scenario, header.seed, header.months, header.steps) == (
        "baseline_2011",
        99,
        30,
        3,
    )
    assert header.parameters["oil_volatility"] == 0.0812345
    values = {"oil_volatility": 0.0812345, "n_citizens": 300}
    settings = RunSettings.from_values("baseline_2011", 99, values, 30)
    expected = DashboardModel(settings)
    expected.run(3)
    assert table == expected.results().to_csv(index=False)  # the same rows

    s.open(dashboard.url)  # a new session with the default set-up
    expect(s.page.locator(".month-status")).to_contain_text("seed 2011")
    drop_file(s.page, ".csv-upload .solara-file-drop", path)
    expect(s.page.locator(".upload-done")).to_contain_text("download.csv")
    assert s.field("seed-input").input_value() == "99"
    assert s.field("months-input").input_value() == "30"
    expect(s.page.locator(".param-oil_volatility .slider-label")).to_contain_text("0.08123")
    expect(s.page.get_by_text("press Reset")).to_be_visible()
    s.reset()
    expect(s.page.locator(".month-status")).to_contain_text("seed 99")
    s.page.wait_for_url("**seed=99**", timeout=UPDATE_TIMEOUT_MS)

    bad = tmp_path / "plain.csv"
    bad.write_text("step,date\n0,2011-06\n")
    drop_file(s.page, ".csv-upload .solara-file-drop", bad)
    expect(s.page.locator(".upload-error")).to_contain_text("plain.csv: not a run CSV")
    s.assert_no_errors()


def _charts_drawn(s: Session) -> None:
    s.click_step()
    s.page.wait_for_selector(".chart-network .js-plotly-plot", timeout=UPDATE_TIMEOUT_MS)
    count = s.page.evaluate(
        "() => document.querySelector('.chart-network .js-plotly-plot').data.length"
    )
    assert count > 0


def test_a_seed_of_2_to_the_40_works_from_the_form_and_the_address(open_session) -> None:
    s = open_session(n_citizens="300")
    s.type_into("seed-input", str(HUGE_SEED), f"seed {HUGE_SEED}")
    expect(s.page.locator(".form-errors")).to_have_count(0)
    s.reset()
    expect(s.page.locator(".month-status")).to_contain_text(f"seed {HUGE_SEED}")
    _charts_drawn(s)
    s.page.wait_for_url(f"**seed={HUGE_SEED}**", timeout=UPDATE_TIMEOUT_MS)
    s.page.reload()
    s.wait_loaded()
    expect(s.page.locator(".month-status")).to_contain_text(f"seed {HUGE_SEED}")
    _charts_drawn(s)
    with s.page.expect_download() as info:
        s.page.get_by_text("Download CSV of this run").click()
    header, _ = parse_run_csv(Path(info.value.path()).read_text(encoding="utf-8"))
    assert header.seed == HUGE_SEED
    s.assert_no_errors()


def test_the_headline_is_on_the_first_screen_without_a_click(open_session) -> None:
    s = open_session()
    headline = s.page.locator(".engagement-headline")
    expect(headline).to_contain_text("Engaging rather than refusing", timeout=UPDATE_TIMEOUT_MS)
    expect(headline).to_contain_text("shipped results")
    box = headline.bounding_box()
    assert box is not None and box["y"] + 40 < s.page.viewport_size["height"]
    s.assert_no_errors()


def test_the_headline_of_another_set_up_is_computed(open_session) -> None:
    s = open_session(n_citizens="300", months="12")
    headline = s.page.locator(".engagement-headline")
    expect(headline).to_contain_text("after 12 months", timeout=120_000)
    expect(headline).to_contain_text("runs of this set-up")
    s.assert_no_errors()


def test_a_comparison_marks_itself_out_of_date_and_can_be_cancelled(open_session) -> None:
    s = open_session(n_citizens="300", months="12")
    s.page.get_by_role("tab", name="Engage vs refuse").click()
    s.page.get_by_role("button", name="Run comparison").click()
    expect(s.page.locator(".comparison-result .js-plotly-plot").first).to_be_visible(
        timeout=120_000
    )
    expect(s.page.locator(".comparison-setup")).to_contain_text("seed 2011")
    expect(s.page.locator(".comparison-stale")).to_have_count(0)

    # Another policy for the run on screen: each arm sets its own, still up to date.
    s.page.locator(".param-western_policy .v-select__slot").click()
    s.page.locator(".v-menu__content.menuable__content__active .v-list-item").filter(
        has_text="engage"
    ).first.click()
    s.reset()
    expect(s.page.locator(".month-status")).to_contain_text("policy engage")
    expect(s.page.locator(".comparison-stale")).to_have_count(0)

    # Another seed: out of date, and the note still says what it was run with.
    s.type_into("seed-input", "7", "seed 7")
    s.reset()
    expect(s.page.locator(".comparison-stale")).to_contain_text("Out of date")
    expect(s.page.locator(".comparison-setup")).to_contain_text("seed 2011")

    # A long rerun, cancelled: it stops early and says how far it got.
    s.type_into("param-n_citizens", "20000", "n_citizens = 20000")
    s.type_into("months-input", "240", "240 months")
    s.reset()
    s.page.locator(".rerun-comparison").click()
    expect(s.page.locator(".comparison-progress")).to_be_visible(timeout=UPDATE_TIMEOUT_MS)
    s.page.locator(".cancel-comparison").click()
    cancelled = s.page.locator(".comparison-cancelled")
    expect(cancelled).to_contain_text("Cancelled after", timeout=60_000)
    words = cancelled.inner_text().split("after ")[1].split(" runs")[0]
    done, total = (int(x) for x in words.split(" of "))
    assert done < total == 40
    time.sleep(1)
    s.assert_no_errors()  # no "no comm channel defined" from the first result's charts
