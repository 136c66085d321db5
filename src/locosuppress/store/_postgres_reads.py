"""The queries of the PostgreSQL backend: what one read transaction may ask (private).

:class:`PostgresReader` implements the :class:`~locosuppress.store._backend.Reader`
protocol, reading entries with binary ``COPY``;
:class:`~locosuppress.store._postgres_backend.PostgresTransaction` adds the writes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, Final

import psycopg

from locosuppress.store import _postgres
from locosuppress.store._backend import AUDIT_COUNTS, FullRow, Row
from locosuppress.store._postgres_copy import (
    parse_rows,
)

__all__ = ["PostgresReader"]

_AUDIT_COLUMNS: Final = ("at", "operation", *AUDIT_COUNTS, "scope", "reason", "channel")


class PostgresReader:
    """The queries of one transaction on one connection (the backend opened it)."""

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        """Wrap a connection whose transaction the backend opened."""
        self._conn = conn
        self._version: int | None = None

    def _one(self, query: str, params: Iterable[Any] = ()) -> int:
        row = self._conn.execute(query, tuple(params)).fetchone()
        assert row is not None
        return int(row[0])

    def _copy(self, query: str, params: tuple[Any, ...] = ()) -> bytes:
        out = bytearray()
        with self._conn.cursor() as cur, cur.copy(query, params) as copy:
            for chunk in copy:
                out += chunk
        return bytes(out)

    def _copy_rows(self, query: str, params: tuple[Any, ...] = ()) -> list[Row]:
        return parse_rows(self._copy(query, params))

    # -- the change counter -----------------------------------------------------------

    def version(self) -> int:
        """The list's data version: the change counter ``state.version`` as seen now.

        The same counter stamps every entry a transaction writes
        (``entries.version``), so :meth:`changes_since` can fetch only those.
        """
        return self._one("SELECT version FROM state")

    def changes_since(self, version: int) -> tuple[int, list[Row]] | None:
        """Entries written after ``version``; None when any were removed since."""
        row = self._conn.execute("SELECT version, removed_version FROM state").fetchone()
        assert row is not None
        now, removed = int(row[0]), int(row[1])
        if removed > version or now < version:
            return None
        return now, self._copy_rows(
            "COPY (SELECT hash, kind, scope FROM entries WHERE version > %s) "
            "TO STDOUT (FORMAT BINARY)",
            (version,),
        )

    # -- reads ------------------------------------------------------------------------

    def meta(self) -> dict[str, str]:
        """The meta table."""
        return {str(k): str(v) for k, v in self._conn.execute("SELECT key, value FROM meta")}

    def exists(self, keys: Iterable[tuple[bytes, int]], scopes: tuple[int, ...]) -> bool:
        """Whether an entry of one of the ``(hash, kind)`` keys exists in one of ``scopes``."""
        one = "EXISTS (SELECT 1 FROM entries WHERE hash = %s AND kind = %s AND scope = ANY(%s))"
        params: list[Any] = []
        tests: list[str] = []
        for digest, kind in keys:
            tests.append(one)
            params += [digest, kind, list(scopes)]
        if not tests:
            return False
        row = self._conn.execute("SELECT " + " OR ".join(tests), params).fetchone()
        return bool(row and row[0])

    def count_distinct(self) -> int:
        """Distinct (hash, kind) pairs."""
        return self._one("SELECT count(*) FROM (SELECT DISTINCT hash, kind FROM entries) AS d")

    def count_entries(self) -> int:
        """Rows of ``entries``."""
        return self._one("SELECT count(*) FROM entries")

    def count_pending(self) -> int:
        """Entries written after the index snapshot."""
        return self._one(
            "SELECT count(*) FROM entries WHERE version > (SELECT snapshot_version FROM state)"
        )

    def kind_counts(self) -> dict[int, int]:
        """Distinct hashes per kind."""
        rows = self._conn.execute(
            "SELECT kind, count(*) FROM (SELECT DISTINCT hash, kind FROM entries) AS d "
            "GROUP BY kind"
        )
        return {int(k): int(n) for k, n in rows}

    def stats_rows(self) -> Iterable[tuple[int, int, str, int]]:
        """Entries grouped by scope, reason and month added (UTC)."""
        rows = self._conn.execute(
            "SELECT scope, reason, to_char(to_timestamp(added_at) AT TIME ZONE 'UTC', "
            "'YYYY-MM'), count(*) FROM entries GROUP BY 1, 2, 3"
        )
        return [(int(s), int(r), str(m), int(n)) for s, r, m, n in rows]

    def audit_rows(self) -> list[tuple[Any, ...]]:
        """The audit log with source labels, oldest first."""
        return self._conn.execute(
            f"SELECT {', '.join('a.' + c for c in _AUDIT_COLUMNS)}, s.label, a.library_version "
            "FROM audit AS a LEFT JOIN sources AS s ON s.id = a.source ORDER BY a.id"
        ).fetchall()

    def export_count(self, scopes: tuple[int, ...]) -> int:
        """Entries in ``scopes``."""
        return self._one("SELECT count(*) FROM entries WHERE scope = ANY(%s)", (list(scopes),))

    def export_rows(self, scopes: tuple[int, ...], chunk: int) -> Iterator[list[Row]]:
        """Entries in ``scopes`` in byte order, ``chunk`` rows at a time."""
        with self._conn.cursor(name="locosuppress_export") as cur:
            cur.itersize = chunk
            cur.execute(
                "SELECT hash, kind, scope FROM entries WHERE scope = ANY(%s) "
                "ORDER BY hash, kind, scope",
                (list(scopes),),
            )
            while rows := cur.fetchmany(chunk):
                yield [(bytes(h), int(k), int(s)) for h, k, s in rows]

    def full_rows(self, chunk: int) -> Iterator[list[FullRow]]:
        """Every whole entry with its source label, in key order (a server-side cursor)."""
        with self._conn.cursor(name="locosuppress_full") as cur:
            cur.itersize = chunk
            cur.execute(
                "SELECT e.hash, e.kind, e.scope, e.reason, e.added_at, s.label "
                "FROM entries AS e LEFT JOIN sources AS s ON s.id = e.source "
                "ORDER BY e.hash, e.kind, e.scope"
            )
            while rows := cur.fetchmany(chunk):
                yield [
                    (bytes(h), int(k), int(s), int(r), int(at), lb) for h, k, s, r, at, lb in rows
                ]

    def index_state(self) -> tuple[bool, int]:
        """Whether entries were removed since the snapshot, and how many are pending."""
        row = self._conn.execute("SELECT value FROM meta WHERE key = 'index_stale'").fetchone()
        return row is not None and row[0] == "1", self.count_pending()

    def snapshot(self) -> bytes:
        """The chunks of ``index_snapshot``, joined."""
        rows = self._conn.execute("SELECT data FROM index_snapshot ORDER BY chunk")
        return b"".join(bytes(row[0]) for row in rows)

    def entry_rows(self) -> Iterable[Row]:
        """Every entry key (binary COPY)."""
        return self._copy_rows(
            "COPY (SELECT hash, kind, scope FROM entries) TO STDOUT (FORMAT BINARY)"
        )

    def pending_rows(self) -> Iterable[Row]:
        """The entry keys written after the snapshot (binary COPY)."""
        return self._copy_rows(
            "COPY (SELECT hash, kind, scope FROM entries "
            "WHERE version > (SELECT snapshot_version FROM state)) TO STDOUT (FORMAT BINARY)"
        )

    def integrity_problems(self, *, quick: bool) -> list[str]:
        """The counter row must exist and be consistent (PostgreSQL checks its own pages)."""
        row = self._conn.execute(
            "SELECT count(*), min(version), min(removed_version), min(snapshot_version) FROM state"
        ).fetchone()
        assert row is not None
        if int(row[0]) != 1:
            return [f"the table 'state' holds {row[0]} rows instead of 1"]
        version, removed, snapshot = (int(v) for v in row[1:])
        if removed > version or snapshot > version:
            return ["the change counter is behind the versions it recorded"]
        return []

    def schema_problems(self) -> list[str]:
        """Missing tables."""
        schema = self._conn.execute("SELECT current_schema()").fetchone()
        present = _postgres.tables_of(self._conn, str(schema[0]) if schema else "")
        return [f"the table {t!r} is missing" for t in sorted(_postgres.TABLES - present)]

    def invariant_violations(self) -> list[tuple[str, int]]:
        """The counts of rows breaking each invariant of the schema contract."""
        return [(what, n) for what, query in _postgres.INVARIANTS if (n := self._one(query))]
