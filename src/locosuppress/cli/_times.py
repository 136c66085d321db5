"""Timestamps in text files, for ``locosuppress anonymise``.

A mailing file holds times as text: ISO 8601 from e-mail systems
(``2024-03-05 14:22:10``, ``2024-03-05T14:22:10+01:00``) or Dutch Excel's
day-first form (``5-3-2024 14:22``). :func:`parse_times` reads both into a
datetime column for the anonymiser; :func:`format_times` writes them back as
ISO 8601. A value that reads as neither stays text, which the anonymiser
counts as unreadable: old (fail closed), reported, and refused when it is most
of the column. Unix times are not read here: the anonymiser reads them with
an explicit unit.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["format_times", "parse_now", "parse_times", "resolve_tz"]

# A time of day followed by a UTC offset or Z: the value names its own instant.
_OFFSET: Final = re.compile(
    r"[T ]\d{1,2}(?::?\d{2}(?::?\d{2}(?:[.,]\d+)?)?)?\s*(?:[Zz]|[+-]\d{2}(?::?\d{2})?)\s*$"
)
_DAY_FIRST: Final = (
    "%d-%m-%Y %H:%M:%S",
    "%d-%m-%Y %H:%M",
    "%d-%m-%Y",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y",
)


def resolve_tz(name: str, /) -> dt.tzinfo:
    """The zone of an IANA name such as ``Europe/Amsterdam``.

    Raises:
        ValueError: unknown zone.
    """
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {name!r}; use an IANA name such as Europe/Amsterdam or UTC"
        ) from None


def parse_now(text: str, /) -> pd.Timestamp:
    """Read ``--now``: ISO 8601 only, with an offset (an instant) or without (a wall time).

    Other forms (``01-07-2025``, ``1/7/2025``) are refused, never guessed:
    pandas would read them month-first.

    Raises:
        ValueError: not an ISO 8601 date or time.
    """
    problem = (
        f"--now must be an ISO 8601 date or time such as 2025-01-31 or 2025-01-31T12:00 "
        f"(year first), not {text!r}"
    )
    try:
        return pd.Timestamp(dt.datetime.fromisoformat(text.strip()))
    except (ValueError, TypeError, OverflowError):
        raise ValueError(problem) from None


def _localize(wall: pd.Series, tz: dt.tzinfo) -> pd.Series:
    """Naive wall times to aware ones.

    A wall time in a DST gap moves forward; an ambiguous one is the earlier instant.
    """
    placed: pd.Series = wall.dt.tz_localize(
        tz, ambiguous=np.ones(len(wall), dtype=bool), nonexistent="shift_forward"
    )
    return placed


def parse_times(column: pd.Series, tz: dt.tzinfo, /) -> pd.Series:
    """Read a text column of times.

    Returns:
        The times: naive wall times (datetime64) when no value carries a UTC
        offset; otherwise every value is an instant shown in ``tz`` (naive
        values are taken as wall times in ``tz``). When some non-blank values
        cannot be read, the column is of object dtype instead: the times as
        Timestamps, and those values as their (trimmed) text, so that the
        anonymiser counts them as unreadable rather than missing.
    """
    objects = column.astype(object).where(column.notna(), None)
    try:
        raw = pa.array(objects, type=pa.large_string(), from_pandas=True)
    except (pa.ArrowTypeError, pa.ArrowInvalid):  # not all text: read only the text
        raw = pa.array([v if isinstance(v, str) else None for v in objects], pa.large_string())
    text = pc.utf8_trim_whitespace(raw)
    blank = np.asarray(
        pc.fill_null(pc.equal(pc.utf8_length(text), 0), True).to_numpy(zero_copy_only=False),
        dtype=bool,
    )
    has_offset = np.asarray(
        pc.fill_null(pc.match_substring_regex(text, _OFFSET.pattern), False).to_numpy(
            zero_copy_only=False
        ),
        dtype=bool,
    )
    values = pd.Series(text.to_pandas(), index=column.index, dtype=object)
    naive_at = ~blank & ~has_offset
    wall = pd.Series(pd.NaT, index=column.index, dtype="datetime64[us]")
    if naive_at.any():
        parsed = pd.to_datetime(values[naive_at], format="ISO8601", errors="coerce")
        for form in _DAY_FIRST:
            missing = parsed.isna()
            if not missing.any():
                break
            parsed[missing] = pd.to_datetime(
                values[naive_at][missing], format=form, errors="coerce"
            )
        wall[naive_at] = parsed.astype("datetime64[us]")
    if not has_offset.any():
        return _with_unreadable(wall, values, blank)
    out = pd.Series(pd.NaT, index=column.index, dtype=pd.DatetimeTZDtype("us", tz))
    instants = pd.to_datetime(values[has_offset], format="ISO8601", errors="coerce", utc=True)
    out[has_offset] = instants.dt.tz_convert(tz).astype(out.dtype)
    if naive_at.any():
        out[naive_at] = _localize(wall[naive_at], tz).astype(out.dtype)
    return _with_unreadable(out, values, blank)


def _with_unreadable(times: pd.Series, text: pd.Series, blank: npt.NDArray[np.bool_]) -> pd.Series:
    """``times``, or (when some non-blank text did not read) Timestamps and that text."""
    unreadable = ~blank & times.isna().to_numpy()
    if not unreadable.any():
        return times
    mixed = times.astype(object).where(times.notna(), None)
    mixed[unreadable] = text[unreadable]
    return mixed


def format_times(column: pd.Series, /) -> pd.Series:
    """Times as ISO 8601 text (``2024-03-05T14:22:10``, plus ``+01:00`` when aware).

    Fractions of a second are written only when a value has them; missing
    values stay missing. Anything that is not a datetime column (text, for
    instance) is returned unchanged.
    """
    if isinstance(column.dtype, np.dtype) and column.dtype.kind == "O":
        # Timestamps beside (now emptied) unreadable text, from parse_times
        present = column.dropna()
        if len(present) == 0 or not all(isinstance(v, pd.Timestamp) for v in present):
            return column
        column = pd.to_datetime(column.where(column.notna(), None))
    if not pd.api.types.is_datetime64_any_dtype(column.dtype):
        return column
    aware = isinstance(column.dtype, pd.DatetimeTZDtype)
    stamps = pa.array(column.dt.as_unit("us"), from_pandas=True)
    fraction = bool((column.dt.microsecond.fillna(0) != 0).any())
    if not fraction:  # Arrow's %S shows the fraction of sub-second units
        stamps = stamps.cast(pa.timestamp("s", stamps.type.tz))
    text = pc.strftime(stamps, format="%Y-%m-%dT%H:%M:%S" + ("%z" if aware else ""))
    if aware:
        text = pc.replace_substring_regex(text, r"([+-]\d{2})(\d{2})$", r"\1:\2")
    return pd.Series(text.to_pandas(), index=column.index, dtype=object).where(column.notna(), None)
