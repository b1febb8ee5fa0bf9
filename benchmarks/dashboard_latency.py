"""Dashboard speed: time to usable after opening the page, and Step to updated charts.

Starts the dashboard as ``iran-sim dashboard`` does (Solara in production mode, on a
free port of 127.0.0.1) and opens it in Debian's Chromium (Playwright):

- *time to usable*: for ``--loads`` fresh sessions (a new browser context each), the
  wall time from ``page.goto`` until the Step button and the first chart are visible
  (at 1440x900). The first load after the server starts also loads plotly.js into the
  browser's cache; later loads are what a returning analyst sees. Target: under 3 s.
- *Step latency*: for each of ``--steps`` clicks, the wall time until every chart of
  the simulation page shows the new month (the factional balance, sanctions,
  legitimacy, population and nuclear charts have one more point; the network view's
  title names the new month). Target: a median under 200 ms with 2,000 citizens.

Prints every time and the medians. The machine is shared, so absolute times move with
its load: to compare two versions, give the other one's folder as ``--baseline`` (a copy
of the project, e.g. ``git archive`` of an older commit); both servers then run at once
and the measurements alternate between them, and the ratios are printed.

    .venv/bin/python benchmarks/dashboard_latency.py [--loads 5] [--steps 20] [--warmup 3]
        [--baseline DIR] [--rounds 3]
"""

from __future__ import annotations

import argparse
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Browser, sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cli.dashboard import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    dashboard_environment,
    solara_command,
)

TIME_CHARTS = ("balance", "sanctions", "legitimacy", "population", "nuclear")
FIRST_CHART = ".chart-balance .js-plotly-plot"
LOAD_VIEWPORT = {"width": 1440, "height": 900}
TIMEOUT_MS = 120_000

# The moment (page clock) every chart shows month ``step`` and the month line says so;
# false until then.
SHOWN = """([step, charts, date]) => {
    const status = document.querySelector('.month-status .step');
    if (!status || status.textContent !== String(step)) return false;
    for (const c of charts) {
        const plot = document.querySelector(`.chart-${c} .js-plotly-plot`);
        if (!plot || !plot.data || plot.data[0].x.length !== step + 1) return false;
    }
    const title = document.querySelector('.chart-network .js-plotly-plot .gtitle');
    return !!title && title.textContent.includes(date) && performance.now();
}"""
# Records the moment (page clock) the browser gets each click: the latency a user sees
# starts there, not when Playwright starts checking that the button can be clicked.
CLICK_CLOCK = """() => document.addEventListener('click', () => {
    window.__clickedAt = performance.now(); }, {capture: true})"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_server(url: str, server: subprocess.Popen, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("the dashboard server exited before answering")
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.5)
    raise SystemExit("the dashboard server did not answer in time")


@contextmanager
def running_dashboard(project: Path | None = None) -> Iterator[str]:
    """A dashboard server on a free port of 127.0.0.1, as ``iran-sim dashboard`` starts
    it (of this project, or of the copy in ``project``); yields its address and stops
    it on exit."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    command, env = solara_command("127.0.0.1", port), dashboard_environment()
    if project is not None:
        command[command.index("run") + 1] = str(project / "server.py")
        env["PYTHONPATH"] = str(project)  # its packages, not the installed ones
    with tempfile.TemporaryFile() as log:
        server = subprocess.Popen(
            command, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=project
        )
        try:
            wait_for_server(url, server)
            yield url
        finally:
            server.terminate()
            server.wait(timeout=15)


@contextmanager
def chromium() -> Iterator[Browser]:
    """Debian's Chromium, headless, with the project's offline flags."""
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def month_after(date: str) -> str:
    year, month = (int(x) for x in date.split("-"))
    index = year * 12 + month  # month is 1-based: this is the next month's 0-based index
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def time_to_usable(browser: Browser, url: str, loads: int) -> list[float]:
    """Seconds from opening the page to the Step button and the first chart in sight,
    for ``loads`` fresh sessions one after another."""
    times = []
    for _ in range(loads):
        context = browser.new_context(viewport=LOAD_VIEWPORT)
        page = context.new_page()
        start = time.perf_counter()
        page.goto(url)
        page.get_by_role("button", name="Step", exact=True).wait_for(timeout=TIMEOUT_MS)
        page.locator(FIRST_CHART).wait_for(timeout=TIMEOUT_MS)
        times.append(time.perf_counter() - start)
        context.close()
    return times


def step_latency(
    browser: Browser, url: str, steps: int, warmup: int
) -> tuple[list[float], list[float]]:
    """Seconds from each Step click to every chart showing the new month: from the
    moment the browser gets the click, and (as measured before 2026-12-02) from the
    moment Playwright is asked to click, which adds its checks that the button can be
    clicked."""
    page = browser.new_page(viewport={"width": 1600, "height": 1900})
    page.goto(url)
    page.wait_for_selector(".chart-network .js-plotly-plot", timeout=TIMEOUT_MS)
    page.evaluate(CLICK_CLOCK)
    button = page.get_by_role("button", name="Step", exact=True)
    in_page, with_playwright = [], []
    for i in range(warmup + steps):
        step = int(page.locator(".month-status .step").inner_text()) + 1
        date = month_after(page.locator(".month-status .month").inner_text())
        start = time.perf_counter()
        button.click()
        shown = page.wait_for_function(SHOWN, arg=[step, list(TIME_CHARTS), date], polling="raf")
        elapsed = time.perf_counter() - start
        if i >= warmup:
            clicked = page.evaluate("() => window.__clickedAt")
            in_page.append((shown.json_value() - clicked) / 1000)
            with_playwright.append(elapsed)
    page.close()
    return in_page, with_playwright


def report(what: str, seconds: list[float], target: str) -> float:
    """Print the times and their median (returned, in ms)."""
    ms = [round(1000 * t) for t in seconds]
    median = statistics.median(ms)
    print(f"{what}, {len(ms)} times (ms): {ms}")
    print(f"  median {median:.0f} ms, min {min(ms)} ms, max {max(ms)} ms ({target})")
    return median


LOAD_TARGET = "target: < 3 s"
STEP_TARGET = "target: median < 200 ms, 2,000 citizens"
# What is measured, by key: its title in the report and its target.
MEASURES = {
    "load": ("Open -> Step button and first chart visible", LOAD_TARGET),
    "step": ("Step -> all charts show the new month, from the click", STEP_TARGET),
    "step+": ("Step -> all charts, from Playwright's click call (before 2026-12-02)", ""),
}


def measure(browser: Browser, url: str, args: argparse.Namespace) -> dict[str, list[float]]:
    """The page loads, then the Steps, of one dashboard."""
    times = {}
    if args.loads > 0:
        times["load"] = time_to_usable(browser, url, args.loads)
    if args.steps > 0:
        times["step"], times["step+"] = step_latency(browser, url, args.steps, args.warmup)
    return times


def measure_alone(args: argparse.Namespace) -> None:
    with running_dashboard() as url, chromium() as browser:
        times = measure(browser, url, args)
    for kind, seconds in times.items():
        report(*MEASURES[kind][:1], seconds, MEASURES[kind][1])


def measure_against(args: argparse.Namespace, baseline: Path) -> None:
    """This version and ``baseline`` served at once, measured in alternation over
    ``--rounds`` rounds (each round: the page loads, then the Steps, of both)."""
    times: dict[tuple[str, str], list[float]] = {}
    with (
        running_dashboard() as url,
        running_dashboard(baseline) as base_url,
        chromium() as browser,
    ):
        for _ in range(args.rounds):
            for name, address in (("this", url), ("baseline", base_url)):
                for kind, seconds in measure(browser, address, args).items():
                    times.setdefault((name, kind), []).extend(seconds)
    medians = {}
    for (name, kind), seconds in sorted(times.items(), key=lambda item: item[0][1]):
        title, target = MEASURES[kind]
        medians[name, kind] = report(f"{name}: {title}", seconds, target)
    for kind in MEASURES:
        if ("this", kind) in medians:
            ratio = medians["baseline", kind] / medians["this", kind]
            print(f"{kind}: baseline / this = {ratio:.1f}x (medians, measured together)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--loads", type=int, default=5, help="timed page loads (default 5)")
    parser.add_argument("--steps", type=int, default=20, help="timed clicks (default 20)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed clicks first (default 3)")
    parser.add_argument("--baseline", type=Path, help="another copy of the project to compare")
    parser.add_argument("--rounds", type=int, default=3, help="alternations with --baseline")
    args = parser.parse_args()
    if args.baseline is None:
        measure_alone(args)
    elif not (args.baseline / "server.py").is_file():
        raise SystemExit(f"--baseline {args.baseline}: no server.py there")
    else:
        measure_against(args, args.baseline.resolve())


if __name__ == "__main__":
    main()
