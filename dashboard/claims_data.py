"""The result files the Claims and Analysis pages and the headline show (ODD §10).

``iran-sim claims`` writes the audit of C1–C9 and K1–K3 (``claims.csv``), ``iran-sim
sensitivity`` the parameter ranking (``sensitivity.csv``) and ``iran-sim frontier`` the
map of where refusal does better (``frontier.csv``; ODD §10.4). The pages read the
user's own latest files, or else the baseline results shipped in ``docs/results``. The
engage-vs-refuse headline of the default set-up (C9) is shipped in
``docs/results/headline/pairs.csv`` (``python -m dashboard.headline`` writes it).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pandas as pd

SHIPPED_RESULTS = Path(__file__).resolve().parent.parent / "docs" / "results"
CLAIMS_FILE = "claims.csv"
SENSITIVITY_FILE = "sensitivity.csv"
FRONTIER_FILE = "frontier.csv"
HEADLINE_PATH = SHIPPED_RESULTS / "headline" / "pairs.csv"


def results_folder(name: str) -> Path:
    """The user's own latest ``results/<name>`` (as the commands write it, relative to the
    working folder) if it exists, else the baseline results shipped in ``docs/results``."""
    own = Path("results") / name
    return own if own.is_dir() else SHIPPED_RESULTS / name


CLAIMS_DIR = results_folder("claims")
SENSITIVITY_DIR = results_folder("sensitivity")
FRONTIER_DIR = results_folder("frontier")


def read_table(folder: str | Path, filename: str) -> pd.DataFrame | None:
    """``folder/filename`` as written by its command, or None if there is none."""
    path = Path(folder) / filename
    return pd.read_csv(path) if path.is_file() else None


def read_claims(folder: str | Path = CLAIMS_DIR) -> tuple[pd.DataFrame, str] | None:
    """The table of ``folder/claims.csv`` and a line saying when it was written, or None."""
    table = read_table(folder, CLAIMS_FILE)
    if table is None:
        return None
    path = Path(folder) / CLAIMS_FILE
    when = datetime.fromtimestamp(path.stat().st_mtime).strftime("%Y-%m-%d %H:%M")
    return table, f"{path} (written {when})"


def sibling_folders(folder: str | Path, filename: str) -> list[str]:
    """``folder`` and every other folder beside it that holds ``filename`` (so that the
    page can offer the analyses of several outcomes), ``folder`` first."""
    folder = Path(folder)
    found = sorted(str(p.parent) for p in folder.parent.glob(f"*/{filename}"))
    return list(dict.fromkeys([str(folder), *found]))
