"""SQLite plumbing of the suppression list's SQLite backend (private).

What lives here, so that :mod:`locosuppress.store._sqlite_backend` holds only
the SQL of the list's operations:

* the schema (``SCHEMA``) and the format constants,
* the header check that runs *before* SQLite touches a file,
* opening connections (read-write, read-only, and the immutable fallback for
  a read-only folder) with the pragmas every connection gets,
* translation of ``sqlite3`` errors into :mod:`locosuppress.errors`,
* the transaction runner: ``BEGIN IMMEDIATE``, bounded retry with jitter,
* creating a new list file atomically (through :mod:`locosuppress._fs`).

The design reasons are in the docstring of :mod:`locosuppress.store` and in
``docs/suppression-list.md``.
"""

from __future__ import annotations

import contextlib
import os
import random
import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Final, TypeVar

from locosuppress import _fs
from locosuppress._vocabulary import KIND_NAMES
from locosuppress.errors import (
    ListCorruptedError,
    ListLockedError,
    ListNotFoundError,
    ListStorageError,
    LocosuppressError,
    NotASuppressionListError,
    OutputExistsError,
    ReadOnlyListError,
)

T = TypeVar("T")

FORMAT_VERSION: Final = 1
APPLICATION_ID: Final = 0x4C6F6353  # "LocS" at header offset 68, for `file(1)` and friends
PAGE_SIZE: Final = 4096
SQLITE_MAGIC: Final = b"SQLite format 3\x00"
HEADER_SIZE: Final = 100

#: SQLite waits this long inside one attempt (its own busy handler) ...
BUSY_TIMEOUT_S: Final = 2.0
#: ... and our loop retries attempts, with jitter, up to the list's lock_timeout.
DEFAULT_LOCK_TIMEOUT_S: Final = 60.0
CACHE_KIB: Final = 65536
JOURNAL_SIZE_LIMIT: Final = 64 * 1024 * 1024

# Primary result codes (https://sqlite.org/rescode.html).
_SQLITE_BUSY: Final = 5
_SQLITE_LOCKED: Final = 6
_SQLITE_READONLY: Final = 8
_SQLITE_IOERR: Final = 10
_SQLITE_CORRUPT: Final = 11
_SQLITE_FULL: Final = 13
_SQLITE_CANTOPEN: Final = 14
_SQLITE_NOTADB: Final = 26

#: The entries table; ``kinds``: the kind codes its CHECK admits (format 1:
#: ``0, 1``; format 2: every code of ``_vocabulary.KIND_NAMES``).
ENTRIES_TABLE: Final = """CREATE TABLE {name} (
        hash BLOB NOT NULL,
        kind INTEGER NOT NULL,
        scope INTEGER NOT NULL,
        reason INTEGER NOT NULL,
        added_at INTEGER NOT NULL,
        source INTEGER,
        PRIMARY KEY (hash, kind, scope),
        CHECK (typeof(hash) = 'blob' AND length(hash) = 32
               AND kind IN ({kinds}) AND scope IN (1, 2, 4))
    ) WITHOUT ROWID"""
# The database keeps the pending/stale contract itself, whatever code path
# writes `entries`: a trigger fires only for rows really inserted (not for
# ones INSERT OR IGNORE skipped) or really deleted.
ENTRIES_TRIGGERS: Final = (
    """CREATE TRIGGER entries_to_pending AFTER INSERT ON entries BEGIN
        INSERT OR IGNORE INTO pending (hash, kind, scope) VALUES (NEW.hash, NEW.kind, NEW.scope);
    END""",
    """CREATE TRIGGER entries_removed AFTER DELETE ON entries BEGIN
        DELETE FROM pending WHERE hash = OLD.hash AND kind = OLD.kind AND scope = OLD.scope;
        UPDATE meta SET value = '1' WHERE key = 'index_stale' AND value <> '1';
    END""",
)
# The tables `entries`, `pending`, `meta` and `index_snapshot` are a contract
# with the index snapshot (store/_snapshot.py); their columns must not change
# except by appending columns to `entries`.
SCHEMA: Final = (
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE sources (id INTEGER PRIMARY KEY, label TEXT NOT NULL UNIQUE)",
    ENTRIES_TABLE.format(name="entries", kinds="0, 1"),
    """CREATE TABLE pending (
        hash BLOB NOT NULL,
        kind INTEGER NOT NULL,
        scope INTEGER NOT NULL,
        PRIMARY KEY (hash, kind, scope)
    ) WITHOUT ROWID""",
    "CREATE TABLE index_snapshot (chunk INTEGER PRIMARY KEY, data BLOB NOT NULL)",
    """CREATE TABLE audit (
        id INTEGER PRIMARY KEY,
        at INTEGER NOT NULL,
        operation TEXT NOT NULL,
        total INTEGER,
        added INTEGER,
        already_present INTEGER,
        removed INTEGER,
        invalid INTEGER,
        kept INTEGER,
        suppressed INTEGER,
        duplicates INTEGER,
        scope TEXT,
        reason TEXT,
        channel TEXT,
        source INTEGER,
        library_version TEXT NOT NULL
    )""",
    *ENTRIES_TRIGGERS,
)
#: The kind codes a format-2 list's entries table admits.
EVERY_KIND: Final = ", ".join(map(str, sorted(KIND_NAMES)))


def schema(*, every_kind: bool) -> tuple[str, ...]:
    """:data:`SCHEMA`, its entries table admitting every kind when ``every_kind`` (format 2)."""
    if not every_kind:
        return SCHEMA
    format1 = ENTRIES_TABLE.format(name="entries", kinds="0, 1")
    wide = ENTRIES_TABLE.format(name="entries", kinds=EVERY_KIND)
    return tuple(wide if statement == format1 else statement for statement in SCHEMA)


TABLES: Final = frozenset({"meta", "sources", "entries", "pending", "index_snapshot", "audit"})
TRIGGERS: Final = frozenset({"entries_to_pending", "entries_removed"})


# --- errors -----------------------------------------------------------------


def _code(exc: sqlite3.Error) -> int:
    code = getattr(exc, "sqlite_errorcode", None)
    return int(code) & 0xFF if isinstance(code, int) else -1


def is_busy(exc: BaseException) -> bool:
    """Tell whether an exception is SQLite's "database is locked/busy"."""
    if not isinstance(exc, sqlite3.OperationalError):
        return False
    if _code(exc) in (_SQLITE_BUSY, _SQLITE_LOCKED):
        return True
    text = str(exc)
    return "database is locked" in text or "database is busy" in text


def translate(exc: sqlite3.Error, path: Path) -> Exception:
    """Map an ``sqlite3`` error to the matching locosuppress error.

    SQLite's messages name tables and constraints, never bound values, so
    they are safe to quote. Errors without a better home are returned as is.
    """
    code = _code(exc)
    text = str(exc)
    if code in (_SQLITE_CORRUPT, _SQLITE_NOTADB) or code == _SQLITE_IOERR:
        return ListCorruptedError(
            f"{path} is damaged or cannot be read (SQLite: {text}). The file was not "
            "modified; run `verify()` on a copy and restore the latest backup."
        )
    if code == _SQLITE_READONLY:
        return ReadOnlyListError(
            f"{path} cannot be written (SQLite: {text}); open it with read_only=True "
            "to check and filter, or fix the file and folder permissions."
        )
    if code in (_SQLITE_BUSY, _SQLITE_LOCKED) or is_busy(exc):
        return ListLockedError(f"{path} is locked by another process (SQLite: {text})")
    if code == _SQLITE_CANTOPEN:
        return ListNotFoundError(f"{path} cannot be opened (SQLite: {text})")
    if code == _SQLITE_FULL:
        return ListStorageError(
            f"{path} could not grow: the disk (or the list's size limit) is full "
            f"(SQLite: {text}). Nothing of this call was stored; free space and try again."
        )
    if isinstance(exc, sqlite3.DatabaseError) and type(exc) is sqlite3.DatabaseError:
        return ListCorruptedError(f"{path} is damaged or cannot be read (SQLite: {text})")
    if isinstance(exc, sqlite3.OperationalError):
        return ListStorageError(
            f"SQLite could not complete the operation on {path} (SQLite: {text}); "
            "nothing of this call was stored. Check the disk and the file, then try again."
        )
    return exc


@contextlib.contextmanager
def sqlite_errors(path: Path) -> Iterator[None]:
    """Re-raise ``sqlite3`` errors as locosuppress errors (see :func:`translate`)."""
    try:
        yield
    except LocosuppressError:
        raise
    except sqlite3.Error as exc:
        mapped = translate(exc, path)
        if mapped is exc:
            raise
        raise mapped from None


# --- the header check ---------------------------------------------------------


def side_file(path: Path, suffix: str) -> Path:
    """Return SQLite's side file of ``path`` (``-wal``, ``-shm``, ``-journal``)."""
    return path.with_name(path.name + suffix)


def wal_has_content(path: Path) -> bool:
    """Tell whether a non-empty write-ahead log lies beside ``path``."""
    try:
        return side_file(path, "-wal").stat().st_size > 0
    except FileNotFoundError:
        return False


def check_header(path: Path) -> None:
    """Check the first 100 bytes before SQLite is allowed to touch the file.

    A CSV, a spreadsheet or an empty file gives NotASuppressionListError and
    is not modified (SQLite would happily turn an empty file into a database).
    A SQLite header whose page count promises more bytes than the file holds
    gives ListCorruptedError (truncation), unless a write-ahead log is present,
    in which case SQLite's own recovery is the authority.

    Raises:
        NotASuppressionListError: not a SQLite database at all.
        ListCorruptedError: a SQLite header, but the file is cut short.
    """
    try:
        with path.open("rb") as fh:
            header = fh.read(HEADER_SIZE)
            size = os.fstat(fh.fileno()).st_size
    except IsADirectoryError:
        raise NotASuppressionListError(f"{path} is a folder, not a suppression list") from None
    except FileNotFoundError:  # e.g. a dangling symbolic link
        raise ListNotFoundError(f"no suppression list at {path}") from None
    except PermissionError:
        raise ReadOnlyListError(f"{path} cannot be read by this process (permissions)") from None
    if not header:
        raise NotASuppressionListError(
            f"{path} is empty, not a suppression list; delete it or choose another path"
        )
    if not header.startswith(SQLITE_MAGIC[: len(header)]):
        raise NotASuppressionListError(
            f"{path} is not a locosuppress suppression list (not a SQLite database: "
            "is it a CSV or spreadsheet?)"
        )
    if len(header) < HEADER_SIZE:
        raise ListCorruptedError(f"{path} is truncated ({len(header)} bytes); restore a backup")
    raw_page = int.from_bytes(header[16:18], "big")
    page_size = 65536 if raw_page == 1 else raw_page
    if page_size < 512 or page_size & (page_size - 1):
        raise ListCorruptedError(f"{path} has a damaged header (page size); restore a backup")
    app_id = int.from_bytes(header[68:72], "big")
    if app_id not in (0, APPLICATION_ID):
        raise NotASuppressionListError(
            f"{path} is a SQLite database of another application, not a suppression list"
        )
    if wal_has_content(path):
        return
    pages = int.from_bytes(header[28:32], "big")
    change_counter = header[24:28]
    valid_for = header[92:96]
    if pages and change_counter == valid_for and size < pages * page_size:
        raise ListCorruptedError(
            f"{path} is truncated: it holds {size:,} bytes but its header promises "
            f"{pages * page_size:,}; the file was not modified, restore a backup"
        )
    if size % page_size:
        raise ListCorruptedError(
            f"{path} is truncated or padded ({size:,} bytes is not a whole number of "
            f"{page_size}-byte pages); the file was not modified, restore a backup"
        )


# --- connections ----------------------------------------------------------------


def _uri(path: Path, **params: str) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"{path.absolute().as_uri()}?{query}"


def _connect(uri: str, busy_timeout: float) -> sqlite3.Connection:
    conn = sqlite3.connect(
        uri,
        uri=True,
        timeout=busy_timeout,
        isolation_level=None,  # autocommit; transactions are explicit BEGIN ... COMMIT
        check_same_thread=False,  # SuppressionList serialises use with its own lock
        cached_statements=64,
    )
    # Session-only settings: none of these reads or writes the file.
    conn.execute("PRAGMA trusted_schema = OFF")
    conn.execute("PRAGMA cell_size_check = ON")
    conn.execute("PRAGMA temp_store = MEMORY")
    conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
    return conn


def folder_writable(path: Path) -> bool:
    """Tell whether this process may create files beside ``path``."""
    return os.access(path.absolute().parent, os.W_OK | os.X_OK)


def connect(path: Path, *, read_only: bool, lock_timeout: float) -> tuple[sqlite3.Connection, bool]:
    """Open a connection; return it and whether it is in immutable (snapshot) mode.

    Read-write connections use ``mode=rw`` (never create a file). Read-only ones
    use ``mode=ro``; in WAL mode SQLite then needs the ``-shm`` and ``-wal`` side
    files to exist or be creatable. When they cannot be created (a read-only
    folder) and no write-ahead log exists, every committed transaction is in the
    main file, so reading it with ``immutable=1`` is correct; the caller must
    then watch for writers appearing (see :func:`snapshot_still_valid`). When a
    non-empty log exists but cannot be shared, reading only the main file would
    miss committed entries, so that case is refused.

    Raises:
        ListLockedError: read-only folder with a live write-ahead log.
        ListCorruptedError, ReadOnlyListError: see :func:`translate`.
    """
    uri = _uri(path, mode="ro" if read_only else "rw")

    def attempt() -> sqlite3.Connection:
        conn = _connect(uri, min(BUSY_TIMEOUT_S, lock_timeout))
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except BaseException:
            conn.close()
            raise
        return conn

    try:
        return retry(attempt, path=path, lock_timeout=lock_timeout), False
    except sqlite3.OperationalError as exc:
        if not (read_only and _code(exc) in (_SQLITE_READONLY, _SQLITE_CANTOPEN)):
            raise
        if folder_writable(path):
            raise
    if wal_has_content(path):
        raise ListLockedError(
            f"{path} has a write-ahead log (another process is writing, or crashed while "
            "writing) and this read-only folder does not let this process share it; "
            "reading without it could miss entries. Try again after the writer has "
            "closed the list, or read it from a writable folder."
        )
    conn = _connect(_uri(path, mode="ro", immutable="1"), min(BUSY_TIMEOUT_S, lock_timeout))
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except BaseException:
        conn.close()
        raise
    return conn, True


def file_signature(path: Path) -> tuple[int, int, int, bool]:
    """Return what must stay unchanged while a list is read in immutable mode."""
    st = path.stat()
    return (st.st_ino, st.st_size, st.st_mtime_ns, wal_has_content(path))


def apply_write_pragmas(conn: sqlite3.Connection, path: Path, lock_timeout: float) -> None:
    """Set the durability pragmas of a read-write connection.

    ``journal_mode=WAL`` is persistent (stored in the file); the others are
    per connection and set on every open.

    Raises:
        ListCorruptedError: the file system cannot hold a write-ahead log.
    """

    def set_wal() -> str:
        row = conn.execute("PRAGMA journal_mode = WAL").fetchone()
        return str(row[0]).lower()

    mode = retry(set_wal, path=path, lock_timeout=lock_timeout)
    if mode != "wal":
        raise ListCorruptedError(
            f"{path} cannot use write-ahead logging (journal mode {mode!r}); keep lists on a "
            "local file system"
        )
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA secure_delete = ON")
    conn.execute(f"PRAGMA journal_size_limit = {JOURNAL_SIZE_LIMIT}")


def read_meta(conn: sqlite3.Connection, path: Path) -> dict[str, str]:
    """Return the ``meta`` table, checking that the file is one of our lists.

    Raises:
        NotASuppressionListError: no ``meta`` table or its key entries missing.
    """
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if "meta" not in tables:
        raise NotASuppressionListError(
            f"{path} is a SQLite database but not a locosuppress suppression list"
        )
    meta = {str(k): str(v) for k, v in conn.execute("SELECT key, value FROM meta")}
    if "format_version" not in meta or "fingerprint" not in meta:
        raise NotASuppressionListError(
            f"{path} is a SQLite database but not a locosuppress suppression list "
            "(its meta table lacks the format version or key fingerprint)"
        )
    return meta


# --- retries and transactions --------------------------------------------------------


def _sleep_with_jitter(attempt: int) -> None:
    # Full jitter: spreads out writers that were all woken by the same commit.
    cap = min(0.25, 0.004 * 2**attempt)
    time.sleep(random.uniform(cap / 4, cap))


def _locked(path: Path, lock_timeout: float) -> ListLockedError:
    return ListLockedError(
        f"{path} stayed locked by another process for more than {lock_timeout:g} s; "
        "try again later, or pass a larger lock_timeout"
    )


def retry(fn: Callable[[], T], *, path: Path, lock_timeout: float) -> T:
    """Run an idempotent ``fn``, retrying with jitter while SQLite reports busy.

    SQLite's own busy handler waits inside each attempt; this loop covers the
    cases where SQLite returns BUSY without calling it (WAL recovery by another
    process, a lock upgrade race) and bounds the total wait.

    Raises:
        ListLockedError: still busy after ``lock_timeout`` seconds.
    """
    deadline = time.monotonic() + lock_timeout
    attempt = 0
    while True:
        try:
            return fn()
        except sqlite3.OperationalError as exc:
            if not is_busy(exc):
                raise
            if time.monotonic() >= deadline:
                raise _locked(path, lock_timeout) from None
        _sleep_with_jitter(attempt)
        attempt += 1


def _rollback(conn: sqlite3.Connection) -> None:
    if conn.in_transaction:
        with contextlib.suppress(sqlite3.Error):
            conn.execute("ROLLBACK")


def run_write(
    conn: sqlite3.Connection,
    fn: Callable[[sqlite3.Connection], T],
    *,
    path: Path,
    lock_timeout: float,
) -> T:
    """Run ``fn`` in one ``BEGIN IMMEDIATE`` transaction and commit it.

    ``BEGIN IMMEDIATE`` takes the write lock up front, so a transaction never
    fails half-way for lack of it; with ``synchronous=FULL`` the ``COMMIT``
    returns only after the write-ahead log is fsynced. Any error rolls back;
    a busy error retries the whole transaction (``fn`` must only touch the
    database, so re-running it is safe).

    Raises:
        ListLockedError: the write lock could not be had within ``lock_timeout``.
    """

    def once() -> T:
        conn.execute("BEGIN IMMEDIATE")
        try:
            result = fn(conn)
            conn.execute("COMMIT")
        except BaseException:
            _rollback(conn)
            raise
        return result

    with sqlite_errors(path):
        return retry(once, path=path, lock_timeout=lock_timeout)


def run_read(
    conn: sqlite3.Connection,
    fn: Callable[[sqlite3.Connection], T],
    *,
    path: Path,
    lock_timeout: float,
) -> T:
    """Run ``fn`` in one read transaction (a consistent snapshot), with retries."""

    def once() -> T:
        conn.execute("BEGIN")
        try:
            return fn(conn)
        finally:
            _rollback(conn)

    with sqlite_errors(path):
        return retry(once, path=path, lock_timeout=lock_timeout)


def remove_side_files(path: Path) -> None:
    """Delete the side files SQLite may have left beside a temp database."""
    _fs.remove_quietly(
        side_file(path, "-wal"), side_file(path, "-shm"), side_file(path, "-journal")
    )


def create_database(
    path: Path, *, meta: dict[str, str], audit: tuple[int, str, str], lock_timeout: float
) -> bool:
    """Create a new, empty list at ``path`` atomically; False if one appeared meanwhile.

    The database is built in a temp file beside ``path`` (mode 0600) and then
    linked into place, so a concurrent opener sees either no file or a complete
    list, never a half-made one.
    """
    tmp: Path | None = None
    try:
        with _fs.new_file(path) as tmp:
            conn = _connect(_uri(tmp, mode="rw"), BUSY_TIMEOUT_S)
            try:
                conn.execute(f"PRAGMA page_size = {PAGE_SIZE}")
                # Lets reclaim_free_pages() shrink the file after pages are freed
                # (costs one pointer-map page per 819 pages, about 4% on inserts).
                conn.execute("PRAGMA auto_vacuum = INCREMENTAL")
                conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                conn.execute(f"PRAGMA user_version = {FORMAT_VERSION}")
                apply_write_pragmas(conn, tmp, lock_timeout)

                def build(c: sqlite3.Connection) -> None:
                    for statement in SCHEMA:
                        c.execute(statement)
                    c.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", meta.items())
                    c.execute(
                        "INSERT INTO audit (at, operation, library_version) VALUES (?, ?, ?)", audit
                    )

                run_write(conn, build, path=tmp, lock_timeout=lock_timeout)
            finally:
                conn.close()
    except OutputExistsError:
        return False
    finally:
        if tmp is not None:
            remove_side_files(tmp)
    return True
