"""The index snapshot and the pending/index_stale contract (locosuppress.store._snapshot)."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

import pandas as pd
import pytest
from store_support import raw_rows

from locosuppress import SuppressionKey, SuppressionList


def query(path: Path, sql: str) -> list[tuple[object, ...]]:
    """Run SQL on a list file over a plain sqlite3 connection of the test's own, then close it."""
    with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as conn:
        return conn.execute(sql).fetchall()


@pytest.mark.sqlite_only
class TestIndexContract:
    """The pending/index_stale contract with locosuppress._index (SQLite's triggers)."""

    def pending(self, lst: SuppressionList) -> set[tuple[bytes, int, int]]:
        """The rows of the pending table (read on a connection of our own)."""
        return set(query(lst.path, "SELECT hash, kind, scope FROM pending"))

    def entries(self, lst: SuppressionList) -> set[tuple[bytes, int, int]]:
        """The keys of the entries table."""
        return set(query(lst.path, "SELECT hash, kind, scope FROM entries"))

    def stale(self, lst: SuppressionList) -> str:
        """meta.index_stale."""
        rows = query(lst.path, "SELECT value FROM meta WHERE key = 'index_stale'")
        row = rows[0] if rows else None
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
        query(lst.path, "DELETE FROM pending")  # as if a snapshot had been written
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


class TestRemovalDropsSnapshot:
    """A removal deletes the index snapshot in its own transaction (both backends)."""

    def test_snapshot_gone_with_the_removal(
        self, lst: SuppressionList, location: Path | str
    ) -> None:
        """After remove or remove_domain no snapshot row is left; index() writes a new one."""
        mailing = pd.DataFrame({"email": ["a@example.nl", "b@example.nl", "x@example.org"]})
        lst.add_many(["a@example.nl", "b@example.nl", "c@example.nl"])
        lst.add_domain("example.org")
        lst.remove("c@example.nl")  # stale: the next writable load writes a snapshot
        assert 3 == len(lst.index())
        snapshot_rows = "SELECT count(*) FROM index_snapshot"
        assert [(1,)] == raw_rows(location, snapshot_rows)
        assert lst.remove("a@example.nl")
        assert [(0,)] == raw_rows(location, snapshot_rows)
        assert ["a@example.nl"] == list(lst.filter(mailing).kept["email"])
        assert [(1,)] == raw_rows(location, snapshot_rows)
        assert lst.remove_domain("example.org")
        assert [(0,)] == raw_rows(location, snapshot_rows)
        assert ["a@example.nl", "x@example.org"] == list(lst.filter(mailing).kept["email"])


class TestCachedIndex:
    """The cached index: reused, and brought up to date after any commit (both backends)."""

    def test_index_is_cached_and_invalidated(
        self, lst: SuppressionList, location: Path | str, test_key
    ) -> None:
        """index() is cached, reloaded after our writes and after another process's writes."""
        lst.add("a@example.nl")
        first = lst.index()
        assert first is lst.index()
        lst.add("b@example.nl")
        second = lst.index()
        assert second is not first
        assert 2 == len(second)
        with SuppressionList.open(location, test_key) as other:
            other.add("c@example.nl")
        assert 3 == len(lst.index())

    def test_removal_elsewhere_is_seen(
        self, lst: SuppressionList, location: Path | str, test_key
    ) -> None:
        """A removal committed by another connection is seen by the next index()."""
        lst.add_many(["a@example.nl", "b@example.nl"])
        assert 2 == len(lst.index())
        with SuppressionList.open(location, test_key) as other:
            other.remove("a@example.nl")
            other.add("c@example.nl")
        kept = lst.filter(pd.DataFrame({"email": ["a@example.nl", "b@example.nl", "c@example.nl"]}))
        assert ["a@example.nl"] == list(kept.kept["email"])

    def test_filter_run_does_not_invalidate(self, lst: SuppressionList) -> None:
        """An audit row of a filter run keeps the cached index."""
        lst.add("a@example.nl")
        first = lst.index()
        mailing = pd.DataFrame({"email": ["a@example.nl", "b@example.nl", "c@example.nl"]})
        assert lst.filter(mailing, channel="post", source="mailing.csv").report.audited
        assert first is lst.index()

    def test_hashing_material(self, lst: SuppressionList, test_key) -> None:
        """hashing_material() is the key's hashing material."""
        assert test_key.hashing_material() == lst.hashing_material()


@pytest.mark.sqlite_only
class TestOlderReadersRefused:
    """A list an older version must not read keeps a snapshot that version refuses.

    Versions before the key chain and the other kinds check the key and the
    format only when they open a list; one that has it open while the list
    is rotated or gains a wildcard or client-digest entry reloads the
    snapshot, and must then fail (LSIDX003 is unknown to it) instead of
    matching under the wrong chain or without the new kinds.
    """

    def magic(self, lst: SuppressionList) -> bytes:
        """The first 8 bytes of the stored snapshot (after the index was loaded)."""
        len(lst.index())
        rows = query(lst.path, "SELECT data FROM index_snapshot ORDER BY chunk LIMIT 1")
        return bytes(rows[0][0])[:8]  # type: ignore[call-overload]

    def test_plain_list_stays_readable(self, lst: SuppressionList) -> None:
        """Addresses and domains only, never rotated: the snapshot older versions read."""
        lst.add_many(["a@example.nl", "b@example.nl"])
        lst.add_domain("example.org")
        lst.remove("a@example.nl")
        assert b"LSIDX002" == self.magic(lst)

    @pytest.mark.parametrize("how", ["wildcard", "md5", "merge"])
    def test_first_new_kind(self, lst: SuppressionList, tmp_path: Path, how: str) -> None:
        """The transaction that raises a list to format 2 leaves an LSIDX003 snapshot."""
        lst.add_many(["a@example.nl", "b@example.nl", "c@example.nl"])
        lst.remove("c@example.nl")  # the next load writes a snapshot an older version reads
        assert b"LSIDX002" == self.magic(lst)
        if how == "wildcard":
            lst.add_domain("*.example.org")
        elif how == "md5":
            lst.add_foreign_hashes(["f33f1371ed1b40cebc166ed75fc3e1f8"], kind="md5")
        else:
            with SuppressionList.open(tmp_path / "partner.db", lst.hashing_material()) as other:
                other.add_domain("*.example.org")
                other.export(tmp_path / "partner.export")
            lst.merge(tmp_path / "partner.export")
        rows = query(lst.path, "SELECT data FROM index_snapshot ORDER BY chunk LIMIT 1")
        assert b"LSIDX003" == bytes(rows[0][0])[:8]  # type: ignore[call-overload]
        assert "b@example.nl" in lst

    def test_rotation(self, lst: SuppressionList) -> None:
        """A rotated list's snapshot is LSIDX003, also after later writes."""
        lst.add_many(["a@example.nl", "b@example.nl", "c@example.nl"])
        lst.remove("c@example.nl")
        assert b"LSIDX002" == self.magic(lst)
        lst.rotate_key(SuppressionKey(bytes([9]) * 32))
        assert b"LSIDX003" == self.magic(lst)
        lst.remove("a@example.nl")
        assert b"LSIDX003" == self.magic(lst)
        assert "b@example.nl" in lst
