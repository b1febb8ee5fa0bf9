"""Browser-test fixtures: a Solara server for the dashboard and Debian's Chromium.

The server is started once per test session, as ``iran-sim dashboard`` starts it
(``cli.dashboard.solara_command``: production mode, telemetry off, offline), on a free
port of 127.0.0.1. Chromium is the system's (``/usr/bin/chromium``), never a download.
"""

from __future__ import annotations

import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import expect

from cli.dashboard import CHROMIUM, CHROMIUM_ARGS, dashboard_environment, solara_command

STARTUP_TIMEOUT_S = 120


# The browser tests share two cores with the rest of the suite (pytest-xdist): give the
# page longer than Playwright's default 5 s before an expectation counts as failed.
expect.set_options(timeout=20_000)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test in this folder drives the browser: mark it ``browser``, and keep them
    on one pytest-xdist worker (``--dist loadgroup``) so that one dashboard server and one
    Chromium serve them all while the other worker runs the rest of the suite."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.xdist_group("browser"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass(frozen=True)
class DashboardServer:
    """A running dashboard: its address and the file its output goes to."""

    url: str
    log: Path

    def output(self) -> str:
        """Everything the server printed so far."""
        return self.log.read_text(errors="replace")


@contextmanager
def serve_dashboard(log: Path) -> Iterator[DashboardServer]:
    """A dashboard server on a free port of 127.0.0.1, its output in ``log``, as
    ``iran-sim dashboard`` starts it; stopped on exit."""
    port = _free_port()
    with log.open("wb") as out:
        server = subprocess.Popen(
            solara_command("127.0.0.1", port),
            env=dashboard_environment(),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while server.poll() is None and time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    if response.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.5)
        else:
            pytest.fail(f"the dashboard server did not start:\n{log.read_text()}")
        yield DashboardServer(url, log)
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()


@pytest.fixture(scope="session")
def dashboard(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DashboardServer]:
    """A dashboard server started for this test session, shared by the browser tests."""
    if not CHROMIUM.exists():
        pytest.skip("browser tests need /usr/bin/chromium (Debian: apt-get install chromium)")
    with serve_dashboard(tmp_path_factory.mktemp("solara") / "server.log") as server:
        yield server


@pytest.fixture(scope="module")
def fresh_dashboard(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DashboardServer]:
    """A dashboard server of the test module's own: its log holds only that module's
    sessions (the ``dashboard`` server is shared by every browser test)."""
    if not CHROMIUM.exists():
        pytest.skip("browser tests need /usr/bin/chromium (Debian: apt-get install chromium)")
    with serve_dashboard(tmp_path_factory.mktemp("solara") / "server.log") as server:
        yield server


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """pytest-playwright: launch Debian's Chromium with the project's flags."""
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    """A desktop-sized window (two charts a row), downloads allowed."""
    return {
        **browser_context_args,
        "viewport": {"width": 1600, "height": 1000},
        "accept_downloads": True,
    }
