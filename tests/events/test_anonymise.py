"""Tests for locosuppress.events: anonymising old events and erasing one contact."""

from __future__ import annotations

import calendar
import datetime as dt
import json
import logging
import pickle
import re
import struct
from collections import Counter
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import locosuppress
import locosuppress.events as events_module
from locosuppress import (
    AnonymisationReport,
    AnonymisationResult,
    InvalidEmailError,
    InvalidOptionError,
    SchemaError,
    anonymise_events,
    erase_contact,
)
from locosuppress._scrub import EMAIL_PLACEHOLDER, find_addresses, scrub_strings, scrub_text
from locosuppress.events import DEFAULT_KEEP_QUERY_PARAMS, identity_columns
from locosuppress.normalize import normalize_email
from locosuppress.testing import emails, event_frames, messy_variants

NOW = pd.Timestamp("2025-06-15 12:00")
AMS = "Europe/Amsterdam"
UTC = ZoneInfo("UTC")
KEEP = frozenset(DEFAULT_KEEP_QUERY_PARAMS)
ADDRESS_RE = re.compile(r"@|%40|\uff20|\ufe6b")


def frame(**columns: Any) -> pd.DataFrame:
    """A small events frame; timestamps given as text become naive datetime64."""
    stamps = columns.pop("timestamp")
    return pd.DataFrame(
        {"timestamp": pd.to_datetime(pd.Series(stamps), format="ISO8601"), **columns}
    )


def sample() -> pd.DataFrame:
    """Two old rows, one recent, one without timestamp."""
    return frame(
        timestamp=["2024-01-05 13:45", "2025-06-01 10:00", None, "2023-06-01 08:00"],
        email=["jan@example.nl", "piet@example.nl", "jan@example.nl", "kees@example.nl"],
        contact_id=[1, 2, 1, 3],
        klant_id=[11, 12, 11, 13],
        notes=["belde jan@example.nl", "x", "y", None],
        campaign_id=[7, 7, 8, 7],
        event_type=["click", "open", "click", "click"],
        url=[
            "https://shop.example.nl/a?utm_source=nl&uid=1#top",
            None,
            "https://u:p@shop.example.nl/jan@example.nl?x=1",
            "HTTPS://shop.example.nl/?utm_campaign=jan%40example.nl",
        ],
    )


# -- independent oracles -------------------------------------------------------


def minus_months(wall: dt.datetime, months: int) -> dt.datetime:
    """Calendar months back, the day clamped to the month's length."""
    index = wall.year * 12 + wall.month - 1 - months
    year, month = divmod(index, 12)
    day = min(wall.day, calendar.monthrange(year, month + 1)[1])
    return wall.replace(year=year, month=month + 1, day=day)


def place(wall: dt.datetime, tz: ZoneInfo) -> dt.datetime:
    """A wall time in ``tz`` as a UTC instant: ambiguous -> earlier, in a gap -> its end."""
    candidates = [wall.replace(tzinfo=tz, fold=f) for f in (0, 1)]
    real = [c for c in candidates if c.astimezone(UTC).astimezone(tz).replace(tzinfo=None) == wall]
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


def oracle_cutoff(now: dt.datetime, months: int, tz: ZoneInfo) -> dt.datetime:
    wall = now.astimezone(tz).replace(tzinfo=None) if now.tzinfo else now
    return place(minus_months(wall, months), tz)


def read_instant(value: Any, tz: ZoneInfo) -> dt.datetime | None:
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
        return place(value, tz)
    return value.astimezone(UTC)


def day_of(instant: dt.datetime, tz: ZoneInfo) -> dt.date:
    return instant.astimezone(tz).date()


def cells(series: pd.Series) -> list[Any]:
    return series.astype(object).tolist()


def is_na(value: Any) -> bool:
    return value is None or bool(pd.isna(value)) if not isinstance(value, list) else False


def old_mask(events: pd.DataFrame, now: pd.Timestamp, tz: str, months: int = 12) -> list[bool]:
    zone = ZoneInfo(tz)
    cut = oracle_cutoff(now.to_pydatetime(), months, zone)
    out = []
    for value in cells(events["timestamp"]):
        instant = read_instant(value, zone)
        out.append(instant is None or instant < cut)
    return out


# -- scrubbing -------------------------------------------------------------------


class TestScrubText:
    """The readable specification of what happens to kept text."""

    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            ("https://x.nl/a?utm_source=nl&uid=1#top", "https://x.nl/a?utm_source=nl"),
            ("https://x.nl/a?uid=1", "https://x.nl/a"),
            ("https://x.nl/a?", "https://x.nl/a"),
            ("https://x.nl/a#frag", "https://x.nl/a"),
            ("https://user:pw@x.nl/a", "https://x.nl/a"),
            ("https://jan@example.nl@x.nl/", "https://x.nl/"),
            ("HTTP://X.NL/A?UTM_SOURCE=nl", "HTTP://X.NL/A"),
            ("https://x.nl/?utm_medium&utm_source=a&&x", "https://x.nl/?utm_medium&utm_source=a"),
            ("https://x.nl/u/jan@example.nl/", "https://x.nl/u/[email]/"),
            ("https://x.nl/?utm_campaign=jan%40example.nl", "https://x.nl/?utm_campaign=[email]"),
            ("https://x.nl/?to=https://y.nl/?uid=1", "https://x.nl/"),
            ("ftp://x.nl/?uid=1", "ftp://x.nl/?uid=1"),
            ("mail jan@example.nl of PIET@EXAMPLE.NL", "mail [email] of [email]"),
            ("zie https://x.nl/?uid=1 nu", "zie https://x.nl/ nu"),
            ("Jan <jan.de.vries+tag@example.co.uk>", "Jan <[email]>"),
            ("jan＠example.nl", "[email]"),
            ("ĳsbrand@bücher.example", "[email]"),
            ("user@localhost", "[email]"),
            ("a@[192.0.2.1]", "[email]"),
            ("Zomer 2024 @ 50%", "Zomer 2024 @ 50%"),
            ("", ""),
        ],
    )
    def test_table(self, value: str, expected: str) -> None:
        """Known inputs scrub to known outputs."""
        assert expected == scrub_text(value, KEEP)[0]

    def test_counts(self) -> None:
        """It reports whether a URL changed and how many addresses were replaced."""
        assert ("https://x.nl/[email]", True, 1) == scrub_text(
            "https://x.nl/jan@example.nl?uid=1", KEEP
        )
        assert ("[email] [email]", False, 2) == scrub_text("a@b.nl c@d.nl", KEEP)

    def test_placeholder_is_not_an_address(self) -> None:
        """The placeholder itself is left alone, so scrubbing is stable."""
        assert [] == find_addresses(EMAIL_PLACEHOLDER)
        assert (EMAIL_PLACEHOLDER, False, 0) == scrub_text(EMAIL_PLACEHOLDER, KEEP)

    def test_space_table(self) -> None:
        """The white space of the patterns is exactly Python's str.isspace()."""
        from locosuppress._scrub import _SPACE

        listed = {c for low, high in _SPACE for c in range(low, high + 1)}
        assert {c for c in range(0x110000) if chr(c).isspace()} == listed

    @given(emails())
    def test_every_generated_address_is_found(self, address: str) -> None:
        """Every valid address is found whole, alone and inside text."""
        assert [address] == find_addresses(address)
        assert "mail  en" == scrub_text(f"mail {address} en", KEEP)[0].replace(
            EMAIL_PLACEHOLDER, ""
        )


_PIECES = st.sampled_from(
    [
        "https://",
        "http://",
        "HTTPS://",
        "x.nl",
        "/",
        "?",
        "#",
        "&",
        "=",
        "@",
        "%40",
        "\uff20",
        "utm_source",
        "utm_campaign=",
        "uid=",
        "jan",
        ".",
        " ",
        "\u00a0",
        "\t",
        "ü",
        "中",
        "[email]",
        ":",
        "[",
        "]",
    ]
)
_TEXTS = st.one_of(
    st.lists(_PIECES, max_size=12).map("".join),
    st.text(max_size=20),
    st.lists(st.one_of(_PIECES, st.text(max_size=3)), max_size=10).map("".join),
)


class TestScrubStrings:
    """The vectorised scrubber equals the specification."""

    @given(st.lists(st.one_of(st.none(), _TEXTS), max_size=15))
    def test_equals_spec(self, values: list[str | None]) -> None:
        """Per value: the same text, URL flag and address count as scrub_text."""
        text, urls, addresses = scrub_strings(pa.array(values, pa.large_string()), KEEP)
        expected = [scrub_text(v, KEEP) if v is not None else (None, False, 0) for v in values]
        assert expected == list(
            zip(text.to_pylist(), urls.tolist(), addresses.tolist(), strict=True)
        )

    @given(_TEXTS)
    def test_idempotent(self, value: str) -> None:
        """Scrubbing scrubbed text changes nothing."""
        once = scrub_text(value, KEEP)[0]
        assert (once, False, 0) == scrub_text(once, KEEP)

    def test_type_kept(self) -> None:
        """A string array stays a string array (not large_string) and nulls stay null."""
        text, _, _ = scrub_strings(pa.array(["a@b.nl", None], pa.string()), KEEP)
        assert pa.string() == text.type
        assert ["[email]", None] == text.to_pylist()


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
    def test_matches_oracle(self, now: dt.datetime, months: int, tz: str, aware: bool) -> None:
        """The cutoff equals an independent zoneinfo computation, naive or aware now."""
        zone = ZoneInfo(tz)
        if aware:
            now = now.replace(tzinfo=UTC)
        expected = oracle_cutoff(now, months, zone)
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
    def test_old_rows_across_dst(self, case: tuple[pd.Timestamp, pd.DataFrame]) -> None:
        """Exactly the rows before the oracle's cutoff are anonymised, near DST changes too."""
        now, events = case
        result = anonymise_events(events, now=now, tz=AMS)
        old = old_mask(events, now, AMS)
        assert sum(old) == result.report.rows_selected
        assert old == result.events.klant_id.isna().tolist()

    @pytest.mark.parametrize("tz", ["UTC", AMS])
    def test_boundary_is_strict(self, tz: str) -> None:
        """At the cutoff an event is recent; a microsecond earlier it is old."""
        cut = pd.Timestamp(oracle_cutoff(NOW.to_pydatetime(), 12, ZoneInfo(tz)))
        wall = cut.tz_convert(tz).tz_localize(None)
        events = frame(
            timestamp=[wall, wall - pd.Timedelta(microseconds=1)], email=["a@b.nl", "c@d.nl"]
        )
        result = anonymise_events(events, now=NOW, tz=tz)
        assert ["a@b.nl", None] == [None if is_na(v) else v for v in cells(result.events.email)]


# -- anonymise_events ------------------------------------------------------------------


class TestAnonymiseEvents:
    """What happens to old rows, and what does not happen to recent ones."""

    def test_old_rows(self) -> None:
        """Old rows keep the allow-listed columns (scrubbed) and a floored timestamp."""
        result = anonymise_events(sample(), now=NOW)
        out = result.events
        assert [True, False, True, True] == old_mask(sample(), NOW, "UTC")
        for column in ("email", "contact_id", "klant_id", "notes"):
            assert [True, False, True, True] == out[column].isna().tolist()
        assert [7, 7, 8, 7] == out.campaign_id.tolist()
        assert [
            "https://shop.example.nl/a?utm_source=nl",
            None,
            "https://shop.example.nl/[email]",
            "HTTPS://shop.example.nl/?utm_campaign=[email]",
        ] == [None if is_na(v) else v for v in cells(out.url)]
        expected = pd.to_datetime(
            pd.Series(["2024-01-05 00:00", "2025-06-01 10:00", None, "2023-06-01 00:00"])
        )
        pd.testing.assert_series_equal(expected, out.timestamp, check_names=False)

    def test_recent_rows_exact(self) -> None:
        """Recent rows come back exactly; int64 columns turn Int64 without changing values."""
        events = sample()
        out = anonymise_events(events, now=NOW).events
        recent = out.iloc[[1]]
        pd.testing.assert_frame_equal(events.iloc[[1]], recent, check_dtype=False)
        assert "Int64" == str(out.contact_id.dtype)
        assert "int64" == str(out.campaign_id.dtype)  # kept: left as it is

    def test_input_untouched(self) -> None:
        """The input frame is never modified."""
        events = sample()
        before = events.copy(deep=True)
        anonymise_events(events, now=NOW)
        erase_contact(events, email="jan@example.nl")
        pd.testing.assert_frame_equal(before, events)

    def test_same_shape(self) -> None:
        """Same rows, order, index and columns."""
        events = sample()
        events.index = pd.Index([10, 3, 7, 1])
        out = anonymise_events(events, now=NOW).events
        assert list(events.columns) == list(out.columns)
        pd.testing.assert_index_equal(events.index, out.index)

    def test_default_keep_case_insensitive(self) -> None:
        """Default kept names match case-insensitively; unknown columns are emptied."""
        events = frame(
            timestamp=["2020-01-01"],
            Campaign_ID=[5],
            EVENT=["open"],
            Link_URL=["https://x.nl/?uid=3"],
            klant_nummer=["K-1"],
        )
        result = anonymise_events(events, now=NOW)
        assert ("Campaign_ID", "EVENT", "Link_URL") == result.report.columns_kept
        assert ("klant_nummer",) == result.report.columns_emptied
        assert ["https://x.nl/"] == result.events.Link_URL.tolist()

    def test_explicit_keep(self) -> None:
        """keep= replaces the default allow-list."""
        result = anonymise_events(sample(), now=NOW, keep=["event_type"])
        assert ("event_type",) == result.report.columns_kept
        assert result.events.url.iloc[0] is None or pd.isna(result.events.url.iloc[0])

    def test_nullable_dtypes(self) -> None:
        """Columns that cannot hold NA get their nullable equivalent."""
        events = frame(
            timestamp=["2020-01-01", "2025-06-10"],
            count=np.array([1, 2], dtype="int32"),
            flag=[True, False],
            big=np.array([1, 2], dtype="uint64"),
            score=[1.5, 2.5],
        )
        out = anonymise_events(events, now=NOW).events
        assert ["Int32", "boolean", "UInt64", "float64"] == [
            str(out[c].dtype) for c in ("count", "flag", "big", "score")
        ]
        assert [True, False] == out["count"].isna().tolist()
        assert [2, False, 2, 2.5] == [out[c].iloc[1] for c in ("count", "flag", "big", "score")]

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

    def test_kept_text_addresses(self) -> None:
        """Addresses anywhere in kept text are replaced and counted."""
        events = frame(timestamp=["2020-01-01"], campaign_name=["Voor jan@example.nl, a@b.nl"])
        result = anonymise_events(events, now=NOW)
        assert ["Voor [email], [email]"] == result.events.campaign_name.tolist()
        assert 2 == result.report.addresses_replaced

    def test_kept_categorical(self) -> None:
        """A kept categorical gets the scrubbed value as a category; recent rows keep theirs."""
        events = frame(
            timestamp=["2020-01-01", "2025-06-10"],
            url=pd.Categorical(["https://x.nl/?uid=1", "https://x.nl/?uid=1"]),
        )
        out = anonymise_events(events, now=NOW).events.url
        assert "category" == str(out.dtype)
        assert ["https://x.nl/", "https://x.nl/?uid=1"] == out.tolist()

    def test_kept_object_values(self) -> None:
        """Kept object values: text scrubbed, numbers kept, containers emptied (fail closed)."""
        events = frame(
            timestamp=["2020-01-01"] * 5,
            campaign=pd.Series(
                ["a@b.nl", 7, {"email": "a@b.nl"}, None, ["a@b.nl", 1]], dtype=object
            ),
        )
        out = anonymise_events(events, now=NOW).events.campaign.tolist()
        assert ["[email]", 7, None, None, None] == out

    def test_kept_opaque_arrow(self) -> None:
        """Kept Arrow lists cannot be scrubbed, so they are emptied on old rows (fail closed)."""
        events = frame(
            timestamp=["2020-01-01", "2025-06-10"],
            link=pd.Series([["a@b.nl"], ["x"]], dtype=pd.ArrowDtype(pa.list_(pa.string()))),
        )
        result = anonymise_events(events, now=NOW)
        assert [True, False] == result.events.link.isna().tolist()
        assert 1 == result.report.rows_anonymised

    def test_idempotent(self) -> None:
        """Anonymising the result again changes nothing and counts the rows as already done."""
        once = anonymise_events(sample(), now=NOW)
        twice = anonymise_events(once.events, now=NOW)
        pd.testing.assert_frame_equal(once.events, twice.events)
        assert (0, 3) == (twice.report.rows_anonymised, twice.report.rows_already_anonymous)

    def test_no_rows(self) -> None:
        """An empty frame gives an empty result, empty aggregates and a zero report."""
        result = anonymise_events(sample().iloc[:0], now=NOW)
        assert 0 == len(result.events) == len(result.aggregates)
        assert (0, 0) == (result.report.rows_seen, result.report.rows_selected)
        assert () == result.report.columns_emptied

    def test_threads_do_not_change_the_result(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Working on the columns in parallel gives the same result as one by one."""
        monkeypatch.setattr(events_module, "_threads", lambda rows: 1)
        alone = anonymise_events(sample(), now=NOW)
        monkeypatch.setattr(events_module, "_threads", lambda rows: 3)
        parallel = anonymise_events(sample(), now=NOW)
        pd.testing.assert_frame_equal(alone.events, parallel.events)
        pd.testing.assert_frame_equal(alone.aggregates, parallel.aggregates)
        assert alone.report == parallel.report

    def test_writes_and_logs_nothing(self, tmp_path: Any, monkeypatch: Any, caplog: Any) -> None:
        """No file is written and no log record mentions anything."""
        monkeypatch.chdir(tmp_path)
        with caplog.at_level(logging.DEBUG):
            anonymise_events(sample(), now=NOW)
            erase_contact(sample(), email="jan@example.nl")
        assert [] == list(tmp_path.iterdir())
        assert [] == [r for r in caplog.records if r.name.startswith("locosuppress")]


class TestErrors:
    """Clear errors for frames and options that cannot work."""

    def test_missing_timestamp_column(self) -> None:
        """No timestamp column: SchemaError naming the option."""
        with pytest.raises(SchemaError, match="timestamp="):
            anonymise_events(pd.DataFrame({"when": []}), now=NOW)

    def test_unknown_keep(self) -> None:
        """A keep column that is not there: SchemaError naming it."""
        with pytest.raises(SchemaError, match="campagne"):
            anonymise_events(sample(), now=NOW, keep=["campaign_id", "campagne"])

    def test_unknown_identity(self) -> None:
        """An identity column that is not there: SchemaError."""
        with pytest.raises(SchemaError, match="identity"):
            anonymise_events(sample(), now=NOW, identity="wie")

    @pytest.mark.parametrize("kept", ["email", "contact_id", "Klant_ID"])
    def test_refuses_identifying_keep(self, kept: str) -> None:
        """Keeping an identifying column would defeat anonymisation: SchemaError."""
        events = sample().rename(columns={"klant_id": "Klant_ID"})
        with pytest.raises(SchemaError, match="identifying"):
            anonymise_events(events, now=NOW, keep=[kept])

    def test_repeated_columns(self) -> None:
        """Repeated column names are ambiguous: SchemaError."""
        events = pd.DataFrame([[pd.Timestamp("2020-01-01"), 1, 2]], columns=["timestamp", "a", "a"])
        with pytest.raises(SchemaError, match="repeated"):
            anonymise_events(events, now=NOW)

    def test_numeric_timestamps(self) -> None:
        """Numbers are not times: SchemaError suggesting a conversion."""
        with pytest.raises(SchemaError, match="to_datetime"):
            anonymise_events(pd.DataFrame({"timestamp": [1_700_000_000]}), now=NOW)

    @pytest.mark.parametrize(
        "options",
        [
            {"resolution": "week"},
            {"k": 0},
            {"k": True},
            {"months": -1},
            {"months": 1.5},
            {"tz": "Europe/Amsterdamm"},
            {"now": "NaT"},
            {"keep_query_params": ["utm_source", ""]},
        ],
    )
    def test_bad_options(self, options: dict[str, Any]) -> None:
        """Impossible option values: InvalidOptionError (a ValueError) naming the option."""
        options.setdefault("now", NOW)
        name = next(iter(options))
        with pytest.raises(InvalidOptionError, match=name):
            anonymise_events(sample(), **options)

    def test_not_a_frame(self) -> None:
        """A Series or list is refused with a hint."""
        with pytest.raises(TypeError, match="DataFrame"):
            anonymise_events(sample().timestamp, now=NOW)  # type: ignore[arg-type]

    def test_errors_never_show_addresses(self) -> None:
        """No error message carries an address from the data."""
        events = sample().rename(columns={"timestamp": "ts"})
        with pytest.raises(SchemaError) as caught:
            anonymise_events(events, now=NOW)
        assert not ADDRESS_RE.search(str(caught.value))


class TestAggregates:
    """Counts per group of old rows, with distinct people, survive anonymisation."""

    def test_counts_and_people(self) -> None:
        """One row per kept values and day; events and distinct people counted before emptying."""
        events = frame(
            timestamp=["2024-01-05 10:00", "2024-01-05 11:00", "2024-01-05 12:00", "2024-01-06"],
            email=["a@b.nl", "a@b.nl", "c@d.nl", "a@b.nl"],
            campaign_id=[1, 1, 1, 1],
            event_type=["open", "open", "open", "open"],
        )
        aggregates = anonymise_events(events, now=NOW).aggregates
        expected = pd.DataFrame(
            {
                "timestamp": pd.to_datetime(["2024-01-05", "2024-01-06"]),
                "campaign_id": [1, 1],
                "event_type": pd.Series(["open", "open"], dtype="str"),
                "events": [3, 1],
                "people": pd.array([2, 1], dtype="Int64"),
            }
        )
        pd.testing.assert_frame_equal(expected, aggregates, check_dtype=False)

    def test_groups_use_scrubbed_values(self) -> None:
        """Two URLs that scrub to the same value are one group."""
        events = frame(
            timestamp=["2024-01-05", "2024-01-05"],
            email=["a@b.nl", "c@d.nl"],
            url=["https://x.nl/?uid=1", "https://x.nl/?uid=2"],
        )
        aggregates = anonymise_events(events, now=NOW).aggregates
        assert [("https://x.nl/", 2, 2)] == list(
            aggregates[["url", "events", "people"]].itertuples(index=False, name=None)
        )

    def test_no_identity(self) -> None:
        """Without an identity column people are NA and the report says so."""
        events = frame(timestamp=["2024-01-05"], event_type=["open"])
        result = anonymise_events(events, now=NOW)
        assert () == result.report.identity
        assert result.aggregates.people.isna().all()
        assert any("not counted" in note for note in result.report.notes)

    def test_contact_id_fallback_and_explicit(self) -> None:
        """Without an address column the contact id counts people; identity= overrides."""
        events = frame(timestamp=["2024-01-05"] * 3, contact_id=[1, 1, 2], ip=["x", "y", "y"])
        assert ("contact_id",) == identity_columns(events)
        assert [2] == anonymise_events(events, now=NOW).aggregates.people.tolist()
        assert [2] == anonymise_events(events, now=NOW, identity="ip").aggregates.people.tolist()
        both = anonymise_events(events, now=NOW, identity=["contact_id", "ip"])
        assert [3] == both.aggregates.people.tolist()
        assert [pd.NA] == anonymise_events(events, now=NOW, identity=()).aggregates.people.tolist()

    def test_people_by_canonical_address(self) -> None:
        """Spellings of one address are one person; a value that is no address is itself."""
        events = frame(
            timestamp=["2024-01-05"] * 5,
            email=[
                "Jan@Example.nl",
                " jan+x@example.nl",
                "jan@example.nl",
                "geen adres",
                "geen adres",
            ],
        )
        assert [2] == anonymise_events(events, now=NOW).aggregates.people.tolist()

    def test_missing_identity_not_a_person(self) -> None:
        """Rows without an identity value count as events, not as people."""
        events = frame(timestamp=["2024-01-05"] * 3, email=["a@b.nl", None, None])
        aggregates = anonymise_events(events, now=NOW).aggregates
        assert [(3, 1)] == list(aggregates[["events", "people"]].itertuples(index=False, name=None))

    def test_count_names_do_not_collide(self) -> None:
        """A kept column called events pushes the count to another name."""
        events = frame(timestamp=["2024-01-05"], events=["x"])
        aggregates = anonymise_events(events, now=NOW, keep=["events"]).aggregates
        assert ["timestamp", "events", "_events", "people"] == list(aggregates.columns)


class TestReport:
    """The report a privacy officer reads: counts, warnings, renderings."""

    def test_counts(self) -> None:
        """Rows, columns and scrubbing are counted."""
        report = anonymise_events(sample(), now=NOW).report
        assert (4, 3, 3, 0, 1) == (
            report.rows_seen,
            report.rows_selected,
            report.rows_anonymised,
            report.rows_already_anonymous,
            report.rows_missing_timestamp,
        )
        assert pd.Timestamp("2024-06-15 12:00", tz="UTC") == report.cutoff
        assert ("email", "contact_id", "klant_id", "notes") == report.columns_emptied
        assert ("email",) == report.identity
        assert (2, 2) == (report.urls_scrubbed, report.addresses_replaced)
        assert (3, 3, 5) == (report.groups, report.small_groups, report.k)

    def test_small_groups_and_k(self) -> None:
        """Groups with fewer than k events are reported; k=1 reports none."""
        events = frame(timestamp=["2024-01-05"] * 3 + ["2024-01-06"], event_type=["open"] * 4)
        assert 1 == anonymise_events(events, now=NOW, k=2).report.small_groups
        assert 2 == anonymise_events(events, now=NOW, k=4).report.small_groups
        assert 0 == anonymise_events(events, now=NOW, k=1).report.small_groups

    @pytest.mark.parametrize(
        ("index", "plain"),
        [
            (pd.RangeIndex(4), True),
            (pd.RangeIndex(10, 14), False),
            (pd.Index([3, 1, 2, 0]), False),
            (pd.Index(["a", "b", "c", "d"]), False),
        ],
    )
    def test_index_warning(self, index: pd.Index, plain: bool) -> None:
        """Only a plain RangeIndex 0..n-1 is safe; other labels can link rows back."""
        events = sample()
        events.index = index
        report = anonymise_events(events, now=NOW).report
        assert plain == report.plain_index
        assert plain != any("RangeIndex" in note for note in report.notes)

    def test_text(self) -> None:
        """__str__ shows the title, the counts and the warnings."""
        text = str(anonymise_events(sample(), now=NOW))
        assert text.startswith("locosuppress anonymisation")
        assert "old events (before 2024-06-15T12:00:00+00:00)  3" in text
        assert "! 1 row had a missing or unreadable timestamp" in text
        assert not ADDRESS_RE.search(text)

    def test_html(self) -> None:
        """_repr_html_ is an escaped table."""
        events = sample().rename(columns={"notes": "<b>notes</b>"})
        html = anonymise_events(events, now=NOW)._repr_html_()
        assert html.startswith("<table")
        assert "&lt;b&gt;notes&lt;/b&gt;" in html

    def test_to_dict(self) -> None:
        """to_dict() is plain JSON."""
        result = anonymise_events(sample(), now=NOW)
        data = json.loads(json.dumps(result.to_dict()))
        assert "2024-06-15T12:00:00+00:00" == data["report"]["cutoff"]
        assert ["email", "contact_id", "klant_id", "notes"] == data["report"]["columns_emptied"]
        assert 3 == data["aggregate_rows"]
        assert isinstance(result.report, AnonymisationReport)
        assert isinstance(result, AnonymisationResult)

    def test_frozen(self) -> None:
        """Reports and results cannot be changed after the fact."""
        result = anonymise_events(sample(), now=NOW)
        with pytest.raises(AttributeError):
            result.report.rows_seen = 0  # type: ignore[misc]
        with pytest.raises(AttributeError):
            result.events = pd.DataFrame()  # type: ignore[misc]


class TestNothingLeft:
    """Emptied and scrubbed values are gone from memory, not hidden behind a validity bit."""

    @pytest.mark.parametrize(
        "dtype",
        [
            "str",
            "object",
            "string[python]",
            "string[pyarrow]",
            pd.ArrowDtype(pa.string()),
            pd.ArrowDtype(pa.large_string()),
            "category",
            pd.ArrowDtype(pa.dictionary(pa.int32(), pa.string())),
        ],
        ids=str,
    )
    def test_text(self, dtype: Any) -> None:
        """A pickled result holds neither the emptied address nor the scrubbed URL parameter."""
        events = frame(
            timestamp=["2020-01-01", "2025-06-10"],
            email=pd.Series(["geheim@example.nl", "blijft@example.nl"], dtype=dtype),
            url=pd.Series(["https://x.nl/?uid=geheim-uid", "https://x.nl/?uid=7"], dtype=dtype),
        )
        blob = pickle.dumps(anonymise_events(events, now=NOW).events)
        assert b"geheim" not in blob
        assert b"blijft@example.nl" in blob

    @pytest.mark.parametrize(
        "dtype",
        ["int64", "Int64", "UInt64", "float64", "Float64", pd.ArrowDtype(pa.int64())],
        ids=str,
    )
    def test_numbers(self, dtype: Any) -> None:
        """An emptied number is not left in the data buffer under an NA mask."""
        secret = 987654321987
        events = frame(
            timestamp=["2020-01-01", "2025-06-10"], klant_id=pd.Series([secret, 5], dtype=dtype)
        )
        blob = pickle.dumps(anonymise_events(events, now=NOW).events)
        assert secret.to_bytes(8, "little") not in blob
        assert struct.pack("<d", float(secret)) not in blob

    @given(event_frames(now=NOW, tz=AMS, min_rows=1))
    def test_all_old_pickle_has_no_address(self, events: pd.DataFrame) -> None:
        """With every row old, no generated address is anywhere in the pickled result."""
        out = anonymise_events(events, now=NOW + pd.DateOffset(years=50), tz=AMS).events
        blob = pickle.dumps(out)
        for value in cells(events.email):
            if isinstance(value, str):
                assert value.strip().encode() not in blob
                assert normalize_email(value).encode() not in blob


# -- properties over generated frames -------------------------------------------------

FRAMES = event_frames(now=NOW, tz=AMS)


def addresses_in(events: pd.DataFrame) -> set[str]:
    """The canonical form of every address in the frame's email column."""
    found: set[str] = set()
    for value in cells(events.email):
        if isinstance(value, str):
            found.add(normalize_email(value))
    return found


def plain(value: Any) -> Any:
    return None if is_na(value) else value


def scrubbed_key(value: Any) -> Any:
    if isinstance(value, str):
        return scrub_text(value, KEEP)[0]
    return None if is_na(value) else value


class TestProperties:
    """Invariants over generated event frames (locosuppress.testing.event_frames)."""

    @given(FRAMES)
    def test_shape_and_recent_rows(self, events: pd.DataFrame) -> None:
        """Row count, order, index and columns unchanged; recent rows identical."""
        before = events.copy(deep=True)
        out = anonymise_events(events, now=NOW, tz=AMS).events
        pd.testing.assert_frame_equal(before, events)
        pd.testing.assert_index_equal(events.index, out.index)
        assert list(events.columns) == list(out.columns)
        recent = [not old for old in old_mask(events, NOW, AMS)]
        pd.testing.assert_frame_equal(events[recent], out[recent], check_dtype=False)

    @given(FRAMES)
    def test_old_rows_say_nothing_of_who(self, events: pd.DataFrame) -> None:
        """Old rows: non-kept columns empty, no address anywhere, URLs only allowed parameters."""
        result = anonymise_events(events, now=NOW, tz=AMS)
        old = old_mask(events, NOW, AMS)
        assert sum(old) == result.report.rows_selected
        out = result.events[old]
        kept = set(result.report.columns_kept) | {"timestamp"}
        for name in out.columns:
            if name not in kept:
                assert out[name].isna().all(), name
        people = addresses_in(events)
        for name in out.columns:
            for value in cells(out[name]):
                if not isinstance(value, str):
                    continue
                assert [] == find_addresses(value)
                lowered = value.casefold()
                assert not any(p.casefold() in lowered for p in people)
                for token in re.findall(r"(?i)https?://\S*", value):
                    parts = urlsplit(token)
                    assert "" == parts.fragment
                    assert "@" not in parts.netloc
                    names = {p.partition("=")[0] for p in parts.query.split("&") if parts.query}
                    assert names <= KEEP

    @given(FRAMES)
    def test_counts_survive(self, events: pd.DataFrame) -> None:
        """Events and people per (kept values, day) are the same before, after, and aggregated."""
        zone = ZoneInfo(AMS)
        result = anonymise_events(events, now=NOW, tz=AMS)
        old = old_mask(events, NOW, AMS)
        kept = list(result.report.columns_kept)

        def key(row: dict[str, Any], scrub: bool) -> tuple[Any, ...]:
            instant = read_instant(row["timestamp"], zone)
            day = None if instant is None else day_of(instant, zone)
            return (day, *(scrubbed_key(row[c]) if scrub else plain(row[c]) for c in kept))

        before = Counter(
            key(row, True) for row, o in zip(events.to_dict("records"), old, strict=True) if o
        )
        after = Counter(
            key(row, False)
            for row, o in zip(result.events.to_dict("records"), old, strict=True)
            if o
        )
        assert before == after
        aggregated: Counter[tuple[Any, ...]] = Counter()
        for row in result.aggregates.to_dict("records"):
            aggregated[key(row, False)] += row["events"]
        assert before == aggregated
        people: dict[tuple[Any, ...], set[str]] = {}
        for row, o in zip(events.to_dict("records"), old, strict=True):
            if o:
                found = people.setdefault(key(row, True), set())
                if isinstance(row["email"], str):
                    found.add(normalize_email(row["email"]))  # one person, any spelling
        expected = Counter({k: len(v) for k, v in people.items()})
        actual: Counter[tuple[Any, ...]] = Counter()
        for row in result.aggregates.to_dict("records"):
            actual[key(row, False)] += row["people"]
        assert +expected == +actual

    @given(FRAMES)
    def test_twice_is_once(self, events: pd.DataFrame) -> None:
        """Running it twice equals running it once; the second run changes no row."""
        once = anonymise_events(events, now=NOW, tz=AMS)
        twice = anonymise_events(once.events, now=NOW, tz=AMS)
        pd.testing.assert_frame_equal(once.events, twice.events)
        assert 0 == twice.report.rows_anonymised
        assert once.report.rows_selected == twice.report.rows_already_anonymous


# -- erase_contact -----------------------------------------------------------------------


class TestEraseContact:
    """The right to be forgotten: one person's events, whatever their age."""

    def test_by_email(self) -> None:
        """Every event of the address is anonymised now; the others stay."""
        result = erase_contact(sample(), email="JAN@example.nl ")
        assert [True, False, True, False] == result.events.email.isna().tolist()
        assert result.report.erasure
        assert result.report.cutoff is None
        assert 2 == result.report.rows_selected
        assert "2023-06-01 08:00:00" == str(result.events.timestamp.iloc[3])

    def test_by_contact_id(self) -> None:
        """A contact id matches as a value and as text."""
        events = sample().astype({"contact_id": "str"})
        assert 2 == erase_contact(events, contact_id=1).report.rows_selected
        assert 2 == erase_contact(sample(), contact_id="1").report.rows_selected

    def test_either_matches(self) -> None:
        """With both, rows matching either identifier are erased."""
        assert (
            3 == erase_contact(sample(), email="jan@example.nl", contact_id=3).report.rows_selected
        )

    def test_named_columns(self) -> None:
        """email_column= and contact_column= pick the columns."""
        events = sample().rename(columns={"email": "adres", "contact_id": "nr"})
        assert (
            2
            == erase_contact(
                events, email="jan@example.nl", email_column="adres"
            ).report.rows_selected
        )
        assert 1 == erase_contact(events, contact_id=2, contact_column="nr").report.rows_selected

    def test_needs_an_identifier(self) -> None:
        """Neither email nor contact_id: TypeError."""
        with pytest.raises(TypeError, match="email= or contact_id="):
            erase_contact(sample())

    def test_invalid_address(self) -> None:
        """An address that is not one: InvalidEmailError (without the address in it)."""
        with pytest.raises(InvalidEmailError) as caught:
            erase_contact(sample(), email="jan.example.nl")
        assert "jan.example.nl" not in str(caught.value)

    def test_no_column(self) -> None:
        """No column to match on: SchemaError."""
        with pytest.raises(SchemaError, match="email_column"):
            erase_contact(sample().drop(columns="email"), email="jan@example.nl")
        with pytest.raises(SchemaError, match="contact_column"):
            erase_contact(sample().drop(columns=["contact_id", "klant_id"]), contact_id=1)

    def test_text_report(self) -> None:
        """The report calls it an erasure."""
        assert str(erase_contact(sample(), contact_id=1)).startswith("locosuppress erasure")

    @given(FRAMES, st.data())
    def test_every_spelling(self, events: pd.DataFrame, data: st.DataObject) -> None:
        """Any spelling of a person's address erases exactly the rows that normalise to it."""
        people = sorted(addresses_in(events))
        assume(people)
        person = data.draw(st.sampled_from(people))
        spelling = data.draw(messy_variants(person))
        result = erase_contact(events, email=spelling, tz=AMS)
        mine = [isinstance(v, str) and normalize_email(v) == person for v in cells(events.email)]
        assert sum(mine) == result.report.rows_selected
        assert all(result.events.email[mine].isna())
        others = [not m for m in mine]
        pd.testing.assert_frame_equal(events[others], result.events[others], check_dtype=False)


def test_public_names() -> None:
    """The package exports the events API."""
    assert {
        "anonymise_events",
        "erase_contact",
        "AnonymisationReport",
        "AnonymisationResult",
    } <= set(locosuppress.__all__)
