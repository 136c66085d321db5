"""The SQLite backend of the suppression list: the SQL of every operation (private).

:class:`SQLiteBackend` implements :class:`~locosuppress.store._backend.Backend`
over one SQLite file, and :class:`SQLiteTransaction` the
:class:`~locosuppress.store._backend.Writer` (and so ``Reader``) protocol on
one connection inside one transaction. Connections, retries, error
translation and the schema are in :mod:`locosuppress.store._sqlite`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Final, Self, TypeVar

import numpy as np
import numpy.typing as npt

from locosuppress._version import __version__
from locosuppress._vocabulary import FORMAT1_KINDS
from locosuppress.errors import ListCorruptedError, ListLockedError
from locosuppress.store import _sqlite, _sqlite_upkeep
from locosuppress.store._backend import (
    FORMAT_WITH_KINDS,
    AuditRow,
    FullRow,
    Reader,
    Writer,
)
from locosuppress.store._sqlite_reads import SQLiteReader, placeholders

__all__ = ["SQLiteBackend", "SQLiteTransaction"]

T = TypeVar("T")

_CHUNK: Final = 1 << 20  # hashes per INSERT statement
_SNAPSHOT_CHUNK: Final = 64 * 1024 * 1024  # bytes per index_snapshot row
_INSERT_HASHES: Final = (
    "INSERT OR IGNORE INTO entries (hash, kind, scope, reason, added_at, source) "
    "WITH RECURSIVE i(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM i WHERE k + 1 < :n) "
    "SELECT substr(:blob, k * 32 + 1, 32), :kind, :scope, :reason, :at, :source FROM i"
)
# Rows of insert_dated: the hashes as one BLOB, and per row 13 ASCII digits
# (scope, reason, 11 digits of the time) as a second BLOB (substr on a BLOB
# counts bytes; on TEXT it would scan characters from the start every time),
# both sliced by a CTE.
_DATED_ROWS: Final = (
    "WITH RECURSIVE i(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM i WHERE k + 1 < :n), "
    "r(hash, scope, reason, at) AS (SELECT substr(:blob, k * 32 + 1, 32), "
    "CAST(substr(:meta, k * 13 + 1, 1) AS INTEGER), "
    "CAST(substr(:meta, k * 13 + 2, 1) AS INTEGER), "
    "CAST(substr(:meta, k * 13 + 3, 11) AS INTEGER) FROM i) "
)
# One pass: new rows are inserted, existing ones get the older time. The
# statement's own count (``rowcount``) is inserted + moved rows; the
# connection's ``total_changes`` also counts the ``pending`` row the
# ``entries_to_pending`` trigger writes for each inserted one (and only for
# those: an upsert's UPDATE fires no INSERT trigger), which tells the two apart.
_UPSERT_DATED: Final = (
    "INSERT INTO entries (hash, kind, scope, reason, added_at, source) "
    + _DATED_ROWS
    + "SELECT hash, :kind, scope, reason, at, :source FROM r WHERE true "
    "ON CONFLICT (hash, kind, scope) DO UPDATE SET added_at = excluded.added_at "
    "WHERE excluded.added_at < entries.added_at"
)
# The old-to-new map of a key rotation: both columns as one BLOB each, sliced by a CTE.
_REWRAP_MAP: Final = (
    "INSERT INTO temp.locosuppress_rewrap (old, new) "
    "WITH RECURSIVE i(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM i WHERE k + 1 < :n) "
    "SELECT substr(:old, k * 32 + 1, 32), substr(:new, k * 32 + 1, 32) FROM i"
)
_AUDIT_INSERT: Final = (
    "INSERT INTO audit (at, operation, total, added, already_present, removed, invalid, "
    "kept, suppressed, duplicates, scope, reason, channel, source, library_version) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


class SQLiteTransaction(SQLiteReader):
    """The list's operations on one SQLite connection inside one transaction."""

    # -- writes -----------------------------------------------------------------------

    def bump_version(self) -> None:
        """Add one to ``meta.data_version`` (creating it at 1)."""
        self._conn.execute(
            "INSERT INTO meta (key, value) VALUES ('data_version', '1') "
            "ON CONFLICT (key) DO UPDATE SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT)"
        )

    def source_id(self, label: str | None) -> int | None:
        """The id of ``label`` in ``sources``, inserting it when new."""
        if label is None:
            return None
        self._conn.execute("INSERT OR IGNORE INTO sources (label) VALUES (?)", (label,))
        return self._one("SELECT id FROM sources WHERE label = ?", (label,))

    def _allow(self, kinds: Iterable[int]) -> None:
        """Raise a format-1 list to format 2 before its first entry of a newer kind.

        SQLite cannot change a CHECK constraint in place: the entries table is
        rebuilt (same columns, a CHECK admitting every kind) in the writing
        transaction, so the upgrade and the new entry commit together.
        """
        if all(k in FORMAT1_KINDS for k in kinds) or not self._one(
            "SELECT count(*) FROM meta WHERE key = 'format_version' AND value = '1'"
        ):
            return
        conn = self._conn
        conn.execute(
            _sqlite.ENTRIES_TABLE.format(name="entries_upgraded", kinds=_sqlite.EVERY_KIND)
        )
        conn.execute(
            "INSERT INTO entries_upgraded (hash, kind, scope, reason, added_at, source) "
            "SELECT hash, kind, scope, reason, added_at, source FROM entries"
        )
        conn.execute("DROP TABLE entries")
        conn.execute("ALTER TABLE entries_upgraded RENAME TO entries")
        for trigger in _sqlite.ENTRIES_TRIGGERS:
            conn.execute(trigger)
        conn.execute(
            "UPDATE meta SET value = ? WHERE key = 'format_version'", (str(FORMAT_WITH_KINDS),)
        )
        conn.execute(f"PRAGMA user_version = {FORMAT_WITH_KINDS}")

    def insert_one(
        self, digest: bytes, *, kind: int, scope: int, reason: int, at: int, source: int | None
    ) -> bool:
        """Insert one entry unless it exists; True when new."""
        self._allow((kind,))
        cur = self._conn.execute(
            "INSERT OR IGNORE INTO entries (hash, kind, scope, reason, added_at, source) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (digest, kind, scope, reason, at, source),
        )
        return cur.rowcount == 1

    def insert_hashes(
        self,
        hashes: npt.NDArray[np.uint8],
        *,
        kind: int,
        scope: int,
        reason: int,
        at: int,
        source: int | None,
    ) -> int:
        """Insert sorted unique hashes as new entries; return how many were new.

        One statement per million rows: the hashes travel as a single BLOB that a
        recursive CTE slices, which is about three times faster than executemany.
        """
        if len(hashes):
            self._allow((kind,))
        added = 0
        for start in range(0, len(hashes), _CHUNK):
            part = hashes[start : start + _CHUNK]
            cur = self._conn.execute(
                _INSERT_HASHES,
                {
                    "n": len(part),
                    "blob": part.tobytes(),
                    "kind": kind,
                    "scope": scope,
                    "reason": reason,
                    "at": at,
                    "source": source,
                },
            )
            added += cur.rowcount
        return added

    def insert_full(self, rows: list[FullRow]) -> int:
        """Insert whole entries unless their keys exist; how many were new."""
        self._allow({r[1] for r in rows})
        labels = {label: self.source_id(label) for label in {r[5] for r in rows}}
        before = self._conn.total_changes
        self._conn.executemany(
            "INSERT OR IGNORE INTO entries (hash, kind, scope, reason, added_at, source) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            ((h, k, s, r, at, labels[label]) for h, k, s, r, at, label in rows),
        )
        # total_changes also counts the trigger's pending rows: one per new entry.
        return (self._conn.total_changes - before) // 2

    def insert_dated(
        self,
        hashes: npt.NDArray[np.uint8],
        scopes: npt.NDArray[np.int64],
        reasons: npt.NDArray[np.int64],
        ats: npt.NDArray[np.int64],
        *,
        kind: int,
        source: int | None,
    ) -> tuple[int, int]:
        """Insert rows with their own scope, reason and time; move later times back.

        Like :meth:`insert_hashes`, one statement per million rows, the rows
        travelling as one BLOB of hashes and one BLOB of fixed-width ASCII digits.
        """
        added = moved = 0
        powers = 10 ** np.arange(10, -1, -1, dtype=np.int64)
        for start in range(0, len(hashes), _CHUNK):
            stop = start + _CHUNK
            at = ats[start:stop].astype(np.int64)
            meta = np.empty((len(at), 13), dtype=np.uint8)
            meta[:, 0] = 48 + scopes[start:stop]
            meta[:, 1] = 48 + reasons[start:stop]
            meta[:, 2:] = 48 + (at[:, None] // powers) % 10
            params = {
                "n": len(at),
                "blob": hashes[start:stop].tobytes(),
                "meta": meta.tobytes(),
                "kind": kind,
                "source": source,
            }
            before = self._conn.total_changes
            changed = self._conn.execute(_UPSERT_DATED, params).rowcount
            new = self._conn.total_changes - before - changed
            added += new
            moved += changed - new
        return added, moved

    def delete(self, digest: bytes, *, kind: int, scopes: tuple[int, ...]) -> int:
        """Delete entries of one hash; the trigger clears pending and marks the index stale."""
        cur = self._conn.execute(
            "DELETE FROM entries WHERE hash = ? AND kind = ? "
            f"AND scope IN ({placeholders(scopes)})",
            (digest, kind, *scopes),
        )
        return int(cur.rowcount)

    def audit(self, row: AuditRow) -> None:
        """Append one audit row."""
        self._conn.execute(
            _AUDIT_INSERT,
            row.values(),
        )

    def write_snapshot(self, data: bytes) -> None:
        """Replace the index snapshot, empty ``pending`` and set ``index_stale`` to 0."""
        # Free the pending rows first, so the snapshot reuses their pages. The
        # freed pages are zeroed (``secure_delete``, set on every writable
        # connection): their hashes stay in ``entries`` today, but a page left
        # in the free list would keep a copy of a hash after its removal.
        conn = self._conn
        conn.execute("DELETE FROM pending")
        conn.execute("DELETE FROM index_snapshot")
        conn.executemany(
            "INSERT INTO index_snapshot (chunk, data) VALUES (?, ?)",
            (
                (i, data[start : start + _SNAPSHOT_CHUNK])
                for i, start in enumerate(range(0, len(data), _SNAPSHOT_CHUNK))
            ),
        )
        conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('index_stale', '0')")

    def drop_snapshot(self) -> None:
        """Delete the snapshot (``secure_delete`` zeroes its pages) and set ``index_stale``."""
        self._conn.execute("DELETE FROM index_snapshot")
        self._conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('index_stale', '1')")

    def distinct_hashes(self) -> npt.NDArray[np.uint8]:
        """Every distinct hash in ``entries`` (the primary key's order: sorted)."""
        rows = self._conn.execute("SELECT DISTINCT hash FROM entries ORDER BY hash").fetchall()
        data = b"".join(row[0] for row in rows)
        return np.frombuffer(data, dtype=np.uint8).reshape(-1, 32)

    def rewrap(self, chunks: Iterable[tuple[npt.NDArray[np.uint8], npt.NDArray[np.uint8]]]) -> int:
        """Rebuild ``entries`` with the new hashes, in hash order, in this transaction.

        The old-to-new map and a copy of the rewritten rows go to temporary
        tables (in memory: ``temp_store = MEMORY``), then ``entries`` is
        emptied and filled again in key order, its triggers set aside
        meanwhile (they are re-created from their stored SQL, so no pending
        row is written and nothing is marked stale: the caller rewrites the
        snapshot). Sorted inserts cost about half of updating every key in
        place; ``secure_delete`` zeroes every page the old rows leave.
        """
        conn = self._conn
        conn.execute(
            "CREATE TEMP TABLE IF NOT EXISTS locosuppress_rewrap "
            "(old BLOB PRIMARY KEY, new BLOB NOT NULL) WITHOUT ROWID"
        )
        conn.execute("DELETE FROM temp.locosuppress_rewrap")
        for old, new in chunks:
            conn.execute(_REWRAP_MAP, {"n": len(old), "old": old.tobytes(), "new": new.tobytes()})
        columns = [str(r[1]) for r in conn.execute("PRAGMA main.table_info(entries)")]
        listed = ", ".join(columns)
        chosen = ", ".join("w.new AS hash" if c == "hash" else f"e.{c}" for c in columns)
        triggers = conn.execute(
            "SELECT name, sql FROM main.sqlite_master WHERE type = 'trigger' "
            "AND tbl_name = 'entries'"
        ).fetchall()
        conn.execute("DROP TABLE IF EXISTS temp.locosuppress_moved")
        conn.execute(
            f"CREATE TEMP TABLE locosuppress_moved AS SELECT {chosen} FROM main.entries AS e "
            "JOIN temp.locosuppress_rewrap AS w ON w.old = e.hash"
        )
        for name, _ in triggers:
            conn.execute(f'DROP TRIGGER main."{name}"')
        conn.execute("DELETE FROM main.entries")
        done = conn.execute(
            f"INSERT INTO main.entries ({listed}) SELECT {listed} FROM temp.locosuppress_moved "
            "ORDER BY hash, kind, scope"
        ).rowcount
        for _, sql in triggers:
            conn.execute(sql)
        conn.execute("DROP TABLE temp.locosuppress_moved")
        conn.execute("DELETE FROM temp.locosuppress_rewrap")
        return int(done)

    def set_meta(self, entries: Mapping[str, str]) -> None:
        """Insert or replace meta entries."""
        self._conn.executemany(
            "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", list(entries.items())
        )


class SQLiteBackend:
    """One open list file: the :class:`~locosuppress.store._backend.Backend` over SQLite."""

    errors: tuple[type[BaseException], ...] = (sqlite3.Error, OSError)
    format_version: Final = _sqlite.FORMAT_VERSION

    def __init__(
        self, conn: sqlite3.Connection, path: Path, *, immutable: bool, lock_timeout: float
    ) -> None:
        """Wrap an open, checked connection; use :meth:`open`."""
        self._conn = conn
        self._path = path
        self._lock_timeout = lock_timeout
        self._signature = _sqlite.file_signature(path) if immutable else None

    @staticmethod
    def create(path: Path, *, meta: dict[str, str], at: int, lock_timeout: float) -> bool:
        """Create a new, empty list file atomically; False if one appeared meanwhile."""
        return _sqlite.create_database(
            path,
            meta=meta,
            audit=(at, "create", __version__),
            lock_timeout=lock_timeout,
        )

    @classmethod
    def open(
        cls,
        path: Path,
        *,
        read_only: bool,
        lock_timeout: float,
        check_meta: Callable[[dict[str, str]], None],
    ) -> tuple[Self, dict[str, str]]:
        """Open an existing list file; return the backend and its meta entries.

        The header is checked before SQLite may touch the file; the meta
        entries (the key first) are checked by ``check_meta`` on a read-only
        connection before anything else is read or written, so nothing, not
        even a checkpoint on close, can write before the key is accepted.

        Raises:
            NotASuppressionListError, ListCorruptedError, ReadOnlyListError,
            ListLockedError: see :mod:`locosuppress.store._sqlite`; and
            whatever ``check_meta`` raises.
        """
        _sqlite.check_header(path)
        with _sqlite.sqlite_errors(path):
            conn, immutable = _sqlite.connect(path, read_only=True, lock_timeout=lock_timeout)
            try:
                meta = cls._checked_meta(conn, path, check_meta)
            except BaseException:
                conn.close()
                raise
            if not read_only:
                conn.close()
                conn, immutable = _sqlite.connect(path, read_only=False, lock_timeout=lock_timeout)
                try:
                    meta = cls._checked_meta(conn, path, check_meta)
                    _sqlite.apply_write_pragmas(conn, path, lock_timeout)
                except BaseException:
                    conn.close()
                    raise
        return cls(conn, path, immutable=immutable, lock_timeout=lock_timeout), meta

    @staticmethod
    def _checked_meta(
        conn: sqlite3.Connection, path: Path, check_meta: Callable[[dict[str, str]], None]
    ) -> dict[str, str]:
        meta = _sqlite.read_meta(conn, path)
        check_meta(meta)
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        missing = sorted(_sqlite.TABLES - tables)
        if missing:
            raise ListCorruptedError(
                f"{path} lacks the table(s) {', '.join(missing)}; restore a backup"
            )
        return meta

    @property
    def path(self) -> Path:
        """The list file."""
        return self._path

    @property
    def location(self) -> str:
        """The list file's path."""
        return str(self._path)

    def guard(self) -> None:
        """In immutable mode, refuse to answer once the file changed."""
        if self._signature is not None and _sqlite.file_signature(self._path) != self._signature:
            raise ListLockedError(
                f"{self._path} changed while it was open read-only from a read-only folder; "
                "answers could be stale, so reopen the list"
            )

    def read(self, fn: Callable[[Reader], T], /) -> T:
        """Run ``fn`` in one read transaction, guarded in immutable mode."""
        self.guard()
        result = _sqlite.run_read(
            self._conn,
            lambda conn: fn(SQLiteTransaction(conn)),
            path=self._path,
            lock_timeout=self._lock_timeout,
        )
        self.guard()
        return result

    def write(self, fn: Callable[[Writer], T], /) -> T:
        """Run ``fn`` in one ``BEGIN IMMEDIATE`` transaction and commit it."""
        return _sqlite.run_write(
            self._conn,
            lambda conn: fn(SQLiteTransaction(conn)),
            path=self._path,
            lock_timeout=self._lock_timeout,
        )

    def after_remove(self) -> None:
        """Checkpoint and truncate the log, so removed rows leave no page image in it."""
        _sqlite_upkeep.checkpoint_truncate(self._conn)

    def after_snapshot(self) -> None:
        """Give the pages a new snapshot freed back to the file system."""
        _sqlite_upkeep.reclaim_free_pages(
            self._conn, path=self._path, lock_timeout=self._lock_timeout
        )

    def backup_into(self, tmp: Path) -> None:
        """Copy the list into ``tmp`` with SQLite's backup API, in rollback-journal mode."""
        self.guard()
        try:
            with _sqlite.sqlite_errors(self._path):
                dst = sqlite3.connect(tmp, isolation_level=None)
                try:
                    self._conn.backup(dst)
                    self.guard()
                    # A rollback-journal copy needs no side files: it can be
                    # read from read-only media; opening it to write turns
                    # WAL back on.
                    dst.execute("PRAGMA journal_mode = DELETE").fetchall()
                    check = [str(r[0]) for r in dst.execute("PRAGMA quick_check")]
                finally:
                    dst.close()
        finally:
            _sqlite.remove_side_files(tmp)
        if check != ["ok"]:
            raise ListCorruptedError(f"the backup copy failed its check: {check[0]}")

    def close(self) -> None:
        """Close the connection; SQLite checkpoints the write-ahead log."""
        self._conn.close()
