"""The queries of the SQLite backend: what one read transaction may ask (private).

:class:`SQLiteReader` implements the :class:`~locosuppress.store._backend.Reader`
protocol; :class:`~locosuppress.store._sqlite_backend.SQLiteTransaction` adds the
writes on top of it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from typing import Any, Final

from locosuppress._vocabulary import KIND_NAMES, REASONS
from locosuppress.errors import ListCorruptedError
from locosuppress.store import _sqlite
from locosuppress.store._backend import (
    AUDIT_COUNTS,
    FullRow,
    Row,
)

__all__ = ["SQLiteReader", "placeholders"]

_AUDIT_COLUMNS: Final = ("at", "operation", *AUDIT_COUNTS, "scope", "reason", "channel")

_INVARIANTS: Final = (
    (
        "entries whose hash is not 32 bytes",
        "SELECT count(*) FROM entries WHERE typeof(hash) <> 'blob' OR length(hash) <> 32",
    ),
    (
        "entries of an unknown kind",
        f"SELECT count(*) FROM entries WHERE kind NOT IN ({', '.join(map(str, KIND_NAMES))})",
    ),
    ("entries of an unknown scope", "SELECT count(*) FROM entries WHERE scope NOT IN (1, 2, 4)"),
    (
        "entries of an unknown reason",
        "SELECT count(*) FROM entries WHERE reason NOT IN "
        f"({','.join(str(c) for c in REASONS.values())})",
    ),
    (
        "entries with an invalid time",
        "SELECT count(*) FROM entries WHERE typeof(added_at) <> 'integer' OR added_at < 0",
    ),
    (
        "entries with an unknown source",
        "SELECT count(*) FROM entries WHERE source IS NOT NULL "
        "AND source NOT IN (SELECT id FROM sources)",
    ),
    (
        "pending rows without an entry",
        "SELECT count(*) FROM pending AS p WHERE NOT EXISTS (SELECT 1 FROM entries AS e "
        "WHERE e.hash = p.hash AND e.kind = p.kind AND e.scope = p.scope)",
    ),
)


def placeholders(values: tuple[int, ...]) -> str:
    """``?`` placeholders for the values of an ``IN (...)`` list."""
    return ",".join("?" * len(values))


class SQLiteReader:
    """The queries of one transaction on one connection (the backend opened it)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        """Wrap a connection whose transaction the backend opened."""
        self._conn = conn

    def _one(self, sql: str, params: Iterable[Any] = ()) -> int:
        return int(self._conn.execute(sql, tuple(params)).fetchone()[0])

    # -- reads ------------------------------------------------------------------------

    def meta(self) -> dict[str, str]:
        """The meta table."""
        return {str(k): str(v) for k, v in self._conn.execute("SELECT key, value FROM meta")}

    def version(self) -> int:
        """``meta.data_version`` (absent in lists made before it existed: 0)."""
        row = self._conn.execute("SELECT value FROM meta WHERE key = 'data_version'").fetchone()
        try:
            return int(row[0]) if row is not None else 0
        except ValueError:
            raise ListCorruptedError(
                "the list's meta entry 'data_version' is damaged; run `locosuppress verify`"
            ) from None

    def exists(self, keys: Iterable[tuple[bytes, int]], scopes: tuple[int, ...]) -> bool:
        """Whether an entry of one of the ``(hash, kind)`` keys exists in one of ``scopes``."""
        one = (
            "EXISTS (SELECT 1 FROM entries WHERE hash = ? AND kind = ? "
            f"AND scope IN ({placeholders(scopes)}))"
        )
        params: list[Any] = []
        tests: list[str] = []
        for digest, kind in keys:
            tests.append(one)
            params += [digest, kind, *scopes]
        return bool(tests) and bool(self._one("SELECT " + " OR ".join(tests), params))

    def count_distinct(self) -> int:
        """Distinct (hash, kind) pairs."""
        return self._one("SELECT count(*) FROM (SELECT DISTINCT hash, kind FROM entries)")

    def count_entries(self) -> int:
        """Rows of ``entries``."""
        return self._one("SELECT count(*) FROM entries")

    def count_pending(self) -> int:
        """Rows of ``pending``."""
        return self._one("SELECT count(*) FROM pending")

    def kind_counts(self) -> dict[int, int]:
        """Distinct hashes per kind."""
        rows = self._conn.execute(
            "SELECT kind, count(*) FROM (SELECT DISTINCT hash, kind FROM entries) GROUP BY kind"
        )
        return {int(k): int(n) for k, n in rows}

    def stats_rows(self) -> Iterable[tuple[int, int, str, int]]:
        """Entries grouped by scope, reason and month added."""
        return self._conn.execute(
            "SELECT scope, reason, strftime('%Y-%m', added_at, 'unixepoch'), count(*) "
            "FROM entries GROUP BY 1, 2, 3"
        ).fetchall()

    def audit_rows(self) -> list[tuple[Any, ...]]:
        """The audit log with source labels, oldest first."""
        return self._conn.execute(
            f"SELECT {', '.join('a.' + c for c in _AUDIT_COLUMNS)}, s.label, a.library_version "
            "FROM audit AS a LEFT JOIN sources AS s ON s.id = a.source ORDER BY a.id"
        ).fetchall()

    def export_count(self, scopes: tuple[int, ...]) -> int:
        """Entries in ``scopes``."""
        return self._one(
            f"SELECT count(*) FROM entries WHERE scope IN ({placeholders(scopes)})", scopes
        )

    def export_rows(self, scopes: tuple[int, ...], chunk: int) -> Iterator[list[Row]]:
        """Entries in ``scopes`` in byte order, ``chunk`` rows at a time."""
        cur = self._conn.execute(
            f"SELECT hash, kind, scope FROM entries WHERE scope IN ({placeholders(scopes)}) "
            "ORDER BY hash, kind, scope",
            scopes,
        )
        while rows := cur.fetchmany(chunk):
            yield rows

    def full_rows(self, chunk: int) -> Iterator[list[FullRow]]:
        """Every whole entry with its source label, in key order."""
        cur = self._conn.execute(
            "SELECT e.hash, e.kind, e.scope, e.reason, e.added_at, s.label FROM entries AS e "
            "LEFT JOIN sources AS s ON s.id = e.source ORDER BY e.hash, e.kind, e.scope"
        )
        while rows := cur.fetchmany(chunk):
            yield rows

    def index_state(self) -> tuple[bool, int]:
        """``meta.index_stale`` and the size of ``pending``."""
        row = self._conn.execute("SELECT value FROM meta WHERE key = 'index_stale'").fetchone()
        return row is not None and row[0] == "1", self.count_pending()

    def snapshot(self) -> bytes:
        """The chunks of ``index_snapshot``, joined."""
        rows = self._conn.execute("SELECT data FROM index_snapshot ORDER BY chunk")
        return b"".join(row[0] for row in rows)

    def entry_rows(self) -> Iterable[Row]:
        """A cursor over every entry key."""
        return self._conn.execute("SELECT hash, kind, scope FROM entries")

    def pending_rows(self) -> Iterable[Row]:
        """A cursor over the pending entry keys."""
        return self._conn.execute("SELECT hash, kind, scope FROM pending")

    def changes_since(self, version: int) -> tuple[int, list[Row]] | None:
        """None: entries carry no version here, so changes cannot be fetched (reload)."""
        return None

    def integrity_problems(self, *, quick: bool) -> list[str]:
        """SQLite's ``integrity_check`` (or ``quick_check``), at most 20 lines."""
        pragma = "quick_check" if quick else "integrity_check"
        result = [str(r[0]) for r in self._conn.execute(f"PRAGMA {pragma}")]
        if result == ["ok"]:
            return []
        return [f"SQLite {pragma}: {line}" for line in result[:20]]

    def schema_problems(self) -> list[str]:
        """Missing tables and triggers."""
        objects = {
            (str(t), str(n)) for t, n in self._conn.execute("SELECT type, name FROM sqlite_master")
        }
        problems = [
            f"the table {table!r} is missing"
            for table in sorted(_sqlite.TABLES)
            if ("table", table) not in objects
        ]
        problems += [
            f"the trigger {trigger!r} is missing"
            for trigger in sorted(_sqlite.TRIGGERS)
            if ("trigger", trigger) not in objects
        ]
        return problems

    def invariant_violations(self) -> list[tuple[str, int]]:
        """The counts of rows breaking each invariant of the schema contract."""
        return [(what, n) for what, sql in _INVARIANTS if (n := self._one(sql))]
