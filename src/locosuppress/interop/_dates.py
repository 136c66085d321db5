"""Reading the dates of provider exports, strictly (private).

Layer: interop. Each layout says how its date column is written: ISO 8601
text (a time without an offset is taken as UTC, as the provider documents),
RFC 2822 text (Mailgun), or Unix seconds where the provider documents them
(SendGrid's ``created``, SES's ``LastUpdateTime``). A value that cannot be
read is an error naming its positions, never a guess; an empty cell is
``NaT`` (the row gets the time of the import).
"""

from __future__ import annotations

import email.utils
from typing import Final, Literal

import numpy as np
import pandas as pd

from locosuppress._vocabulary import shown
from locosuppress.errors import SchemaError

__all__ = ["DateStyle", "parse_dates", "positions_text"]

#: How a layout writes its dates: ISO text, ISO text or Unix seconds, RFC 2822 text.
DateStyle = Literal["iso", "iso_or_epoch", "rfc2822"]

_EPOCH_START: Final = pd.Timestamp("1970-01-01", tz="UTC")
_LATEST: Final = pd.Timestamp("2200-01-01", tz="UTC")


def positions_text(positions: np.ndarray | list[int]) -> str:
    """The first ten positions, 0-based, for a message."""
    items = [int(p) for p in positions]
    shown = ", ".join(str(p) for p in items[:10])
    more = f" and {len(items) - 10:,} more" if len(items) > 10 else ""
    return f"{shown}{more}"


def _blank(values: pd.Series) -> np.ndarray:
    """Where a value is missing or empty text."""
    missing = values.isna().to_numpy()
    text = values.astype("string").str.strip()
    return missing | (text.fillna("") == "").to_numpy()


def _rfc2822(text: str) -> pd.Timestamp:
    moment = email.utils.parsedate_to_datetime(text)
    if moment.tzinfo is None:
        return pd.Timestamp(moment).tz_localize("UTC")
    return pd.Timestamp(moment).tz_convert("UTC")


def parse_dates(values: pd.Series, *, style: DateStyle, column: str, part: str) -> pd.Series:
    """Read a date column into tz-aware UTC timestamps (``NaT`` where empty).

    Args:
        values: the column as read (text, or numbers from JSON).
        style: how the layout writes its dates.
        column: the column's name, for messages.
        part: the file or table, for messages.

    Raises:
        SchemaError: a value is not a date in the layout's style, or lies
            before 1970 or after 2200; the message gives 0-based positions.
    """
    values = values.reset_index(drop=True)
    blank = _blank(values)
    result = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns, UTC]")
    todo = ~blank
    if not todo.any():
        return result
    present = values[todo]
    numeric = pd.to_numeric(present, errors="coerce")
    is_number = numeric.notna().to_numpy()
    if style == "iso_or_epoch" and is_number.any():
        seconds = numeric[is_number].astype("float64")
        result.loc[seconds.index] = pd.to_datetime(seconds, unit="s", utc=True, errors="coerce")
    text_rows = present[~is_number] if style == "iso_or_epoch" else present
    if len(text_rows):
        text = text_rows.astype(str).str.strip()
        if style == "rfc2822":
            unique = pd.unique(text.to_numpy())
            table: dict[str, object] = {}
            for item in unique:
                try:
                    table[item] = _rfc2822(item)
                except (TypeError, ValueError, IndexError):
                    table[item] = pd.NaT
            parsed = pd.to_datetime(text.map(table), utc=True)
        else:
            parsed = pd.to_datetime(text, format="ISO8601", utc=True, errors="coerce")
        result.loc[text_rows.index] = parsed
    bad = todo & (
        result.isna().to_numpy()
        | (result < _EPOCH_START).fillna(False).to_numpy()
        | (result >= _LATEST).fillna(False).to_numpy()
    )
    if bad.any():
        how = {
            "iso": "ISO 8601 dates (2024-01-31 or 2024-01-31T12:00:00Z)",
            "iso_or_epoch": "ISO 8601 dates or Unix seconds",
            "rfc2822": "RFC 2822 dates (Fri, 21 Oct 2011 11:02:55 GMT)",
        }[style]
        raise SchemaError(
            f"{part}: the column {shown(column)} holds {int(bad.sum()):,} value(s) that are not "
            f"{how} between 1970 and 2200, at row positions {positions_text(np.flatnonzero(bad))} "
            "(0-based); correct them, or pass date_column= for another column"
        )
    return result
