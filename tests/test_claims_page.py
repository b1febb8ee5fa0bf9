"""The dashboard's claims and analysis pages render without a browser."""

from __future__ import annotations

from pathlib import Path

import ipyvuetify as v
import pandas as pd
import pytest
import solara

from batch_runs import claims as cl
from batch_runs.reporting import analysis_views as av
from batch_runs.reporting import claims_figures as cf
from dashboard import claims_data as cd
from dashboard import claims_page as cp
from model import IranModel


@pytest.fixture(scope="module")
def audit_table() -> pd.DataFrame:
    table, _ = cl.full_audit(
        claims=["C5", "C6"], overrides={"n_citizens": 200}, replicates=3, steps=12, critics=True
    )
    return table


def test_table_and_figure_builders(audit_table: pd.DataFrame):
    assert cf.settings_of(audit_table)[0] == "baseline"
    shown = cf.display_table(audit_table, "baseline")
    assert list(shown["id"]) == ["C5", "C6"]
    assert shown["effect A−B [95% CI]"].str.match(r"[+-]\d\.\d{3} \[").all()
    fig = cf.claims_figure(audit_table, "K1 on")
    assert list(fig.data[0].y) == ["C6", "C5"]
    colours = set(fig.data[0].marker.color)
    assert colours <= set(cf.VERDICT_COLOURS.values())


def test_evidence_is_signed_in_the_claimed_direction_and_clipped():
    rows = pd.DataFrame(
        {
            "expected": ["+", "-", "+", "+"],
            "n": [10, 10, 10, 1],
            "effect": [0.2, 0.2, 1e6, 0.3],
            "ci_low": [0.1, 0.1, 1e6 - 1e-9, float("nan")],
            "ci_high": [0.3, 0.3, 1e6 + 1e-9, float("nan")],
        }
    )
    t, threshold = cf.claim_evidence(rows)
    assert t[0] > 0 and t[1] == -t[0]  # same effect, opposite claimed directions
    assert t[2] == cf.T_CLIP and t[3] == 0.0  # huge t clipped; no interval: no evidence
    assert threshold == pytest.approx(2.262, abs=1e-3)  # Student t, 9 degrees of freedom


def test_verdict_counts_name_every_verdict(audit_table: pd.DataFrame):
    text = cf.verdict_counts(audit_table, "baseline")
    assert [part.split(" ", 1)[1] for part in text.split(", ")] == [
        cl.SUPPORTED,
        cl.INCONCLUSIVE,
        cl.CONTRADICTED,
    ]
    assert sum(int(part.split(" ")[0]) for part in text.split(", ")) == 2


def test_result_files_are_read_when_present(tmp_path: Path, audit_table: pd.DataFrame):
    assert cd.read_table(tmp_path, cd.SENSITIVITY_FILE) is None
    assert cd.read_claims(tmp_path) is None
    audit_table.to_csv(tmp_path / cd.CLAIMS_FILE, index=False)
    table, source = cd.read_claims(tmp_path)
    assert len(table) == len(audit_table) and source.startswith(str(tmp_path / "claims.csv"))
    assert cp.missing_text("map", "out", "iran-sim frontier") == (
        "No map found in out. Run `iran-sim frontier --out out`."
    )


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
    text = av.frontier_summary(frontier)
    assert av.frontier_map(frontier).layout.width == 1000
    assert list(av.ranking_table(ranking).columns) == [
        "rank",
        "parameter",
        "claim",
        "mu_star",
        "ci_low",
        "ci_high",
    ]
    assert av.sensitivity_figure(ranking, top=1).layout.width == 760
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
    assert rc.find(v.Select).widgets == []  # one analysis of each kind: nothing to choose
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
    choices = cd.sibling_folders(tmp_path / "sensitivity", "sensitivity.csv")
    assert choices == [str(tmp_path / "sensitivity"), str(tmp_path / "sensitivity_nuclear")]
    assert cd.sibling_folders(tmp_path / "none", "x.csv") == [str(tmp_path / "none")]


def test_the_analyses_side_by_side_are_chosen_by_their_folders_names(tmp_path: Path):
    """The choice lists folder names, not paths, and picking one shows that analysis."""
    cells = {
        "refusal_better": [False, False, True, True],
        "refusal_better_significant": [False, False, False, True],
        "advantage": [0.1, 0.1, -0.1, -0.2],
        "share_engage_wins": [1.0, 0.9, 0.2, 0.0],
        "outcome": "nuclear_progress",
        "statistic": "at m120",
    }
    for name, axes in (("frontier", ("leakage_rate", "repression")), ("frontier_b", ("a", "b"))):
        (tmp_path / name).mkdir()
        table = pd.DataFrame({axes[0]: [0.0, 0.0, 1.0, 1.0], axes[1]: [0.0, 1.0] * 2, **cells})
        table.to_csv(tmp_path / name / "frontier.csv", index=False)
    box, rc = solara.render(
        cp.AnalysisPage(sensitivity_dir=tmp_path / "s", frontier_dir=tmp_path / "frontier"),
        handle_error=False,
    )
    choice = rc.find(v.Select).widget
    assert (choice.items, choice.v_model) == (["frontier", "frontier_b"], "frontier")
    assert "over leakage_rate × repression" in str(box)
    choice.v_model = "frontier_b"
    rc.find(
        children=[av.frontier_summary(pd.read_csv(tmp_path / "frontier_b" / "frontier.csv"))]
    ).assert_single()
    rc.close()
