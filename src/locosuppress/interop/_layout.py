"""What a provider layout is: how it is recognised and how its rows are read (private).

Each provider module (``_mailchimp``, ``_sendgrid``, ``_ses``, ``_mailgun``,
``_brevo``, ``_listmonk``, ``_generic``) defines one :class:`Layout`:
``detect`` tells from a table's column names (compared after
:func:`~locosuppress._vocabulary.squash_name`) whether the table is in the
layout and which of its kinds (a SendGrid bounces list or spam reports list,
...), ``resembles`` whether it shares the layout's columns at all (for the
message when nothing matches), and ``parse`` reads the addresses, the
provider's status word, the key the reason table maps and the dates.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from typing import Any

import attrs
import pandas as pd

from locosuppress._vocabulary import shown, squash_name
from locosuppress.errors import SchemaError
from locosuppress.interop._dates import DateStyle, parse_dates

__all__ = ["Layout", "Parsed", "Table", "column", "dates", "squashed", "text"]


@attrs.frozen
class Table:
    """One table of an export: a CSV file, a sheet, a ZIP member or the records of a JSON file.

    Attributes:
        name: the file (or member) name, for messages and the report.
        frame: the table, every column as read.
        signatures: the distinct sets of squashed column names of its rows
            (one for a CSV file; one per key set for JSON records).
        hint: what the container says about the table (the ``subscribed``,
            ``unsubscribed`` or ``cleaned`` of a Mailchimp ZIP member's name).
    """

    name: str
    frame: pd.DataFrame
    signatures: tuple[frozenset[str], ...]
    hint: str | None = None


@attrs.frozen
class Parsed:
    """The rows of one table in a layout's terms (series aligned, 0-based index)."""

    email: pd.Series
    status: pd.Series
    key: pd.Series
    date: pd.Series


@attrs.frozen
class Layout:
    """One provider's export layout.

    Attributes:
        name: the ``format=`` name.
        detect: squashed column names -> the kind of table, or None when not this layout.
        resembles: whether the column names overlap the layout's at all.
        parse: ``(table, kind, date_column)`` -> the rows.
        reasons: the mapping key (lower case) -> our reason, or None when not a suppression.
        soft: the keys that are soft bounces or blocks (suppressions only with ``include_soft``).
        expected: the layout's columns, for messages.
    """

    name: str
    detect: Callable[[frozenset[str]], str | None]
    resembles: Callable[[frozenset[str]], bool]
    parse: Callable[[Table, str, Hashable | None], Parsed]
    reasons: Mapping[str, str | None]
    soft: frozenset[str]
    expected: str


def squashed(columns: Any) -> frozenset[str]:
    """Column labels, squashed."""
    return frozenset(squash_name(c) for c in columns)


def column(table: Table, name: str) -> Hashable | None:
    """The label of the column whose squashed name is ``name`` (None when absent)."""
    hits = [c for c in table.frame.columns if squash_name(c) == name]
    if len(hits) > 1:
        raise SchemaError(f"{table.name}: the column {name!r} appears more than once")
    return hits[0] if hits else None


def text(values: pd.Series) -> pd.Series:
    """A column as stripped text, missing values as ``""`` (0-based index)."""
    out = values.reset_index(drop=True).astype("string").fillna("").str.strip()
    return out.astype(object)


def dates(
    table: Table, name: str | None, style: DateStyle, date_column: Hashable | None
) -> pd.Series:
    """The date column ``name`` (squashed), or ``date_column`` (ISO text) when given."""
    n = len(table.frame)
    if date_column is not None:
        if date_column not in table.frame.columns:
            raise SchemaError(f"{table.name}: date_column {shown(date_column)} is not a column")
        return parse_dates(
            table.frame[date_column], style="iso", column=str(date_column), part=table.name
        )
    label = column(table, name) if name is not None else None
    if label is None:
        return pd.Series(pd.NaT, index=pd.RangeIndex(n), dtype="datetime64[ns, UTC]")
    return parse_dates(table.frame[label], style=style, column=str(label), part=table.name)


def email_column(table: Table, name: str) -> pd.Series:
    """The address column ``name`` (squashed), as read (0-based index)."""
    label = column(table, name)
    if label is None:  # pragma: no cover - detect() checked it
        raise SchemaError(f"{table.name}: no {name!r} column")
    return table.frame[label].reset_index(drop=True)
