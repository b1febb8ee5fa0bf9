"""The table of patterns in ``docs/validation.md``, generated from the patterns.

``python -m batch_runs.reporting.patterns_report`` rewrites the table between the
``patterns`` markers; a test fails when the document is stale.
"""

from __future__ import annotations

from pathlib import Path

from batch_runs.patterns import PATTERNS


def patterns_markdown() -> str:
    """The table of patterns in docs/validation.md, generated from ``PATTERNS``."""
    lines = [
        "| id | pattern | the record | criterion (reproduced when met) | parameters of the "
        "rules it tests |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| {p.id} | {p.title} | {p.record} | {p.criterion} | "
        + ", ".join(f"`{n}`" for n in p.informs)
        + " |"
        for p in PATTERNS
    ]
    return "\n".join(lines) + "\n"


VALIDATION_DOC = Path(__file__).resolve().parents[2] / "docs" / "validation.md"
_START, _END = "<!-- patterns:start -->\n", "<!-- patterns:end -->"


def document_with_table(text: str) -> str:
    """``text`` (docs/validation.md) with its pattern table replaced by the current one."""
    before, rest = text.split(_START)
    _, after = rest.split(_END)
    return before + _START + patterns_markdown() + _END + after


if (
    __name__ == "__main__"
):  # python -m batch_runs.reporting.patterns_report: refresh docs/validation.md
    VALIDATION_DOC.write_text(
        document_with_table(VALIDATION_DOC.read_text(encoding="utf-8")), encoding="utf-8"
    )
    print(f"wrote the pattern table of {VALIDATION_DOC}")
