"""The dashboard's set-up outside the model: the page's address, a run's CSV, the
months to run, a comparison's set-up (out of date, cancelled) and the headline.

No browser: the set-up functions are plain, and the components are rendered with
``solara.render`` (tests/browser/test_state_browser.py drives them in Chromium).
"""

from __future__ import annotations

import threading
import time
from urllib.parse import parse_qs

import ipyvuetify as v
import pandas as pd
import pytest
import solara

from batch_runs.reporting.comparison_figures import main_outcomes
from dashboard.background_runs import (
    Cancelled,
    HeadlineRequest,
    cancellable,
    comparison_request,
    out_of_date,
    run_comparison,
    run_headline,
    use_background_run,
)
from dashboard.controls import ParameterSlider, slider_snap
from dashboard.headline import (
    HEADLINE_REPLICATES,
    EngagementHeadline,
    default_setup,
    effect_words,
    read_headline,
    summarise,
)
from dashboard.session import (
    DEFAULT_SEED,
    MAIN_PARAMETERS,
    DashboardModel,
    RunSettings,
    check_months,
    run_csv,
    settings_from_csv,
    validate_form,
)
from dashboard.url_state import decode_query, encode_query, store_from_query
from model import SCHEMA, ParameterError, load_scenario
from model.export import parse_run_csv
from model.scenarios import DEFAULT_SCENARIO, MAX_MONTHS

SMALL = {"n_citizens": 150}
HUGE_SEED = 2**40


def shown_text(rc) -> str:
    """Every text a rendered component shows (its texts and HTML blocks), one a line."""
    parts: list[str] = []

    def walk(node) -> None:
        if isinstance(node, str):
            parts.append(node)
            return
        if getattr(node, "unsafe_innerHTML", None):
            parts.append(str(node.unsafe_innerHTML))
        for child in getattr(node, "children", None) or []:
            walk(child)

    walk(rc.container)
    return "\n".join(parts)


def small(seed: int = 3, months: int | None = 6, **values) -> RunSettings:
    return RunSettings.from_values(DEFAULT_SCENARIO, seed, SMALL | values, months)


# --- the set-up in the page's address --------------------------------------------------


@pytest.mark.parametrize(
    "settings",
    [
        RunSettings.for_scenario(DEFAULT_SCENARIO),
        RunSettings.for_scenario("history_2003", seed=HUGE_SEED),
        RunSettings.from_values("calibrated", 0, {"oil_volatility": 0.0812345}, 30),
        RunSettings.from_values(DEFAULT_SCENARIO, 7, {"repression": 0.61, "n_citizens": 300}),
    ],
    ids=["default", "history-huge-seed", "calibrated-months", "extra-parameter"],
)
def test_the_address_round_trips_every_set_up(settings: RunSettings) -> None:
    query = encode_query(settings)
    assert decode_query(query) == settings
    keys = parse_qs(query)
    assert {"scenario", "seed", "months", *MAIN_PARAMETERS} <= set(keys)
    assert keys["seed"] == [str(settings.seed)]


def test_an_empty_or_partial_address_gives_the_scenarios_values() -> None:
    assert decode_query(None) == decode_query("") == RunSettings.for_scenario(DEFAULT_SCENARIO)
    partial = decode_query("seed=7&months=24&scenario=history_2003")
    assert partial == RunSettings(
        "history_2003", 7, dict(RunSettings.for_scenario("history_2003").overrides), 24
    )


@pytest.mark.parametrize(
    ("query", "fragment"),
    [
        ("seed=abc", "seed: 'abc' is not allowed"),
        ("seed=-1", "seed"),
        ("months=0", "months: '0' is not allowed"),
        (f"months={MAX_MONTHS + 1}", f"from 1 to {MAX_MONTHS}"),
        ("oil_volatility=9", "'oil_volatility'"),
        ("western_policy=appease", "'western_policy'"),
        ("scenario=nope", "unknown scenario 'nope'"),
        ("scenario=../../etc/passwd.toml", "unknown scenario"),
        ("scenario=model/scenarios/baseline_2011.toml", "unknown scenario"),
        ("colour=blue", "unknown key 'colour'"),
        ("seed=1&seed=2", "'seed' is given twice"),
        ("seed=", "seed"),
    ],
)
def test_an_invalid_address_gives_one_line_and_the_default_set_up(
    query: str, fragment: str
) -> None:
    with pytest.raises(ParameterError, match=None) as caught:
        decode_query(query)
    assert fragment in str(caught.value)
    store = store_from_query(query)
    assert store.settings == RunSettings.for_scenario(DEFAULT_SCENARIO)
    assert fragment in store.notice and "\n" not in store.notice
    assert store_from_query("seed=5").notice is None


# --- the months to run (the horizon) ---------------------------------------------------


def test_months_default_to_the_scenarios_own_and_are_checked() -> None:
    assert RunSettings.for_scenario("history_2003").months == load_scenario("history_2003").months
    assert RunSettings(DEFAULT_SCENARIO, months="36").months == 36
    for bad in (0, MAX_MONTHS + 1, "x", 2.5, True):
        with pytest.raises(ParameterError, match=f"from 1 to {MAX_MONTHS}"):
            check_months(bad)
    settings, errors = validate_form(DEFAULT_SCENARIO, "1", {}, "5000")
    assert settings is None and f"from 1 to {MAX_MONTHS}" in errors["months"]
    settings, errors = validate_form(DEFAULT_SCENARIO, "1", {}, " 24 ")
    assert errors == {} and settings.months == 24


def test_the_run_stops_at_its_months() -> None:
    model = DashboardModel(small(months=4))
    assert model.months == 4
    for _ in range(3):
        model.step()
    assert model.running
    model.step()
    assert not model.running  # Play stops here
    request = comparison_request(model, "engage", "refuse", 2)
    assert request.steps == 4  # a comparison runs the same months


# --- a run's CSV, through the dashboard ------------------------------------------------


def test_a_downloaded_csv_loads_its_set_up_and_reruns_to_the_same_table() -> None:
    settings = small(seed=HUGE_SEED, months=30, oil_volatility=0.0812345, repression=0.61)
    model = DashboardModel(settings)
    model.run(3)
    text = run_csv(model)
    loaded = settings_from_csv("run.csv", text.encode())
    assert loaded == settings
    again = DashboardModel(loaded)
    again.run(3)
    assert run_csv(again) == text  # header and rows, byte for byte
    header, _ = parse_run_csv(text)
    assert (header.months, header.steps, header.seed) == (30, 3, HUGE_SEED)


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (b"\xff\xfe garbage", "not UTF-8"),
        (b"step,date\n0,2011-06\n", "no set-up header"),
        (b"# iran-sim 0.1 run\n# scenario: nope\n# seed: 1\n# steps: 1\nstep\n", "nope"),
        (
            b"# iran-sim 0.1 run\n# scenario: mine\n# scenario file: /x/mine.toml\n# seed: 1\n"
            b"# steps: 1\nstep\n",
            "iran-sim run --from-csv",
        ),
        (
            b"# iran-sim 0.1 run\n# scenario: baseline_2011\n# seed: 1\n# steps: 1\n"
            b"# param n_citizens = 5\nstep\n",
            "'n_citizens'",
        ),
    ],
)
def test_a_bad_upload_is_one_line_naming_the_file(data: bytes, fragment: str) -> None:
    with pytest.raises(ValueError) as caught:
        settings_from_csv("mine.csv", data)
    message = str(caught.value)
    assert message.startswith("mine.csv: ") and fragment in message and "\n" not in message


# --- seeds of 2**32 and more, from the form to the CSV ---------------------------------


def test_a_huge_seed_goes_through_form_model_address_and_csv() -> None:
    values = {name: value for name, value in small().overrides.items() if name in MAIN_PARAMETERS}
    settings, errors = validate_form(DEFAULT_SCENARIO, str(HUGE_SEED), values, "5")
    assert errors == {} and settings.seed == HUGE_SEED
    model = DashboardModel(settings)
    model.run(2)
    assert model.seed == HUGE_SEED and len(model.results()) == 3
    assert decode_query(encode_query(model.run_settings)) == settings
    assert settings_from_csv("x.csv", run_csv(model).encode()) == settings


# --- the comparison: out of date, cancelled --------------------------------------------


def test_a_comparison_is_out_of_date_when_the_set_up_changed_but_not_the_policy() -> None:
    model = DashboardModel(small())
    request = comparison_request(model, "engage", "refuse", 2)
    assert request.setup == model.run_settings
    assert not out_of_date(request, model)
    assert not out_of_date(request, DashboardModel(small(western_policy="engage")))
    assert out_of_date(request, DashboardModel(small(seed=4)))
    assert out_of_date(request, DashboardModel(small(months=7)))
    assert out_of_date(request, DashboardModel(small(oil_volatility=0.2)))


def test_a_cancelled_comparison_stops_between_runs() -> None:
    model = DashboardModel(small(months=3))
    request = comparison_request(model, "engage", "refuse", 6)
    cancel = threading.Event()
    seen: list[tuple[int, int]] = []

    def progress(done: int, total: int) -> None:
        seen.append((done, total))
        if done >= 2:
            cancel.set()

    with pytest.raises(Cancelled):
        run_comparison(request, cancellable(progress, cancel))
    assert seen[-1][0] < 12 and seen[0] == (0, 12)  # stopped early, after the flag was set


def _render_job(run):
    @solara.component
    def Probe() -> None:
        job = use_background_run(run)
        solara.Button("Go", on_click=lambda: job.start(1), classes=["go"])
        solara.Button("Stop", on_click=job.cancel, classes=["stop"])
        state = "cancelled" if job.cancelled else "running" if job.running else "idle"
        solara.Text(f"state {state}")

    return solara.render(Probe(), handle_error=False)


def _slow_runs(total: int, calls: list[int]):
    def run(request: int, progress) -> int:
        for done in range(total):
            calls.append(done)
            progress(done, total)
            time.sleep(0.05)
        return request

    return run


def _start_slow_job(calls: list[int]):
    """A page running a 400-run background job, once three runs are done."""
    _, rc = _render_job(_slow_runs(400, calls))
    rc.find(v.Btn, class_="go").widget.click()
    rc.find(children=["state running"]).wait_for(timeout=30)
    while len(calls) < 3:
        time.sleep(0.01)
    return rc


def test_cancel_stops_a_background_run_early() -> None:
    calls: list[int] = []
    rc = _start_slow_job(calls)
    rc.find(v.Btn, class_="stop").widget.click()
    rc.find(children=["state cancelled"]).wait_for(timeout=30)
    stopped_at = len(calls)
    time.sleep(0.3)
    assert len(calls) == stopped_at < 400
    rc.close()


def test_closing_the_page_cancels_its_background_run() -> None:
    calls: list[int] = []
    rc = _start_slow_job(calls)
    rc.close()  # what Solara does when the browser tab closes
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        before = len(calls)
        time.sleep(0.3)
        if len(calls) == before:
            break
    assert len(calls) < 400
    time.sleep(0.3)
    assert len(calls) == before  # stopped, not only slowed


# --- sliders -------------------------------------------------------------------------------


def test_a_slider_shows_its_value_and_bounds_and_keeps_an_off_grid_value() -> None:
    p = SCHEMA["oil_volatility"]
    received: list[float] = []
    box, rc = solara.render(ParameterSlider(p, 0.0812345, received.append), handle_error=False)
    lines = shown_text(rc).splitlines()
    assert any(line.endswith(": 0.08123") for line in lines)  # the value, exactly enough
    assert "0" in lines and "0.5" in lines  # the bounds at both ends
    slider = rc.find(v.Slider).widget
    assert (slider.min, slider.max) == (p.low, p.high)
    slider.v_model = slider_snap(p, 0.0812345)  # the browser's slider moving it to its grid
    assert received == []
    slider.v_model = 0.1  # the user's move
    assert received == [0.1]
    rc.close()


# --- the headline --------------------------------------------------------------------------


def test_the_shipped_headline_is_the_default_set_ups_and_is_reproduced() -> None:
    shipped = read_headline()
    assert shipped is not None, "regenerate it: python -m dashboard.headline"
    assert shipped.setup == default_setup()
    model = DashboardModel(default_setup())
    outcomes = main_outcomes(model)
    assert shipped.pairs["replicate"].nunique() == HEADLINE_REPLICATES
    assert list(dict.fromkeys(shipped.pairs["outcome"])) == [o.column for o in outcomes]
    # Two of its pairs run again give the same numbers (else: python -m dashboard.headline).
    again = run_headline(HeadlineRequest(default_setup().without_policy(), 2, outcomes))
    kept = shipped.pairs[shipped.pairs["replicate"] < 2].reset_index(drop=True)
    pd.testing.assert_frame_equal(again, kept, check_exact=False, rtol=1e-12)


def test_the_headline_sums_up_pairs_in_words() -> None:
    pairs = pd.DataFrame(
        {
            "replicate": [0, 1, 2],
            "seed": [1, 2, 3],
            "outcome": ["x"] * 3,
            "engage": [0.2, 0.3, 0.25],
            "refuse": [0.5, 0.6, 0.55],
            "difference": [-0.3, -0.3, -0.31],
        }
    )
    row = summarise(pairs).loc["x"]
    assert row["n"] == 3 and row["difference"] == pytest.approx(-0.30333, abs=1e-4)
    assert effect_words(row).startswith("0.303 lower (95% CI 0.")
    row = row.copy()
    row[["difference", "ci_low", "ci_high"]] = [0.01, -0.02, 0.04]
    assert effect_words(row).startswith("about the same (+0.010")


def test_the_headline_shows_at_once_for_the_default_set_up_and_computes_others() -> None:
    box, rc = solara.render(EngagementHeadline(DashboardModel(default_setup())), handle_error=False)
    text = shown_text(rc)
    assert "Engaging rather than refusing" in text and "shipped results" in text
    rc.close()
    box, rc = solara.render(EngagementHeadline(DashboardModel(small(months=3))), handle_error=False)
    deadline = time.monotonic() + 120
    while "runs of this set-up" not in shown_text(rc):
        assert time.monotonic() < deadline, "the headline of a new set-up never came"
        time.sleep(0.2)
    assert "after 3 months" in shown_text(rc)
    rc.close()


def test_default_seed_is_the_form_default() -> None:
    assert RunSettings.for_scenario(DEFAULT_SCENARIO).seed == DEFAULT_SEED


def test_the_card_lists_what_a_reset_would_change() -> None:
    """The notice of a changed set-up names the changes (a few, then a count): seed,
    months, then each parameter, and another scenario first."""
    from dataclasses import replace

    from dashboard.controls import CHANGES_LISTED, RunSetup
    from dashboard.session import SettingsStore

    shown = RunSettings.for_scenario(DEFAULT_SCENARIO)
    edited = replace(shown, seed=7, months=12, overrides={**shown.overrides, "n_citizens": 20000})
    assert edited.differences(shown) == ["seed 7", "12 months", "n_citizens = 20000"]
    assert shown.differences(shown) == []
    other = RunSettings.for_scenario("history_2003")
    assert other.differences(shown)[:2] == ["scenario history_2003", "76 months"]

    box, rc = solara.render(RunSetup(SettingsStore(edited), shown), handle_error=False)
    notice = rc.find(v.Alert, class_="form-changed").widget.children[0]
    assert notice.startswith("Changed (seed 7, 12 months, n_citizens = 20000): press Reset")
    rc.close()
    box, rc = solara.render(RunSetup(SettingsStore(other), shown), handle_error=False)
    notice = rc.find(v.Alert, class_="form-changed").widget.children[0]
    changes = other.differences(shown)
    listed = ", ".join(changes[:CHANGES_LISTED])
    assert f"({listed} and {len(changes) - CHANGES_LISTED} more): press Reset" in notice
    rc.close()
    box, rc = solara.render(RunSetup(SettingsStore(shown), shown), handle_error=False)
    assert rc.find(v.Alert, class_="form-changed").widgets == []
    rc.close()
