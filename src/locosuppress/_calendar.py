"""Calendar months on the wall clock of a time zone: "now minus N months".

Layer 0: imports only :mod:`locosuppress.errors` (and pandas). The one
implementation of the age limits of the anonymiser
(:func:`locosuppress.anonymise_events`) and of the retention schedule
(:mod:`locosuppress.retention`), so both cut at the same instant:

* ``now`` is an instant when aware, a wall time in ``tz`` when naive;
* the months are counted on the wall clock in ``tz`` with
  ``pandas.DateOffset`` (a day that does not exist in the target month is
  clipped to its last day: 31 March minus one month is 29 February in a leap
  year, 28 February otherwise);
* the resulting wall time is placed back in ``tz``: a wall time that does not
  exist (the spring gap) moves forward, an ambiguous one (the repeated autumn
  hour) takes the earlier instant.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

from locosuppress.errors import InvalidOptionError

__all__ = ["place", "read_now", "reference_time", "shift_months"]


def place(wall: pd.Timestamp, tz: dt.tzinfo) -> pd.Timestamp:
    """Place a naive wall time in ``tz``: nonexistent -> moved forward, ambiguous -> earlier."""
    return wall.tz_localize(tz, ambiguous=True, nonexistent="shift_forward")


def read_now(now: Any, /) -> pd.Timestamp:
    """``now`` as a Timestamp: a Timestamp, ``datetime``, ``datetime64`` or ISO 8601 text.

    Raises:
        InvalidOptionError: anything else, NaT, or text that is not ISO 8601.
    """
    problem = (
        "now must be a time: a pandas Timestamp, a datetime or ISO 8601 text such as "
        "2025-01-31T12:00 (year first)"
    )
    if isinstance(now, str):
        try:
            return pd.Timestamp(dt.datetime.fromisoformat(now.strip()))
        except (ValueError, OverflowError):
            raise InvalidOptionError(f"{problem}, not {now!r}") from None
    if not isinstance(now, dt.date | np.datetime64):  # a Timestamp is a datetime is a date
        raise InvalidOptionError(f"{problem}, not a {type(now).__name__}")
    try:
        stamp = pd.Timestamp(now)
    except (ValueError, OverflowError, pd.errors.OutOfBoundsDatetime):
        raise InvalidOptionError(f"{problem}; {now!r} is out of range") from None
    if pd.isna(stamp):
        raise InvalidOptionError("now must be a time, not NaT")
    return stamp


def reference_time(now: Any, tz: dt.tzinfo) -> pd.Timestamp:
    """``now`` as a naive wall time in ``tz`` (None: the current time).

    Raises:
        InvalidOptionError: ``now`` is not a time (a ValueError); text must be
            ISO 8601 (``01-07-2025`` is refused, never read month-first).
    """
    stamp = pd.Timestamp.now(tz=tz) if now is None else read_now(now)
    return stamp.tz_convert(tz).tz_localize(None) if stamp.tzinfo is not None else stamp


def shift_months(now: Any, months: int, tz: dt.tzinfo) -> tuple[pd.Timestamp, pd.Timestamp]:
    """``now`` minus ``months`` calendar months on the wall clock of ``tz``.

    A negative ``months`` counts forward. Returns the instant (aware, in
    ``tz``) and the same moment as a naive wall time in ``tz``.

    Raises:
        InvalidOptionError: ``now`` is not a time.
    """
    wall = reference_time(now, tz) - pd.DateOffset(months=months)
    return place(wall, tz), wall
