"""``pip install .`` outside the repository gives a working iran-sim: the wheel carries
everything the package reads at run time (scenarios, specs, the claims file, the docs and
shipped results the dashboard shows), and the installed commands run from any folder."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest
from sweep_helpers import SMALL_AUDIT

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]
RUNTIME_FILES = (
    "server.py",
    "model/scenarios/baseline_2011.toml",
    "model/scenarios/history_2003.toml",
    "model/scenarios/history_2003_oil.csv",
    "batch_runs/specs/engage_vs_refuse.toml",
    "batch_runs/design/claims.toml",
    "docs/ODD.md",
    "docs/validation.md",
    "docs/results/claims/claims.csv",
    "docs/results/sensitivity/sensitivity.csv",
    "docs/results/frontier/frontier.csv",
)


def _uv(*args: str, cwd: Path | None = None) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "uv", *args], cwd=cwd, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-2000:]


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A fresh virtual environment with the wheel built from the tracked files."""
    work = tmp_path_factory.mktemp("package")
    source = work / "source"
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    for name in tracked:
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, source / name)
    _uv("build", "--wheel", "--out-dir", str(work / "dist"), str(source))
    (wheel,) = (work / "dist").glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    missing = [f for f in RUNTIME_FILES if f not in names]
    assert missing == [], f"the wheel lacks {missing}"
    _uv("venv", "-q", "--python", sys.executable, str(work / "venv"))
    _uv("pip", "install", "-q", "--python", str(work / "venv" / "bin" / "python"), str(wheel))
    return work / "venv" / "bin"


def _run(bin_dir: Path, cwd: Path, *argv: str) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [str(bin_dir / argv[0]), *argv[1:]], cwd=cwd, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done


def test_the_installed_commands_run_outside_the_repository(installed, tmp_path):
    small = ["--set", "n_citizens=100"]
    _run(installed, tmp_path, "iran-sim", "run", "--steps", "2", *small, "--out", "run.csv")
    assert (tmp_path / "run.csv").is_file()
    _run(
        installed,
        tmp_path,
        "iran-sim",
        "sweep",
        "--vary",
        "leakage_rate=0.2,0.4",
        "--vary",
        "n_citizens=100",
        "--steps",
        "2",
        "--workers",
        "1",
        "--out",
        "sweep",
    )
    _run(installed, tmp_path, "iran-sim", *SMALL_AUDIT, "--out", "claims")
    assert (tmp_path / "claims" / "claims.csv").is_file()
    listed = _run(installed, tmp_path, "iran-sim", "scenarios").stdout
    assert "history_2003" in listed


def test_the_installed_dashboard_finds_its_docs_and_results(installed, tmp_path):
    check = (
        "import dashboard.explanations as e, dashboard.claims_data as c\n"
        "assert 'not in this copy' not in e.odd_markdown() + e.grounding_markdown()\n"
        "assert c.read_claims(c.results_folder('claims')) is not None\n"
        "import server\n"
    )
    _run(installed, tmp_path, "python", "-c", check)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        [str(installed / "iran-sim"), "dashboard", "--port", str(port)],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as page:
                    assert page.status == 200
                    break
            except OSError:
                assert time.monotonic() < deadline, "the installed dashboard did not start"
                time.sleep(1)
    finally:
        server.terminate()
        server.wait(timeout=30)
