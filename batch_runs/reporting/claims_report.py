"""The claims audit's reports (ODD §10): Markdown tables, files, side-by-side audits."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from batch_runs.design.claims import CRITICS
from model.export import write_atomic, write_csv_atomic


def _num(x: float) -> str:
    if not math.isfinite(x):
        return "n/a"
    return f"{x:+.3f}" if abs(x) >= 0.0005 or x == 0 else f"{x:+.1e}"


def _effect_text(row: Mapping[str, Any]) -> str:
    return f"{_num(row['effect'])} [{_num(row['ci_low'])}, {_num(row['ci_high'])}]"


def markdown_table(table: pd.DataFrame, setting: str = "baseline") -> str:
    """The detailed Markdown table of one setting (one row per experiment)."""
    rows = table[table["setting"] == setting]
    lines = [
        "| id | claim (stated effect) | cause: A vs B | outcome | statistic | expected sign "
        "of A−B | mean A | mean B | effect A−B [95% CI] | n | verdict |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for _, r in rows.iterrows():
        lines.append(
            f"| {r['id']} | {r['statement']} | {r['arm_a']} vs {r['arm_b']} | `{r['outcome']}` "
            f"| {r['statistic']} | {r['expected']} | {r['mean_a']:.3f} | {r['mean_b']:.3f} "
            f"| {_effect_text(r)} | {r['n']} | **{r['verdict']}** |"
        )
    return "\n".join(lines) + "\n"


def critics_markdown(table: pd.DataFrame) -> str:
    """Verdicts of every claim with each critics' mechanism switched on."""
    settings = [s for s in table["setting"].unique() if s not in ("baseline", "critics")]
    if not settings:
        return ""
    base = table[table["setting"] == "baseline"].set_index("id")
    header = "| id | expected | baseline | " + " | ".join(settings) + " |"
    lines = [header, "|---|---|---|" + "---|" * len(settings)]
    for eid, r in base.iterrows():
        cells = [f"{_num(r['effect'])} {r['verdict']}"]
        for s in settings:
            row = table[(table["setting"] == s) & (table["id"] == eid)]
            cells.append(
                f"{_num(row['effect'].iloc[0])} {row['verdict'].iloc[0]}" if len(row) else "—"
            )
        lines.append(f"| {eid} | {r['expected']} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def report_markdown(table: pd.DataFrame, header: Mapping[str, Any] | None = None) -> str:
    """The full Markdown report: the claims table, the critics' checks and the
    claims with each critics' mechanism on."""
    parts = ["# Claims audit", ""]
    if header:
        parts += [f"- {k}: {v}" for k, v in header.items()] + [""]
    parts += [
        "Each row is a paired experiment on common random numbers: arm A (the cause as "
        "the claim states it) and arm B (its counterfactual) differ in exactly one thing "
        "and share their seeds. Effect = mean over pairs of (A − B); verdict: supported "
        "if the 95% interval lies wholly on the side of zero the claim predicts, "
        "contradicted if wholly on the other side, else inconclusive.",
        "",
        "## Claims C1–C9 (scenario as given)",
        "",
        markdown_table(table, "baseline"),
    ]
    if (table["setting"] == "critics").any():
        parts += [
            "## Critics' mechanisms K1–K3: switched on vs off, under engagement",
            "",
            markdown_table(table, "critics"),
        ]
        on = ", ".join(f"{c.id}: `{c.parameter}={c.on:g}`" for c in CRITICS)
        parts += [
            "## Claims with each critics' mechanism switched on",
            "",
            f"Effect A−B and verdict per setting ({on}).",
            "",
            critics_markdown(table),
        ]
    return "\n".join(parts)


def write_outputs(
    table: pd.DataFrame,
    pairs: pd.DataFrame,
    out_dir: str | Path,
    manifest: Mapping[str, Any],
) -> dict[str, Path]:
    """Write ``claims.md``, ``claims.csv``, ``pairs.csv`` and ``manifest.json`` to
    ``out_dir`` (created if missing), each file atomically."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    report = report_markdown(table, manifest.get("header"))
    paths = {
        "markdown": out / "claims.md",
        "csv": out / "claims.csv",
        "pairs": out / "pairs.csv",
        "manifest": out / "manifest.json",
    }
    write_csv_atomic(table, paths["csv"])
    write_csv_atomic(pairs, paths["pairs"])
    write_atomic(paths["markdown"], lambda tmp: tmp.write_text(report, encoding="utf-8"))
    text = json.dumps(manifest, indent=2, default=str)
    write_atomic(paths["manifest"], lambda tmp: tmp.write_text(text, encoding="utf-8"))
    return paths


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a ``claims.csv`` written by :func:`write_outputs`."""
    return pd.read_csv(path)


def side_by_side(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Several audits (e.g. the default and the calibrated scenario) in one table: per
    setting and experiment, each audit's effect, interval and verdict, and whether the
    verdicts differ."""
    labels = list(tables)
    keys = ["setting", "id", "claim", "statement", "outcome", "expected"]
    merged = None
    for label in labels:
        part = tables[label][[*keys, "effect", "ci_low", "ci_high", "verdict"]].rename(
            columns={c: f"{c} ({label})" for c in ("effect", "ci_low", "ci_high", "verdict")}
        )
        merged = part if merged is None else merged.merge(part, on=keys, how="outer", sort=False)
    # An outer merge sorts its keys; keep the audits' own order (baseline first).
    order = {
        (r["setting"], r["id"]): i
        for i, r in enumerate(pd.concat(tables.values()).to_dict("records"))
    }
    rank = [order[(s, i)] for s, i in zip(merged["setting"], merged["id"], strict=True)]
    merged = merged.iloc[np.argsort(rank, kind="stable")].reset_index(drop=True)
    verdicts = merged[[f"verdict ({label})" for label in labels]]
    merged["verdict_changed"] = verdicts.nunique(axis=1, dropna=False) > 1
    return merged


def side_by_side_markdown(table: pd.DataFrame, labels: Sequence[str]) -> str:
    """The side-by-side audits as Markdown: one row per experiment and setting; changed
    verdicts in bold."""
    header = "| setting | id | claim (stated effect) | expected | " + " | ".join(labels) + " |"
    lines = [header, "|---|---|---|---|" + "---|" * len(labels)]
    for _, r in table.iterrows():
        cells = []
        for label in labels:
            verdict = r[f"verdict ({label})"]
            if not isinstance(verdict, str):
                cells.append("—")
                continue
            row = {k: r[f"{k} ({label})"] for k in ("effect", "ci_low", "ci_high")}
            text = f"{_effect_text(row)} {verdict}"
            cells.append(f"**{text}**" if r["verdict_changed"] else text)
        lines.append(
            f"| {r['setting']} | {r['id']} | {r['statement']} | {r['expected']} | "
            + " | ".join(cells)
            + " |"
        )
    return "\n".join(lines) + "\n"
