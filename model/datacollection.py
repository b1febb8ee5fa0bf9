"""The model's outputs: one row per month, the columns declared in ``model.outputs``.

The DataCollector reads each column as its :class:`model.outputs.Column` says;
``docs/columns.md`` and the README's table are generated from the same declarations,
and a test checks that ``results()`` has exactly these columns (ODD §2).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import mesa

from model.outputs import COUNTRY, FACTION, OUTPUTS, Column

if TYPE_CHECKING:
    from model.model import IranModel


def _reporters(column: Column, model: IranModel) -> dict[str, Any]:
    """The DataCollector reporters of one declared column (several for a template)."""
    if column.reporter is None:
        return {}
    members = {FACTION: model.factions, COUNTRY: model.governments}.get(column.template)
    if members is None:
        return {column.name: column.reporter}
    read = column.reporter
    return {
        column.name.replace(column.template, x.name): (lambda m, x=x: read(m, x)) for x in members
    }


def make_datacollector(model: IranModel) -> mesa.DataCollector:
    """A DataCollector with one model reporter per column, in the declared order."""
    reporters: dict[str, Any] = {}
    for column in OUTPUTS:
        reporters |= _reporters(column, model)
    return mesa.DataCollector(model_reporters=reporters)


def _direction(column: Column) -> str:
    return {1: "higher", -1: "lower", 0: ""}[column.direction]


def columns_table_markdown() -> str:
    """The table of output columns in ``docs/columns.md``, generated from ``OUTPUTS``.

    ``favours compromise`` says which way the column moves when things go the way the
    op-ed expects engagement to take them (the sign of the engagement advantage).
    """
    lines = [
        "| column | meaning | unit and range | claims | favours compromise | chart group |",
        "|---|---|---|---|---|---|",
    ]
    lines += [
        f"| `{c.name}` | {c.description} | {c.unit} | {c.claims} | {_direction(c)} | {c.group} |"
        for c in OUTPUTS
    ]
    return "\n".join(lines) + "\n"
