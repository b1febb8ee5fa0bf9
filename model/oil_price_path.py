"""Oil price paths: absolute monthly prices that replace the random walk (C4; ODD §6).

A scenario's ``[oil_price_path]`` gives prices inline (``prices = {"YYYY-MM" = price}``)
or in a CSV file beside the scenario (columns ``date,price``), with their ``source``.
"""

from __future__ import annotations

import csv
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from model.scenario_fields import ScenarioError

_MONTH = re.compile(r"^([0-9]{4})-(0[1-9]|1[0-2])(-[0-3][0-9])?$")
# Oil prices a path may give (USD per barrel), the bounds of the simulated price too.
OIL_PRICE_BOUNDS = (1.0, 1000.0)
_OIL_PATH_KEYS = {"file", "prices", "source"}


def month_index(date: str) -> int:
    """A calendar month YYYY-MM (or a day YYYY-MM-DD) as ``year * 12 + month - 1``."""
    match = _MONTH.match(date.strip())
    if match is None:
        raise ValueError(f"{date!r} is not a month YYYY-MM")
    return int(match.group(1)) * 12 + int(match.group(2)) - 1


@dataclass(frozen=True)
class OilPricePath:
    """Absolute monthly oil prices that replace the random walk where given (C4).

    ``prices`` maps a calendar month, as the index ``year * 12 + month - 1``, to a
    price in USD per barrel; ``source`` says where the numbers come from.
    """

    prices: tuple[tuple[int, float], ...]
    source: str = ""

    def by_step(self, start_date: str) -> dict[int, float]:
        """The prices keyed by step for a run starting at ``start_date`` (YYYY-MM)."""
        start = month_index(start_date)
        return {index - start: price for index, price in self.prices if index >= start}


def read_oil_price_path(table: Any, path: Path, where: str) -> OilPricePath:
    """Read ``[oil_price_path]``: ``prices = {"YYYY-MM" = price, ...}`` inline, or
    ``file = "name.csv"`` (columns ``date,price``, next to the scenario), and ``source``."""
    what = "[oil_price_path]"
    if not isinstance(table, dict):
        raise ScenarioError(f"{where}: {what} must be a table with 'file' or 'prices'")
    unknown = set(table) - _OIL_PATH_KEYS
    if unknown:
        raise ScenarioError(
            f"{where}: {what}: unknown key '{sorted(unknown)[0]}'; expected one of "
            + ", ".join(sorted(_OIL_PATH_KEYS))
        )
    if ("file" in table) == ("prices" in table):
        raise ScenarioError(f"{where}: {what}: give either 'file' or 'prices', not both or neither")
    source = table.get("source", "")
    if not isinstance(source, str):
        raise ScenarioError(f"{where}: {what}: key 'source' must be text")
    if "prices" in table:
        prices = table["prices"]
        if not isinstance(prices, dict) or not prices:
            raise ScenarioError(
                f"{where}: {what}: 'prices' must be a non-empty table of \"YYYY-MM\" = price"
            )
        rows = [(str(k), v, f"{what} prices.{k}") for k, v in prices.items()]
    else:
        name = table["file"]
        if not isinstance(name, str) or not name:
            raise ScenarioError(f"{where}: {what}: 'file' must be a file name")
        csv_path = (path.parent / name).resolve()
        rows = _read_price_csv(csv_path, where)
    seen: dict[int, str] = {}
    prices_out = []
    for date, value, at in rows:
        try:
            index = month_index(date)
        except ValueError:
            raise ScenarioError(f"{where}: {at}: {date!r} is not a month YYYY-MM") from None
        if index in seen:
            raise ScenarioError(f"{where}: {at}: month {date} is given twice")
        seen[index] = date
        if isinstance(value, str):
            try:
                value = float(value)
            except ValueError:
                value = math.nan
        low, high = OIL_PRICE_BOUNDS
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
            or not low <= value <= high
        ):
            raise ScenarioError(
                f"{where}: {at}: price {value!r}; expected a number from {low:g} to {high:g} "
                "(USD per barrel)"
            )
        prices_out.append((index, float(value)))
    return OilPricePath(prices=tuple(sorted(prices_out)), source=source)


def _read_price_csv(csv_path: Path, where: str) -> list[tuple[str, Any, str]]:
    try:
        text = csv_path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError(f"{where}: [oil_price_path]: file {csv_path} not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"{where}: [oil_price_path]: cannot read {csv_path} ({exc})") from None
    reader = csv.reader(text.splitlines())
    header = next(reader, None)
    if header is None or [h.strip() for h in header] != ["date", "price"]:
        raise ScenarioError(
            f"{where}: [oil_price_path]: {csv_path} must start with the header 'date,price'"
        )
    rows = []
    for line, row in enumerate(reader, start=2):
        if not row:
            continue
        if len(row) != 2:
            raise ScenarioError(
                f"{where}: [oil_price_path]: {csv_path} line {line}: expected 2 fields "
                f"(date,price), got {len(row)}"
            )
        rows.append((row[0], row[1].strip(), f"{csv_path.name} line {line}"))
    if not rows:
        raise ScenarioError(f"{where}: [oil_price_path]: {csv_path} holds no prices")
    return rows
