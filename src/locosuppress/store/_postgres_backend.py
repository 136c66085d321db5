"""The PostgreSQL backend of the suppression list: the SQL of every operation (private).

:class:`PostgresBackend` implements :class:`~locosuppress.store._backend.Backend`
over one schema of a PostgreSQL database, and :class:`PostgresTransaction`
the :class:`~locosuppress.store._backend.Writer` (and so ``Reader``)
protocol on one connection inside one transaction. Connections, retries,
errors and the schema are in :mod:`locosuppress.store._postgres`.

Reads run in ``REPEATABLE READ READ ONLY`` transactions (one consistent
snapshot, like a SQLite read transaction). Writes run in ``READ COMMITTED``
transactions that first lock the one row of ``state``: writers take turns,
and the change counter ``state.version`` grows in commit order. Entries are
read with binary ``COPY`` and written with binary ``COPY`` into a temporary
table followed by one ``INSERT ... ON CONFLICT DO NOTHING``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, Final, Self, TypeVar

import numpy as np
import numpy.typing as npt
import psycopg

from locosuppress._version import __version__
from locosuppress._vocabulary import FORMAT1_KINDS
from locosuppress.errors import (
    ListCorruptedError,
    ListNotFoundError,
    NotASuppressionListError,
    ReadOnlyListError,
)
from locosuppress.store import _postgres, _sqlite
from locosuppress.store._backend import AuditRow, FullRow, Reader, Writer
from locosuppress.store._postgres import Location
from locosuppress.store._postgres_copy import (
    copy_to_sqlite,
    dated_copy,
    hash_copy,
    hash_rows,
    rewrap_entries,
)
from locosuppress.store._postgres_reads import PostgresReader

__all__ = ["PostgresBackend", "PostgresTransaction"]

T = TypeVar("T")

_READ: Final = "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY"
_WRITE: Final = "BEGIN ISOLATION LEVEL READ COMMITTED, READ WRITE"
_SNAPSHOT_CHUNK: Final = 64 * 1024 * 1024


class PostgresTransaction(PostgresReader):
    """The list's operations on one PostgreSQL connection inside one transaction."""

    def _bump(self) -> int:
        """This transaction's version (the counter + 1), taken once."""
        if self._version is None:
            self._version = self._one("UPDATE state SET version = version + 1 RETURNING version")
        return self._version

    def bump_version(self) -> None:
        """Raise the change counter in this transaction (once, however often asked)."""
        self._bump()

    # -- writes -----------------------------------------------------------------------

    def source_id(self, label: str | None) -> int | None:
        """The id of ``label`` in ``sources``, inserting it when new."""
        if label is None:
            return None
        self._conn.execute(
            "INSERT INTO sources (label) VALUES (%s) ON CONFLICT (label) DO NOTHING", (label,)
        )
        return self._one("SELECT id FROM sources WHERE label = %s", (label,))

    def _allow(self, kinds: Iterable[int]) -> None:
        """Raise a format-1 list to format 2 before its first entry of a newer kind."""
        if all(k in FORMAT1_KINDS for k in kinds) or not self._one(
            "SELECT count(*) FROM meta WHERE key = 'format_version' AND value = '1'"
        ):
            return
        for statement in _postgres.TO_EVERY_KIND:
            self._conn.execute(statement)

    def insert_one(
        self, digest: bytes, *, kind: int, scope: int, reason: int, at: int, source: int | None
    ) -> bool:
        """Insert one entry unless it exists; True when new."""
        self._allow((kind,))
        cur = self._conn.execute(
            "INSERT INTO entries (hash, kind, scope, reason, added_at, source, version) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
            (digest, kind, scope, reason, at, source, self._bump()),
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
        """Insert sorted unique hashes as new entries (binary COPY + one INSERT); how many new."""
        if not len(hashes):
            return 0
        self._allow((kind,))
        conn = self._conn
        conn.execute(
            "CREATE TEMPORARY TABLE IF NOT EXISTS locosuppress_incoming (hash bytea NOT NULL) "
            "ON COMMIT DELETE ROWS"
        )
        conn.execute("TRUNCATE locosuppress_incoming")
        with (
            conn.cursor() as cur,
            cur.copy("COPY locosuppress_incoming (hash) FROM STDIN (FORMAT BINARY)") as copy,
        ):
            copy.write(hash_copy(hashes))
        cur2 = conn.execute(
            "INSERT INTO entries (hash, kind, scope, reason, added_at, source, version) "
            "SELECT hash, %s, %s, %s, %s, %s, %s FROM locosuppress_incoming "
            "ON CONFLICT DO NOTHING",
            (kind, scope, reason, at, source, self._bump()),
        )
        return int(cur2.rowcount)

    def insert_full(self, rows: list[FullRow]) -> int:
        """Insert whole entries unless their keys exist (COPY + one INSERT); how many new."""
        if not rows:
            return 0
        self._allow({r[1] for r in rows})
        labels = {label: self.source_id(label) for label in {r[5] for r in rows}}
        conn = self._conn
        conn.execute(
            "CREATE TEMPORARY TABLE IF NOT EXISTS locosuppress_full_incoming (hash bytea, "
            "kind smallint, scope smallint, reason smallint, added_at bigint, source integer) "
            "ON COMMIT DELETE ROWS"
        )
        conn.execute("TRUNCATE locosuppress_full_incoming")
        with (
            conn.cursor() as cur,
            cur.copy(
                "COPY locosuppress_full_incoming (hash, kind, scope, reason, added_at, source) "
                "FROM STDIN"
            ) as copy,
        ):
            for h, k, s, r, at, label in rows:
                copy.write_row((h, k, s, r, at, labels[label]))
        done = conn.execute(
            "INSERT INTO entries (hash, kind, scope, reason, added_at, source, version) "
            "SELECT hash, kind, scope, reason, added_at, source, %s "
            "FROM locosuppress_full_incoming ON CONFLICT DO NOTHING",
            (self._bump(),),
        )
        return int(done.rowcount)

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

        Binary COPY into a temporary table, then one upsert (``xmax = 0``: a
        row it inserted). A moved time changes no key: those keep their version.
        """
        if not len(hashes):
            return 0, 0
        conn = self._conn
        conn.execute(
            "CREATE TEMPORARY TABLE IF NOT EXISTS locosuppress_dated (hash bytea NOT NULL, "
            "scope smallint NOT NULL, reason smallint NOT NULL, added_at bigint NOT NULL) "
            "ON COMMIT DELETE ROWS"
        )
        conn.execute("TRUNCATE locosuppress_dated")
        with (
            conn.cursor() as cur,
            cur.copy(
                "COPY locosuppress_dated (hash, scope, reason, added_at) FROM STDIN (FORMAT BINARY)"
            ) as copy,
        ):
            copy.write(dated_copy(hashes, scopes, reasons, ats))
        row = conn.execute(
            "WITH done AS (INSERT INTO entries (hash, kind, scope, reason, added_at, source, "
            "version) SELECT hash, %s, scope, reason, added_at, %s, %s FROM locosuppress_dated "
            "ON CONFLICT (hash, kind, scope) DO UPDATE SET added_at = excluded.added_at "
            "WHERE excluded.added_at < entries.added_at RETURNING (xmax = 0) AS new) "
            "SELECT count(*) FILTER (WHERE new), count(*) FILTER (WHERE NOT new) FROM done",
            (kind, source, self._bump()),
        ).fetchone()
        assert row is not None
        return int(row[0]), int(row[1])

    def delete(self, digest: bytes, *, kind: int, scopes: tuple[int, ...]) -> int:
        """Delete entries of one hash; a removal marks the snapshot stale and forces reloads."""
        cur = self._conn.execute(
            "DELETE FROM entries WHERE hash = %s AND kind = %s AND scope = ANY(%s)",
            (digest, kind, list(scopes)),
        )
        removed = int(cur.rowcount)
        if removed:
            version = self._bump()
            self._conn.execute("UPDATE state SET removed_version = %s", (version,))
            self._conn.execute("UPDATE meta SET value = '1' WHERE key = 'index_stale'")
        return removed

    def audit(self, row: AuditRow) -> None:
        """Append one audit row."""
        self._conn.execute(
            "INSERT INTO audit (at, operation, total, added, already_present, removed, invalid, "
            "kept, suppressed, duplicates, scope, reason, channel, source, library_version) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            row.values(),
        )

    def write_snapshot(self, data: bytes) -> None:
        """Replace the index snapshot as of the current version; mark it fresh."""
        conn = self._conn
        conn.execute("DELETE FROM index_snapshot")
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO index_snapshot (chunk, data) VALUES (%s, %s)",
                [
                    (i, data[start : start + _SNAPSHOT_CHUNK])
                    for i, start in enumerate(range(0, len(data), _SNAPSHOT_CHUNK))
                ],
            )
        conn.execute("UPDATE state SET snapshot_version = version")
        conn.execute("UPDATE meta SET value = '0' WHERE key = 'index_stale'")

    def drop_snapshot(self) -> None:
        """Delete the index snapshot (it holds the removed hash) and mark it stale.

        Dead row versions stay in the table files until vacuumed; no query,
        dump, export or backup sees them (docs/postgres.md, "Removed entries").
        """
        self._conn.execute("DELETE FROM index_snapshot")
        self._conn.execute("UPDATE meta SET value = '1' WHERE key = 'index_stale'")

    def distinct_hashes(self) -> npt.NDArray[np.uint8]:
        """Every distinct hash in ``entries``, sorted (binary COPY)."""
        query = "COPY (SELECT DISTINCT hash FROM entries ORDER BY hash) TO STDOUT (FORMAT BINARY)"
        return hash_rows(self._copy(query))

    def rewrap(self, chunks: Iterable[tuple[npt.NDArray[np.uint8], npt.NDArray[np.uint8]]]) -> int:
        """COPY the map into a temporary table, one ``UPDATE ... FROM``; counts as a removal."""
        version = self._bump()
        done = rewrap_entries(self._conn, chunks, version)
        self._conn.execute("UPDATE state SET removed_version = %s", (version,))
        return done

    def set_meta(self, entries: Mapping[str, str]) -> None:
        """Insert or replace meta entries."""
        with self._conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO meta (key, value) VALUES (%s, %s) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                list(entries.items()),
            )


class PostgresBackend:
    """One list in a PostgreSQL schema: the :class:`~locosuppress.store._backend.Backend`."""

    errors: tuple[type[BaseException], ...] = _postgres.pg_errors_of()
    format_version: Final = _postgres.FORMAT_VERSION

    def __init__(
        self,
        where: Location,
        conn: psycopg.Connection[Any],
        *,
        read_only: bool,
        lock_timeout: float,
        check_meta: Callable[[dict[str, str]], None],
    ) -> None:
        """Wrap an open, checked connection; use :meth:`open`."""
        self._where = where
        self._conn: psycopg.Connection[Any] | None = conn
        self._read_only = read_only
        self._lock_timeout = lock_timeout
        self._check_meta = check_meta

    # -- opening ----------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        where: Location,
        *,
        create: bool,
        read_only: bool,
        lock_timeout: float,
        meta: Callable[[], dict[str, str]],
        at: int,
        check_meta: Callable[[dict[str, str]], None],
    ) -> tuple[Self, dict[str, str]]:
        """Open (or create) the list in ``where``; return the backend and its meta entries.

        The schema's meta entries (the key first) are checked by ``check_meta``
        in a read-only transaction before anything else is read or written.

        Raises:
            ListNotFoundError: no list in the schema and ``create`` is false or
                ``read_only`` true; or the database does not exist.
            NotASuppressionListError: the schema exists but holds no list.
            ReadOnlyListError: a writable open by a role that may not write.
            ListStorageError: the server cannot be reached.
        """
        conn = where.connect(read_only=read_only, lock_timeout=lock_timeout)
        try:
            with _postgres.pg_errors_as_ours(where):
                if not _postgres.schema_exists(conn, where.schema):
                    if read_only or not create:
                        why = "read_only=True never creates a list" if read_only else "create=False"
                        raise ListNotFoundError(f"no suppression list at {where} ({why})")
                    _postgres.create_schema(
                        conn, where, meta=meta(), audit=(at, "create", __version__)
                    )
                found = cls._checked_meta(conn, where, check_meta)
                if not read_only:
                    cls._check_writable(conn, where)
        except BaseException:
            conn.close()
            raise
        backend = cls(
            where, conn, read_only=read_only, lock_timeout=lock_timeout, check_meta=check_meta
        )
        return backend, found

    @staticmethod
    def _checked_meta(
        conn: psycopg.Connection[Any], where: Location, check_meta: Callable[[dict[str, str]], None]
    ) -> dict[str, str]:
        tables = _postgres.tables_of(conn, where.schema)
        if "meta" not in tables:
            raise NotASuppressionListError(
                f"{where} is a PostgreSQL schema but not a locosuppress suppression list; "
                "choose another schema= or database"
            )

        def read(c: psycopg.Connection[Any]) -> dict[str, str]:
            return {str(k): str(v) for k, v in c.execute("SELECT key, value FROM meta")}

        meta = _postgres.run(conn, read, begin=_READ, where=where)
        if "format_version" not in meta or "fingerprint" not in meta:
            raise NotASuppressionListError(
                f"{where} is not a locosuppress suppression list "
                "(its meta table lacks the format version or key fingerprint)"
            )
        check_meta(meta)
        missing = sorted(_postgres.TABLES - tables)
        if missing:
            raise ListCorruptedError(
                f"{where} lacks the table(s) {', '.join(missing)}; restore a backup"
            )
        return meta

    @staticmethod
    def _check_writable(conn: psycopg.Connection[Any], where: Location) -> None:
        row = conn.execute(
            "SELECT bool_and(has_table_privilege(c.oid, 'INSERT') "
            "AND has_table_privilege(c.oid, 'UPDATE') AND has_table_privilege(c.oid, 'DELETE')) "
            "FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relname = ANY(%s)",
            (where.schema, list(_postgres.WRITTEN)),
        ).fetchone()
        if not (row and row[0]):
            raise ReadOnlyListError(
                f"{where} cannot be written by this role; open it with read_only=True to "
                "check and filter, or use a role with the writer GRANTs (docs/postgres.md)"
            )

    # -- the protocol -----------------------------------------------------------------

    @property
    def path(self) -> Path:
        """Not a file: the location's display form as a path (for old messages)."""
        return Path(self.location)

    @property
    def location(self) -> str:
        """Where the list lives, without any password."""
        return self._where.display

    def _connection(self) -> psycopg.Connection[Any]:
        """The connection, made again (and checked again) after it broke."""
        conn = self._conn
        if conn is not None and not conn.broken and not conn.closed:
            return conn
        self._conn = None
        if conn is not None:
            conn.close()
        conn = self._where.connect(read_only=self._read_only, lock_timeout=self._lock_timeout)
        try:
            with _postgres.pg_errors_as_ours(self._where):
                self._checked_meta(conn, self._where, self._check_meta)
        except BaseException:
            conn.close()
            raise
        self._conn = conn
        return conn

    def read(self, fn: Callable[[Reader], T], /) -> T:
        """Run ``fn`` in one ``REPEATABLE READ, READ ONLY`` transaction."""
        with _postgres.pg_errors_as_ours(self._where):
            return _postgres.run(
                self._connection(),
                lambda c: fn(PostgresTransaction(c)),
                begin=_READ,
                where=self._where,
            )

    def write(self, fn: Callable[[Writer], T], /) -> T:
        """Run ``fn`` in one transaction that first takes the writers' turn; commit durably."""

        def once(c: psycopg.Connection[Any]) -> T:
            # Writers take turns, like SQLite's BEGIN IMMEDIATE. Bumping the
            # counter alone would order the versions by commit; the turn also
            # keeps the entries still while an index snapshot is built and
            # stamped with the current version in the same transaction.
            c.execute("SELECT version FROM state WHERE id = 1 FOR UPDATE")
            return fn(PostgresTransaction(c))

        with _postgres.pg_errors_as_ours(self._where):
            return _postgres.run(self._connection(), once, begin=_WRITE, where=self._where)

    def guard(self) -> None:
        """Nothing to watch: every read asks the server."""

    def after_remove(self) -> None:
        """Nothing to do: removed rows are the server's to vacuum."""

    def after_snapshot(self) -> None:
        """Nothing to do: the server reuses the space (autovacuum)."""

    def backup_into(self, tmp: Path) -> None:
        """Copy the list into ``tmp`` as a portable SQLite list file, checked."""

        try:
            with _postgres.pg_errors_as_ours(self._where):
                _postgres.run(
                    self._connection(),
                    lambda c: copy_to_sqlite(PostgresTransaction(c), c, tmp),
                    begin=_READ,
                    where=self._where,
                )
        finally:
            _sqlite.remove_side_files(tmp)

    def close(self) -> None:
        """Close the connection."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None
