"""Dashboard latency: time from clicking Step to the charts showing the new month.

Starts the dashboard as ``iran-sim dashboard`` does (Solara in production mode, on a
free port of 127.0.0.1), opens it in Debian's Chromium (Playwright), and for each of
``--steps`` clicks measures the wall time until every chart of the simulation page
shows the new month (the factional balance, legitimacy, population, sanctions and
nuclear charts have one more point; the network view's title names the new month).
Prints every time and the median; the target is a median under 300 ms with the
default 2,000 citizens.

    .venv/bin/python benchmarks/dashboard_latency.py [--steps 20] [--warmup 3]
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
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cli.dashboard import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    dashboard_environment,
    solara_command,
)

TIME_CHARTS = ("balance", "legitimacy", "population", "sanctions", "nuclear")

# True once every chart shows month ``step`` (and the month line says so).
SHOWN = """([step, charts, date]) => {
    const status = document.querySelector('.month-status .step');
    if (!status || status.textContent !== String(step)) return false;
    for (const c of charts) {
        const plot = document.querySelector(`.chart-${c} .js-plotly-plot`);
        if (!plot || !plot.data || plot.data[0].x.length !== step + 1) return false;
    }
    const title = document.querySelector('.chart-network .js-plotly-plot .gtitle');
    return !!title && title.textContent.includes(date);
}"""


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


def month_after(date: str) -> str:
    year, month = (int(x) for x in date.split("-"))
    index = year * 12 + month  # month is 1-based: this is the next month's 0-based index
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def measure(url: str, steps: int, warmup: int) -> list[float]:
    """Seconds from each Step click to every chart showing the new month."""
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1600, "height": 1900})
        page.goto(url)
        page.wait_for_selector(".chart-network .js-plotly-plot", timeout=120_000)
        button = page.get_by_role("button", name="Step", exact=True)
        times = []
        for i in range(warmup + steps):
            step = int(page.locator(".month-status .step").inner_text()) + 1
            date = month_after(page.locator(".month-status .month").inner_text())
            start = time.perf_counter()
            button.click()
            page.wait_for_function(SHOWN, arg=[step, list(TIME_CHARTS), date], polling="raf")
            elapsed = time.perf_counter() - start
            if i >= warmup:
                times.append(elapsed)
        browser.close()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=20, help="timed clicks (default 20)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed clicks first (default 3)")
    args = parser.parse_args()
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    with tempfile.TemporaryFile() as log:
        server = subprocess.Popen(
            solara_command("127.0.0.1", port),
            env=dashboard_environment(),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_for_server(url, server)
            times = measure(url, args.steps, args.warmup)
        finally:
            server.terminate()
            server.wait(timeout=15)
    ms = [round(1000 * t) for t in times]
    print(f"Step -> all charts show the new month, {len(ms)} clicks (ms): {ms}")
    print(
        f"median {statistics.median(ms):.0f} ms, min {min(ms)} ms, max {max(ms)} ms "
        "(target: median < 300 ms, 2,000 citizens)"
    )


if __name__ == "__main__":
    main()
