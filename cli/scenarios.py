"""``iran-sim scenarios``: the shipped scenarios, and what each sets (ODD §5.3).

Without a name: one line per scenario (name, months from its start date, title). With
names (or paths to scenario files): the description, the parameters that differ from
the schema's defaults, the factions and foreign governments, and the dated events.
"""

from __future__ import annotations

import argparse
import textwrap

from model.events import month_to_date
from model.parameters import SCHEMA
from model.scenarios import Scenario, list_scenarios, load_scenario


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``scenarios`` subcommand."""
    parser = subparsers.add_parser(
        "scenarios",
        help="list the shipped scenarios, or show what one sets",
        description="List the shipped scenarios, or show what the named ones set.",
    )
    parser.add_argument("names", nargs="*", metavar="NAME|PATH", help="scenarios to show in full")
    parser.set_defaults(func=run)


def summary_line(scenario: Scenario) -> str:
    """Name, period and title of a scenario."""
    start = scenario.parameters.start_date
    end = month_to_date(start, scenario.months)
    return f"{scenario.name:<26} {start} to {end}  {scenario.title}"


def details(scenario: Scenario) -> str:
    """What a scenario sets: description, parameters, actors and events."""
    lines = [summary_line(scenario), ""]
    lines += textwrap.wrap(" ".join(scenario.description.split()), 88) + [""]
    changed = {
        name: value for name, value in scenario.parameters.items() if value != SCHEMA[name].default
    }
    lines.append(f"parameters other than the defaults ({len(changed)}):")
    lines += [f"  {name} = {value!r}" for name, value in changed.items()]
    lines.append("factions: " + ", ".join(_faction_text(f) for f in scenario.factions))
    lines.append("foreign governments: " + ", ".join(g.name for g in scenario.governments))
    if scenario.oil_price_path is not None:
        lines.append(
            f"oil price path: {len(scenario.oil_price_path.prices)} months"
            + (f" ({scenario.oil_price_path.source})" if scenario.oil_price_path.source else "")
        )
    lines.append(f"events ({len(scenario.events)}):")
    start = scenario.parameters.start_date
    for event in scenario.events:
        values = ", ".join(f"{k}={v}" for k, v in event.values.items())
        note = f": {event.note}" if event.note else ""
        lines.append(f"  {month_to_date(start, event.month)} {event.kind} {values}{note}".rstrip())
    return "\n".join(lines)


def _faction_text(f) -> str:
    president = ", president" if f.president else ""
    return f"{f.name} (power {f.power:g}, stance {f.stance:g}{president})"


def run(args: argparse.Namespace) -> int:
    """Print the list, or each named scenario in full."""
    if not args.names:
        for name in list_scenarios():
            print(summary_line(load_scenario(name)))
        return 0
    print("\n\n".join(details(load_scenario(name)) for name in args.names))
    return 0
