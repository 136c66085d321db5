"""Helpers shared by the suppression-list tests (tests/store/), importable as ``store_support``.

pytest puts ``tests/support`` on ``sys.path`` (``pythonpath`` in pyproject.toml).
"""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path


def sha(path: Path) -> str:
    """SHA-256 of a file's bytes (to show a file was left untouched)."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def raw_rows(location: Path | str, query: str) -> list[tuple[object, ...]]:
    """Run ``query`` on a list's storage directly, bypassing locosuppress (either backend).

    A path is opened with :mod:`sqlite3`; a URL with psycopg, with the list's
    schema ``locosuppress`` on the search path. Use SQL both understand.
    """
    if isinstance(location, Path):
        conn = sqlite3.connect(location, isolation_level=None)
        try:
            return [tuple(r) for r in conn.execute(query)]
        finally:
            conn.close()
    import psycopg

    with psycopg.connect(location, autocommit=True) as pg:
        pg.execute("SET search_path TO locosuppress")
        cur = pg.execute(query)  # type: ignore[arg-type]
        return [tuple(r) for r in cur.fetchall()] if cur.description else []


def content_digest(location: Path | str) -> str:
    """A digest of everything a list holds: the file's bytes, or every table's rows.

    Equal digests before and after a call show that the call wrote nothing.
    """
    if isinstance(location, Path):
        return sha(location)
    digest = hashlib.sha256()
    for table in ("meta", "state", "sources", "entries", "index_snapshot", "audit"):
        rows = raw_rows(location, f"SELECT * FROM {table} ORDER BY 1")
        digest.update(repr(rows).encode())
    return digest.hexdigest()
