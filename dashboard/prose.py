"""Markdown text rendered on the server into plain HTML.

``solara.Markdown`` makes the browser load KaTeX (for formulas) from a CDN, which an
offline machine cannot reach (the server retries for seconds, and the browser logs a
failed request). The dashboard's texts (explanations and docs/ODD.md) need no math, so
they are converted with Python-Markdown and shown as HTML: nothing leaves the machine.
"""

from __future__ import annotations

import functools

import markdown
import solara

_EXTENSIONS = ("tables", "fenced_code", "sane_lists", "toc")


@functools.lru_cache(maxsize=64)
def to_html(text: str) -> str:
    """Markdown to HTML (tables, fenced code and heading anchors supported)."""
    return markdown.markdown(text, extensions=list(_EXTENSIONS))


@solara.component
def Prose(text: str, classes: list[str] | None = None, style: str | None = None) -> None:
    """A block of Markdown text (the project's own, trusted) shown as HTML."""
    solara.HTML(
        tag="div",
        unsafe_innerHTML=to_html(text),
        classes=["prose", *(classes or [])],
        style=style or "",
    )
