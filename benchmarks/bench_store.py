"""Benchmark: ``SuppressionList.add_many`` vs a naive INSERT loop, and the file size.

Speed (``--rows``, default 1,000,000 messy addresses as real imports spell them):

* ours: ``add_many(series)`` into an empty durable list: vectorised
  normalise + HMAC, sort by hash, one transaction (WAL, ``synchronous=FULL``).
* naive: the same file, schema and pragmas; a Python loop that normalises and
  hashes each address with the scalar ``key.hash_email`` and runs one
  single-row ``INSERT OR IGNORE`` per address, committing every 1,000 rows.
* naive, pre-hashed: the same loop over hashes computed beforehand (the
  hashing is not timed), to separate storage from hashing.

Size (``--size-rows N``): fill an empty list with N distinct addresses by
``add_many`` batches of 1,000,000, then print the file size, bytes per entry
(per table, from SQLite's ``dbstat``), the size after the index snapshot
(``locosuppress.store._snapshot``) has been written, and the estimate for 10,000,000.

Removal (``--remove-rows N``): a list of N addresses (``add_many``, which
writes the index snapshot), then 100 removals: the first deletes the index
snapshot in its transaction (zeroed, ``secure_delete``), so no copy of the
removed hash stays; then ``index()`` rebuilds the index from the entries and
writes a new snapshot. The naive baseline deletes the same 100 rows from a
copy with plain ``DELETE`` statements (no ``secure_delete``, snapshot left as
it was), one commit each.

    python benchmarks/bench_store.py [--rows 1000000] [--size-rows 0] [--remove-rows 0]
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import locosuppress
from _data import canonical_like, messy_series

BATCH = 1_000
TARGET = 10_000_000


def _durable(conn: sqlite3.Connection) -> None:
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA secure_delete = ON")
    conn.execute("PRAGMA cache_size = -65536")


def _naive(path: Path, rows: list[Any], hash_one: Callable[[Any], bytes | None] | None) -> float:
    """Single-row INSERTs, commit every BATCH rows; returns seconds."""
    conn = sqlite3.connect(path, isolation_level=None)
    _durable(conn)
    now = int(time.time())
    start = time.perf_counter()
    conn.execute("BEGIN IMMEDIATE")
    for i, value in enumerate(rows, 1):
        digest = hash_one(value) if hash_one is not None else value
        if digest is None:  # not an address
            continue
        conn.execute(
            "INSERT OR IGNORE INTO entries (hash, kind, scope, reason, added_at, source) "
            "VALUES (?, 0, 1, 1, ?, NULL)",
            (digest, now),
        )
        if i % BATCH == 0:
            conn.execute("COMMIT")
            conn.execute("BEGIN IMMEDIATE")
    conn.execute("COMMIT")
    elapsed = time.perf_counter() - start
    conn.close()
    return elapsed


def _valid_hash(key: locosuppress.SuppressionKey) -> Callable[[Any], bytes | None]:
    def hash_one(value: object) -> bytes | None:
        try:
            return key.hash_email(value)
        except ValueError:
            return None

    return hash_one


def speed(rows: int, folder: Path) -> None:
    key = locosuppress.SuppressionKey.generate()
    series = messy_series(rows)
    print(f"{rows:,} messy addresses (pandas str dtype), durable list (WAL, synchronous=FULL)")

    ours_path = folder / "ours.db"
    with locosuppress.SuppressionList.open(ours_path, key) as lst:
        start = time.perf_counter()
        report = lst.add_many(series)
        ours = time.perf_counter() - start
    print(
        f"  add_many                                   {ours:8.2f} s  "
        f"({report.added:,} added, {report.invalid:,} invalid)"
    )

    naive_path = folder / "naive.db"
    locosuppress.SuppressionList.open(naive_path, key).close()
    values = series.tolist()
    hash_one = _valid_hash(key)
    naive = _naive(naive_path, values, hash_one)
    print(f"  naive loop, scalar hash + INSERT, commit/{BATCH:,} {naive:8.2f} s")

    pre_path = folder / "prehashed.db"
    locosuppress.SuppressionList.open(pre_path, key).close()
    hashes = [h for h in map(hash_one, values) if h is not None]  # input order, as a loop would
    pre = _naive(pre_path, hashes, None)
    print(f"  naive loop, pre-hashed, INSERT only         {pre:8.2f} s")
    print(f"  ratio naive / add_many                     {naive / ours:8.1f} x")
    print(f"  ratio naive pre-hashed / add_many          {pre / ours:8.1f} x")
    print(f"  add_many within the 20 s budget: {'yes' if ours <= 20 else 'NO'}")


def _tables(path: Path) -> dict[str, tuple[int, int]]:
    conn = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True)
    try:
        rows = conn.execute(
            "SELECT name, sum(pgsize), sum(unused) FROM dbstat GROUP BY name"
        ).fetchall()
    except sqlite3.OperationalError:  # dbstat not compiled in
        rows = []
    finally:
        conn.close()
    return {str(name): (int(size), int(unused)) for name, size, unused in rows}


def _report_size(label: str, path: Path, entries: int) -> int:
    size = path.stat().st_size
    print(
        f"  {label}: file {size / 1e6:,.1f} MB = {size / entries:.1f} B/entry "
        f"-> {size / entries * TARGET / 1e9:.2f} GB at {TARGET:,}"
    )
    for name, (pages, unused) in sorted(_tables(path).items(), key=lambda kv: -kv[1][0]):
        if pages > 1 << 20:
            print(
                f"      {name:16s} {pages / 1e6:9.1f} MB  {pages / entries:5.1f} B/entry  "
                f"({unused / pages:5.1%} free in its pages)"
            )
    return size


def size(rows: int, folder: Path) -> None:
    key = locosuppress.SuppressionKey.generate()
    path = folder / "size.db"
    print(f"file size for {rows:,} entries (add_many batches of 1,000,000)")
    start = time.perf_counter()
    with locosuppress.SuppressionList.open(path, key) as lst:
        for offset in range(0, rows, 1_000_000):
            n = min(1_000_000, rows - offset)
            lst.add_many(canonical_like(n, seed=offset, offset=offset))
        filled = time.perf_counter() - start
        entries = len(lst)
    print(f"  filled in {filled:,.1f} s; {entries:,} entries")
    _report_size("before any index snapshot (entries + pending)", path, entries)
    with locosuppress.SuppressionList.open(path, key) as lst:
        start = time.perf_counter()
        lst.index()
        print(f"  index loaded and snapshot written in {time.perf_counter() - start:,.1f} s")
    _report_size("after the index snapshot (entries + snapshot)", path, entries)


REMOVALS = 100


def removal(rows: int, folder: Path) -> None:
    key = locosuppress.SuppressionKey.generate()
    path = folder / "remove.db"
    values = canonical_like(rows, seed=7, offset=0)
    gone = values[:: max(1, rows // REMOVALS)][:REMOVALS]
    print(f"{len(gone)} removals from a list of {rows:,} entries with its index snapshot")
    with locosuppress.SuppressionList.open(path, key) as lst:
        start = time.perf_counter()
        lst.add_many(values)  # >= 50,000 added: the snapshot is written in this call
        print(f"  add_many (+ snapshot, pending zeroed)      {time.perf_counter() - start:8.2f} s")
    copy = folder / "remove-naive.db"
    with locosuppress.SuppressionList.open(path, key) as lst:
        lst.backup(copy)
        start = time.perf_counter()
        lst.remove(gone[0])
        first = time.perf_counter() - start
        start = time.perf_counter()
        for value in gone[1:]:
            lst.remove(value)
        rest = time.perf_counter() - start
        start = time.perf_counter()
        lst.index()
        rebuilt = time.perf_counter() - start
    print(f"  first remove (drops the snapshot)          {first:8.3f} s")
    print(f"  {len(gone) - 1} more removes                          {rest:8.3f} s")
    print(f"  index() after them (rebuild + snapshot)    {rebuilt:8.2f} s")
    hashes = [key.hash_email(v) for v in gone]
    conn = sqlite3.connect(copy, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    start = time.perf_counter()
    for digest in hashes:
        conn.execute("DELETE FROM entries WHERE hash = ? AND kind = 0", (digest,))
    naive = time.perf_counter() - start
    conn.close()
    ours = first + rest
    print(f"  naive: {len(hashes)} plain DELETEs, autocommit         {naive:8.3f} s")
    print(f"  ratio ours ({len(gone)} removes) / naive               {ours / naive:8.1f} x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="speed test size (0: skip)")
    parser.add_argument("--size-rows", type=int, default=0, help="size test entries (0: skip)")
    parser.add_argument(
        "--remove-rows", type=int, default=0, help="removal test list size (0: skip)"
    )
    parser.add_argument("--dir", type=Path, default=None, help="folder for the files")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        folder = Path(tmp)
        if args.rows:
            speed(args.rows, folder)
        if args.size_rows:
            size(args.size_rows, folder)
        if args.remove_rows:
            removal(args.remove_rows, folder)
        for p in folder.iterdir():
            os.remove(p)


if __name__ == "__main__":
    main()
