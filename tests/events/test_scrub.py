"""Tests for locosuppress.events._scrub: what happens to kept text (URLs and addresses)."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pandas as pd
import pyarrow as pa
import pytest
from events_support import addresses_in, cells, is_na
from hypothesis import given
from hypothesis import strategies as st

from locosuppress import anonymise_events
from locosuppress.events import DEFAULT_KEEP_QUERY_PARAMS
from locosuppress.events._scrub import (
    EMAIL_PLACEHOLDER,
    WHITE_SPACE,
    find_addresses,
    scrub_strings,
    scrub_text,
)
from locosuppress.normalize import normalize_email
from locosuppress.testing import emails, event_frames

NOW = pd.Timestamp("2025-06-15 12:00")
AMS = "Europe/Amsterdam"
KEEP = frozenset(DEFAULT_KEEP_QUERY_PARAMS)


# base64 of "jan@example.nl", standard and URL-safe; and of "jörg@example.de" (has + and /? no)
JAN_B64 = "amFuQGV4YW1wbGUubmw="
JOERG_B64 = "asO2cmdAZXhhbXBsZS5kZQ"  # URL-safe, unpadded

SCRUB_TABLE = [
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
    # parameter names that are prefixes or extensions of allowed ones are not allowed
    ("https://x.nl/?utm_source_uid=7&utm_source=nl", "https://x.nl/?utm_source=nl"),
    ("https://x.nl/?utm_sourcex=7&utm_medium=mail", "https://x.nl/?utm_medium=mail"),
    ("https://x.nl/?utm_sourc=7&utm_campaign", "https://x.nl/?utm_campaign"),
    ("https://x.nl/?utm_source_uid&utm_sourcex", "https://x.nl/"),
    ("https://x.nl/?xutm_source=7", "https://x.nl/"),
    # addresses percent-encoded twice (or more)
    ("https://x.nl/u/jan%2540example.nl/c", "https://x.nl/u/[email]/c"),
    ("https://x.nl/?utm_campaign=jan%2540example.nl", "https://x.nl/?utm_campaign=[email]"),
    ("mail jan%2540example.nl nu", "mail [email] nu"),
    ("jan%252540example.nl", "[email]"),
    # base64 addresses in URL paths and kept query values
    (f"https://x.nl/u/{JAN_B64}/c", "https://x.nl/u/[email]/c"),
    (f"https://x.nl/u/{JAN_B64.rstrip('=')}", "https://x.nl/u/[email]"),
    (f"https://x.nl/c/{JOERG_B64}?utm_source=nb", "https://x.nl/c/[email]?utm_source=nb"),
    (f"https://x.nl/?utm_campaign={JAN_B64}", "https://x.nl/?utm_campaign=[email]"),
    (f"x.nl/u/{JAN_B64}", "x.nl/u/[email]"),
    ("https://x.nl/c/AbCdEfGh12/zomer-2024", "https://x.nl/c/AbCdEfGh12/zomer-2024"),
    # URLs without a scheme: their query strings are scrubbed too
    ("x.nl/zomer?uid=1", "x.nl/zomer"),
    ("//x.nl/?uid=1", "//x.nl/"),
    ("www.x.nl?uid=1&utm_source=nb#top", "www.x.nl?utm_source=nb"),
    ("zie shop.x.nl/zomer?uid=1&utm_source=nb nu", "zie shop.x.nl/zomer?utm_source=nb nu"),
    ("x.nl/u/jan@example.nl?uid=1", "x.nl/u/[email]"),
    ("ftp://x.nl/?uid=1", "ftp://x.nl/"),
    ("Winter 2024/2025, versie 1.2? Ja.", "Winter 2024/2025, versie 1.2? Ja."),
    # text outside URLs
    ("mail jan@example.nl of PIET@EXAMPLE.NL", "mail [email] of [email]"),
    ("zie https://x.nl/?uid=1 nu", "zie https://x.nl/ nu"),
    ("Jan <jan.de.vries+tag@example.co.uk>", "Jan <[email]>"),
    ("jan＠example.nl", "[email]"),
    ("ĳsbrand@bücher.example", "[email]"),
    ("user@localhost", "[email]"),
    ("a@[192.0.2.1]", "[email]"),
    ("Zomer 2024 @ 50%", "Zomer 2024 @ 50%"),
    ("", ""),
]


class TestScrubText:
    """The readable specification of what happens to kept text."""

    @pytest.mark.parametrize(("value", "expected"), SCRUB_TABLE)
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
        listed = {c for low, high in WHITE_SPACE for c in range(low, high + 1)}
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
        "utm_source_uid=",
        "utm_sourcex",
        "utm_campaign=",
        "%2540",
        "//",
        "www.x.nl",
        JAN_B64,
        "amFu",
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

    @pytest.mark.parametrize("dtype", [pa.string(), pa.large_string()], ids=str)
    def test_table(self, dtype: pa.DataType) -> None:
        """The whole scrub table, through the vectorised scrubber, gives the table's outputs."""
        values = [value for value, _ in SCRUB_TABLE]
        text, urls, addresses = scrub_strings(pa.array(values, dtype), KEEP)
        assert [expected for _, expected in SCRUB_TABLE] == text.to_pylist()
        spec = [scrub_text(v, KEEP) for v in values]
        assert [(changed, count) for _, changed, count in spec] == list(
            zip(urls.tolist(), addresses.tolist(), strict=True)
        )

    def test_type_kept(self) -> None:
        """A string array stays a string array (not large_string) and nulls stay null."""
        text, _, _ = scrub_strings(pa.array(["a@b.nl", None], pa.string()), KEEP)
        assert pa.string() == text.type
        assert ["[email]", None] == text.to_pylist()


# -- properties over generated frames -------------------------------------------------

FRAMES = event_frames(now=NOW, tz=AMS)


def plain(value: Any) -> Any:
    return None if is_na(value) else value


def scrubbed_key(value: Any) -> Any:
    if isinstance(value, str):
        return scrub_text(value, KEEP)[0]
    return None if is_na(value) else value


class TestScrubbedEvents:
    """Over generated event frames, old rows keep only scrubbed text, and groups follow it."""

    @given(FRAMES)
    def test_old_rows_say_nothing_of_who(self, oracle: Any, events: pd.DataFrame) -> None:
        """Old rows: non-kept columns empty, no address anywhere, URLs only allowed parameters."""
        result = anonymise_events(events, now=NOW, tz=AMS, allow_unreadable=True)
        old = oracle.old_mask(events, NOW, AMS)
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
    def test_counts_survive(self, oracle: Any, events: pd.DataFrame) -> None:
        """Events and people per (kept values, day) are the same before, after, and aggregated."""
        zone = ZoneInfo(AMS)
        result = anonymise_events(events, now=NOW, tz=AMS, allow_unreadable=True)
        old = oracle.old_mask(events, NOW, AMS)
        kept = list(result.report.columns_kept)

        def key(row: dict[str, Any], scrub: bool) -> tuple[Any, ...]:
            instant = oracle.read_instant(row["timestamp"], zone)
            day = None if instant is None else oracle.day_of(instant, zone)
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
        # People are distinct per aggregate row, so they are compared per row's own
        # values (a day can span two rows: one timestamp text naive, one with an
        # offset), never summed across rows.
        columns = ["timestamp", *kept]

        def group(row: dict[str, Any]) -> tuple[Any, ...]:
            return tuple(plain(row[c]) for c in columns)

        people: dict[tuple[Any, ...], set[str]] = {}
        rows = zip(events.to_dict("records"), result.events.to_dict("records"), old, strict=True)
        for row, out, o in rows:
            if o:
                found = people.setdefault(group(out), set())
                if isinstance(row["email"], str):
                    found.add(normalize_email(row["email"]))  # one person, any spelling
        expected = Counter({k: len(v) for k, v in people.items()})
        actual = Counter(
            {group(row): row["people"] for row in result.aggregates.to_dict("records")}
        )
        assert +expected == +actual
