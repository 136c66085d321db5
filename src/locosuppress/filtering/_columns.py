"""Which column of a mailing frame holds the addresses: by name, else by content."""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import pandas as pd

from locosuppress._vocabulary import (
    ADDRESS_COLUMN_NAMES,
    looks_like_address,
    squash_name,
)
from locosuppress.errors import SchemaError

__all__ = ["find_address_column", "is_address_column_name"]


def _describe_columns(columns: Sequence[Hashable]) -> str:
    """List column labels for an error message, hiding any that look like data.

    In a file without a header row the "column names" are the first person's
    details, so a label holding an at sign (``@``, ``＠``, ``%40``...) is shown
    by position only.
    """
    shown = [
        f"<column {i + 1}: looks like an address, not shown>" if looks_like_address(c) else repr(c)
        for i, c in enumerate(columns)
    ]
    return "[" + ", ".join(shown) + "]"


def is_address_column_name(label: Hashable, /) -> bool:
    """Whether a column label names an address column, numbered or not.

    ``E-mailadres`` and ``email`` do, and so do ``email_2`` (how
    :func:`~locosuppress.io.read_mailing_file` names a repeated header),
    ``email.1`` (how pandas does) and ``E-mail 2``: a second address column,
    however renamed, is still an address column.
    """
    squashed = squash_name(label)
    return squashed in ADDRESS_COLUMN_NAMES or squashed.rstrip("0123456789") in (
        ADDRESS_COLUMN_NAMES
    )


_NO_HEADER = (
    "the file has no header row (its first row was read as the column names); read it "
    "with header=False, which reads every row as data and names the columns column_1, "
    "column_2, ..., then name the address column with column=..."
)


def find_address_column(frame: pd.DataFrame, /, column: Hashable | None = None) -> Hashable:
    """Return the label of the address column, named or found by its name.

    Only this column is checked: other columns that hold addresses are not.
    So a frame with several address-like columns (``email`` and ``email_2``,
    ``E-mail 1`` and ``E-mail 2``) is refused unless ``column`` names one.

    Raises:
        SchemaError: the named column is missing or looks like an address
            itself (a file without a header row); none or several columns
            look like an address column. The message lists the columns,
            hiding labels that look like addresses.
    """
    columns = list(frame.columns)
    if column is not None:
        if looks_like_address(column):
            raise SchemaError(
                f"the named column looks like an e-mail address, not a column name: {_NO_HEADER}"
            )
        hits = [c for c in columns if c == column]
        if len(hits) != 1:
            problem = "is not a column" if not hits else "appears more than once"
            raise SchemaError(f"{column!r} {problem}; the columns are {_describe_columns(columns)}")
        return column
    found = [c for c in columns if is_address_column_name(c)]
    if len(found) == 1:
        return found[0]
    if not found:
        if any(looks_like_address(c) for c in columns):
            raise SchemaError(
                "no address column found, and a column name looks like an e-mail "
                f"address: {_NO_HEADER}"
            )
        raise SchemaError(
            f"no address column found among {_describe_columns(columns)}; name it with column=..."
        )
    raise SchemaError(
        f"several columns look like address columns: {_describe_columns(found)}; "
        "choose one with column=... (only that column is checked against the list; "
        "the others are not checked, so split such rows first if every address matters)"
    )
