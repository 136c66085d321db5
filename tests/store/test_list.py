"""The SuppressionList facade: adding, removing, membership, stats, read-only use."""

from __future__ import annotations

import contextlib
import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from store_support import content_digest, raw_rows

import locosuppress
from locosuppress import (
    AddReport,
    InvalidDomainError,
    InvalidEmailError,
    ListStats,
    ReadOnlyListError,
    SuppressionKey,
    SuppressionList,
)
from locosuppress.store import CHANNELS, REASONS, SCOPES
from locosuppress.testing import emails, invalid_emails

NOW = datetime(2025, 3, 14, 9, 26, 53, tzinfo=UTC)
#: make_list is a factory (a new list per example), and the test classes hold no
#: state, so a function-scoped fixture and one instance per backend are safe.
FACTORY_FIXTURE = [HealthCheck.function_scoped_fixture, HealthCheck.differing_executors]


def raw(path: Path) -> sqlite3.Connection:
    """A plain sqlite3 connection, to inspect or tamper with a list file."""
    return sqlite3.connect(path, isolation_level=None)


class TestAdd:
    """Adding one address."""

    def test_new_then_present(self, lst: SuppressionList) -> None:
        """add() is True for a new entry and False when the same person is added again."""
        assert lst.add("Jan.Jansen+nieuws@Example.NL")
        assert not lst.add(" jan.jansen@example.nl ")
        assert 1 == len(lst)

    def test_scopes_are_separate_entries(self, lst: SuppressionList) -> None:
        """One address may carry several scopes; len counts it once."""
        assert lst.add("a@example.nl", scope="newsletter")
        assert lst.add("a@example.nl", scope="post")
        assert 1 == len(lst)
        assert 2 == lst.stats().entries

    def test_invalid_address(self, lst: SuppressionList) -> None:
        """An invalid address raises InvalidEmailError without echoing it."""
        with pytest.raises(InvalidEmailError, match="rule 5-space") as info:
            lst.add("jan jansen@example.nl")
        assert "jansen" not in str(info.value)
        assert 0 == len(lst)

    @pytest.mark.parametrize(
        ("option", "value"),
        [
            ("scope", "everything"),
            ("reason", "bored"),
            ("scope", "jan@example.nl"),
            ("reason", None),
        ],
    )
    def test_unknown_option(self, lst: SuppressionList, option: str, value: object) -> None:
        """An unknown scope or reason is a ValueError that never echoes an address."""
        with pytest.raises(ValueError, match=f"unknown {option}") as info:
            lst.add("a@example.nl", **{option: value})  # type: ignore[arg-type]
        assert "jan@example.nl" not in str(info.value)
        assert 0 == len(lst)

    @pytest.mark.parametrize("source", ["jan@example.nl", "", "x" * 201, "a\nb"])
    def test_bad_source_label(self, lst: SuppressionList, source: str) -> None:
        """A source label that could hold an address (or is empty, long, multi-line) is refused."""
        with pytest.raises(ValueError, match="source label") as info:
            lst.add("a@example.nl", source=source)
        assert "jan@example.nl" not in str(info.value)

    def test_first_reason_kept(self, lst: SuppressionList) -> None:
        """An existing entry keeps its first reason and time."""
        lst.add("a@example.nl", reason="bounce", now=NOW)
        lst.add("a@example.nl", reason="complaint", now=NOW + timedelta(days=40))
        stats = lst.stats()
        assert 1 == stats.by_reason["bounce"]
        assert 0 == stats.by_reason["complaint"]
        assert {"2025-03": 1} == stats.by_month

    def test_naive_now_refused(self, lst: SuppressionList) -> None:
        """A naive datetime for now= is refused (times are UTC)."""
        with pytest.raises(ValueError, match="timezone"):
            lst.add("a@example.nl", now=datetime(2025, 1, 1))

    def test_every_reason_accepted(self, lst: SuppressionList) -> None:
        """All documented reasons are accepted."""
        for i, reason in enumerate(REASONS):
            assert lst.add(f"r{i}@example.nl", reason=reason)
        expected = {"unsubscribed", "erasure", "bounce", "complaint", "manual", "import"}
        assert expected == set(REASONS)


class TestAddMany:
    """Adding many addresses in one call."""

    def test_counts_and_positions(self, lst: SuppressionList) -> None:
        """Each input is counted once: added, already present or invalid (with position)."""
        lst.add("old@example.nl")
        report = lst.add_many(
            ["new@example.nl", "OLD@example.nl", None, "not an address", "New@Example.nl", 42]
        )
        assert (
            AddReport(added=1, already_present=2, invalid=3, invalid_positions=(2, 3, 5)) == report
        )
        assert 6 == report.total

    @pytest.mark.parametrize(
        "now",
        [
            pd.DatetimeIndex(["2025-03-14"], tz="UTC"),
            np.array(["2025-03-14"], dtype="datetime64[s]"),
            np.datetime64("2025-03-14T09:00:00"),
            [NOW],
            "2025-03-14T09:26:53Z",
            1741944413,
            NOW.date(),
        ],
        ids=["index", "array", "datetime64", "list", "text", "epoch", "date"],
    )
    def test_now_not_one_datetime(self, lst: SuppressionList, now: object) -> None:
        """now= that is not one datetime is a clear error, before anything is written.

        (A Series is add_many's per-row times: test_now_series_only_for_many.)
        """
        with pytest.raises(locosuppress.InvalidOptionError, match="one timezone-aware datetime"):
            lst.add_many(["a@example.nl"], now=now)  # type: ignore[arg-type]
        with pytest.raises(locosuppress.InvalidOptionError, match="one timezone-aware datetime"):
            lst.add("a@example.nl", now=now)  # type: ignore[arg-type]
        assert 0 == len(lst)
        assert ["create"] == list(lst.audit()["operation"])

    def test_now_series_only_for_many(self, lst: SuppressionList) -> None:
        """A Series of times is one time per value for add_many, and an error for add."""
        times = pd.Series([pd.Timestamp("2025-03-14", tz="UTC")])
        with pytest.raises(locosuppress.InvalidOptionError, match="one timezone-aware datetime"):
            lst.add("a@example.nl", now=times)  # type: ignore[arg-type]
        assert 0 == len(lst)
        assert 1 == lst.add_many(["a@example.nl"], now=times).added

    def test_series_positions_not_labels(self, lst: SuppressionList) -> None:
        """A Series with any index reports 0-based positions, not labels."""
        series = pd.Series(["a@example.nl", "bad", "b@example.nl", ""], index=[10, 20, 30, 40])
        assert (1, 3) == lst.add_many(series).invalid_positions

    @pytest.mark.parametrize(
        "make",
        [
            list,
            tuple,
            lambda xs: (x for x in xs),
            lambda xs: pd.Series(xs, dtype="string[pyarrow]"),
            lambda xs: pd.Series(xs, dtype="category"),
            lambda xs: pd.Series(xs, dtype=object),
            lambda xs: pa.array(xs, type=pa.string()),
            lambda xs: pd.Index(xs),
        ],
        ids=[
            "list",
            "tuple",
            "generator",
            "arrow-string",
            "category",
            "object",
            "pa.array",
            "index",
        ],
    )
    def test_input_kinds(self, lst: SuppressionList, make) -> None:
        """Iterables, Series of every dtype, Arrow arrays and Index all work alike."""
        values = ["a@example.nl", None, "B@example.nl", "a@EXAMPLE.nl", "x"]
        report = lst.add_many(make(values))
        assert (2, 1, 2, (1, 4)) == (
            report.added,
            report.already_present,
            report.invalid,
            report.invalid_positions,
        )

    def test_empty(self, lst: SuppressionList) -> None:
        """An empty input adds nothing and still works."""
        assert AddReport(added=0, already_present=0) == lst.add_many([])

    def test_string_refused(self, lst: SuppressionList) -> None:
        """A single string is a TypeError (it would be iterated character by character)."""
        with pytest.raises(TypeError, match="add"):
            lst.add_many("a@example.nl")

    def test_frame_refused(self, lst: SuppressionList) -> None:
        """A whole DataFrame is a TypeError (iterating it gives column names)."""
        with pytest.raises(TypeError, match="one column"):
            lst.add_many(pd.DataFrame({"email": ["a@example.nl"]}))

    def test_scope_and_source(self, lst: SuppressionList) -> None:
        """Scope and source apply to every entry of the batch."""
        lst.add_many(
            ["a@example.nl", "b@example.nl"],
            scope="post",
            reason="import",
            source="partner-2025-03.csv",
        )
        stats = lst.stats()
        assert 2 == stats.by_scope["post"]
        assert 2 == stats.by_reason["import"]
        assert "partner-2025-03.csv" == lst.audit()["source"].iloc[-1]

    def test_hashes_stored(self, lst: SuppressionList, location: Path | str, test_key) -> None:
        """Stored hashes are exactly the keyed hashes of the canonical forms."""
        lst.add_many(["Jan.Jansen+x@GoogleMail.com", "b@example.nl"])
        stored = {r[0] for r in raw_rows(location, "SELECT hash FROM entries")}
        expected = {test_key.hash_email("janjansen@gmail.com"), test_key.hash_email("b@example.nl")}
        assert expected == stored

    @settings(max_examples=25, suppress_health_check=FACTORY_FIXTURE)
    @given(st.lists(st.one_of(emails(), invalid_emails()), max_size=30))
    def test_counts_add_up(self, make_list, values: list[object]) -> None:
        """added + already_present + invalid == inputs, and added == distinct valid canonicals."""
        with make_list(SuppressionKey(bytes(range(32)))) as lst:
            report = lst.add_many(values)
            canonical = set()
            for value in values:
                with contextlib.suppress(ValueError):
                    canonical.add(locosuppress.normalize_email(value))
            assert len(values) == report.total
            assert len(canonical) == report.added
            assert len(canonical) == len(lst)


class TestDomains:
    """Domain entries suppress every address at a domain."""

    def test_add_domain_blocks_addresses(self, lst: SuppressionList) -> None:
        """A domain entry makes every address at that domain a member."""
        assert lst.add_domain("@Bücher.Example.")
        assert "anyone@xn--bcher-kva.example" in lst
        assert lst.is_suppressed("Someone@bücher.example")
        assert "someone@other.example" not in lst

    def test_domain_scope(self, lst: SuppressionList) -> None:
        """A domain entry honours its scope."""
        lst.add_domain("example.nl", scope="post")
        assert lst.is_suppressed("a@example.nl", channel="post")
        assert not lst.is_suppressed("a@example.nl", channel="newsletter")

    def test_remove_domain(self, lst: SuppressionList) -> None:
        """remove_domain lifts it; removing again is False."""
        lst.add_domain("example.nl")
        assert lst.remove_domain("EXAMPLE.nl")
        assert not lst.remove_domain("example.nl")
        assert "a@example.nl" not in lst

    def test_invalid_domain(self, lst: SuppressionList) -> None:
        """An invalid domain raises InvalidDomainError."""
        with pytest.raises(InvalidDomainError, match="not a valid domain"):
            lst.add_domain("not a domain")

    def test_email_and_domain_hashes_differ(self, lst: SuppressionList) -> None:
        """len counts an e-mail entry and a domain entry separately."""
        lst.add("a@example.nl")
        lst.add_domain("example.nl")
        stats = lst.stats()
        assert (2, 1, 1) == (len(lst), stats.emails, stats.domains)


class TestRemove:
    """Removing an address after fresh consent."""

    def test_remove_all_scopes(self, lst: SuppressionList) -> None:
        """scope=None removes every scope of the address."""
        for scope in SCOPES:
            lst.add("a@example.nl", scope=scope)
        assert lst.remove("A@example.nl")
        assert "a@example.nl" not in lst
        assert 0 == lst.stats().entries

    def test_remove_one_scope(self, lst: SuppressionList) -> None:
        """A named scope removes only that one."""
        lst.add("a@example.nl", scope="newsletter")
        lst.add("a@example.nl", scope="post")
        assert lst.remove("a@example.nl", scope="newsletter")
        assert not lst.is_suppressed("a@example.nl", channel="newsletter")
        assert lst.is_suppressed("a@example.nl", channel="post")

    def test_absent(self, lst: SuppressionList) -> None:
        """Removing an address that is not listed is False."""
        assert not lst.remove("nobody@example.nl")

    def test_domain_entry_stays(self, lst: SuppressionList) -> None:
        """Removing an address leaves a domain entry that covers it."""
        lst.add("a@example.nl")
        lst.add_domain("example.nl")
        assert lst.remove("a@example.nl")
        assert "a@example.nl" in lst

    def test_unknown_reason(self, lst: SuppressionList) -> None:
        """Only the documented removal reasons are accepted."""
        lst.add("a@example.nl")
        with pytest.raises(ValueError, match="removal reason"):
            lst.remove("a@example.nl", reason="unsubscribed")
        assert lst.remove("a@example.nl", reason="correction")

    def test_invalid(self, lst: SuppressionList) -> None:
        """Removing a non-address raises InvalidEmailError."""
        with pytest.raises(InvalidEmailError, match="rule 5-one-at"):
            lst.remove("nope")

    @pytest.mark.sqlite_only
    def test_removed_hash_not_left_in_files(self, list_path: Path, test_key) -> None:
        """After a removal and close, the removed hash is in no file (secure_delete, checkpoint)."""
        with SuppressionList.open(list_path, test_key) as lst:
            lst.add_many([f"keep{i}@example.nl" for i in range(50)])
            lst.add("gone@example.nl")
            lst.remove("gone@example.nl")
        gone = test_key.hash_email("gone@example.nl")
        for path in list_path.parent.iterdir():
            assert gone not in path.read_bytes(), path.name


class TestMembership:
    """`in` and is_suppressed."""

    @pytest.mark.parametrize(
        ("scope", "channel", "expected"),
        [
            ("all", None, True),
            ("all", "newsletter", True),
            ("all", "post", True),
            ("newsletter", None, True),
            ("newsletter", "newsletter", True),
            ("newsletter", "post", False),
            ("post", None, True),
            ("post", "newsletter", False),
            ("post", "post", True),
        ],
    )
    def test_channel_table(
        self, lst: SuppressionList, scope: str, channel: str | None, expected: bool
    ) -> None:
        """A channel is blocked by scope 'all' and by its own scope."""
        lst.add("a@example.nl", scope=scope)
        assert expected == lst.is_suppressed("a@example.nl", channel=channel)

    def test_channels_constant(self) -> None:
        """CHANNELS documents the same table."""
        assert {None: (1, 2, 4), "newsletter": (1, 2), "post": (1, 4)} == dict(CHANNELS)

    @given(value=invalid_emails())
    @settings(max_examples=30, suppress_health_check=FACTORY_FIXTURE)
    def test_invalid_is_not_member(self, make_list, value: object) -> None:
        """`in` answers False for invalid values; is_suppressed raises InvalidEmailError."""
        with make_list(SuppressionKey(bytes(range(32)))) as lst:
            assert value not in lst
            with pytest.raises(InvalidEmailError, match="not a valid"):
                lst.is_suppressed(value)

    def test_unknown_channel(self, lst: SuppressionList) -> None:
        """An unknown channel is a ValueError."""
        with pytest.raises(ValueError, match="channel"):
            lst.is_suppressed("a@example.nl", channel="sms")


class TestStats:
    """stats() and len()."""

    def test_stats(self, lst: SuppressionList) -> None:
        """Counts by scope, reason and month added."""
        lst.add_many(["a@example.nl", "b@example.nl"], now=NOW)
        lst.add("a@example.nl", scope="post", reason="complaint", now=NOW + timedelta(days=31))
        lst.add_domain("example.org", now=NOW)
        stats = lst.stats()
        assert isinstance(stats, ListStats)
        assert (3, 2, 1, 4) == (stats.total, stats.emails, stats.domains, stats.entries)
        assert {"all": 3, "newsletter": 0, "post": 1} == stats.by_scope
        assert 2 == stats.by_reason["unsubscribed"]
        assert {"2025-03": 3, "2025-04": 1} == stats.by_month
        data = stats.to_dict()
        assert "2025-03-14T09:26:53Z" == data["created_at"]
        json.dumps(data)
        assert "2025-04" in str(stats)
        assert "<table" in stats._repr_html_()

    def test_len_after_other_writer(
        self, lst: SuppressionList, location: Path | str, test_key
    ) -> None:
        """len() sees commits made by another connection."""
        lst.add("a@example.nl")
        assert 1 == len(lst)
        with SuppressionList.open(location, test_key) as other:
            other.add("b@example.nl")
        assert 2 == len(lst)


class TestReadOnly:
    """read_only=True: checking and filtering without writing."""

    def test_writes_refused(self, filled: Path | str, test_key, tmp_path: Path) -> None:
        """Every write raises ReadOnlyListError; reads work; the list is unchanged."""
        before = content_digest(filled)
        with SuppressionList.open(filled, test_key, read_only=True) as lst:
            assert lst.read_only
            assert "person7@example.nl" in lst
            assert 3000 == len(lst)
            for call in (
                lambda: lst.add("a@example.nl"),
                lambda: lst.add_many(["a@example.nl"]),
                lambda: lst.add_domain("example.nl"),
                lambda: lst.remove("person7@example.nl"),
                lambda: lst.remove_domain("example.nl"),
                lambda: lst.merge(tmp_path / "x"),
            ):
                with pytest.raises(ReadOnlyListError, match="opened with read_only=True"):
                    call()
            ran = lst.filter(pd.DataFrame({"email": ["nobody@example.org"]}))
            assert not ran.report.audited
            lst.export(tmp_path / "ro.export")
            lst.backup(tmp_path / "ro-backup.db")
            assert 3000 == len(lst.index())
            assert lst.verify().ok
        assert before == content_digest(filled)
        with SuppressionList.open(filled, test_key, read_only=True) as lst:
            assert ["create", "add_many"] == list(lst.audit()["operation"])


class TestDataVersion:
    """data_version(): raised in the transaction of every write of entries, by any process."""

    def test_writes_of_entries_raise_it(self, lst: SuppressionList, tmp_path: Path) -> None:
        """add, add_many, add_domain, remove, remove_domain and merge each raise it."""
        with SuppressionList.open(tmp_path / "other.db", lst.hashing_material()) as other:
            other.add("m@example.nl")
            other.export(tmp_path / "x.export")
        versions = [lst.data_version()]
        for write in (
            lambda: lst.add("a@example.nl"),
            lambda: lst.add_many(["b@example.nl", "c@example.nl"]),
            lambda: lst.add_domain("example.org"),
            lambda: lst.remove("a@example.nl"),
            lambda: lst.remove_domain("example.org"),
            lambda: lst.merge(tmp_path / "x.export"),
        ):
            write()
            versions.append(lst.data_version())
        assert [0, 1, 2, 3, 4, 5, 6] == versions

    def test_other_writes_leave_it(self, lst: SuppressionList, tmp_path: Path) -> None:
        """Filter runs, backups, exports and index snapshots are no change of entries."""
        lst.add("a@example.nl")
        before = lst.data_version()
        assert lst.filter(pd.DataFrame({"email": ["a@example.nl"]})).report.audited
        lst.backup(tmp_path / "b.db")
        lst.export(tmp_path / "e.export")
        lst.index()
        assert before == lst.data_version()

    def test_seen_by_other_connections(
        self, lst: SuppressionList, location: Path | str, test_key
    ) -> None:
        """A write through another connection is seen at once; a closed list refuses."""
        with SuppressionList.open(location, test_key) as other:
            before = lst.data_version()
            other.add("z@example.nl")
            assert before + 1 == lst.data_version() == other.data_version()
        lst.close()
        with pytest.raises(locosuppress.ListClosedError, match="closed"):
            lst.data_version()

    @pytest.mark.sqlite_only
    def test_lists_without_it(self, lst: SuppressionList) -> None:
        """A list made before the data version existed reads 0 and counts on from there."""
        with contextlib.closing(raw(lst.path)) as conn:
            conn.execute("DELETE FROM meta WHERE key = 'data_version'")
        assert 0 == lst.data_version()
        lst.add("a@example.nl")
        assert 1 == lst.data_version()
