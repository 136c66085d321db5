"""Rendering helpers shared by the report values.

Reports are frozen attrs classes defined next to the code that produces them;
this module only knows how to show a flat list of ``(label, value)`` rows as
aligned text (terminals, logs) or as a compact HTML table (Jupyter). It knows
nothing else of ours.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["format_value", "render_html", "render_text"]

Row = tuple[str, Any]


def format_value(value: Any) -> str:
    """Format one report value for people: thousands separators, short floats."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.3g}" if abs(value) < 1000 else f"{value:,.0f}"
    if isinstance(value, Mapping):
        if not value:
            return "-"
        return ", ".join(f"{k}: {format_value(v)}" for k, v in value.items())
    if isinstance(value, list | tuple | frozenset | set):
        if not value:
            return "-"
        return ", ".join(format_value(v) for v in value)
    if value is None:
        return "-"
    return str(value)


def render_text(title: str, rows: Iterable[Row], *, notes: Iterable[str] = ()) -> str:
    """Render rows as an aligned two-column block under a title."""
    rows = list(rows)
    width = max((len(label) for label, _ in rows), default=0)
    lines = [title, "-" * len(title)]
    lines += [f"{label.ljust(width)}  {format_value(value)}" for label, value in rows]
    lines += [f"! {note}" for note in notes]
    return "\n".join(lines)


def render_html(title: str, rows: Iterable[Row], *, notes: Iterable[str] = ()) -> str:
    """Render rows as a compact HTML table, escaped, for notebooks."""
    body = "".join(
        f"<tr><th style='text-align:left'>{html.escape(label)}</th>"
        f"<td style='text-align:right'>{html.escape(format_value(value))}</td></tr>"
        for label, value in rows
    )
    foot = "".join(
        f"<tr><td colspan='2' style='text-align:left'>&#9888; {html.escape(n)}</td></tr>"
        for n in notes
    )
    return (
        "<table class='locosuppress-report'>"
        f"<caption style='text-align:left'><b>{html.escape(title)}</b></caption>"
        f"<tbody>{body}{foot}</tbody></table>"
    )
