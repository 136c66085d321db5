"""After removals and rotations: old page images out of the log, free pages back (private).

Deleted or rewritten rows leave their old bytes in the write-ahead log and in
free pages of the file; with ``secure_delete`` the pages are zeroed, and
these two steps, best effort after the transaction, cut the log and give
many free pages back to the file system.
"""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path
from typing import Final

from locosuppress.store._sqlite import run_write

__all__ = ["RECLAIM_MIN_PAGES", "checkpoint_truncate", "reclaim_free_pages"]

#: Free pages (4 KiB each) worth giving back to the file system in one go.
RECLAIM_MIN_PAGES: Final = 2048


def reclaim_free_pages(conn: sqlite3.Connection, *, path: Path, lock_timeout: float) -> int:
    """Give free pages back to the file system, when there are many; return how many.

    Deleting rows (removals, the index's ``pending`` rows once a snapshot is
    written) leaves free pages that SQLite reuses but never returns. With
    ``auto_vacuum=INCREMENTAL`` (set when a list is created) they can be
    returned by moving pages from the end of the file into the holes.
    """
    if int(conn.execute("PRAGMA auto_vacuum").fetchone()[0]) != 2:
        return 0
    if int(conn.execute("PRAGMA freelist_count").fetchone()[0]) < RECLAIM_MIN_PAGES:
        return 0

    def work(c: sqlite3.Connection) -> int:
        freed = 0
        free = int(c.execute("PRAGMA freelist_count").fetchone()[0])
        while free:
            # Python's sqlite3 steps a statement without result columns once,
            # and one step of incremental_vacuum frees one page: hence the loop.
            for _ in range(min(free, 1024)):
                c.execute("PRAGMA incremental_vacuum")
            left = int(c.execute("PRAGMA freelist_count").fetchone()[0])
            if left >= free:  # pragma: no cover - defensive: never loop forever
                break
            freed += free - left
            free = left
        return freed

    freed = run_write(conn, work, path=path, lock_timeout=lock_timeout)
    checkpoint_truncate(conn)
    return freed


def checkpoint_truncate(conn: sqlite3.Connection) -> None:
    """Best effort: copy the log into the file and cut the log to zero bytes.

    Used after removals so that the old page images (holding the removed
    hashes) do not linger in the ``-wal`` file. Never waits for readers.
    """
    with contextlib.suppress(sqlite3.Error):
        (waited,) = conn.execute("PRAGMA busy_timeout").fetchone()
        conn.execute("PRAGMA busy_timeout = 0")
        try:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
        finally:
            conn.execute(f"PRAGMA busy_timeout = {int(waited)}")


# --- files ------------------------------------------------------------------------
