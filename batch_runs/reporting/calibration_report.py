"""The calibration's report (ODD §1.3): tables, the posterior page, calibrated scenarios.

The calibrated scenario files apply every fitted parameter at its posterior median to
the fitted scenario and to the scenario named by ``apply_to``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from batch_runs.design.calibration_spec import CalibrationSpec
from model.export import write_csv_atomic, write_text_atomic
from model.scenarios import load_scenario


def scenario_text(
    name: str, base: str, title: str, estimate: Mapping[str, Any], spec: CalibrationSpec
) -> str:
    """A scenario file that applies the calibrated values to ``base``."""
    lines = [
        f"# Written by iran-sim calibrate: the parameters fitted by ABC-SMC to the patterns "
        f"of {spec.scenario}",
        f"# ({len(spec.patterns)} patterns, {spec.particles} particles, {spec.rounds + 1} "
        f"rounds, {spec.seeds} seeds each; seed {spec.seed}), each at its posterior median.",
        f'name = "{name}"',
        f'base = "{base}"',
        f'title = "{title}"',
        'description = """\\',
        f"The {base} scenario with the parameters the 2003-2009 record informs fitted to it \\",
        f'(see docs/validation.md): {len(estimate)} parameters at their posterior medians."""',
        "",
        "[parameters]",
    ]
    for key, value in estimate.items():
        lines.append(f"{key} = {value!r}")
    for key, value in spec.fixed.items():
        if key != "n_citizens":
            lines.append(f"{key} = {json.dumps(value)}")
    return "\n".join(lines) + "\n"


def base_reference(scenario: str) -> str:
    """How a written scenario file names its base: a shipped scenario by its name, a
    file by its absolute path (so the calibrated file works wherever it is moved)."""
    text = str(scenario)
    if text.endswith(".toml") or "/" in text or "\\" in text:
        return str(Path(text).resolve())
    return text


def write_outputs(
    out_dir: Path,
    spec: CalibrationSpec,
    screening: pd.DataFrame | None,
    posterior: pd.DataFrame,
    rounds: pd.DataFrame,
    summary: pd.DataFrame,
    estimate: Mapping[str, Any],
) -> None:
    """Every output file of a calibration (the module docstring of
    ``batch_runs.calibration`` lists them), each written atomically."""
    from batch_runs.reporting.calibration_figures import calibration_figures
    from batch_runs.reporting.figures import write_html

    if screening is not None:
        write_csv_atomic(screening, out_dir / "screening.csv")
    write_csv_atomic(posterior, out_dir / "posterior.csv")
    write_csv_atomic(rounds, out_dir / "rounds.csv")
    write_csv_atomic(summary, out_dir / "summary.csv")
    write_html(
        out_dir / "posterior.html",
        "Calibration to the 2003-2009 record",
        calibration_figures(posterior, rounds, summary, screening),
        _intro(spec, screening is not None, rounds, summary, len(estimate)),
    )
    _write_scenarios(out_dir, spec, estimate)


def _intro(
    spec: CalibrationSpec, screened: bool, rounds: pd.DataFrame, summary: pd.DataFrame, n: int
) -> str:
    """The posterior page's opening paragraph: what was fitted, how, and how well."""
    screening = (
        f"{len(spec.candidates)} candidates screened on {spec.screening} Latin-hypercube "
        f"points; {n} fitted (the most influential and those the patterns test). "
        if screened
        else ""
    )
    ess = rounds["ess"].iloc[-1]
    weighting = (
        "The summaries use the importance weights"
        if bool(summary["weighted"].iloc[0])
        else "The importance weights degenerated onto a few particles, so the summaries and "
        "the calibrated values use the particles unweighted: they describe the parameter "
        "sets that met the final tolerance, not a properly weighted posterior"
    )
    return (
        f"<p>{screening}ABC-SMC fit of {n} parameters to {len(spec.patterns)} "
        f"patterns of the {spec.scenario} scenario: {spec.particles} particles, "
        f"{len(rounds)} rounds, {spec.seeds} runs per particle, master seed {spec.seed}. "
        f"Priors are uniform over the schema's ranges. Effective sample size of the last "
        f"round's importance weights: {ess:.1f} of {spec.particles}. {weighting}. See "
        "docs/validation.md.</p>"
    )


def _write_scenarios(out_dir: Path, spec: CalibrationSpec, estimate: Mapping[str, Any]) -> None:
    """``calibrated.toml`` (onto ``apply_to``) and ``calibrated_<scenario>.toml``."""
    target = load_scenario(spec.apply_to).name
    write_text_atomic(
        out_dir / "calibrated.toml",
        scenario_text(
            "calibrated",
            base_reference(spec.apply_to),
            f"{target}, calibrated to 2003-2009",
            estimate,
            spec,
        ),
    )
    fitted = load_scenario(spec.scenario)
    name = f"calibrated_{fitted.name}"
    write_text_atomic(
        out_dir / f"{name}.toml",
        scenario_text(
            name, base_reference(spec.scenario), f"{fitted.name}, calibrated", estimate, spec
        ),
    )
