"""Generate the reference tables in ``docs/`` from the code: ``python -m model.docs``.

``docs/parameters.md`` comes from the parameter schema and ``docs/columns.md`` from the
documented output columns; tests fail when either file is out of date.
"""

from __future__ import annotations

from pathlib import Path

from model.datacollection import columns_table_markdown
from model.parameters import parameter_table_markdown

DOCS = Path(__file__).resolve().parent.parent / "docs"


def columns_markdown() -> str:
    """The full text of ``docs/columns.md``."""
    return (
        "# Output columns\n\n"
        "Generated from `model/datacollection.py` by `python -m model.docs`; do not edit by "
        "hand. One row per month (step 0 = initial state). `<faction>` and `<country>` "
        "stand for the names in the scenario's `[[factions]]` and `[[foreign_governments]]` "
        "(baseline: hardliners, ahmadinejad_camp, pragmatists, reformists; us, eu, china, "
        "russia).\n\n" + columns_table_markdown()
    )


def generated_files() -> dict[Path, str]:
    """Each generated file and the text it must hold."""
    return {
        DOCS / "parameters.md": parameter_table_markdown(),
        DOCS / "columns.md": columns_markdown(),
    }


def main() -> None:
    """Write the generated files."""
    for path, text in generated_files().items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
