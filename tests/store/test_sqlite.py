"""The SQLite plumbing of the list (locosuppress.store._sqlite).

Pragmas, free pages, a full disk and the lock timeout. Where a test needs the
list's own connection (per-connection settings), it wraps the module's public
``connect`` and keeps what it returns.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from locosuppress import (
    ListLockedError,
    ListStorageError,
    SuppressionKey,
    SuppressionList,
)
from locosuppress.store import _sqlite, _sqlite_upkeep

NOW = datetime(2025, 3, 14, 9, 26, 53, tzinfo=UTC)
pytestmark = pytest.mark.sqlite_only


def raw(path: Path) -> sqlite3.Connection:
    """A plain sqlite3 connection, to inspect or tamper with a list file."""
    return sqlite3.connect(path, isolation_level=None)


@pytest.fixture
def connections(monkeypatch: pytest.MonkeyPatch) -> list[sqlite3.Connection]:
    """Every connection ``_sqlite.connect`` opens from now on, in order (the last is the list's)."""
    opened: list[sqlite3.Connection] = []
    real = _sqlite.connect

    def keep(
        path: Path, *, read_only: bool, lock_timeout: float
    ) -> tuple[sqlite3.Connection, bool]:
        conn, immutable = real(path, read_only=read_only, lock_timeout=lock_timeout)
        opened.append(conn)
        return conn, immutable

    monkeypatch.setattr(_sqlite, "connect", keep)
    return opened


class TestPragmas:
    """The settings a list's connection and file get."""

    def test_durability_settings(
        self, list_path: Path, test_key: SuppressionKey, connections: list[sqlite3.Connection]
    ) -> None:
        """The connection runs in WAL mode with synchronous=FULL (2) and secure_delete."""
        with SuppressionList.open(list_path, test_key) as lst:
            lst.add("a@example.nl")
            conn = connections[-1]
            assert "wal" == conn.execute("PRAGMA journal_mode").fetchone()[0]
            assert 2 == conn.execute("PRAGMA synchronous").fetchone()[0]
            assert 1 == conn.execute("PRAGMA secure_delete").fetchone()[0]
        assert "wal" == raw(list_path).execute("PRAGMA journal_mode").fetchone()[0]

    def test_free_pages_returned_after_snapshot(
        self, lst: SuppressionList, list_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """When the index snapshot empties pending, the freed pages leave the file."""
        monkeypatch.setattr(_sqlite_upkeep, "RECLAIM_MIN_PAGES", 1)
        lst.add_many([f"p{i}@example.nl" for i in range(5000)])
        lst.remove("p0@example.nl")  # makes the index stale: the next load writes a snapshot
        assert 2 == raw(list_path).execute("PRAGMA auto_vacuum").fetchone()[0]
        assert 4999 == len(lst.index())
        conn = raw(list_path)
        assert 0 == conn.execute("SELECT count(*) FROM pending").fetchone()[0]
        assert 0 == conn.execute("PRAGMA freelist_count").fetchone()[0]
        assert lst.verify().ok


class TestFullDisk:
    """A write SQLite cannot store (SQLITE_FULL) fails closed, stores nothing, and is clear."""

    @staticmethod
    def _cap(conn: sqlite3.Connection, extra_pages: int = 0) -> None:
        # SQLite's own size cap (on the list's connection) gives a real
        # SQLITE_FULL, as a full disk does.
        (pages,) = conn.execute("PRAGMA page_count").fetchone()
        conn.execute(f"PRAGMA max_page_count = {pages + extra_pages}")

    def test_add_many_on_a_full_disk(
        self, tmp_path: Path, test_key: SuppressionKey, connections: list[sqlite3.Connection]
    ) -> None:
        """ListStorageError names the problem; the list is unchanged and still usable."""
        path = tmp_path / "list.db"
        with SuppressionList.open(path, test_key) as lst:
            conn = connections[-1]
            lst.add("kept@example.nl", now=NOW)
            audit_rows = len(lst.audit())
            self._cap(conn)
            many = [f"klant{i}@example.nl" for i in range(20_000)]
            with pytest.raises(ListStorageError, match="full") as caught:
                lst.add_many(many, now=NOW)
            assert isinstance(caught.value, OSError)
            assert "@" not in str(caught.value).replace(str(path), "")
            assert 1 == len(lst)
            assert "klant1@example.nl" not in lst
            assert audit_rows == len(lst.audit())
            conn.execute("PRAGMA max_page_count = 1073741823")
            assert 20_000 == lst.add_many(many, now=NOW).added
        with SuppressionList.open(path, test_key, read_only=True) as lst:
            assert 20_001 == len(lst)
            assert lst.verify().ok

    def test_single_add_on_a_full_disk(
        self, tmp_path: Path, test_key: SuppressionKey, connections: list[sqlite3.Connection]
    ) -> None:
        """One add that needs a new page fails the same way."""
        with SuppressionList.open(tmp_path / "list.db", test_key) as lst:
            self._cap(connections[-1])
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
