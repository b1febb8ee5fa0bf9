"""``iran-sim params``: the parameter schema on the command line (ODD §9, docs/parameters.md).

Lists every parameter with its default, allowed values, unit and claim, or describes
the ones named; ``--markdown`` prints the table of docs/parameters.md, generated from the
same schema, so an installed package needs no docs folder.
"""

from __future__ import annotations

import argparse
import textwrap

from cli.errors import UsageError
from model.parameters import SCHEMA, Parameter, get_parameter, parameter_table_markdown


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``params`` subcommand."""
    parser = subparsers.add_parser(
        "params",
        help="list the model's parameters (defaults, ranges, units, claims)",
        description="List every parameter of the schema, or describe the ones named.",
    )
    parser.add_argument("names", nargs="*", metavar="NAME", help="parameters to describe")
    parser.add_argument("--group", default=None, help="only the parameters of this group")
    parser.add_argument(
        "--markdown", action="store_true", help="print the Markdown table of docs/parameters.md"
    )
    parser.set_defaults(func=run)


def _default(p: Parameter) -> str:
    return str(p.default).lower() if p.kind is bool else str(p.default)


def describe(p: Parameter) -> str:
    """Everything the schema says about one parameter, as text."""
    lines = [
        f"{p.name}: {p.label}",
        f"  default {_default(p)}; allowed {p.range_text}" + (f" ({p.unit})" if p.unit else ""),
        f"  claim {p.claim}; group {p.group}"
        + ("; uncertain (swept and calibrated)" if p.uncertain else ""),
    ]
    lines += textwrap.wrap(p.description, 88, initial_indent="  ", subsequent_indent="  ")
    return "\n".join(lines)


def table(parameters: list[Parameter]) -> str:
    """One line per parameter: name, default, allowed values, unit, claim."""
    rows = [("name", "default", "allowed", "unit", "claim")]
    rows += [(p.name, _default(p), p.range_text, p.unit, p.claim) for p in parameters]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows
    )


def run(args: argparse.Namespace) -> int:
    """Print the table, the Markdown table, or the named parameters' descriptions."""
    if args.markdown:
        print(parameter_table_markdown(), end="")
        return 0
    chosen = [get_parameter(name) for name in args.names] or list(SCHEMA.values())
    if args.group is not None:
        groups = sorted({p.group for p in SCHEMA.values()})
        if args.group not in groups:
            raise UsageError(f"--group {args.group!r}: expected one of {', '.join(groups)}")
        chosen = [p for p in chosen if p.group == args.group]
    print("\n\n".join(describe(p) for p in chosen) if args.names else table(chosen))
    return 0
