"""Binary COPY streams, and the portable SQLite copy of a PostgreSQL list (private).

Helpers of :mod:`locosuppress.store._postgres_backend`: the byte layout of
PostgreSQL's binary ``COPY`` for the entry keys it reads and the hashes it
writes (decoded and encoded with NumPy, no per-row Python), the rewrite of
every hash by a key rotation, and the backup of a PostgreSQL list into a new
SQLite list file.
"""

from __future__ import annotations

import sqlite3
import struct
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import psycopg
from psycopg import sql

from locosuppress.errors import ListCorruptedError
from locosuppress.store import _sqlite
from locosuppress.store._backend import FORMAT_WITH_KINDS, Reader, Row

__all__ = [
    "copy_to_sqlite",
    "dated_copy",
    "hash_copy",
    "hash_rows",
    "pair_copy",
    "parse_rows",
    "rewrap_entries",
]

COPY_HEADER: Final = b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0)
COPY_TRAILER: Final = struct.pack(">h", -1)
#: One binary COPY row of (hash bytea, kind smallint, scope smallint): 50 bytes.
_ROW: Final = np.dtype(
    [
        ("fields", ">i2"),
        ("hlen", ">i4"),
        ("hash", "V32"),
        ("klen", ">i4"),
        ("kind", ">i2"),
        ("slen", ">i4"),
        ("scope", ">i2"),
    ]
)
#: One binary COPY row of (hash bytea): 38 bytes.
_HASH_ROW: Final = np.dtype([("fields", ">i2"), ("hlen", ">i4"), ("hash", "V32")])
#: One binary COPY row of (old bytea, new bytea): a key rotation's map.
_PAIR_ROW: Final = np.dtype(
    [("fields", ">i2"), ("olen", ">i4"), ("old", "V32"), ("nlen", ">i4"), ("new", "V32")]
)
#: One binary COPY row of (hash bytea, scope smallint, reason smallint, added_at bigint).
_DATED_ROW: Final = np.dtype(
    [
        ("fields", ">i2"),
        ("hlen", ">i4"),
        ("hash", "V32"),
        ("slen", ">i4"),
        ("scope", ">i2"),
        ("rlen", ">i4"),
        ("reason", ">i2"),
        ("alen", ">i4"),
        ("at", ">i8"),
    ]
)


def parse_rows(data: bytes) -> list[Row]:
    """Rows ``(hash, kind, scope)`` from a binary ``COPY ... TO STDOUT``.

    Raises:
        ListCorruptedError: the stream is not rows of a 32-byte hash and two codes.
    """
    body = data[len(COPY_HEADER) : len(data) - len(COPY_TRAILER)]
    if (
        not data.startswith(COPY_HEADER)
        or not data.endswith(COPY_TRAILER)
        or len(body) % _ROW.itemsize
    ):
        raise ListCorruptedError(
            "a stored hash is not 32 bytes long; run `locosuppress verify` on the list"
        )
    rows = np.frombuffer(body, dtype=_ROW)
    if len(rows) and not (
        (rows["fields"] == 3).all() and (rows["hlen"] == 32).all() and (rows["klen"] == 2).all()
    ):
        raise ListCorruptedError(
            "a stored hash is not 32 bytes long; run `locosuppress verify` on the list"
        )
    hashes = rows["hash"].tobytes()
    return list(
        zip(
            [hashes[i : i + 32] for i in range(0, len(hashes), 32)],
            rows["kind"].astype(np.int64).tolist(),
            rows["scope"].astype(np.int64).tolist(),
            strict=True,
        )
    )


def hash_copy(hashes: npt.NDArray[np.uint8]) -> bytes:
    """A binary ``COPY ... FROM STDIN`` stream of one bytea column."""
    rows = np.empty(len(hashes), dtype=_HASH_ROW)
    rows["fields"] = 1
    rows["hlen"] = 32
    rows["hash"] = np.ascontiguousarray(hashes).view("V32").ravel()
    return COPY_HEADER + rows.tobytes() + COPY_TRAILER


def hash_rows(data: bytes) -> npt.NDArray[np.uint8]:
    """``(n, 32)`` hashes from a binary ``COPY ... TO STDOUT`` of one bytea column."""
    body = data[len(COPY_HEADER) : len(data) - len(COPY_TRAILER)]
    if data[: len(COPY_HEADER)] != COPY_HEADER or len(body) % _HASH_ROW.itemsize:
        raise ListCorruptedError("the server sent a damaged COPY stream of hashes")
    rows = np.frombuffer(body, dtype=_HASH_ROW)
    if len(rows) and ((rows["fields"] != 1).any() or (rows["hlen"] != 32).any()):
        raise ListCorruptedError("a stored hash is not 32 bytes; run `locosuppress verify`")
    return np.frombuffer(rows["hash"].tobytes(), dtype=np.uint8).reshape(-1, 32)


def pair_copy(old: npt.NDArray[np.uint8], new: npt.NDArray[np.uint8]) -> bytes:
    """A binary ``COPY ... FROM STDIN`` stream of (old bytea, new bytea) rows."""
    rows = np.empty(len(old), dtype=_PAIR_ROW)
    rows["fields"] = 2
    rows["olen"] = 32
    rows["old"] = np.ascontiguousarray(old).view("V32").ravel()
    rows["nlen"] = 32
    rows["new"] = np.ascontiguousarray(new).view("V32").ravel()
    return COPY_HEADER + rows.tobytes() + COPY_TRAILER


def rewrap_entries(
    conn: psycopg.Connection[Any],
    chunks: Iterable[tuple[npt.NDArray[np.uint8], npt.NDArray[np.uint8]]],
    version: int,
) -> int:
    """Replace every old hash of ``chunks`` by its new one in ``entries`` (a key rotation).

    The ``(old, new)`` pairs go into a temporary table by binary COPY, then one
    ``UPDATE ... FROM`` rewrites every entry row, stamped with ``version``.
    The old row versions stay in the table files until vacuumed, as after a
    removal (docs/postgres.md). Returns the number of rows rewritten.
    """
    conn.execute(
        "CREATE TEMPORARY TABLE IF NOT EXISTS locosuppress_rewrap (old bytea NOT NULL, "
        "new bytea NOT NULL) ON COMMIT DELETE ROWS"
    )
    conn.execute("TRUNCATE locosuppress_rewrap")
    for old, new in chunks:
        with (
            conn.cursor() as cur,
            cur.copy("COPY locosuppress_rewrap (old, new) FROM STDIN (FORMAT BINARY)") as copy,
        ):
            copy.write(pair_copy(old, new))
    done = conn.execute(
        "UPDATE entries SET hash = w.new, version = %s FROM locosuppress_rewrap AS w "
        "WHERE entries.hash = w.old",
        (version,),
    ).rowcount
    conn.execute("TRUNCATE locosuppress_rewrap")
    return int(done)


def dated_copy(
    hashes: npt.NDArray[np.uint8],
    scopes: npt.NDArray[np.int64],
    reasons: npt.NDArray[np.int64],
    ats: npt.NDArray[np.int64],
) -> bytes:
    """A binary ``COPY ... FROM STDIN`` stream of (hash, scope, reason, added_at) rows."""
    rows = np.empty(len(hashes), dtype=_DATED_ROW)
    rows["fields"] = 4
    rows["hlen"] = 32
    rows["hash"] = np.ascontiguousarray(hashes).view("V32").ravel()
    rows["slen"] = 2
    rows["scope"] = scopes
    rows["rlen"] = 2
    rows["reason"] = reasons
    rows["alen"] = 8
    rows["at"] = ats
    return COPY_HEADER + rows.tobytes() + COPY_TRAILER


def copy_to_sqlite(tx: Reader, conn: psycopg.Connection[Any], tmp: Path) -> None:
    """Write every table of the list into the empty file ``tmp`` as a SQLite list.

    Raises:
        ListCorruptedError: the copy failed SQLite's check.
    """
    dst = sqlite3.connect(tmp, isolation_level=None)
    try:
        dst.execute(f"PRAGMA page_size = {_sqlite.PAGE_SIZE}")
        dst.execute("PRAGMA auto_vacuum = INCREMENTAL")
        dst.execute(f"PRAGMA application_id = {_sqlite.APPLICATION_ID}")
        meta = tx.meta()
        # A list of format 2 (wildcard or foreign entries) stays format 2.
        version = _sqlite.FORMAT_VERSION if meta.get("format_version") == "1" else FORMAT_WITH_KINDS
        dst.execute(f"PRAGMA user_version = {version}")
        dst.execute("BEGIN")
        for statement in _sqlite.schema(every_kind=version > 1):
            dst.execute(statement)
        meta["format_version"] = str(version)
        meta["index_stale"] = "0"
        dst.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", meta.items())
        dst.executemany(
            "INSERT INTO sources (id, label) VALUES (?, ?)",
            conn.execute("SELECT id, label FROM sources ORDER BY id").fetchall(),
        )
        with conn.cursor(name="locosuppress_backup") as cur:
            cur.execute(
                "SELECT hash, kind, scope, reason, added_at, source FROM entries ORDER BY hash"
            )
            while rows := cur.fetchmany(100_000):
                dst.executemany(
                    "INSERT INTO entries (hash, kind, scope, reason, added_at, source) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    [(bytes(r[0]), *r[1:]) for r in rows],
                )
        dst.executemany(
            "INSERT INTO audit (at, operation, total, added, already_present, removed, "
            "invalid, kept, suppressed, duplicates, scope, reason, channel, source, "
            "library_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            conn.execute(
                sql.SQL(
                    "SELECT at, operation, total, added, already_present, removed, invalid, "
                    "kept, suppressed, duplicates, scope, reason, channel, source, "
                    "library_version FROM audit ORDER BY id"
                )
            ).fetchall(),
        )
        dst.execute("COMMIT")
        check = [str(r[0]) for r in dst.execute("PRAGMA quick_check")]
    finally:
        dst.close()
    if check != ["ok"]:
        raise ListCorruptedError(f"the backup copy failed its check: {check[0]}")
