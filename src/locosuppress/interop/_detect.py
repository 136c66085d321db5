"""Telling which provider wrote an export, from its column names or JSON keys (private).

A table is in a layout when the layout's ``detect`` accepts its column
names. With ``format="auto"`` exactly one layout must accept it: none is an
unknown layout, two an ambiguous one, and the error lists the layouts the
columns resemble. The records of a JSON file may carry different key sets;
they must all be read as the same layout and kind, or the file mixes layouts.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from locosuppress._vocabulary import squash_name
from locosuppress.errors import SchemaError
from locosuppress.interop import (
    _brevo,
    _generic,
    _listmonk,
    _mailchimp,
    _mailgun,
    _sendgrid,
    _ses,
)
from locosuppress.interop._layout import Layout, Table

__all__ = ["FORMATS", "LAYOUTS", "detect"]

#: Every layout by its ``format=`` name.
LAYOUTS: Final[Mapping[str, Layout]] = {
    layout.name: layout
    for layout in (
        _mailchimp.LAYOUT,
        _sendgrid.LAYOUT,
        _ses.LAYOUT,
        _mailgun.LAYOUT,
        _brevo.LAYOUT,
        _listmonk.LAYOUT,
        _generic.LAYOUT,
    )
}
#: The values ``format=`` takes.
FORMATS: Final = ("auto", *LAYOUTS)


def _describe(table: Table, columns: frozenset[str]) -> str:
    """Column names for a message, as written: a count only when one looks like an address."""
    labels = [str(c) for c in table.frame.columns if squash_name(c) in columns]
    if any("@" in label for label in labels) or len(labels) != len(columns):
        return f"{len(columns)} columns"
    return ", ".join(repr(label) for label in labels) or "no columns"


def _resembling(columns: frozenset[str]) -> list[str]:
    return [name for name, layout in LAYOUTS.items() if layout.resembles(columns)]


def _one(table: Table, columns: frozenset[str], wanted: str) -> tuple[Layout, str]:
    """The layout and kind of one key set."""
    if wanted != "auto":
        layout = LAYOUTS[wanted]
        kind = layout.detect(columns)
        if kind is None:
            like = _resembling(columns)
            hint = f"; it resembles {', '.join(like)}" if like else ""
            raise SchemaError(
                f"{table.name}: is not a {wanted} export: expected the columns "
                f"{layout.expected}, found {_describe(table, columns)}{hint}"
            )
        return layout, kind
    found = [(layout, kind) for layout in LAYOUTS.values() if (kind := layout.detect(columns))]
    if len(found) == 1:
        return found[0]
    if found:
        names = ", ".join(layout.name for layout, _ in found)
        raise SchemaError(
            f"{table.name}: ambiguous layout: the columns fit {names}; pass format=... "
            "(--format) to choose"
        )
    like = _resembling(columns)
    resembles = f"; it resembles {', '.join(like)}" if like else ""
    raise SchemaError(
        f"{table.name}: unknown layout (columns {_describe(table, columns)}){resembles}; pass "
        f"format=... (one of {', '.join(LAYOUTS)}), or format='generic' for a plain list "
        "with an address column"
    )


def detect(table: Table, wanted: str) -> tuple[Layout, str]:
    """The layout and kind of ``table`` (``wanted``: ``auto`` or a layout's name).

    Raises:
        SchemaError: unknown, ambiguous or mixed layout, or not the wanted one.
    """
    results = {
        (layout.name, kind)
        for layout, kind in (_one(table, columns, wanted) for columns in table.signatures)
    }
    if len(results) > 1:
        kinds = ", ".join(sorted(f"{name} {kind}" for name, kind in results))
        raise SchemaError(
            f"{table.name}: mixed layouts in one file ({kinds}); export each list to its "
            "own file and read them one by one"
        )
    name, kind = results.pop()
    return LAYOUTS[name], kind
