"""Global sensitivity analysis of the engagement advantage (C9, K1–K3; ODD §10.4).

Which parameters decide whether engagement beats refusal? Every parameter marked
``uncertain`` in the schema (numeric; ``western_policy`` excluded: it is the compared
cause) is sampled over its schema range with SALib (Morris elementary effects or Sobol'
indices). Each sample runs under ``engage`` and under ``refuse`` on common random
numbers, through the sweep runner (parallel, streamed to disk, resumable); its
engagement advantage is the mean over paired seeds of ``better * (engage - refuse)``
of an outcome statistic (``batch_runs/engagement.py``). SALib then ranks the
parameters by their influence on that advantage, with 95% bootstrap intervals.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from batch_runs.analysis.outcomes import Outcome, Statistic, get_outcome
from batch_runs.analysis.statistics import CONFIDENCE
from batch_runs.design.spec import SpecError, SweepSpec
from batch_runs.engagement import ENGAGE, REFUSE, paired_table
from batch_runs.execution import SweepSummary, read_runs, run_sweep
from batch_runs.reporting.analysis_figures import ranking_figure
from batch_runs.reporting.figures import write_html
from model import DEFAULT_MONTHS
from model.export import write_csv_atomic
from model.parameters import SCHEMA, Parameter, get_parameter
from model.scenarios import load_scenario

METHODS = ("morris", "sobol")
DEFAULT_SAMPLES = {"morris": 10, "sobol": 64}
DEFAULT_OUTCOME = "china_russia_support"
MORRIS_LEVELS = 4
SWEEP_FOLDER = "sweep"


def uncertain_parameters(
    only: Sequence[str] | None = None, exclude: Sequence[str] = ()
) -> list[Parameter]:
    """The numeric parameters marked ``uncertain`` in the schema (never the policy),
    restricted to ``only`` if given, without ``exclude`` (e.g. those fixed by --set)."""
    if only:
        repeated = sorted({n for n in only if list(only).count(n) > 1})
        if repeated:
            raise SpecError(f"parameter '{repeated[0]}' is named twice in --params")
        chosen = [get_parameter(n) for n in only]
        for p in chosen:
            if p.kind not in (int, float) or p.name == "western_policy":
                raise SpecError(f"parameter '{p.name}' is not a numeric parameter to vary")
    else:
        chosen = [
            p
            for p in SCHEMA.values()
            if p.uncertain and p.kind in (int, float) and p.name != "western_policy"
        ]
    fixed = [p.name for p in chosen if p.name in set(exclude)]
    chosen = [p for p in chosen if p.name not in set(exclude)]
    if len(chosen) < 2:
        note = f" ({', '.join(fixed)} fixed by --set)" if fixed else ""
        raise SpecError(f"a sensitivity analysis needs at least two parameters to vary{note}")
    return chosen


def salib_problem(params: Sequence[Parameter]) -> dict[str, Any]:
    """SALib's problem definition: names and the schema's bounds."""
    return {
        "num_vars": len(params),
        "names": [p.name for p in params],
        "bounds": [[float(p.low), float(p.high)] for p in params],
    }


def sample_design(method: str, params: Sequence[Parameter], samples: int, seed: int) -> np.ndarray:
    """The SALib sample matrix (rows = design points, columns = ``params``)."""
    problem = salib_problem(params)
    if method == "morris":
        from SALib.sample import morris

        return morris.sample(problem, N=samples, num_levels=MORRIS_LEVELS, seed=seed)
    if method == "sobol":
        if samples & (samples - 1):
            raise SpecError(f"--samples for sobol must be a power of 2, got {samples}")
        from SALib.sample import sobol

        return sobol.sample(problem, N=samples, calc_second_order=False, seed=seed)
    raise SpecError(f"method: {method!r} is not one of {', '.join(METHODS)}")


def design_points(matrix: np.ndarray, params: Sequence[Parameter]) -> list[dict[str, Any]]:
    """Parameter overrides of each sample (whole numbers rounded), validated."""
    points = []
    for row in matrix:
        point = {}
        for p, v in zip(params, row, strict=True):
            value = int(round(v)) if p.kind is int else float(v)
            point[p.name] = p.validate(min(p.high, max(p.low, value)))
        points.append(point)
    return points


def sensitivity_spec(
    method: str,
    params: Sequence[Parameter],
    *,
    samples: int,
    replicates: int = 4,
    steps: int = DEFAULT_MONTHS,
    seed: int = 0,
    scenario: str | None = None,
    parameters: Mapping[str, Any] | None = None,
    every: int = 1,
) -> tuple[SweepSpec, np.ndarray]:
    """The sweep: sample ``i`` is design points ``2i`` (engage) and ``2i + 1`` (refuse),
    on common random numbers. Returns the spec and the SALib sample matrix."""
    matrix = sample_design(method, params, samples, seed)
    points = []
    for point in design_points(matrix, params):
        points += [point | {"western_policy": ENGAGE}, point | {"western_policy": REFUSE}]
    fixed = {k: v for k, v in dict(parameters or {}).items() if k != "western_policy"}
    spec = SweepSpec(
        scenario=scenario,
        parameters=fixed,
        points=points,
        replicates=replicates,
        steps=steps,
        seed=seed,
        every=every,
        common_random_numbers=True,
        title=f"Sensitivity ({method}) of the engagement advantage",
    )
    return spec, matrix


def analyse(
    method: str, params: Sequence[Parameter], matrix: np.ndarray, y: np.ndarray, seed: int = 0
) -> pd.DataFrame:
    """SALib indices of ``y`` (one value per sample row), ranked (most influential first).

    Morris: ``mu_star`` (mean absolute elementary effect, the ranking), its 95%
    interval half-width ``mu_star_conf``, ``mu`` and ``sigma``. Sobol': total index
    ``ST`` (the ranking) and first-order ``S1`` with their 95% half-widths.
    """
    y = np.asarray(y, dtype=float)
    if not np.isfinite(y).all():
        bad = int((~np.isfinite(y)).sum())
        raise SpecError(f"{bad} samples have no finite engagement advantage (failed runs?)")
    problem = salib_problem(params)
    if method == "morris":
        from SALib.analyze import morris

        result = morris.analyze(
            problem, matrix, y, num_levels=MORRIS_LEVELS, conf_level=CONFIDENCE, seed=seed
        )
        key, columns = "mu_star", ("mu_star", "mu_star_conf", "mu", "sigma")
    else:
        from SALib.analyze import sobol

        result = sobol.analyze(
            problem, y, calc_second_order=False, conf_level=CONFIDENCE, seed=seed
        )
        key, columns = "ST", ("ST", "ST_conf", "S1", "S1_conf")
    frame = pd.DataFrame({c: result[c] for c in columns})
    conf = frame[f"{key}_conf"]
    frame.insert(0, "parameter", [p.name for p in params])
    frame.insert(1, "label", [p.label for p in params])
    frame.insert(2, "claim", [p.claim for p in params])
    frame.insert(3, "low", [p.low for p in params])
    frame.insert(4, "high", [p.high for p in params])
    frame["ci_low"] = np.maximum(frame[key] - conf, 0.0)  # both indices are >= 0
    frame["ci_high"] = frame[key] + conf
    frame = frame.sort_values(key, ascending=False, kind="stable").reset_index(drop=True)
    frame.insert(0, "rank", np.arange(1, len(frame) + 1))
    return frame


@dataclass(frozen=True)
class SensitivityResult:
    """The ranking, the per-sample advantages and the files written."""

    ranking: pd.DataFrame
    samples: pd.DataFrame
    method: str
    outcome: Outcome
    statistic: Statistic
    summary: SweepSummary
    files: dict[str, Path]


def run_sensitivity(
    out_dir: str | Path,
    *,
    method: str = "morris",
    samples: int | None = None,
    outcome: str = DEFAULT_OUTCOME,
    statistic: Statistic | None = None,
    replicates: int = 4,
    steps: int = DEFAULT_MONTHS,
    seed: int = 0,
    scenario: str | None = None,
    parameters: Mapping[str, Any] | None = None,
    only: Sequence[str] | None = None,
    every: int = 1,
    simulate: Callable | None = None,
    **execution: Any,
) -> SensitivityResult:
    """Sample, run through the sweep runner (``out_dir/sweep``), analyse, write files.

    Writes ``sensitivity.csv`` (the ranking), ``samples.csv`` (each sample's parameter
    values and engagement advantage) and ``sensitivity.html`` (a self-contained chart).


    ``execution`` holds the options of :func:`batch_runs.execution.run_sweep`
    (``workers``, ``backend``, ``scheduler``, ``resume``, ``progress``, ``command``).
    """
    if method not in METHODS:
        raise SpecError(f"method: {method!r} is not one of {', '.join(METHODS)}")
    samples = samples or DEFAULT_SAMPLES[method]
    fixed = dict(parameters or {})
    params = uncertain_parameters(only, exclude=list(fixed))
    scen = load_scenario(scenario)
    chosen = get_outcome(outcome, scen)
    if chosen.better == 0:
        raise SpecError(f"outcome '{outcome}' has no better direction; choose a directed one")
    stat = statistic or Statistic(chosen.statistic)
    if stat.kind == "final" and stat.horizon is None:
        every = max(1, steps)  # only the last month is read: keep steps.csv small
    spec, matrix = sensitivity_spec(
        method,
        params,
        samples=samples,
        replicates=replicates,
        steps=steps,
        seed=seed,
        scenario=scenario,
        parameters=fixed,
        every=every,
    )
    out = Path(out_dir)
    summary = run_sweep(
        spec,
        out / SWEEP_FOLDER,
        simulate=simulate,
        **execution,
    )
    ranking, sample_table = _analyse_sweep(out, method, params, matrix, chosen, stat, scen, seed)
    ranking["statistic"] = stat.describe(steps)
    files = _write_files(out, ranking, sample_table, method, chosen, stat.describe(steps))
    return SensitivityResult(ranking, sample_table, method, chosen, stat, summary, files)


def _analyse_sweep(
    out: Path,
    method: str,
    params: Sequence[Any],
    matrix: np.ndarray,
    chosen: Outcome,
    stat: Statistic,
    scenario: Any,
    seed: int,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The ranking and the per-sample table from the finished sweep: each sample's
    advantage is the mean over its engage/refuse pairs."""
    runs = read_runs(out / SWEEP_FOLDER, columns=["run_id", "point"])
    pair_of = dict(zip(runs["run_id"], runs["point"] // 2, strict=True))
    pairs = paired_table(
        out / SWEEP_FOLDER, chosen, stat, scenario, ["pair"], extra={"pair": pair_of}
    )
    per_sample = pairs.groupby("pair")["advantage"].mean().reindex(range(len(matrix)))
    ranking = analyse(method, params, matrix, per_sample.to_numpy(), seed=seed)
    ranking["method"] = method
    ranking["outcome"] = chosen.name
    sample_table = pd.DataFrame(matrix, columns=[p.name for p in params])
    sample_table.insert(0, "sample", range(len(matrix)))
    sample_table["advantage"] = per_sample.to_numpy()
    sample_table["pairs"] = pairs.groupby("pair").size().reindex(range(len(matrix))).to_numpy()
    return ranking, sample_table


def _write_files(
    out: Path,
    ranking: pd.DataFrame,
    sample_table: pd.DataFrame,
    method: str,
    chosen: Outcome,
    statistic: str,
) -> dict[str, Path]:
    files = {
        "csv": out / "sensitivity.csv",
        "samples": out / "samples.csv",
        "html": out / "sensitivity.html",
    }
    write_csv_atomic(ranking, files["csv"])
    write_csv_atomic(sample_table, files["samples"])
    figure = ranking_figure(ranking, method, chosen, statistic)
    write_html(files["html"], f"Sensitivity of the engagement advantage: {chosen.name}", [figure])
    return files


def top_parameters(ranking: pd.DataFrame, k: int = 2) -> list[str]:
    """The ``k`` highest-ranked parameters of a ranking table."""
    return list(ranking.sort_values("rank")["parameter"].head(k))


def read_ranking(path: str | Path) -> pd.DataFrame:
    """Read a ``sensitivity.csv`` written by :func:`run_sensitivity`."""
    frame = pd.read_csv(path)
    if "rank" not in frame or "parameter" not in frame:
        raise ValueError(f"{path}: not a sensitivity ranking")
    return frame
