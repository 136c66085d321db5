"""Tests for locosuppress._calendar: "now minus N calendar months" in a time zone."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from locosuppress import InvalidOptionError, anonymise_events
from locosuppress._calendar import place, reference_time, shift_months

AMSTERDAM = zoneinfo.ZoneInfo("Europe/Amsterdam")


class TestShiftMonths:
    """Month ends, leap days and daylight-saving time, as the anonymiser has them."""

    @pytest.mark.parametrize(
        ("now", "months", "wall"),
        [
            ("2025-03-31 12:00", 1, "2025-02-28 12:00"),
            ("2024-03-31 12:00", 1, "2024-02-29 12:00"),
            ("2024-02-29 00:00", 12, "2023-02-28 00:00"),
            ("2031-02-28 12:00", 84, "2024-02-28 12:00"),
            ("2031-03-01 00:00", 84, "2024-03-01 00:00"),
            ("2025-08-31 09:00", 6, "2025-02-28 09:00"),
            ("2025-01-15 00:00", -1, "2025-02-15 00:00"),
        ],
    )
    def test_month_ends_and_leap_days(self, now: str, months: int, wall: str) -> None:
        """The day is clipped to the target month's last day."""
        instant, got = shift_months(pd.Timestamp(now), months, AMSTERDAM)
        assert pd.Timestamp(wall) == got
        assert pd.Timestamp(wall, tz=AMSTERDAM) == instant

    def test_a_wall_time_in_the_spring_gap_moves_forward(self) -> None:
        """30 March 2025 02:30 does not exist in Amsterdam: 03:00 CEST."""
        instant, wall = shift_months("2025-04-30 02:30", 1, AMSTERDAM)
        assert pd.Timestamp("2025-03-30 02:30") == wall
        assert pd.Timestamp("2025-03-30 01:00", tz="UTC") == instant

    def test_an_ambiguous_wall_time_takes_the_earlier_instant(self) -> None:
        """26 October 2025 02:30 happens twice: the first time (CEST) counts."""
        instant, _ = shift_months("2025-11-26 02:30", 1, AMSTERDAM)
        assert pd.Timestamp("2025-10-26 00:30", tz="UTC") == instant

    def test_an_aware_now_is_an_instant(self) -> None:
        """An aware now is converted to the zone's wall clock first."""
        _, wall = shift_months(dt.datetime(2025, 3, 31, 22, 30, tzinfo=dt.UTC), 1, AMSTERDAM)
        assert pd.Timestamp("2025-03-01 00:30") == wall

    @given(
        st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2040, 1, 1)),
        st.integers(0, 120),
    )
    def test_the_anonymiser_cuts_at_the_same_instant(self, now: dt.datetime, months: int) -> None:
        """anonymise_events reports the same cutoff (one implementation)."""
        events = pd.DataFrame({"timestamp": pd.to_datetime([])})
        report = anonymise_events(events, now=now, months=months, tz=AMSTERDAM).report
        assert shift_months(now, months, AMSTERDAM)[0] == report.cutoff


class TestReferenceTime:
    """now= is checked: a time, or a clear error."""

    @pytest.mark.parametrize("now", ["gisteren", pd.NaT, object()])
    def test_not_a_time(self, now: object) -> None:
        """Anything that is not a time is an InvalidOptionError, not a pandas traceback."""
        with pytest.raises(InvalidOptionError, match="now must be a time"):
            reference_time(now, AMSTERDAM)

    def test_none_is_now(self) -> None:
        """None reads the clock (the only place it is read)."""
        before = pd.Timestamp.now(tz=AMSTERDAM).tz_localize(None)
        assert before <= reference_time(None, AMSTERDAM)

    def test_place(self) -> None:
        """place() puts a wall time in the zone."""
        assert pd.Timestamp("2025-01-01 00:00", tz=AMSTERDAM) == place(
            pd.Timestamp("2025-01-01"), AMSTERDAM
        )
