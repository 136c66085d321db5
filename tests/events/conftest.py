"""An independent oracle for the anonymisation tests: cutoffs and old rows by zoneinfo alone.

The oracle uses only ``datetime``, ``calendar`` and ``zoneinfo`` (no pandas
offsets, no code of locosuppress), so the tests compare the anonymiser with a
second, plain computation of the same rule.
"""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest

UTC = ZoneInfo("UTC")


class Oracle:
    """The age rule of docs/anonymisation.md, computed the slow, obvious way."""

    @staticmethod
    def minus_months(wall: dt.datetime, months: int) -> dt.datetime:
        """Calendar months back, the day clamped to the month's length."""
        index = wall.year * 12 + wall.month - 1 - months
        year, month = divmod(index, 12)
        day = min(wall.day, calendar.monthrange(year, month + 1)[1])
        return wall.replace(year=year, month=month + 1, day=day)

    @staticmethod
    def place(wall: dt.datetime, tz: ZoneInfo) -> dt.datetime:
        """A wall time in ``tz`` as a UTC instant: ambiguous -> earlier, in a gap -> its end."""
        candidates = [wall.replace(tzinfo=tz, fold=f) for f in (0, 1)]
        real = [
            c for c in candidates if c.astimezone(UTC).astimezone(tz).replace(tzinfo=None) == wall
        ]
        if real:
            return min(c.astimezone(UTC) for c in real)
        low, high = sorted(c.astimezone(UTC) for c in candidates)
        after = high.astimezone(tz).utcoffset()
        while high - low > dt.timedelta(seconds=1):
            middle = low + (high - low) / 2
            if middle.astimezone(tz).utcoffset() == after:
                high = middle
            else:
                low = middle
        return high.replace(microsecond=0) + dt.timedelta(seconds=1 if high.microsecond else 0)

    def cutoff(self, now: dt.datetime, months: int, tz: ZoneInfo) -> dt.datetime:
        """The instant before which events are old."""
        wall = now.astimezone(tz).replace(tzinfo=None) if now.tzinfo else now
        return self.place(self.minus_months(wall, months), tz)

    def read_instant(self, value: Any, tz: ZoneInfo) -> dt.datetime | None:
        """A timestamp cell as a UTC instant (None when missing or unreadable)."""
        if value is None or value is pd.NaT or (isinstance(value, float) and np.isnan(value)):
            return None
        if isinstance(value, str):
            try:
                value = dt.datetime.fromisoformat(value.strip())
            except ValueError:
                return None
        if isinstance(value, pd.Timestamp):
            value = value.to_pydatetime()
        if isinstance(value, np.datetime64):
            value = pd.Timestamp(value).to_pydatetime()
        if not isinstance(value, dt.datetime):
            return None
        if value.tzinfo is None:
            return self.place(value, tz)
        return value.astimezone(UTC)

    @staticmethod
    def day_of(instant: dt.datetime, tz: ZoneInfo) -> dt.date:
        """The day of an instant on the wall clock of ``tz``."""
        return instant.astimezone(tz).date()

    def old_mask(
        self, events: pd.DataFrame, now: pd.Timestamp, tz: str, months: int = 12
    ) -> list[bool]:
        """Per row: old (or without a readable time), by the oracle's cutoff."""
        zone = ZoneInfo(tz)
        cut = self.cutoff(now.to_pydatetime(), months, zone)
        out = []
        for value in events["timestamp"].astype(object).tolist():
            instant = self.read_instant(value, zone)
            out.append(instant is None or instant < cut)
        return out


@pytest.fixture(scope="session")
def oracle() -> Oracle:
    """The independent oracle of the age rule."""
    return Oracle()
