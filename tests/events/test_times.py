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
        result = anonymise_events(events, now=now, tz=AMS, allow_unreadable=True)
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
        """Numbers are not times: SchemaError naming timestamp_unit."""
        with pytest.raises(SchemaError, match="timestamp_unit='s' or 'ms'"):
            anonymise_events(pd.DataFrame({"timestamp": [1_700_000_000]}), now=NOW)


# -- Unix times, unreadable and future timestamps (issue 11) ------------------------------

JULY = pd.Timestamp("2025-07-01 12:00")
# 2024-01-05 13:45 UTC (old) and 2025-06-30 08:00 UTC (recent), in seconds
OLD_S, RECENT_S = 1_704_462_300, 1_751_270_400


class TestUnixTimes:
    """Unix times are read only with an explicit timestamp_unit; never guessed."""

    def test_numbers_without_unit_refused(self) -> None:
        """A numeric timestamp column without timestamp_unit is a SchemaError naming the option."""
        events = pd.DataFrame({"timestamp": [OLD_S, RECENT_S], "email": ["a@b.nl", "c@d.nl"]})
        with pytest.raises(SchemaError, match="timestamp_unit"):
            anonymise_events(events, now=JULY)

    @pytest.mark.parametrize("dtype", ["str", "object"])
    def test_text_of_numbers_without_unit_refused(self, dtype: str) -> None:
        """Unix times as text (a SendGrid export) are unreadable: SchemaError, not anonymised."""
        events = pd.DataFrame(
            {
                "timestamp": pd.Series([str(OLD_S), str(RECENT_S), str(RECENT_S)], dtype=dtype),
                "email": ["a@b.nl", "c@d.nl", "e@f.nl"],
            }
        )
        with pytest.raises(SchemaError, match=r"Unix times.*timestamp_unit") as caught:
            anonymise_events(events, now=JULY)
        assert "@" not in str(caught.value)

    @pytest.mark.parametrize(
        ("values", "unit", "expected"),
        [
            # floored to the day in Amsterdam: 2024-01-05 00:00+01:00 = 1704409200
            (pd.Series([OLD_S, RECENT_S], dtype="int64"), "s", [1_704_409_200, RECENT_S]),
            (pd.Series([OLD_S, RECENT_S], dtype="Int64"), "s", [1_704_409_200, RECENT_S]),
            (
                pd.Series([OLD_S + 0.25, RECENT_S], dtype="float64"),
                "s",
                [1_704_409_200.0, RECENT_S],
            ),
            (
                pd.Series([OLD_S * 1000 + 5, RECENT_S * 1000], dtype="int64"),
                "ms",
                [1_704_409_200_000, RECENT_S * 1000],
            ),
            (
                pd.Series([str(OLD_S), f" {RECENT_S} "], dtype="str"),
                "s",
                ["1704409200", f" {RECENT_S} "],
            ),
            (
                pd.Series([str(OLD_S * 1000), RECENT_S * 1000], dtype=object),
                "ms",
                ["1704409200000", RECENT_S * 1000],
            ),
        ],
        ids=["int64", "Int64", "float64", "ms", "text", "object"],
    )
    def test_read_with_unit(self, values: pd.Series, unit: Any, expected: list[Any]) -> None:
        """With timestamp_unit numbers are instants; old ones are floored and keep their kind."""
        events = pd.DataFrame({"timestamp": values, "email": ["a@b.nl", "c@d.nl"]})
        result = anonymise_events(events, now=JULY, tz=AMS, timestamp_unit=unit)
        assert [True, False] == result.events.email.isna().tolist()
        assert expected == result.events.timestamp.tolist()
        assert values.dtype == result.events.timestamp.dtype
        assert (1, 0) == (result.report.rows_selected, result.report.rows_missing_timestamp)

    def test_sentinel_unix_time_is_future(self) -> None:
        """253402214400 (9999-12-31 in seconds) is a future time: counted, anonymised, emptied."""
        events = pd.DataFrame(
            {"timestamp": [253_402_214_400, RECENT_S, RECENT_S], "ip": ["a", "b", "c"]}
        )
        result = anonymise_events(events, now=JULY, timestamp_unit="s")
        assert (1, 0) == (
            result.report.rows_future_timestamp,
            result.report.rows_unreadable_timestamp,
        )
        assert [True, False, False] == result.events.ip.isna().tolist()
        assert [True, False, False] == result.events.timestamp.isna().tolist()

    def test_unreadable_numbers_with_unit(self) -> None:
        """With timestamp_unit, text that is no number is unreadable: old, emptied, counted."""
        events = pd.DataFrame(
            {
                "timestamp": pd.Series([str(RECENT_S)] * 3 + ["gisteren", None], dtype="str"),
                "ip": ["a", "b", "c", "d", "e"],
            }
        )
        result = anonymise_events(events, now=JULY, timestamp_unit="s")
        assert [False, False, False, True, True] == result.events.ip.isna().tolist()
        assert [False, False, False, True, True] == result.events.timestamp.isna().tolist()
        assert (2, 1) == (
            result.report.rows_missing_timestamp,
            result.report.rows_unreadable_timestamp,
        )

    def test_unit_on_times_refused(self) -> None:
        """timestamp_unit on a column that already holds times is a SchemaError."""
        with pytest.raises(SchemaError, match="timestamp_unit"):
            anonymise_events(frame(timestamp=["2024-01-05"]), now=JULY, timestamp_unit="s")

    @pytest.mark.parametrize("unit", ["us", "S", "", 1])
    def test_unknown_unit(self, unit: Any) -> None:
        """Only 's' and 'ms' are units: InvalidOptionError."""
        with pytest.raises(InvalidOptionError, match="timestamp_unit"):
            anonymise_events(frame(timestamp=["2024-01-05"]), now=JULY, timestamp_unit=unit)


class TestUnreadable:
    """More than half the timestamps unreadable: SchemaError, unless allow_unreadable=True."""

    @staticmethod
    def stamps(unreadable: int, readable: int, blank: int = 0) -> pd.DataFrame:
        values = ["gisteren"] * unreadable + ["2025-06-30 10:00"] * readable + [None] * blank
        return pd.DataFrame(
            {"timestamp": pd.Series(values, dtype="str"), "ip": ["x"] * len(values)}
        )

    def test_more_than_half_refused(self) -> None:
        """Three unreadable of five present (blanks do not count): SchemaError, nothing returned."""
        with pytest.raises(SchemaError, match=r"3 of 5 timestamps.*allow_unreadable=True"):
            anonymise_events(self.stamps(3, 2, blank=4), now=JULY)

    def test_half_is_not_more(self) -> None:
        """Exactly half unreadable is anonymised (as old) and reported."""
        report = anonymise_events(self.stamps(2, 2), now=JULY).report
        assert (2, 2, 2) == (
            report.rows_selected,
            report.rows_missing_timestamp,
            report.rows_unreadable_timestamp,
        )
        assert any("2 rows had a timestamp that is no time" in note for note in report.notes)

    def test_allow_unreadable(self) -> None:
        """allow_unreadable=True anonymises them all as old, and reports them."""
        result = anonymise_events(self.stamps(5, 1), now=JULY, allow_unreadable=True)
        assert [True] * 5 + [False] == result.events.ip.isna().tolist()
        assert 5 == result.report.rows_unreadable_timestamp

    def test_all_blank_is_not_unreadable(self) -> None:
        """A column of blanks holds nothing unreadable: every row anonymised as missing."""
        report = anonymise_events(self.stamps(0, 0, blank=3), now=JULY).report
        assert (3, 3, 0) == (
            report.rows_selected,
            report.rows_missing_timestamp,
            report.rows_unreadable_timestamp,
        )


class TestFuture:
    """Times more than a day after now are never anonymised silently."""

    def events(self) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "timestamp": pd.Series(
                    [
                        "9999-12-31",  # a sentinel
                        "2030-01-01T00:00:00Z",
                        "2025-07-02T11:00",  # less than a day ahead: recent
                        "2025-06-30T10:00",
                        "2025-06-29T10:00",
                        "2024-01-01T10:00",
                    ],
                    dtype="str",
                ),
                "ip": list("abcdef"),
            }
        )

    def test_future_counted_and_anonymised(self) -> None:
        """Future times count in the report and are treated as unreadable: anonymised as old."""
        result = anonymise_events(self.events(), now=JULY)
        assert [True, True, False, False, False, True] == result.events.ip.isna().tolist()
        assert [True, True, False, False, False, False] == result.events.timestamp.isna().tolist()
        assert 2 == result.report.rows_future_timestamp
        assert any(
            "2 rows had a timestamp more than a day after now" in n for n in result.report.notes
        )

    def test_a_day_is_the_margin(self) -> None:
        """Exactly a day after now is recent; a second later is in the future."""
        events = pd.DataFrame(
            {
                "timestamp": pd.to_datetime(["2025-07-02 12:00:00", "2025-07-02 12:00:01"] * 2),
                "ip": list("abcd"),
            }
        )
        result = anonymise_events(events, now=JULY, allow_unreadable=True)
        assert [False, True, False, True] == result.events.ip.isna().tolist()
        assert 2 == result.report.rows_future_timestamp

    def test_allow_future(self) -> None:
        """allow_future=True keeps future rows as recent; they are still counted."""
        result = anonymise_events(self.events(), now=JULY, allow_future=True)
        assert [False, False, False, False, False, True] == result.events.ip.isna().tolist()
        assert 2 == result.report.rows_future_timestamp

    @pytest.mark.parametrize(
        "column",
        [
            pd.Series(
                pd.to_datetime(["9999-12-31", "2030-01-01", "2025-06-30"]), dtype="datetime64[us]"
            ),
            pd.Series(
                pd.to_datetime(["9999-12-31", "2030-01-01", "2025-06-30"]).tz_localize("UTC"),
                dtype="datetime64[us, UTC]",
            ),
            pd.Series(
                [dt.datetime(9999, 12, 31), dt.datetime(2030, 1, 1), dt.datetime(2025, 6, 30)],
                dtype=object,
            ),
        ],
        ids=["naive", "aware", "object"],
    )
    def test_mostly_future_refused(self, column: pd.Series) -> None:
        """More than half in the future (typed times too): SchemaError unless allowed."""
        events = pd.DataFrame({"timestamp": column, "ip": ["a", "b", "c"]})
        with pytest.raises(SchemaError, match="more than a day after now"):
            anonymise_events(events, now=JULY)
        assert (
            2
            == anonymise_events(
                events, now=JULY, allow_unreadable=True
            ).report.rows_future_timestamp
        )
        assert 0 == anonymise_events(events, now=JULY, allow_future=True).report.rows_selected
