"""Tests for locosuppress.events._times: the cutoff, reading timestamps, coarsening them."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
import pyarrow as pa
import pytest
from events_support import cells, frame, is_na
from hypothesis import given
from hypothesis import strategies as st

from locosuppress import InvalidOptionError, SchemaError, anonymise_events
from locosuppress.testing import event_frames

NOW = pd.Timestamp("2025-06-15 12:00")
AMS = "Europe/Amsterdam"
UTC = ZoneInfo("UTC")


# -- the cutoff --------------------------------------------------------------------


def cutoff_of(now: Any, *, months: int = 12, tz: str = "UTC") -> pd.Timestamp | None:
    """The cutoff the anonymiser reports for an all-recent frame."""
    events = frame(timestamp=[])
    return anonymise_events(events, now=now, months=months, tz=tz).report.cutoff


class TestCutoff:
    """Old means strictly before now minus calendar months, on the wall clock in tz."""

    @pytest.mark.parametrize(
        ("now", "months", "expected"),
        [
            ("2024-02-29 10:00", 12, "2023-02-28 10:00"),
            ("2026-03-31 00:00", 12, "2025-03-31 00:00"),
            ("2025-03-31 08:00", 1, "2025-02-28 08:00"),
            ("2024-03-31 08:00", 1, "2024-02-29 08:00"),
            ("2028-02-29 23:59:59", 48, "2024-02-29 23:59:59"),
            ("2025-01-31 12:00", 11, "2024-02-29 12:00"),
            ("2025-06-15 12:00", 0, "2025-06-15 12:00"),
        ],
    )
    def test_month_ends_and_leap_days(self, now: str, months: int, expected: str) -> None:
        """DateOffset arithmetic clamps the day to the shorter month."""
        assert pd.Timestamp(expected, tz="UTC") == cutoff_of(now, months=months)

    @pytest.mark.parametrize(
        ("now", "expected_utc"),
        [
            # a year before is in the spring-forward gap: moves to its end
            ("2025-03-31 02:30", "2024-03-31 01:00"),
            # a year before is in the repeated autumn hour: the earlier instant
            ("2025-10-27 02:30", "2024-10-27 00:30"),
            # summer time now, winter time then: same wall clock, other offset
            ("2025-07-01 12:00", "2024-07-01 10:00"),
            ("2025-01-15 12:00", "2024-01-15 11:00"),
        ],
    )
    def test_daylight_saving_amsterdam(self, now: str, expected_utc: str) -> None:
        """The wall clock in Europe/Amsterdam decides, across daylight-saving changes."""
        assert pd.Timestamp(expected_utc, tz="UTC") == cutoff_of(now, tz=AMS)

    def test_aware_now_is_an_instant(self) -> None:
        """An aware now is read in tz first (here 23:30 UTC is already the next day there)."""
        now = pd.Timestamp("2025-02-28 23:30", tz="UTC")  # 2025-03-01 00:30 in Amsterdam
        assert pd.Timestamp("2024-03-01 00:30", tz=AMS) == cutoff_of(now, tz=AMS)

    @given(
        st.datetimes(min_value=dt.datetime(2001, 1, 1), max_value=dt.datetime(2035, 12, 31)),
        st.integers(0, 40),
        st.sampled_from([AMS, "UTC", "America/New_York", "Australia/Lord_Howe"]),
        st.booleans(),
    )
    def test_matches_oracle(
        self, oracle: Any, now: dt.datetime, months: int, tz: str, aware: bool
    ) -> None:
        """The cutoff equals an independent zoneinfo computation, naive or aware now."""
        zone = ZoneInfo(tz)
        if aware:
            now = now.replace(tzinfo=UTC)
        expected = oracle.cutoff(now, months, zone)
        actual = cutoff_of(pd.Timestamp(now), months=months, tz=tz)
        assert actual is not None
        assert expected == actual.to_pydatetime()

    @given(
        st.sampled_from(
            [
                pd.Timestamp("2025-03-31 02:30"),  # cutoff in the spring-forward gap
                pd.Timestamp("2025-10-27 02:30"),  # cutoff in the repeated autumn hour
                pd.Timestamp("2025-03-30 02:30"),  # now in the gap, cutoff not
                pd.Timestamp("2025-10-26 01:30", tz="UTC"),  # now in the repeated hour
            ]
        ).flatmap(
            lambda now: st.tuples(
                st.just(now),
                event_frames(now=now, tz=AMS, timestamp_kinds=("naive", "aware", "text")),
            )
        )
    )
    def test_old_rows_across_dst(
        self, oracle: Any, case: tuple[pd.Timestamp, pd.DataFrame]
    ) -> None:
        """Exactly the rows before the oracle's cutoff are anonymised, near DST changes too."""
        now, events = case
        result = anonymise_events(events, now=now, tz=AMS)
        old = oracle.old_mask(events, now, AMS)
        assert sum(old) == result.report.rows_selected
        assert old == result.events.klant_id.isna().tolist()

    @pytest.mark.parametrize(
        ("now", "months", "stamps", "old"),
        [
            # now (a naive wall time) in the gap of 30 March 2025, months=0: the cutoff is
            # the end of the gap, 03:00 CEST (01:00 UTC); wall times in the gap land there too
            (
                "2025-03-30 02:30",
                0,
                [
                    "2025-03-30 01:59:59.999999999",
                    "2025-03-30 02:00:00",
                    "2025-03-30 02:29:59",
                    "2025-03-30 02:45:00",
                    "2025-03-30 03:00:00",
                    "2025-03-30 03:00:00.000000001",
                ],
                [True, False, False, False, False, False],
            ),
            # now in the gap of 29 March 2026, a year back is an ordinary wall time (02:30 CET)
            (
                "2026-03-29 02:30",
                12,
                [
                    "2025-03-29 02:29:59.999999999",
                    "2025-03-29 02:30:00",
                    "2025-03-29 02:45:00",
                    "2025-03-29 03:00:00",
                ],
                [True, False, False, False],
            ),
        ],
    )
    def test_now_in_the_spring_forward_gap(
        self, now: str, months: int, stamps: list[str], old: list[bool]
    ) -> None:
        """With now in the Amsterdam spring-forward gap, naive times either side fall right."""
        events = pd.DataFrame(
            {
                "timestamp": pd.to_datetime(pd.Series(stamps), format="ISO8601").astype(
                    "datetime64[ns]"
                ),
                "email": [f"p{i}@example.nl" for i in range(len(stamps))],
            }
        )
        result = anonymise_events(events, now=pd.Timestamp(now), months=months, tz=AMS)
        assert old == result.events.email.isna().tolist()

    @pytest.mark.parametrize("tz", ["UTC", AMS])
    def test_boundary_is_strict(self, oracle: Any, tz: str) -> None:
        """At the cutoff an event is recent; a microsecond earlier it is old."""
        cut = pd.Timestamp(oracle.cutoff(NOW.to_pydatetime(), 12, ZoneInfo(tz)))
        wall = cut.tz_convert(tz).tz_localize(None)
        events = frame(
            timestamp=[wall, wall - pd.Timedelta(microseconds=1)], email=["a@b.nl", "c@d.nl"]
        )
        result = anonymise_events(events, now=NOW, tz=tz)
        assert ["a@b.nl", None] == [None if is_na(v) else v for v in cells(result.events.email)]


class TestCoarsen:
    """Old timestamps are floored in tz and keep their kind and dtype."""

    @pytest.mark.parametrize(
        ("resolution", "expected"),
        [
            ("day", "2024-01-05 00:00"),
            ("hour", "2024-01-05 13:00"),
            ("month", "2024-01-01 00:00"),
            (None, "2024-01-05 13:45:12"),
        ],
    )
    def test_resolution(self, resolution: Any, expected: str) -> None:
        """Old timestamps are floored to the day, hour or month, or left."""
        events = frame(timestamp=["2024-01-05 13:45:12"])
        out = anonymise_events(events, now=NOW, resolution=resolution).events
        assert pd.Timestamp(expected) == out.timestamp.iloc[0]

    def test_aware_floored_in_tz(self) -> None:
        """An aware column is floored on the day in tz and keeps its dtype and zone."""
        stamps = pd.Series(pd.to_datetime(["2024-01-05 23:30"]).tz_localize("UTC"))
        events = pd.DataFrame({"timestamp": stamps.astype("datetime64[ms, UTC]")})
        out = anonymise_events(events, now=NOW, tz=AMS).events
        assert "datetime64[ms, UTC]" == str(out.timestamp.dtype)
        # 23:30 UTC is 00:30 on 6 January in Amsterdam, whose day began at 23:00 UTC.
        assert pd.Timestamp("2024-01-05 23:00", tz="UTC") == out.timestamp.iloc[0]

    def test_repeated_hour_keeps_its_pass(self) -> None:
        """Floored to the hour, 02:30 of the second pass becomes 02:00 of that pass."""
        stamps = pd.to_datetime(["2023-10-29 00:30", "2023-10-29 01:30"]).tz_localize("UTC")
        events = pd.DataFrame({"timestamp": stamps.tz_convert(AMS)})
        out = anonymise_events(events, now=NOW, tz=AMS, resolution="hour").events
        expected = pd.to_datetime(["2023-10-29 00:00", "2023-10-29 01:00"]).tz_localize("UTC")
        assert list(expected) == list(out.timestamp.dt.tz_convert("UTC"))

    def test_text_timestamps(self) -> None:
        """ISO text is parsed; old values become floored ISO text; unreadable ones become NA."""
        events = pd.DataFrame(
            {
                "timestamp": pd.Series(
                    [
                        "2024-01-05T13:45:00",
                        "2024-01-05T23:30:00Z",
                        "gisteren",
                        "2025-06-10 09:00",
                        None,
                    ],
                    dtype="str",
                ),
                "notes": ["a", "b", "c", "d", "e"],
            }
        )
        result = anonymise_events(events, now=NOW, tz=AMS)
        assert [
            "2024-01-05T00:00:00",
            "2024-01-06T00:00:00+01:00",
            None,
            "2025-06-10 09:00",
            None,
        ] == [None if is_na(v) else v for v in cells(result.events.timestamp)]
        assert "str" == str(result.events.timestamp.dtype)
        assert 2 == result.report.rows_missing_timestamp
        assert [True, True, True, False, True] == result.events.notes.isna().tolist()

    def test_object_timestamps(self) -> None:
        """Python datetimes in an object column stay datetimes (aware ones in their zone)."""
        zone = ZoneInfo("America/New_York")
        events = pd.DataFrame(
            {
                "timestamp": pd.Series(
                    [
                        dt.datetime(2024, 1, 5, 13, 45),
                        dt.datetime(2024, 1, 5, 22, 0, tzinfo=zone),
                        7,
                    ],
                    dtype=object,
                )
            }
        )
        out = anonymise_events(events, now=NOW).events.timestamp.tolist()
        assert pd.Timestamp("2024-01-05") == out[0]
        assert pd.Timestamp("2024-01-06 00:00", tz="UTC") == out[1]
        assert "America/New_York" == str(out[1].tzinfo)
        assert out[2] is None

    def test_arrow_timestamps(self) -> None:
        """An Arrow timestamp column keeps its Arrow dtype."""
        stamps = pd.Series(
            pd.to_datetime(["2024-01-05 13:45", "2025-06-10 00:00"]), dtype="timestamp[us][pyarrow]"
        )
        out = anonymise_events(pd.DataFrame({"timestamp": stamps}), now=NOW).events
        assert stamps.dtype == out.timestamp.dtype
        assert pd.Timestamp("2024-01-05") == out.timestamp.iloc[0]

    def test_arrow_dates(self) -> None:
        """An Arrow date column is read as midnights and stays a date column."""
        dates = pd.Series(
            [dt.date(2024, 1, 5), dt.date(2025, 6, 10)], dtype=pd.ArrowDtype(pa.date32())
        )
        events = pd.DataFrame({"timestamp": dates, "ip": ["a", "b"]})
        out = anonymise_events(events, now=NOW, resolution="month").events
        assert dates.dtype == out.timestamp.dtype
        assert [dt.date(2024, 1, 1), dt.date(2025, 6, 10)] == out.timestamp.tolist()
        assert [True, False] == out.ip.isna().tolist()


class TestTimeColumn:
    """A timestamp column must hold times."""

    @pytest.mark.parametrize("now", ["garbage", "01-07-2025", "", pd.Series(["2025-01-01"])])
    def test_now_that_is_no_iso_time(self, now: Any) -> None:
        """A now that is no time, or text that is not ISO 8601, is a clear InvalidOptionError."""
        with pytest.raises(InvalidOptionError, match="now must be"):
            anonymise_events(frame(timestamp=["2024-01-05"]), now=now)

    def test_now_iso_text(self) -> None:
        """ISO 8601 text for now is read like the Timestamp it names."""
        events = frame(timestamp=["2024-01-05"])
        expected = anonymise_events(events, now=pd.Timestamp("2025-07-01")).report.cutoff
        assert expected == anonymise_events(events, now="2025-07-01").report.cutoff

    def test_numeric_timestamps(self) -> None:
        """Numbers are not times: SchemaError suggesting a conversion."""
        with pytest.raises(SchemaError, match="to_datetime"):
            anonymise_events(pd.DataFrame({"timestamp": [1_700_000_000]}), now=NOW)
