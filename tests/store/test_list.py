"""The permanent suppression list (locosuppress.store)."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import locosuppress
from locosuppress import (
    AddReport,
    IncompatibleExportError,
    InvalidDomainError,
    InvalidEmailError,
    KeyMismatchError,
    ListCorruptedError,
    ListLockedError,
    ListNotFoundError,
    ListStats,
    ListStorageError,
    LocosuppressError,
    NotASuppressionListError,
    OutputExistsError,
    ReadOnlyListError,
    SuppressionKey,
    SuppressionList,
    UnsupportedFormatError,
    VerifyReport,
)
from locosuppress.filtering import FilterReport
from locosuppress.store import CHANNELS, REASONS, SCOPES, ListClosedError
from locosuppress.testing import emails, invalid_emails


def a_report(*, total: int, kept: int, suppressed: int, invalid: int, duplicates: int,
             channel: str | None) -> FilterReport:
    """A FilterReport with these counts (all suppressions by address, scope 'all')."""
    return FilterReport(
        total=total, kept=kept, suppressed=suppressed,
        suppressed_by_scope={"all": suppressed, "newsletter": 0, "post": 0},
        suppressed_by_entry={"address": suppressed, "domain": 0},
        invalid=invalid, missing=0, invalid_excluded=True, duplicates=duplicates,
        channel=channel, column="email",
    )


NOW = datetime(2025, 3, 14, 9, 26, 53, tzinfo=UTC)


def sha(path: Path) -> str:
    """SHA-256 of a file's bytes (to show a file was left untouched)."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def raw(path: Path) -> sqlite3.Connection:
    """A plain sqlite3 connection, to inspect or tamper with a list file."""
    return sqlite3.connect(path, isolation_level=None)


@pytest.fixture
def list_path(tmp_path: Path) -> Path:
    """The path of a list file that does not exist yet."""
    return tmp_path / "suppression.db"


@pytest.fixture
def lst(list_path: Path, test_key: SuppressionKey) -> Iterator[SuppressionList]:
    """A new, empty list opened for writing."""
    with SuppressionList.open(list_path, test_key, now=NOW) as opened:
        yield opened


@pytest.fixture
def filled(list_path: Path, test_key: SuppressionKey) -> Path:
    """A closed list file holding 3,000 addresses (several pages)."""
    with SuppressionList.open(list_path, test_key) as opened:
        opened.add_many([f"person{i}@example.nl" for i in range(3000)])
    return list_path


class TestOpen:
    """Creating and opening lists, and refusing what is not one."""

    def test_create_records_meta(self, lst: SuppressionList, list_path: Path, test_key) -> None:
        """A new list records format, normalisation, fingerprint, creation time, stale flag."""
        meta = dict(raw(list_path).execute("SELECT key, value FROM meta").fetchall())
        assert "1" == meta["format_version"]
        assert "v1" == meta["normalization"]
        assert test_key.fingerprint == meta["fingerprint"]
        assert "2025-03-14T09:26:53Z" == meta["created_at"]
        assert "0" == meta["index_stale"]
        assert NOW == lst.created_at
        assert (test_key.fingerprint, "v1", 1) == (lst.fingerprint, lst.normalization,
                                                   lst.format_version)

    def test_contract_tables(self, lst: SuppressionList, list_path: Path) -> None:
        """The tables shared with locosuppress._index have exactly the agreed columns."""
        conn = raw(list_path)

        def columns(table: str) -> list[tuple[str, str, int, int]]:
            return [(r[1], r[2], r[3], r[5]) for r in conn.execute(f"PRAGMA table_info({table})")]

        assert [("key", "TEXT", 0, 1), ("value", "TEXT", 1, 0)] == columns("meta")
        assert [
            ("hash", "BLOB", 1, 1), ("kind", "INTEGER", 1, 2), ("scope", "INTEGER", 1, 3),
            ("reason", "INTEGER", 1, 0), ("added_at", "INTEGER", 1, 0), ("source", "INTEGER", 0, 0),
        ] == columns("entries")
        assert [("hash", "BLOB", 1, 1), ("kind", "INTEGER", 1, 2),
                ("scope", "INTEGER", 1, 3)] == columns("pending")
        assert [("chunk", "INTEGER", 0, 1), ("data", "BLOB", 1, 0)] == columns("index_snapshot")
        without_rowid = {
            r[0]
            for r in conn.execute("SELECT name FROM sqlite_master WHERE sql LIKE '%WITHOUT ROWID'")
        }
        assert {"entries", "pending"} == without_rowid

    def test_durability_settings(self, lst: SuppressionList) -> None:
        """The connection runs in WAL mode with synchronous=FULL (2) and secure_delete."""
        conn = lst._conn
        assert "wal" == conn.execute("PRAGMA journal_mode").fetchone()[0]
        assert 2 == conn.execute("PRAGMA synchronous").fetchone()[0]
        assert 1 == conn.execute("PRAGMA secure_delete").fetchone()[0]

    def test_new_file_is_private(self, lst: SuppressionList, list_path: Path) -> None:
        """A new list file is readable by its owner only (0600)."""
        assert 0o600 == list_path.stat().st_mode & 0o777

    def test_reopen_keeps_entries(self, list_path: Path, test_key) -> None:
        """Entries survive close and reopen."""
        with SuppressionList.open(list_path, test_key) as first:
            first.add("a@example.nl")
        with SuppressionList.open(list_path, test_key, create=False) as second:
            assert "A@Example.NL " in second

    def test_missing_file_without_create(self, list_path: Path, test_key) -> None:
        """create=False on a missing file raises ListNotFoundError and creates nothing."""
        with pytest.raises(ListNotFoundError):
            SuppressionList.open(list_path, test_key, create=False)
        assert [] == list(list_path.parent.iterdir())

    def test_missing_file_read_only(self, list_path: Path, test_key) -> None:
        """read_only=True never creates a list."""
        with pytest.raises(ListNotFoundError):
            SuppressionList.open(list_path, test_key, read_only=True)
        assert not list_path.exists()

    def test_missing_folder(self, tmp_path: Path, test_key) -> None:
        """A missing folder raises ListNotFoundError and is not created."""
        path = tmp_path / "no" / "such" / "list.db"
        with pytest.raises(ListNotFoundError, match="does not exist"):
            SuppressionList.open(path, test_key)
        assert not (tmp_path / "no").exists()

    def test_dangling_symlink(self, tmp_path: Path, test_key) -> None:
        """A dangling symbolic link is not followed into a new list."""
        link = tmp_path / "list.db"
        link.symlink_to(tmp_path / "elsewhere.db")
        with pytest.raises(ListNotFoundError):
            SuppressionList.open(link, test_key)
        assert not (tmp_path / "elsewhere.db").exists()

    def test_folder_as_path(self, tmp_path: Path, test_key) -> None:
        """A folder is not a list."""
        with pytest.raises(NotASuppressionListError):
            SuppressionList.open(tmp_path, test_key)

    def test_csv_is_refused_untouched(self, tmp_path: Path, test_key) -> None:
        """A CSV passed as a list raises NotASuppressionListError and is not modified."""
        csv = tmp_path / "mailing.csv"
        csv.write_text("email,name\njan@example.nl,Jan\n", encoding="utf-8")
        before = sha(csv)
        for read_only in (False, True):
            with pytest.raises(NotASuppressionListError) as info:
                SuppressionList.open(csv, test_key, read_only=read_only)
            assert "jan@example.nl" not in str(info.value)
        assert before == sha(csv)
        assert ["mailing.csv"] == sorted(p.name for p in tmp_path.iterdir())

    def test_empty_file_is_refused(self, tmp_path: Path, test_key) -> None:
        """An empty file is not silently turned into a list."""
        empty = tmp_path / "empty.db"
        empty.touch()
        with pytest.raises(NotASuppressionListError, match="empty"):
            SuppressionList.open(empty, test_key)
        assert 0 == empty.stat().st_size

    def test_other_sqlite_database(self, tmp_path: Path, test_key) -> None:
        """A SQLite file of another application is refused and left as it was."""
        other = tmp_path / "other.db"
        conn = raw(other)
        conn.execute("CREATE TABLE people (email TEXT)")
        conn.close()
        before = sha(other)
        with pytest.raises(NotASuppressionListError):
            SuppressionList.open(other, test_key)
        assert before == sha(other)

    def test_wrong_key(self, filled: Path, other_key, test_key) -> None:
        """Another key raises KeyMismatchError naming both fingerprints; the file is unchanged."""
        before = sha(filled)
        for read_only in (False, True):
            with pytest.raises(KeyMismatchError) as info:
                SuppressionList.open(filled, other_key, read_only=read_only)
            assert test_key.fingerprint in str(info.value)
            assert other_key.fingerprint in str(info.value)
        assert before == sha(filled)

    def test_wrong_key_checked_before_format(self, filled: Path, other_key) -> None:
        """The key is checked before anything else, even a newer format version."""
        conn = raw(filled)
        conn.execute("UPDATE meta SET value = '99' WHERE key = 'format_version'")
        conn.close()
        with pytest.raises(KeyMismatchError):
            SuppressionList.open(filled, other_key)

    def test_newer_format(self, filled: Path, test_key) -> None:
        """A newer format version raises UnsupportedFormatError saying to upgrade."""
        conn = raw(filled)
        conn.execute("UPDATE meta SET value = '2' WHERE key = 'format_version'")
        conn.close()
        with pytest.raises(UnsupportedFormatError, match="upgrade"):
            SuppressionList.open(filled, test_key)

    def test_other_normalization(self, filled: Path, test_key) -> None:
        """A list hashed under unknown normalisation rules is refused."""
        conn = raw(filled)
        conn.execute("UPDATE meta SET value = 'v9' WHERE key = 'normalization'")
        conn.close()
        with pytest.raises(UnsupportedFormatError, match="v9"):
            SuppressionList.open(filled, test_key)

    @pytest.mark.parametrize("keep", [10, 60, 4096 * 3, 0.5])
    def test_truncated(self, filled: Path, test_key, keep: float) -> None:
        """A truncated file raises ListCorruptedError and is left as it is."""
        data = filled.read_bytes()
        cut = int(len(data) * keep) if isinstance(keep, float) else keep
        filled.write_bytes(data[:cut])
        before = sha(filled)
        for read_only in (False, True):
            with pytest.raises(ListCorruptedError):
                SuppressionList.open(filled, test_key, read_only=read_only)
        assert before == sha(filled)

    def test_corrupted_pages(self, filled: Path, test_key) -> None:
        """Garbage in the data pages gives ListCorruptedError and a failed verify, no damage."""
        data = bytearray(filled.read_bytes())
        data[4096 * 6 : 4096 * 12] = os.urandom(4096 * 6)
        filled.write_bytes(bytes(data))
        before = sha(filled)
        for read_only in (True, False):
            try:
                opened = SuppressionList.open(filled, test_key, read_only=read_only)
            except ListCorruptedError:
                continue
            with opened:
                report = opened.verify()
                assert not report.ok
                with pytest.raises(ListCorruptedError):
                    report.raise_for_problems()
                with pytest.raises(ListCorruptedError):
                    opened.stats()
        assert before == sha(filled)

    def test_corrupted_header(self, filled: Path, test_key) -> None:
        """A damaged schema page gives ListCorruptedError."""
        data = bytearray(filled.read_bytes())
        data[100:4096] = b"\xff" * 3996
        filled.write_bytes(bytes(data))
        with pytest.raises(ListCorruptedError):
            SuppressionList.open(filled, test_key)

    def test_key_types(self, list_path: Path, test_key) -> None:
        """A HashingMaterial opens the list too; anything else is a TypeError."""
        with SuppressionList.open(list_path, test_key) as first:
            first.add("a@example.nl")
        with SuppressionList.open(list_path, test_key.hashing_material(), read_only=True) as lst:
            assert "a@example.nl" in lst
        with pytest.raises(TypeError):
            SuppressionList.open(list_path, b"\x00" * 32)  # type: ignore[arg-type]

    def test_errors_are_locosuppress_errors(self) -> None:
        """Every error class used for bad input derives from LocosuppressError."""
        for cls in (ListNotFoundError, NotASuppressionListError, KeyMismatchError,
                    ListCorruptedError, UnsupportedFormatError, ReadOnlyListError):
            assert issubclass(cls, LocosuppressError)

    def test_close_is_idempotent(self, list_path: Path, test_key) -> None:
        """close() twice is fine; a closed list raises ListClosedError (fails closed)."""
        opened = SuppressionList.open(list_path, test_key)
        opened.close()
        opened.close()
        assert opened.closed
        for call in (lambda: opened.add("a@example.nl"), lambda: "a@example.nl" in opened,
                     lambda: len(opened), opened.index, opened.stats):
            with pytest.raises(ListClosedError, match="closed") as info:
                call()
            assert isinstance(info.value, LocosuppressError)
            assert isinstance(info.value, ValueError)

    def test_side_files_removed_on_close(self, list_path: Path, test_key) -> None:
        """After the last writer closes, only the list file remains."""
        with SuppressionList.open(list_path, test_key) as opened:
            opened.add("a@example.nl")
        assert ["suppression.db"] == sorted(p.name for p in list_path.parent.iterdir())

    def test_repr_shows_no_secret(self, lst: SuppressionList, test_key) -> None:
        """The repr shows the path and public fingerprint only."""
        assert test_key.fingerprint in repr(lst)
        assert test_key.to_text() not in repr(lst)


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
        with pytest.raises(InvalidEmailError) as info:
            lst.add("jan jansen@example.nl")
        assert "jansen" not in str(info.value)
        assert 0 == len(lst)

    @pytest.mark.parametrize(
        ("option", "value"),
        [("scope", "everything"), ("reason", "bored"), ("scope", "jan@example.nl"),
         ("reason", None)],
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
        assert AddReport(added=1, already_present=2, invalid=3,
                         invalid_positions=(2, 3, 5)) == report
        assert 6 == report.total

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
        ids=["list", "tuple", "generator", "arrow-string", "category", "object", "pa.array",
             "index"],
    )
    def test_input_kinds(self, lst: SuppressionList, make) -> None:
        """Iterables, Series of every dtype, Arrow arrays and Index all work alike."""
        values = ["a@example.nl", None, "B@example.nl", "a@EXAMPLE.nl", "x"]
        report = lst.add_many(make(values))
        assert (2, 1, 2, (1, 4)) == (report.added, report.already_present, report.invalid,
                                     report.invalid_positions)

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
        lst.add_many(["a@example.nl", "b@example.nl"], scope="post", reason="import",
                     source="partner-2025-03.csv")
        stats = lst.stats()
        assert 2 == stats.by_scope["post"]
        assert 2 == stats.by_reason["import"]
        assert "partner-2025-03.csv" == lst.audit()["source"].iloc[-1]

    def test_hashes_stored(self, lst: SuppressionList, list_path: Path, test_key) -> None:
        """Stored hashes are exactly the keyed hashes of the canonical forms."""
        lst.add_many(["Jan.Jansen+x@GoogleMail.com", "b@example.nl"])
        stored = {r[0] for r in raw(list_path).execute("SELECT hash FROM entries")}
        expected = {test_key.hash_email("janjansen@gmail.com"), test_key.hash_email("b@example.nl")}
        assert expected == stored

    @settings(max_examples=25)
    @given(st.lists(st.one_of(emails(), invalid_emails()), max_size=30))
    def test_counts_add_up(self, values: list[object]) -> None:
        """added + already_present + invalid == inputs, and added == distinct valid canonicals."""
        key = SuppressionKey(bytes(range(32)))
        with tempfile.TemporaryDirectory() as folder, \
                SuppressionList.open(Path(folder) / "l.db", key) as lst:
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
        with pytest.raises(InvalidDomainError):
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
        with pytest.raises(InvalidEmailError):
            lst.remove("nope")

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
            ("all", None, True), ("all", "newsletter", True), ("all", "post", True),
            ("newsletter", None, True), ("newsletter", "newsletter", True),
            ("newsletter", "post", False),
            ("post", None, True), ("post", "newsletter", False), ("post", "post", True),
        ],
    )
    def test_channel_table(self, lst: SuppressionList, scope: str, channel: str | None,
                           expected: bool) -> None:
        """A channel is blocked by scope 'all' and by its own scope."""
        lst.add("a@example.nl", scope=scope)
        assert expected == lst.is_suppressed("a@example.nl", channel=channel)

    def test_channels_constant(self) -> None:
        """CHANNELS documents the same table."""
        assert {None: (1, 2, 4), "newsletter": (1, 2), "post": (1, 4)} == dict(CHANNELS)

    @given(value=invalid_emails())
    @settings(max_examples=30)
    def test_invalid_is_not_member(self, value: object) -> None:
        """`in` answers False for invalid values; is_suppressed raises InvalidEmailError."""
        key = SuppressionKey(bytes(range(32)))
        with tempfile.TemporaryDirectory() as folder, \
                SuppressionList.open(Path(folder) / "l.db", key) as lst:
            assert value not in lst
            with pytest.raises(InvalidEmailError):
                lst.is_suppressed(value)

    def test_unknown_channel(self, lst: SuppressionList) -> None:
        """An unknown channel is a ValueError."""
        with pytest.raises(ValueError, match="channel"):
            lst.is_suppressed("a@example.nl", channel="sms")


class TestIndexContract:
    """The pending/index_stale contract with locosuppress._index."""

    def pending(self, lst: SuppressionList) -> set[tuple[bytes, int, int]]:
        """The rows of the pending table."""
        return set(lst._conn.execute("SELECT hash, kind, scope FROM pending").fetchall())

    def entries(self, lst: SuppressionList) -> set[tuple[bytes, int, int]]:
        """The keys of the entries table."""
        return set(lst._conn.execute("SELECT hash, kind, scope FROM entries").fetchall())

    def stale(self, lst: SuppressionList) -> str:
        """meta.index_stale."""
        row = lst._conn.execute("SELECT value FROM meta WHERE key = 'index_stale'").fetchone()
        return str(row[0])

    def test_adds_fill_pending(self, lst: SuppressionList, tmp_path: Path, test_key) -> None:
        """add, add_many, add_domain and merge put each new entry into pending."""
        lst.add("a@example.nl")
        lst.add_many(["b@example.nl", "c@example.nl", "a@example.nl"], scope="post")
        lst.add_domain("example.org")
        with SuppressionList.open(tmp_path / "other.db", test_key) as other:
            other.add("m@example.nl", scope="newsletter")
            other.export(tmp_path / "x.export")
        lst.merge(tmp_path / "x.export")
        assert 6 == len(self.entries(lst))
        assert self.entries(lst) == self.pending(lst)
        assert "0" == self.stale(lst)

    def test_existing_entry_not_pending_again(self, lst: SuppressionList) -> None:
        """Re-adding an entry already in the snapshot does not put it back in pending."""
        lst.add("a@example.nl")
        lst._conn.execute("DELETE FROM pending")  # as if a snapshot had been written
        assert not lst.add("a@example.nl")
        assert set() == self.pending(lst)

    def test_remove_clears_pending_and_marks_stale(self, lst: SuppressionList) -> None:
        """remove deletes from entries and pending and sets index_stale in one go."""
        lst.add("a@example.nl")
        lst.add("b@example.nl")
        lst.remove("a@example.nl")
        assert self.entries(lst) == self.pending(lst)
        assert 1 == len(self.pending(lst))
        assert "1" == self.stale(lst)

    def test_remove_nothing_keeps_fresh(self, lst: SuppressionList) -> None:
        """A removal that removes nothing leaves the index fresh."""
        lst.add("a@example.nl")
        lst.remove("b@example.nl")
        assert "0" == self.stale(lst)

    def test_index_is_cached_and_invalidated(self, lst: SuppressionList, list_path: Path,
                                             test_key) -> None:
        """index() is cached, reloaded after our writes and after another process's writes."""
        lst.add("a@example.nl")
        first = lst.index()
        assert first is lst.index()
        lst.add("b@example.nl")
        second = lst.index()
        assert second is not first
        assert 2 == len(second)
        with SuppressionList.open(list_path, test_key) as other:
            other.add("c@example.nl")
        assert 3 == len(lst.index())

    def test_free_pages_returned_after_snapshot(self, lst: SuppressionList,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
        """When the index snapshot empties pending, the freed pages leave the file."""
        from locosuppress import _sqlite

        monkeypatch.setattr(_sqlite, "RECLAIM_MIN_PAGES", 1)
        lst.add_many([f"p{i}@example.nl" for i in range(5000)])
        lst.remove("p0@example.nl")  # makes the index stale: the next load writes a snapshot
        assert 2 == lst._conn.execute("PRAGMA auto_vacuum").fetchone()[0]
        assert 4999 == len(lst.index())
        assert 0 == lst._conn.execute("SELECT count(*) FROM pending").fetchone()[0]
        assert 0 == lst._conn.execute("PRAGMA freelist_count").fetchone()[0]
        assert lst.verify().ok

    def test_filter_run_does_not_invalidate(self, lst: SuppressionList) -> None:
        """An audit row of a filter run keeps the cached index."""
        lst.add("a@example.nl")
        first = lst.index()
        report = a_report(total=3, kept=2, suppressed=1, invalid=0, duplicates=0, channel="post")
        assert lst.record_filter_run(report, source="mailing.csv").audited
        assert first is lst.index()

    def test_hashing_material(self, lst: SuppressionList, test_key) -> None:
        """hashing_material() is the key's hashing material."""
        assert test_key.hashing_material() == lst.hashing_material()


class TestStatsAndAudit:
    """stats(), len() and audit()."""

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

    def test_audit_frame(self, lst: SuppressionList) -> None:
        """Every write leaves one audit row with time, operation and counts."""
        lst.add("a@example.nl", now=NOW)
        lst.add_many(["a@example.nl", "b@example.nl", "bad"], source="batch-1", now=NOW)
        lst.remove("b@example.nl", now=NOW)
        report = a_report(total=10, kept=7, suppressed=2, invalid=1, duplicates=0, channel=None)
        lst.record_filter_run(report, source="campaign.xlsx")
        frame = lst.audit()
        assert ["create", "add", "add_many", "remove", "filter"] == list(frame["operation"])
        assert ["time", "operation", "total", "added", "already_present", "removed", "invalid",
                "kept", "suppressed", "duplicates", "scope", "reason", "channel", "source",
                "library_version"] == list(frame.columns)
        row = frame.iloc[2]
        assert (3, 1, 1, 1, "batch-1") == (row["total"], row["added"], row["already_present"],
                                            row["invalid"], row["source"])
        assert 1 == frame.iloc[3]["removed"]
        assert (7, 2) == (frame.iloc[4]["kept"], frame.iloc[4]["suppressed"])
        assert pd.Timestamp(NOW) == frame["time"].iloc[1]
        assert str(frame["time"].dt.tz) == "UTC"
        assert {locosuppress.__version__} == set(frame["library_version"])

    def test_audit_holds_no_address_or_hash(self, lst: SuppressionList, list_path: Path,
                                             test_key) -> None:
        """The audit table holds counts and labels only."""
        lst.add("secret.person@example.nl")
        lst.remove("secret.person@example.nl")
        digest = test_key.hash_email("secret.person@example.nl")
        for row in raw(list_path).execute("SELECT * FROM audit"):
            for value in row:
                assert not isinstance(value, bytes)
                assert "secret" not in str(value)
                assert digest.hex() not in str(value)

    def test_len_after_other_writer(self, lst: SuppressionList, list_path: Path,
                                    test_key) -> None:
        """len() sees commits made by another connection."""
        lst.add("a@example.nl")
        assert 1 == len(lst)
        with SuppressionList.open(list_path, test_key) as other:
            other.add("b@example.nl")
        assert 2 == len(lst)


class TestVerify:
    """verify() reports integrity and invariants."""

    def test_clean(self, lst: SuppressionList) -> None:
        """A fresh list verifies clean."""
        lst.add_many(["a@example.nl", "b@example.nl"])
        report = lst.verify()
        assert isinstance(report, VerifyReport)
        assert (True, (), 2, 2) == (report.ok, report.problems, report.entries, report.pending)
        report.raise_for_problems()
        assert report.to_dict()["ok"]
        assert lst.verify(quick=True).ok
        assert "ok" in str(report)

    def test_invariant_violations(self, lst: SuppressionList) -> None:
        """Unknown reasons, orphan pending rows and a missing meta entry are reported."""
        lst.add("a@example.nl")
        conn = lst._conn
        conn.execute("UPDATE entries SET reason = 99")
        conn.execute("INSERT INTO pending VALUES (zeroblob(32), 0, 1)")
        conn.execute("DELETE FROM meta WHERE key = 'created_at'")
        problems = " | ".join(lst.verify().problems)
        assert "unknown reason" in problems
        assert "pending rows without an entry" in problems
        assert "'created_at' is missing" in problems
        with pytest.raises(ListCorruptedError):
            lst.verify().raise_for_problems()

    def test_missing_trigger(self, lst: SuppressionList) -> None:
        """A list whose pending trigger was dropped fails verification."""
        lst._conn.execute("DROP TRIGGER entries_to_pending")
        assert ("the trigger 'entries_to_pending' is missing",) == lst.verify().problems


class TestBackup:
    """backup() through SQLite's online backup API."""

    def test_round_trip(self, lst: SuppressionList, tmp_path: Path, test_key) -> None:
        """A backup opens with the same key and holds the same entries."""
        lst.add_many(["a@example.nl", "b@example.nl"])
        target = lst.backup(tmp_path / "backup.db")
        assert 0o600 == target.stat().st_mode & 0o777
        with SuppressionList.open(target, test_key, read_only=True) as copy:
            assert 2 == len(copy)
            assert copy.verify().ok
        assert "backup" == lst.audit()["operation"].iloc[-1]

    def test_backup_is_single_file(self, lst: SuppressionList, tmp_path: Path) -> None:
        """The backup is in rollback-journal mode: no side files needed to read it."""
        lst.add("a@example.nl")
        target = lst.backup(tmp_path / "backup.db")
        conn = raw(target)
        assert "delete" == conn.execute("PRAGMA journal_mode").fetchone()[0]

    def test_refuses_overwrite(self, lst: SuppressionList, tmp_path: Path) -> None:
        """An existing file is never overwritten."""
        target = tmp_path / "backup.db"
        target.write_text("keep me")
        with pytest.raises(OutputExistsError):
            lst.backup(target)
        assert "keep me" == target.read_text()

    def test_missing_folder(self, lst: SuppressionList, tmp_path: Path) -> None:
        """A missing folder is not created."""
        with pytest.raises(ListNotFoundError):
            lst.backup(tmp_path / "nope" / "backup.db")

    def test_no_temp_files_left(self, lst: SuppressionList, tmp_path: Path) -> None:
        """Only the backup appears beside it."""
        folder = tmp_path / "b"
        folder.mkdir()
        lst.backup(folder / "backup.db")
        assert ["backup.db"] == [p.name for p in folder.iterdir()]


class TestExportMerge:
    """The portable export file and merge()."""

    @pytest.fixture
    def exported(self, lst: SuppressionList, tmp_path: Path) -> Path:
        """An export of a list with e-mail and domain entries in several scopes."""
        lst.add_many(["a@example.nl", "b@example.nl"])
        lst.add("a@example.nl", scope="post")
        lst.add("c@example.nl", scope="newsletter")
        lst.add_domain("example.org", scope="post")
        lst.export(tmp_path / "share.export", now=NOW)
        return tmp_path / "share.export"

    def test_format(self, exported: Path, test_key) -> None:
        """Line 1 is the header, then one 69-byte line per entry, then the checksum line."""
        lines = exported.read_bytes().split(b"\n")
        magic, _, payload = lines[0].partition(b" ")
        assert b"locosuppress-export/1" == magic
        header = json.loads(payload)
        assert {
            "channel": None, "count": 5, "created_at": "2025-03-14T09:26:53Z",
            "fingerprint": test_key.fingerprint, "format": "locosuppress-export",
            "format_version": 1, "normalization": "v1",
        } == {k: v for k, v in header.items() if k != "columns"}
        body = lines[1:6]
        assert all(68 == len(line) for line in body)
        assert body == sorted(body)
        assert {b"e a", b"e p", b"e n", b"d p"} == {line[65:] for line in body}
        assert lines[6].startswith(b"end sha256=")
        assert [b""] == lines[7:]
        digest = hashlib.sha256(b"\n".join(lines[:6]) + b"\n").hexdigest()
        assert f"end sha256={digest}".encode() == lines[6]

    def test_round_trip(self, exported: Path, tmp_path: Path, test_key) -> None:
        """Merging into an empty list reproduces every entry; again adds nothing."""
        with SuppressionList.open(tmp_path / "partner.db", test_key) as partner:
            assert AddReport(added=5, already_present=0) == partner.merge(exported)
            assert AddReport(added=0, already_present=5) == partner.merge(exported)
            assert partner.is_suppressed("a@example.nl", channel="post")
            assert partner.is_suppressed("x@example.org", channel="post")
            assert not partner.is_suppressed("c@example.nl", channel="post")
            assert 4 == len(partner)
            assert "merge" == partner.audit()["operation"].iloc[-1]

    def test_channel_filter(self, lst: SuppressionList, exported: Path, tmp_path: Path) -> None:
        """export(channel='post') holds only entries that block post."""
        report = lst.export(tmp_path / "post.export", channel="post")
        assert 4 == report.count
        assert "post" == report.channel
        assert b" e n\n" not in (tmp_path / "post.export").read_bytes()

    def test_refuses_overwrite(self, lst: SuppressionList, exported: Path) -> None:
        """export never overwrites."""
        before = sha(exported)
        with pytest.raises(OutputExistsError):
            lst.export(exported)
        assert before == sha(exported)

    def test_wrong_key(self, exported: Path, tmp_path: Path, other_key) -> None:
        """An export made with another key raises KeyMismatchError; nothing is merged."""
        with SuppressionList.open(tmp_path / "o.db", other_key) as other:
            with pytest.raises(KeyMismatchError):
                other.merge(exported)
            assert 0 == len(other)

    def test_other_normalization(self, exported: Path, tmp_path: Path, test_key) -> None:
        """An export under other rules raises IncompatibleExportError."""
        data = exported.read_bytes().replace(b'"normalization": "v1"', b'"normalization": "v2"', 1)
        exported.write_bytes(data)
        with SuppressionList.open(tmp_path / "o.db", test_key) as other, \
                pytest.raises(IncompatibleExportError):
            other.merge(exported)

    def test_newer_export(self, exported: Path, tmp_path: Path, test_key) -> None:
        """A newer export format raises UnsupportedFormatError."""
        exported.write_bytes(exported.read_bytes().replace(b"export/1", b"export/2", 1))
        with SuppressionList.open(tmp_path / "o.db", test_key) as other, \
                pytest.raises(UnsupportedFormatError, match="upgrade"):
            other.merge(exported)

    @pytest.mark.parametrize("damage", ["truncate", "flip", "trailer", "extra"])
    def test_damaged(self, exported: Path, tmp_path: Path, test_key, damage: str) -> None:
        """A truncated or altered export raises ListCorruptedError and merges nothing."""
        data = bytearray(exported.read_bytes())
        if damage == "truncate":
            data = data[: len(data) - 100]
        elif damage == "flip":
            first_line_end = data.index(b"\n")
            at = first_line_end + 5
            data[at] = ord("0") if data[at] != ord("0") else ord("1")
        elif damage == "trailer":
            data = data[: data.rindex(b"end ")]
        else:
            data += b"x"
        exported.write_bytes(bytes(data))
        with SuppressionList.open(tmp_path / "o.db", test_key) as other:
            with pytest.raises(ListCorruptedError):
                other.merge(exported)
            assert 0 == len(other)

    def test_not_an_export(self, lst: SuppressionList, tmp_path: Path) -> None:
        """A CSV passed to merge raises NotASuppressionListError."""
        csv = tmp_path / "x.csv"
        csv.write_text("email\njan@example.nl\n")
        with pytest.raises(NotASuppressionListError) as info:
            lst.merge(csv)
        assert "jan@example.nl" not in str(info.value)

    def test_missing(self, lst: SuppressionList, tmp_path: Path) -> None:
        """A missing export file raises ListNotFoundError."""
        with pytest.raises(ListNotFoundError):
            lst.merge(tmp_path / "nope.export")

    def test_export_report(self, lst: SuppressionList, tmp_path: Path, test_key) -> None:
        """export returns a report with the count and the key fingerprint."""
        lst.add("a@example.nl")
        report = lst.export(tmp_path / "e.export", now=NOW)
        assert (1, test_key.fingerprint) == (report.count, report.fingerprint)
        assert "2025-03-14T09:26:53Z" == report.to_dict()["created_at"]
        assert "hashes" in str(report)
        assert "<table" in report._repr_html_()


class TestReadOnly:
    """read_only=True: checking and filtering without writing."""

    def test_writes_refused(self, filled: Path, test_key, tmp_path: Path) -> None:
        """Every write raises ReadOnlyListError; reads work; the file is unchanged."""
        before = sha(filled)
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
                with pytest.raises(ReadOnlyListError):
                    call()
            report = a_report(total=1, kept=1, suppressed=0, invalid=0, duplicates=0, channel=None)
            assert not lst.record_filter_run(report).audited
            lst.export(tmp_path / "ro.export")
            lst.backup(tmp_path / "ro-backup.db")
            assert 3000 == len(lst.index())
            assert lst.verify().ok
        assert before == sha(filled)
        with SuppressionList.open(filled, test_key, read_only=True) as lst:
            assert ["create", "add_many"] == list(lst.audit()["operation"])


@functools.cache
def _as_other_user() -> tuple[str, ...]:
    """The command prefix that runs Python as `nobody` when we are root (root ignores modes).

    Uses setpriv(1); skips the test where it is missing or cannot start our interpreter.
    """
    if os.geteuid() != 0:
        return (sys.executable,)
    setpriv = shutil.which("setpriv")
    prefix = (str(setpriv), "--reuid=65534", "--regid=65534", "--clear-groups", sys.executable)
    if setpriv is None or subprocess.run(
        [*prefix, "-c", "import locosuppress"], capture_output=True, timeout=60, check=False
    ).returncode:
        return ()
    return prefix


def _other_user_command(code: str) -> list[str]:
    """Command line running ``code`` as another, unprivileged user (or skip)."""
    prefix = _as_other_user()
    if not prefix:
        pytest.skip("cannot run Python as an unprivileged user here")
    return [*prefix, "-c", textwrap.dedent(code)]


def _run_as_other_user(code: str, *, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run Python code as `nobody` when we are root, as ourselves otherwise."""
    return subprocess.run(
        _other_user_command(code), capture_output=True, text=True, timeout=60, check=False,
        env={**os.environ, **env}, cwd="/",
    )


_READER = """
    import json, os, sys
    import pandas as pd
    from locosuppress import SuppressionKey, SuppressionList, LocosuppressError
    key = SuppressionKey.from_env("TEST_KEY")
    path = os.environ["LIST"]
    out = {}
    try:
        SuppressionList.open(path, key)
        out["writable_open"] = "opened"
    except LocosuppressError as exc:
        out["writable_open"] = type(exc).__name__
        out["hint"] = "read_only=True" in str(exc)
    with SuppressionList.open(path, key, read_only=True) as lst:
        out["immutable"] = lst._immutable
        out["members"] = [a in lst for a in json.loads(os.environ["PROBES"])]
        out["len"] = len(lst)
        out["verify"] = lst.verify().ok
        out["index"] = len(lst.index())
        out["audited"] = lst.filter(pd.DataFrame({"email": ["nobody@example.org"]})).report.audited
    print(json.dumps(out))
"""


@pytest.fixture
def shared_folder() -> Iterator[Path]:
    """A folder another user can enter but not write (mode 0755, owned by us)."""
    folder = Path(tempfile.mkdtemp(prefix="locosuppress-ro-"))
    folder.chmod(0o755)
    try:
        yield folder
    finally:
        folder.chmod(0o700)
        shutil.rmtree(folder)


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
class TestReadOnlyPermissions:
    """Lists that this process may read but not write (file or folder)."""

    def make_list(self, folder: Path, key: SuppressionKey) -> Path:
        """A closed list readable by everyone, writable by its owner only."""
        path = folder / "list.db"
        with SuppressionList.open(path, key) as lst:
            lst.add_many(["a@example.nl", "b@example.nl"])
        path.chmod(0o644)
        if os.geteuid() != 0:
            folder.chmod(0o555)
        return path

    def test_read_only_folder(self, shared_folder: Path, test_key) -> None:
        """In a read-only folder: writable open refused, read-only open works, nothing written."""
        path = self.make_list(shared_folder, test_key)
        before = sha(path)
        result = _run_as_other_user(_READER, env={
            "TEST_KEY": test_key.to_text(), "LIST": str(path),
            "PROBES": json.dumps(["a@example.nl", "c@example.nl"]),
        })
        assert 0 == result.returncode, result.stderr
        out = json.loads(result.stdout)
        assert {"writable_open": "ReadOnlyListError", "hint": True, "immutable": True,
                "members": [True, False], "len": 2, "verify": True, "index": 2,
                "audited": False} == out
        assert before == sha(path)
        assert ["list.db"] == [p.name for p in shared_folder.iterdir()]

    def test_read_only_folder_with_live_writer(self, shared_folder: Path, test_key) -> None:
        """While a writer has entries in its WAL, a reader in a read-only folder sees them."""
        path = self.make_list(shared_folder, test_key)
        if os.geteuid() != 0:
            pytest.skip("needs a second user to hold the list open for writing")
        with SuppressionList.open(path, test_key) as writer:
            writer.add("in.the.wal@example.nl")
            for side in ("-wal", "-shm"):
                Path(f"{path}{side}").chmod(0o644)
            result = _run_as_other_user(_READER, env={
                "TEST_KEY": test_key.to_text(), "LIST": str(path),
                "PROBES": json.dumps(["in.the.wal@example.nl"]),
            })
        assert 0 == result.returncode, result.stderr
        out = json.loads(result.stdout)
        assert (False, [True], 3) == (out["immutable"], out["members"], out["len"])

    def test_writer_appears_while_immutable(self, shared_folder: Path, test_key) -> None:
        """A reader in immutable mode refuses to answer once a writer changes the file."""
        path = self.make_list(shared_folder, test_key)
        if os.geteuid() != 0:
            pytest.skip("needs a second user to write while the reader is open")
        code = """
            import os, sys
            from locosuppress import SuppressionKey, SuppressionList, LocosuppressError
            key = SuppressionKey.from_env("TEST_KEY")
            with SuppressionList.open(os.environ["LIST"], key, read_only=True) as lst:
                print(lst._immutable, "a@example.nl" in lst, flush=True)
                sys.stdin.readline()
                try:
                    print("new@example.nl" in lst)
                except LocosuppressError as exc:
                    print(type(exc).__name__)
        """
        proc = subprocess.Popen(
            _other_user_command(code), stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, text=True, cwd="/",
            env={**os.environ, "TEST_KEY": test_key.to_text(), "LIST": str(path)},
        )
        assert proc.stdout is not None
        assert proc.stdin is not None
        assert "True True" == proc.stdout.readline().strip()
        with SuppressionList.open(path, test_key) as writer:
            writer.add("new@example.nl")
            out, _ = proc.communicate("go\n", timeout=60)
        assert "ListLockedError" == out.strip()

    def test_read_only_file_in_writable_folder(self, shared_folder: Path, test_key) -> None:
        """A read-only file: writable open refused with advice; read-only open works."""
        folder = shared_folder / "rw"
        folder.mkdir()
        path = folder / "list.db"
        with SuppressionList.open(path, test_key) as lst:
            lst.add("a@example.nl")
        path.chmod(0o444)
        if os.geteuid() == 0:
            os.chown(folder, 65534, 65534)
        before = sha(path)
        result = _run_as_other_user(_READER, env={
            "TEST_KEY": test_key.to_text(), "LIST": str(path),
            "PROBES": json.dumps(["a@example.nl"]),
        })
        assert 0 == result.returncode, result.stderr
        out = json.loads(result.stdout)
        assert ("ReadOnlyListError", True, [True], False) == (
            out["writable_open"], out["hint"], out["members"], out["audited"]
        )
        assert before == sha(path)

    def test_error_class(self) -> None:
        """ReadOnlyListError is also a PermissionError."""
        assert isinstance(ReadOnlyListError("x"), PermissionError)


class TestFullDisk:
    """A write SQLite cannot store (SQLITE_FULL) fails closed, stores nothing, and is clear."""

    @staticmethod
    def _cap(lst: SuppressionList, extra_pages: int = 0) -> None:
        # SQLite's own size cap gives a real SQLITE_FULL, as a full disk does.
        (pages,) = lst._conn.execute("PRAGMA page_count").fetchone()
        lst._conn.execute(f"PRAGMA max_page_count = {pages + extra_pages}")

    def test_add_many_on_a_full_disk(self, tmp_path: Path, test_key: SuppressionKey) -> None:
        """ListStorageError names the problem; the list is unchanged and still usable."""
        path = tmp_path / "list.db"
        with SuppressionList.open(path, test_key) as lst:
            lst.add("kept@example.nl", now=NOW)
            audit_rows = len(lst.audit())
            self._cap(lst)
            many = [f"klant{i}@example.nl" for i in range(20_000)]
            with pytest.raises(ListStorageError, match="full") as caught:
                lst.add_many(many, now=NOW)
            assert isinstance(caught.value, OSError)
            assert "@" not in str(caught.value).replace(str(path), "")
            assert 1 == len(lst)
            assert "klant1@example.nl" not in lst
            assert audit_rows == len(lst.audit())
            lst._conn.execute("PRAGMA max_page_count = 1073741823")
            assert 20_000 == lst.add_many(many, now=NOW).added
        with SuppressionList.open(path, test_key, read_only=True) as lst:
            assert 20_001 == len(lst)
            assert lst.verify().ok

    def test_single_add_on_a_full_disk(self, tmp_path: Path, test_key: SuppressionKey) -> None:
        """One add that needs a new page fails the same way."""
        with SuppressionList.open(tmp_path / "list.db", test_key) as lst:
            self._cap(lst)
            failed = None
            for i in range(5_000):
                try:
                    lst.add(f"p{i}@example.nl", now=NOW)
                except ListStorageError as exc:
                    failed = exc
                    break
            assert failed is not None
            stored = len(lst)
            assert stored < 5_000
            assert all(f"p{i}@example.nl" in lst for i in range(stored))


class TestLocking:
    """The lock timeout."""

    def test_lock_timeout(self, list_path: Path, test_key) -> None:
        """A writer that cannot get the lock within lock_timeout gets ListLockedError."""
        with SuppressionList.open(list_path, test_key) as lst:
            lst.add("a@example.nl")
        holder = raw(list_path)
        holder.execute("BEGIN IMMEDIATE")
        try:
            with SuppressionList.open(list_path, test_key, lock_timeout=0.5) as lst:
                assert "a@example.nl" in lst  # readers are not blocked (WAL)
                with pytest.raises(ListLockedError, match="lock"):
                    lst.add("b@example.nl")
                assert isinstance(ListLockedError("x"), TimeoutError)
        finally:
            holder.execute("ROLLBACK")
            holder.close()


class TestReports:
    """The report values."""

    def test_add_report(self) -> None:
        """AddReport counts, dict, text and HTML."""
        report = AddReport(added=3, already_present=1, invalid=12,
                           invalid_positions=tuple(range(12)))
        assert 16 == report.total
        assert {"total": 16, "added": 3, "already_present": 1, "invalid": 12,
                "invalid_positions": list(range(12))} == report.to_dict()
        text = str(report)
        assert "positions 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 and 2 more" in text
        assert "<table" in report._repr_html_()

    def test_add_report_is_frozen(self) -> None:
        """Reports are immutable."""
        report = AddReport(added=1, already_present=0)
        with pytest.raises(AttributeError):
            report.added = 2  # type: ignore[misc]
