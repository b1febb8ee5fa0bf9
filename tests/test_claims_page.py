"""The dashboard's claims and analysis pages render without a browser."""

from __future__ import annotations

from pathlib import Path

import ipyvuetify as v
import pandas as pd
import pytest
import solara

from batch_runs import claims as cl
from dashboard import claims_page as cp
from model import IranModel


@pytest.fixture(scope="module")
def audit_table() -> pd.DataFrame:
    table, _ = cl.full_audit(
        claims=["C5", "C6"], overrides={"n_citizens": 200}, replicates=3, steps=12, critics=True
    )
    return table


def test_table_and_figure_builders(audit_table: pd.DataFrame):
    assert cp.settings_of(audit_table)[0] == "baseline"
    shown = cp.display_table(audit_table, "baseline")
    assert list(shown["id"]) == ["C5", "C6"]
    assert shown["effect A−B [95% CI]"].str.match(r"[+-]\d\.\d{3} \[").all()
    fig = cp.claims_figure(audit_table, "K1 on")
    assert list(fig.data[0].y) == ["C6", "C5"]
    colours = set(fig.data[0].marker.color)
    assert colours <= set(cp.VERDICT_COLOURS.values())


def test_claims_page_shows_the_latest_audit(tmp_path: Path, audit_table: pd.DataFrame):
    audit_table.to_csv(tmp_path / "claims.csv", index=False)
    box, rc = solara.render(cp.ClaimsPage(results_dir=tmp_path), handle_error=False)
    assert "claims.csv (written" in str(box)
    rc.find(v.Btn, class_="run-audit").assert_single()
    rc.close()


def test_claims_page_without_files_says_how_to_make_them(tmp_path: Path):
    box, rc = solara.render(cp.ClaimsPage(results_dir=tmp_path / "none"), handle_error=False)
    rc.find(
        children=[
            f"No audit found in {tmp_path / 'none'}. Run `iran-sim claims --out "
            f"{tmp_path / 'none'}`."
        ]
    ).assert_single()
    rc.close()


@pytest.mark.slow
def test_running_a_small_audit_in_the_background_shows_its_table(tmp_path: Path):
    model = IranModel(rng=3, n_citizens=150)
    box, rc = solara.render(cp.ClaimsPage(model=model, results_dir=tmp_path), handle_error=False)
    rc.find(v.Slider).widget.v_model = 2
    rc.find(v.Btn, class_="run-audit").widget.click()
    rc.find(children=["Small audit: 2 paired replicates"]).wait_for(timeout=120)
    rc.find(v.Btn, class_="run-audit").assert_single()
    assert not rc.find(v.Btn, class_="run-audit").widget.disabled
    assert "C9e" in str(box)
    rc.close()


def test_analysis_page_renders_files_written_by_the_commands(tmp_path: Path):
    ranking = pd.DataFrame(
        {
            "rank": [1, 2],
            "parameter": ["leakage_rate", "repression"],
            "label": ["a", "b"],
            "claim": ["C4", "C5"],
            "low": [0.0, 0.0],
            "high": [1.0, 1.0],
            "mu_star": [0.3, 0.01],
            "mu_star_conf": [0.05, 0.01],
            "mu": [0.3, 0.0],
            "sigma": [0.1, 0.01],
            "ci_low": [0.25, 0.0],
            "ci_high": [0.35, 0.02],
            "method": ["morris", "morris"],
            "outcome": ["nuclear_progress", "nuclear_progress"],
            "statistic": ["at m120", "at m120"],
        }
    )
    (tmp_path / "s").mkdir()
    ranking.to_csv(tmp_path / "s" / "sensitivity.csv", index=False)
    frontier = pd.DataFrame(
        {
            "leakage_rate": [0.0, 0.0, 1.0, 1.0],
            "repression": [0.0, 1.0, 0.0, 1.0],
            "outcome": "nuclear_progress",
            "statistic": "at m120",
            "advantage": [0.1, 0.1, -0.1, -0.2],
            "share_engage_wins": [1.0, 0.9, 0.2, 0.0],
            "refusal_better": [False, False, True, True],
            "refusal_better_significant": [False, False, False, True],
        }
    )
    (tmp_path / "f").mkdir()
    frontier.to_csv(tmp_path / "f" / "frontier.csv", index=False)
    fig, text = cp.frontier_view(frontier)
    assert text.startswith(
        "nuclear_progress over leakage_rate × repression: refusal does "
        "better in 2 of 4 cells (1 with the 95% interval below zero); no difference in 0."
    )
    box, rc = solara.render(
        cp.AnalysisPage(sensitivity_dir=tmp_path / "s", frontier_dir=tmp_path / "f"),
        handle_error=False,
    )
    rc.find(children=[text]).assert_single()
    assert "No ranking found" not in str(box)
    rc.close()
    box, rc = solara.render(
        cp.AnalysisPage(sensitivity_dir=tmp_path / "x", frontier_dir=tmp_path / "y"),
        handle_error=False,
    )
    assert len(rc.find(v.Alert)) == 2  # two "not found" messages with the command to run
    rc.close()


def test_analysis_page_offers_the_analyses_written_side_by_side(tmp_path: Path):
    for name in ("sensitivity", "sensitivity_nuclear"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "sensitivity.csv").write_text("rank,parameter\n")
    (tmp_path / "other").mkdir()
    choices = cp.sibling_folders(tmp_path / "sensitivity", "sensitivity.csv")
    assert choices == [str(tmp_path / "sensitivity"), str(tmp_path / "sensitivity_nuclear")]
    assert cp.sibling_folders(tmp_path / "none", "x.csv") == [str(tmp_path / "none")]
