"""The files a maintained open project carries agree with the package metadata."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def test_licence_file_matches_the_declared_licence() -> None:
    declared = PROJECT["license"]["text"]
    assert (ROOT / "LICENSE").read_text().startswith(f"{declared} License")


def test_citation_names_the_package_version_licence_and_the_op_ed() -> None:
    citation = (ROOT / "CITATION.cff").read_text()
    assert re.search(rf"^version: {re.escape(PROJECT['version'])}$", citation, re.M)
    assert re.search(rf"^license: {PROJECT['license']['text']}$", citation, re.M)
    assert "Why to Accept Iran's Talks Offer" in citation


def test_changelog_has_an_entry_for_the_current_version() -> None:
    changelog = (ROOT / "CHANGELOG.md").read_text()
    assert f"## [{PROJECT['version']}]" in changelog


def test_pre_commit_runs_ruff_without_downloading() -> None:
    config = (ROOT / ".pre-commit-config.yaml").read_text()
    assert "repo: local" in config and "ruff check" in config and "ruff format" in config
    assert "http" not in config
