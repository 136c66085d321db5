"""The permanent suppression list: a durable SQLite file of keyed hashes.

A :class:`SuppressionList` holds, for each suppressed person or domain, the
32-byte keyed hash of its canonical form (``docs/hash-contract.md``), a
scope, a reason, the time it was added and an optional source label. It
never holds an address, a canonical form or an unkeyed hash: not in the
database, the write-ahead log, temp files, the audit log, exports, backups,
log lines or exception messages (messages point at positions instead).

Design, with the reasons (more in ``docs/suppression-list.md``):

* **One file, standard library.** SQLite through :mod:`sqlite3`; the tables
  ``meta``, ``entries``, ``pending`` and ``index_snapshot`` are a contract with
  :mod:`locosuppress._index`. ``entries`` is a ``WITHOUT ROWID`` table keyed by
  ``(hash, kind, scope)`` with small integer codes, about 46 bytes a row.
* **Durable on return.** ``journal_mode=WAL`` with ``synchronous=FULL``: each
  commit appends to the log and fsyncs it before ``COMMIT`` returns, so an
  acknowledged write survives a kill or a power cut; readers never block the
  writer. Each public write is exactly one transaction.
* **Concurrent writers.** Writes start with ``BEGIN IMMEDIATE`` (the write lock
  is taken up front, so no transaction fails half-way); SQLite's busy handler
  waits inside each attempt and a bounded retry loop with jitter covers the
  cases where SQLite reports busy without waiting, up to ``lock_timeout``
  (default 60 s), after which :class:`ListLockedError` is raised.
* **Careful opening.** The folder must exist (never created); the first 100
  bytes are checked before SQLite may touch the file; the key fingerprint is
  compared on a read-only connection before anything else is read or
  written; a newer format is refused with advice to upgrade.
* **Read-only use** opens ``mode=ro``. In a read-only folder, where SQLite
  cannot create its ``-shm`` file, the list is read ``immutable=1`` only when
  no write-ahead log exists (then the main file holds every commit); the file
  is watched and any change while open raises instead of answering from a
  stale snapshot.
* **Removal leaves no trace in the file.** ``secure_delete=ON`` zeroes deleted
  rows in the database pages; after a removal the log is checkpointed and
  truncated (best effort, never waiting for readers). Rows and removals still
  leave counts and times in the audit log, by design.
* **The index contract is kept by the database itself**: a trigger copies each
  new ``entries`` row to ``pending``; another deletes it from ``pending`` and
  sets ``meta.index_stale`` to ``'1'`` when an entry is removed.
* **Size.** About 51 bytes per entry in ``entries`` and 43 in ``pending``
  (10 million: 0.95 GB before the first index snapshot). Lists are created
  with ``auto_vacuum=INCREMENTAL`` so that the pages freed when the index
  snapshot empties ``pending`` are returned to the file system instead of
  lingering as free space.
* **Files are private and never overwritten.** New lists, backups and
  exports are created with mode 0600, built under a temporary name beside
  the target, fsynced and then linked into place (no half-written file is
  ever visible, and an existing file is never replaced).
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Callable, Hashable, Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Self, TypeVar

import attrs
import numpy as np
import numpy.typing as npt
import pandas as pd

from locosuppress import _export, _sqlite
from locosuppress._compat import accept_workers
from locosuppress._index import PENDING_LIMIT
from locosuppress._store_reports import AddReport, ExportReport, ListStats, VerifyReport, iso
from locosuppress._version import __version__
from locosuppress._vocabulary import (
    CHANNELS,
    KIND_DOMAIN,
    KIND_EMAIL,
    REASON_NAMES,
    REASONS,
    REMOVE_REASONS,
    SCOPE_NAMES,
    SCOPES,
    channel_scopes,
    check_remove_reason,
    check_source,
    option_code,
)
from locosuppress.errors import (
    InvalidOptionError,
    KeyMismatchError,
    ListClosedError,
    ListCorruptedError,
    ListLockedError,
    ListNotFoundError,
    OutputExistsError,
    ReadOnlyListError,
    UnsupportedFormatError,
)
from locosuppress.filtering import FilterReport, FilterResult, filter_frame
from locosuppress.keys import HASH_SIZE, HashingMaterial, SuppressionKey, canonical_and_hashes
from locosuppress.normalize import (
    NORMALIZATION_VERSION,
    as_series,
    normalize_email,
)

if TYPE_CHECKING:
    from locosuppress._index import SuppressionIndex

__all__ = [
    "CHANNELS",
    "REASONS",
    "REMOVE_REASONS",
    "SCOPES",
    "AddReport",
    "ExportReport",
    "ListStats",
    "SuppressionList",
    "VerifyReport",
]

T = TypeVar("T")

_CHUNK: Final = 1 << 20  # rows normalised, hashed and inserted per step
_INSERT_HASHES: Final = (
    "INSERT OR IGNORE INTO entries (hash, kind, scope, reason, added_at, source) "
    "WITH RECURSIVE i(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM i WHERE k + 1 < :n) "
    "SELECT substr(:blob, k * 32 + 1, 32), :kind, :scope, :reason, :at, :source FROM i"
)
_AUDIT_COLUMNS: Final = (
    "total",
    "added",
    "already_present",
    "removed",
    "invalid",
    "kept",
    "suppressed",
    "duplicates",
)


# --- small helpers ---------------------------------------------------------------


def _remove_scopes(scope: object) -> tuple[int, ...]:
    return CHANNELS[None] if scope is None else (option_code(scope, SCOPES, "scope"),)


def _utc(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(UTC)
    if now.tzinfo is None or now.utcoffset() is None:
        raise InvalidOptionError("now must be a timezone-aware datetime (UTC)")
    return now.astimezone(UTC)


def _material(key: object) -> HashingMaterial:
    if isinstance(key, SuppressionKey):
        return key.hashing_material()
    if isinstance(key, HashingMaterial):
        return key
    raise TypeError(
        f"key must be a SuppressionKey (or its HashingMaterial), not {type(key).__name__}"
    )


def _unique_sorted(hashes: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
    """Sort rows of 32 bytes in byte order (SQLite's BLOB order) and drop repeats."""
    if not len(hashes):
        return hashes.reshape(0, HASH_SIZE)
    rows = np.ascontiguousarray(hashes).view(np.dtype((np.void, HASH_SIZE))).ravel()
    return np.unique(rows).view(np.uint8).reshape(-1, HASH_SIZE)


def _insert_hashes(
    conn: sqlite3.Connection,
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
    added = 0
    for start in range(0, len(hashes), _CHUNK):
        part = hashes[start : start + _CHUNK]
        cur = conn.execute(
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


def _source_id(conn: sqlite3.Connection, label: str | None) -> int | None:
    if label is None:
        return None
    conn.execute("INSERT OR IGNORE INTO sources (label) VALUES (?)", (label,))
    (sid,) = conn.execute("SELECT id FROM sources WHERE label = ?", (label,)).fetchone()
    return int(sid)


def _audit(
    conn: sqlite3.Connection,
    operation: str,
    at: int,
    *,
    scope: str | None = None,
    reason: str | None = None,
    channel: str | None = None,
    source: int | None = None,
    **counts: int,
) -> None:
    unknown = set(counts) - set(_AUDIT_COLUMNS)
    if unknown:  # pragma: no cover - programming error
        raise TypeError(f"unknown audit counts {sorted(unknown)}")
    conn.execute(
        "INSERT INTO audit (at, operation, total, added, already_present, removed, invalid, "
        "kept, suppressed, duplicates, scope, reason, channel, source, library_version) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            at,
            operation,
            *(counts.get(c) for c in _AUDIT_COLUMNS),
            scope,
            reason,
            channel,
            source,
            __version__,
        ),
    )


class SuppressionList:
    """A permanent suppression list in one SQLite file. Open it with :meth:`open`.

    Use it as a context manager, or call :meth:`close`; after that every call
    raises :class:`ListClosedError`. One instance may be shared between
    threads (calls are serialised); several processes may open the same file
    at once.
    """

    def __init__(
        self,
        conn: sqlite3.Connection,
        path: Path,
        matter: HashingMaterial,
        meta: dict[str, str],
        *,
        read_only: bool,
        immutable: bool,
        lock_timeout: float,
    ) -> None:
        """Wrap an open, checked connection; use :meth:`open` instead."""
        self._conn = conn
        self._path = path
        self._matter = matter
        self._meta = meta
        self._read_only = read_only
        self._immutable = immutable
        self._signature = _sqlite.file_signature(path) if immutable else None
        self._lock_timeout = lock_timeout
        self._lock = threading.RLock()
        self._closed = False
        self._index: Any = None
        self._index_version: int | None = None
        self._len: tuple[int, int] | None = None

    # -- opening and closing -----------------------------------------------------

    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str],
        key: SuppressionKey | HashingMaterial,
        /,
        *,
        create: bool = True,
        read_only: bool = False,
        lock_timeout: float = _sqlite.DEFAULT_LOCK_TIMEOUT_S,
        now: datetime | None = None,
    ) -> SuppressionList:
        """Open the list at ``path`` with its key, creating it if allowed.

        Args:
            path: the list file; its folder must exist.
            key: the list's :class:`SuppressionKey` (or its ``HashingMaterial``).
            create: create an empty list when the file does not exist. Scripts
                that only filter should pass ``create=False``: a mistyped path
                then fails instead of filtering against an empty list.
            read_only: open without the right to write (``mode=ro``): for
                checking and filtering, also from read-only files and folders.
                Nothing is written, not even an audit row.
            lock_timeout: seconds a write may wait for other writers before
                :class:`ListLockedError`.
            now: the creation time to record (default: the current UTC time).

        Raises:
            ListNotFoundError: the folder is missing, or the file is missing and
                ``create`` is false or ``read_only`` is true.
            NotASuppressionListError: the file is not a locosuppress list.
            KeyMismatchError: the list was made with another key (checked
                before anything else is read or written).
            UnsupportedFormatError: a newer locosuppress wrote the file.
            ReadOnlyListError: a writable open of a file or folder this process
                cannot write.
            ListCorruptedError: the file is truncated or damaged (it is left as is).
        """
        matter = _material(key)
        path = Path(path)
        _sqlite.require_folder(path)
        if path.is_symlink() and not path.exists():
            raise ListNotFoundError(
                f"{path} is a symbolic link to a missing file; lists are not created through links"
            )
        if not path.exists():
            if read_only or not create:
                why = "read_only=True never creates a list" if read_only else "create=False"
                raise ListNotFoundError(f"no suppression list at {path} ({why})")
            if not _sqlite.folder_writable(path):
                raise ReadOnlyListError(f"cannot create {path}: its folder is not writable")
            moment = _utc(now)
            _sqlite.create_database(
                path,
                meta={
                    "format_version": str(_sqlite.FORMAT_VERSION),
                    "normalization": NORMALIZATION_VERSION,
                    "fingerprint": matter.fingerprint,
                    "created_at": iso(moment),
                    "index_stale": "0",
                    "created_by": f"locosuppress {__version__}",
                },
                audit=(int(moment.timestamp()), "create", __version__),
                lock_timeout=lock_timeout,
            )
        if not read_only and not (
            os.access(path, os.R_OK | os.W_OK) and _sqlite.folder_writable(path)
        ):
            raise ReadOnlyListError(
                f"{path} or its folder cannot be written by this process; open it with "
                "read_only=True to check and filter"
            )
        _sqlite.check_header(path)
        # The key is checked on a read-only connection: nothing (not even a
        # checkpoint on close) can write before it has been accepted.
        with _sqlite.sqlite_errors(path):
            conn, immutable = _sqlite.connect(path, read_only=True, lock_timeout=lock_timeout)
            try:
                meta = _validated_meta(conn, path, matter)
            except BaseException:
                conn.close()
                raise
            if not read_only:
                conn.close()
                conn, immutable = _sqlite.connect(path, read_only=False, lock_timeout=lock_timeout)
                try:
                    meta = _validated_meta(conn, path, matter)
                    _sqlite.apply_write_pragmas(conn, path, lock_timeout)
                except BaseException:
                    conn.close()
                    raise
        return cls(
            conn,
            path,
            matter,
            meta,
            read_only=read_only,
            immutable=immutable,
            lock_timeout=lock_timeout,
        )

    def close(self) -> None:
        """Close the list (idempotent); the write-ahead log is checkpointed by SQLite."""
        with self._lock:
            if not self._closed:
                self._closed = True
                self._index = None
                self._conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        mode = ", read_only" if self._read_only else ""
        state = ", closed" if self._closed else ""
        return f"<SuppressionList {str(self._path)!r} fingerprint={self.fingerprint}{mode}{state}>"

    # -- properties ------------------------------------------------------------------

    @property
    def path(self) -> Path:
        """The list file."""
        return self._path

    @property
    def read_only(self) -> bool:
        """True when opened with ``read_only=True``: nothing is ever written."""
        return self._read_only

    @property
    def closed(self) -> bool:
        """True after :meth:`close`."""
        return self._closed

    def hashing_material(self) -> HashingMaterial:
        """Return the hashing subkeys the list was opened with (for the filter)."""
        return self._matter

    @property
    def fingerprint(self) -> str:
        """The public fingerprint of the list's key."""
        return self._meta["fingerprint"]

    @property
    def normalization(self) -> str:
        """The normalisation rule set of the hashes (``"v1"``)."""
        return self._meta["normalization"]

    @property
    def format_version(self) -> int:
        """The file format version."""
        return int(self._meta["format_version"])

    @property
    def created_at(self) -> datetime:
        """When the list was created (UTC)."""
        return datetime.strptime(self._meta["created_at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)

    # -- plumbing ----------------------------------------------------------------------

    def _ensure_open(self) -> None:
        if self._closed:
            raise ListClosedError("this suppression list is closed; open it again")

    def _guard_snapshot(self) -> None:
        if self._immutable and _sqlite.file_signature(self._path) != self._signature:
            raise ListLockedError(
                f"{self._path} changed while it was open read-only from a read-only folder; "
                "answers could be stale, so reopen the list"
            )

    def _read(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        with self._lock:
            self._ensure_open()
            self._guard_snapshot()
            result = _sqlite.run_read(
                self._conn, fn, path=self._path, lock_timeout=self._lock_timeout
            )
            self._guard_snapshot()
            return result

    def _write(self, fn: Callable[[sqlite3.Connection], T], *, changes_entries: bool = True) -> T:
        with self._lock:
            self._ensure_open()
            if self._read_only:
                raise ReadOnlyListError(
                    f"{self._path} was opened with read_only=True; open it without to write"
                )
            result = _sqlite.run_write(
                self._conn, fn, path=self._path, lock_timeout=self._lock_timeout
            )
            if changes_entries:
                self._index = None
                self._len = None
            return result

    def _data_version(self) -> int:
        with _sqlite.sqlite_errors(self._path):
            (version,) = self._conn.execute("PRAGMA data_version").fetchone()
        return int(version)

    # -- adding ------------------------------------------------------------------------

    def add(
        self,
        email: object,
        /,
        *,
        scope: str = "all",
        reason: str = "unsubscribed",
        source: str | None = None,
        now: datetime | None = None,
    ) -> bool:
        """Suppress one address for ``scope``; return True when the entry is new.

        An existing entry keeps its first reason, time and source.

        Raises:
            InvalidEmailError: ``email`` is not an address (the message names
                the rule, never the value).
            ValueError: unknown ``scope`` or ``reason``, or a bad ``source`` label.
            ReadOnlyListError: the list was opened read-only.
        """
        scope_code = option_code(scope, SCOPES, "scope")
        reason_code = option_code(reason, REASONS, "reason")
        label = check_source(source)
        digest = self._matter.hash_email(email)
        return self._add_one(
            digest,
            KIND_EMAIL,
            "add",
            scope=scope,
            reason=reason,
            codes=(scope_code, reason_code),
            label=label,
            now=now,
        )

    def _add_one(
        self,
        digest: bytes,
        kind: int,
        operation: str,
        *,
        scope: str,
        reason: str,
        codes: tuple[int, int],
        label: str | None,
        now: datetime | None,
    ) -> bool:
        """Insert one checked entry and its audit row in one transaction; True when new."""
        at = int(_utc(now).timestamp())

        def work(conn: sqlite3.Connection) -> bool:
            sid = _source_id(conn, label)
            cur = conn.execute(
                "INSERT OR IGNORE INTO entries (hash, kind, scope, reason, added_at, source) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (digest, kind, *codes, at, sid),
            )
            new = cur.rowcount == 1
            _audit(
                conn,
                operation,
                at,
                scope=scope,
                reason=reason,
                source=sid,
                total=1,
                added=int(new),
                already_present=int(not new),
                invalid=0,
            )
            return new

        return self._write(work)

    def add_many(
        self,
        emails: Iterable[object] | pd.Series,
        /,
        *,
        scope: str = "all",
        reason: str = "unsubscribed",
        source: str | None = None,
        now: datetime | None = None,
        workers: int | None = None,
    ) -> AddReport:
        """Suppress many addresses in one durable transaction.

        Normalisation and hashing are vectorised; the batch is sorted by hash
        and inserted in one transaction, so a million addresses take seconds.

        Args:
            emails: any iterable of values or a pandas Series (any dtype).
            scope, reason, source, now: as for :meth:`add`.
            workers: deprecated and ignored (a ``DeprecationWarning``); for
                several cores use :mod:`locosuppress.dask`.

        Returns:
            An :class:`AddReport`; every input is counted once as added,
            already present or invalid (with its 0-based position).

        Raises:
            ValueError: unknown ``scope`` or ``reason``, or a bad ``source`` label.
            TypeError: a single string (use :meth:`add`) or a whole DataFrame was passed.
            ReadOnlyListError: the list was opened read-only.
        """
        accept_workers(workers)
        scope_code = option_code(scope, SCOPES, "scope")
        reason_code = option_code(reason, REASONS, "reason")
        label = check_source(source)
        at = int(_utc(now).timestamp())
        if isinstance(emails, str | bytes):
            raise TypeError("add_many takes a collection of addresses; use add() for one")
        if isinstance(emails, pd.DataFrame):
            raise TypeError("add_many takes one column: pass frame['email'], not the frame")
        series = as_series(emails)
        parts: list[npt.NDArray[np.uint8]] = []
        invalid: list[npt.NDArray[np.intp]] = []
        n_valid = 0
        for start in range(0, len(series), _CHUNK):
            canonical, digests = canonical_and_hashes(
                series.iloc[start : start + _CHUNK], self._matter
            )
            valid = np.asarray(canonical.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
            invalid.append(np.flatnonzero(~valid) + start)
            n_valid += int(valid.sum())
            parts.append(digests[valid])
        everything = np.concatenate(parts) if parts else np.empty((0, HASH_SIZE), np.uint8)
        hashes = _unique_sorted(everything)
        positions = tuple(int(p) for p in (np.concatenate(invalid) if invalid else ()))

        def work(conn: sqlite3.Connection) -> int:
            sid = _source_id(conn, label)
            added = _insert_hashes(
                conn,
                hashes,
                kind=KIND_EMAIL,
                scope=scope_code,
                reason=reason_code,
                at=at,
                source=sid,
            )
            _audit(
                conn,
                "add_many",
                at,
                scope=scope,
                reason=reason,
                source=sid,
                total=len(series),
                added=added,
                already_present=n_valid - added,
                invalid=len(positions),
            )
            return added

        added = self._write(work)
        if added >= PENDING_LIMIT:
            # A bulk load: fold it into the index snapshot now, so that the
            # next open (read-only ones too) reads one snapshot instead of
            # every new row.
            self.index()
        return AddReport(
            added=added,
            already_present=n_valid - added,
            invalid=len(positions),
            invalid_positions=positions,
        )

    def add_domain(
        self,
        domain: object,
        /,
        *,
        scope: str = "all",
        reason: str = "manual",
        source: str | None = None,
        now: datetime | None = None,
    ) -> bool:
        """Suppress every address at a domain (rule 6 normalises it); True when new.

        Raises:
            InvalidDomainError: ``domain`` is not a domain name.
            ValueError: unknown ``scope`` or ``reason``, or a bad ``source`` label.
            ReadOnlyListError: the list was opened read-only.
        """
        scope_code = option_code(scope, SCOPES, "scope")
        reason_code = option_code(reason, REASONS, "reason")
        label = check_source(source)
        digest = self._matter.hash_domain(domain)
        return self._add_one(
            digest,
            KIND_DOMAIN,
            "add_domain",
            scope=scope,
            reason=reason,
            codes=(scope_code, reason_code),
            label=label,
            now=now,
        )

    # -- removing ----------------------------------------------------------------------

    def _remove(
        self, digest: bytes, kind: int, operation: str, scope: str | None, reason: str, at: int
    ) -> bool:
        scopes = _remove_scopes(scope)

        def work(conn: sqlite3.Connection) -> int:
            marks = ",".join("?" * len(scopes))
            cur = conn.execute(
                f"DELETE FROM entries WHERE hash = ? AND kind = ? AND scope IN ({marks})",
                (digest, kind, *scopes),
            )
            _audit(conn, operation, at, scope=scope, reason=reason, total=1, removed=cur.rowcount)
            return cur.rowcount

        removed = self._write(work)
        if removed:
            with self._lock:
                _sqlite.checkpoint_truncate(self._conn)
        return removed > 0

    def remove(
        self,
        email: object,
        /,
        *,
        scope: str | None = None,
        reason: str = "resubscribed",
        now: datetime | None = None,
    ) -> bool:
        """Lift the suppression of one address, for a person who gave fresh consent.

        ``scope=None`` removes every scope of the address, a named scope only
        that one. A domain entry covering the address stays (see
        :meth:`remove_domain`). The audit log records the removal (counts only).

        Returns:
            True when at least one entry was removed.

        Raises:
            InvalidEmailError: ``email`` is not an address.
            ValueError: unknown ``scope`` or ``reason``.
            ReadOnlyListError: the list was opened read-only.
        """
        _remove_scopes(scope)
        check_remove_reason(reason)
        at = int(_utc(now).timestamp())
        return self._remove(self._matter.hash_email(email), KIND_EMAIL, "remove", scope, reason, at)

    def remove_domain(
        self,
        domain: object,
        /,
        *,
        scope: str | None = None,
        reason: str = "manual",
        now: datetime | None = None,
    ) -> bool:
        """Lift a domain suppression (``scope=None``: every scope); True when removed.

        Raises:
            InvalidDomainError: ``domain`` is not a domain name.
            ValueError: unknown ``scope`` or ``reason``.
            ReadOnlyListError: the list was opened read-only.
        """
        _remove_scopes(scope)
        check_remove_reason(reason)
        at = int(_utc(now).timestamp())
        digest = self._matter.hash_domain(domain)
        return self._remove(digest, KIND_DOMAIN, "remove_domain", scope, reason, at)

    # -- membership --------------------------------------------------------------------

    def _lookup(self, canonical: str, scopes: tuple[int, ...]) -> bool:
        email_hash = self._matter.hash_canonical(canonical)
        domain_hash = self._matter.hash_canonical_domain(canonical.rpartition("@")[2])
        marks = ",".join("?" * len(scopes))
        sql = (
            "SELECT EXISTS (SELECT 1 FROM entries "
            f"WHERE hash = ? AND kind = 0 AND scope IN ({marks})) "
            "OR EXISTS (SELECT 1 FROM entries "
            f"WHERE hash = ? AND kind = 1 AND scope IN ({marks}))"
        )
        params = (email_hash, *scopes, domain_hash, *scopes)
        return self._read(lambda conn: bool(conn.execute(sql, params).fetchone()[0]))

    def __contains__(self, email: object) -> bool:
        """Tell whether an address is suppressed in any scope; False for non-addresses."""
        try:
            canonical = normalize_email(email)
        except ValueError:
            return False
        return self._lookup(canonical, CHANNELS[None])

    def is_suppressed(self, email: object, /, *, channel: str | None = None) -> bool:
        """Tell whether an address must not be contacted on ``channel``.

        ``"newsletter"`` is blocked by scopes ``all`` and ``newsletter``,
        ``"post"`` by ``all`` and ``post``, ``None`` by any scope; an entry for
        the address's domain counts like one for the address.

        Raises:
            InvalidEmailError: ``email`` is not an address.
            ValueError: unknown ``channel``.
        """
        scopes = channel_scopes(channel)
        return self._lookup(normalize_email(email), scopes)

    def __len__(self) -> int:
        """The number of distinct suppressed addresses and domains."""
        with self._lock:
            version = self._data_version() if not self._closed else None
            if self._len is not None and self._len[0] == version:
                return self._len[1]
            n = self._read(
                lambda conn: int(
                    conn.execute(
                        "SELECT count(*) FROM (SELECT DISTINCT hash, kind FROM entries)"
                    ).fetchone()[0]
                )
            )
            if version is not None:
                self._len = (version, n)
            return n

    # -- the in-memory index (locosuppress._index) ----------------------------------------

    def index(self) -> SuppressionIndex:
        """Return the compact in-memory index of the list, loading it when needed.

        Cached on this instance; reloaded after a write through this instance
        or a commit by another connection (``PRAGMA data_version``). When the
        list is writable, :func:`locosuppress._index.load_index` may write a
        new snapshot; the pages this frees are then returned to the file system.
        """
        with self._lock:
            self._ensure_open()
            self._guard_snapshot()
            version = self._data_version()
            if self._index is None or self._index_version != version:
                from locosuppress._index import load_index

                writable = not self._read_only
                with _sqlite.sqlite_errors(self._path):
                    self._index = _sqlite.retry(
                        lambda: load_index(self._conn, writable=writable),
                        path=self._path,
                        lock_timeout=self._lock_timeout,
                    )
                if writable:
                    # A new snapshot empties `pending`: give those pages back.
                    _sqlite.reclaim_free_pages(
                        self._conn, path=self._path, lock_timeout=self._lock_timeout
                    )
                self._index_version = version
            index: SuppressionIndex = self._index
            return index

    def _record_filter_run(self, report: FilterReport, *, source: str | None, at: int) -> bool:
        """Write the audit row of one filter run (counts only); False when read-only."""
        channel_scopes(report.channel)
        label = check_source(source)
        if self._read_only:
            return False

        def work(conn: sqlite3.Connection) -> None:
            _audit(
                conn,
                "filter",
                at,
                channel=report.channel,
                source=_source_id(conn, label),
                total=report.total,
                kept=report.kept,
                suppressed=report.suppressed,
                invalid=report.invalid,
                duplicates=report.duplicates,
            )

        self._write(work, changes_entries=False)
        return True

    # -- filtering (locosuppress.filtering) -----------------------------------------------

    def filter(
        self,
        frame: pd.DataFrame,
        /,
        *,
        column: Hashable | None = None,
        channel: str | None = None,
        on_invalid: str = "exclude",
        dedupe: bool = True,
        source: str | None = None,
        now: datetime | None = None,
        workers: int | None = None,
    ) -> FilterResult:
        """Filter an imported mailing DataFrame against this list.

        Each row gets one outcome, in this order: invalid (missing or not an
        address), suppressed, duplicate (``dedupe``: a later row with the same
        canonical address as an earlier kept row), kept. The input is never
        modified; the run's counts (never an address) go to the audit log.

        Args:
            frame: the mailing database.
            column: the address column; found by name when None.
            channel: ``None`` (any scope suppresses), ``"newsletter"`` or ``"post"``.
            on_invalid: ``"exclude"`` (default) or ``"keep"`` rows without a
                usable address; they are reported either way.
            dedupe: drop later rows with an address already kept.
            source: label for the audit log; defaults to the file name that
                ``read_mailing_file`` recorded in ``frame.attrs``.
            now: the time recorded in the audit log (default: the current UTC time).
            workers: deprecated and ignored (a ``DeprecationWarning``); for
                several cores use :mod:`locosuppress.dask` (``docs/dask.md``).

        Returns:
            A :class:`~locosuppress.FilterResult` with ``kept``, ``report`` and
            the index labels of the removed rows.

        Raises:
            SchemaError: no, several, or a missing address column.
            LocosuppressError: the list is closed, unreadable or damaged; no
                result is returned (fail closed).
        """
        accept_workers(workers)
        result = filter_frame(
            frame,
            self.index(),
            self._matter,
            column=column,
            channel=channel,
            on_invalid=on_invalid,
            dedupe=dedupe,
        )
        return attrs.evolve(
            result,
            report=self.record_filter_run(result.report, source=_label_of(frame, source), now=now),
        )

    def record_filter_run(
        self, report: FilterReport, /, *, source: str | None = None, now: datetime | None = None
    ) -> FilterReport:
        """Write a filter run's counts (never an address) to the audit log.

        Used by :meth:`filter` and :func:`locosuppress.dask.filter`, and by
        any other engine that filters against :meth:`index`.

        Returns:
            ``report`` with ``audited`` set: False when the list is read-only
            and nothing was written.
        """
        at = int(_utc(now).timestamp())
        return attrs.evolve(report, audited=self._record_filter_run(report, source=source, at=at))

    # -- reporting ------------------------------------------------------------------------

    def stats(self) -> ListStats:
        """Return counts by scope, by reason and by month added (a report object)."""

        def work(conn: sqlite3.Connection) -> ListStats:
            by_scope = dict.fromkeys(SCOPES, 0)
            by_reason = dict.fromkeys(REASONS, 0)
            by_month: dict[str, int] = {}
            entries = 0
            for scope, reason, month, n in conn.execute(
                "SELECT scope, reason, strftime('%Y-%m', added_at, 'unixepoch'), count(*) "
                "FROM entries GROUP BY 1, 2, 3"
            ):
                entries += n
                name = SCOPE_NAMES.get(scope, f"unknown-{scope}")
                by_scope[name] = by_scope.get(name, 0) + n
                rname = REASON_NAMES.get(reason, f"unknown-{reason}")
                by_reason[rname] = by_reason.get(rname, 0) + n
                by_month[month] = by_month.get(month, 0) + n
            kinds = dict(
                conn.execute(
                    "SELECT kind, count(*) FROM (SELECT DISTINCT hash, kind FROM entries) "
                    "GROUP BY kind"
                ).fetchall()
            )
            emails, domains = int(kinds.get(KIND_EMAIL, 0)), int(kinds.get(KIND_DOMAIN, 0))
            return ListStats(
                total=emails + domains,
                emails=emails,
                domains=domains,
                entries=entries,
                by_scope=by_scope,
                by_reason=by_reason,
                by_month=dict(sorted(by_month.items())),
                fingerprint=self.fingerprint,
                normalization=self.normalization,
                format_version=self.format_version,
                created_at=self.created_at,
            )

        return self._read(work)

    def audit(self) -> pd.DataFrame:
        """Return the audit log: one row per add, remove, merge, export, backup and filter run.

        Columns: ``time`` (UTC), ``operation``, the counts (``total``,
        ``added``, ``already_present``, ``removed``, ``invalid``, ``kept``,
        ``suppressed``, ``duplicates``; NA where they do not apply),
        ``scope``, ``reason``, ``channel``, ``source`` and ``library_version``.
        Never an address or a hash.
        """
        columns = ("at", "operation", *_AUDIT_COLUMNS, "scope", "reason", "channel")
        rows = self._read(
            lambda conn: conn.execute(
                f"SELECT {', '.join('a.' + c for c in columns)}, s.label, a.library_version "
                "FROM audit AS a LEFT JOIN sources AS s ON s.id = a.source ORDER BY a.id"
            ).fetchall()
        )
        frame = pd.DataFrame(rows, columns=[*columns, "source", "library_version"])
        times = pd.to_datetime(frame["at"].astype("int64"), unit="s", utc=True)
        out = pd.DataFrame({"time": times})
        out["operation"] = frame["operation"].astype("string")
        for column in _AUDIT_COLUMNS:
            out[column] = frame[column].astype("Int64")
        for column in ("scope", "reason", "channel", "source", "library_version"):
            out[column] = frame[column].astype("string")
        return out

    def verify(self, *, quick: bool = False) -> VerifyReport:
        """Check the file with SQLite and the list's own invariants; never raises for damage.

        Checks: ``PRAGMA integrity_check`` (or ``quick_check``), the meta
        entries, the schema objects, every hash 32 bytes, known kinds, scopes
        and reasons, known sources, and that ``pending`` is a subset of
        ``entries``. Damage that stops SQLite from reading is reported as a
        problem too. The caller decides: ``report.ok``, or
        ``report.raise_for_problems()``; the CLI exits non-zero when not ok.
        """
        problems: list[str] = []
        counts = [0, 0]
        known_reasons = ",".join(str(c) for c in REASONS.values())
        checks = (
            (
                "entries whose hash is not 32 bytes",
                "SELECT count(*) FROM entries WHERE typeof(hash) <> 'blob' OR length(hash) <> 32",
            ),
            ("entries of an unknown kind", "SELECT count(*) FROM entries WHERE kind NOT IN (0, 1)"),
            (
                "entries of an unknown scope",
                "SELECT count(*) FROM entries WHERE scope NOT IN (1, 2, 4)",
            ),
            (
                "entries of an unknown reason",
                f"SELECT count(*) FROM entries WHERE reason NOT IN ({known_reasons})",
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

        def work(conn: sqlite3.Connection) -> None:
            pragma = "quick_check" if quick else "integrity_check"
            result = [str(r[0]) for r in conn.execute(f"PRAGMA {pragma}")]
            if result != ["ok"]:
                problems.extend(f"SQLite {pragma}: {line}" for line in result[:20])
            objects = {
                (str(t), str(n)) for t, n in conn.execute("SELECT type, name FROM sqlite_master")
            }
            for table in sorted(_sqlite.TABLES):
                if ("table", table) not in objects:
                    problems.append(f"the table {table!r} is missing")
            for trigger in sorted(_sqlite.TRIGGERS):
                if ("trigger", trigger) not in objects:
                    problems.append(f"the trigger {trigger!r} is missing")
            if problems:
                return
            meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
            for key in _sqlite.META_KEYS:
                if key not in meta:
                    problems.append(f"the meta entry {key!r} is missing")
            if meta.get("fingerprint") not in (None, self._matter.fingerprint):
                problems.append("the meta key fingerprint does not match the key")
            if meta.get("index_stale") not in (None, "0", "1"):
                problems.append("the meta entry 'index_stale' is neither '0' nor '1'")
            for what, sql in checks:
                (n,) = conn.execute(sql).fetchone()
                if n:
                    problems.append(f"{n:,} {what}")
            counts[0] = int(conn.execute("SELECT count(*) FROM entries").fetchone()[0])
            counts[1] = int(conn.execute("SELECT count(*) FROM pending").fetchone()[0])

        try:
            self._read(work)
        except (sqlite3.Error, OSError) as exc:
            if isinstance(exc, ListLockedError):
                raise
            problems.append(f"SQLite could not read the file: {exc}")
        return VerifyReport(
            problems=tuple(problems), entries=counts[0], pending=counts[1], quick=quick
        )

    # -- copies: backup, export, merge ---------------------------------------------------

    def backup(self, path: str | os.PathLike[str], /, *, now: datetime | None = None) -> Path:
        """Write a consistent copy of the whole list to a new file (SQLite's backup API).

        The copy is made in a temp file beside ``path``, checked with
        ``quick_check``, fsynced and then given its name; an existing file is
        never overwritten. The copy is a single self-contained file in
        rollback-journal mode (no ``-wal``, so it can be read from read-only
        media), opened like any list with the same key.

        Returns:
            The path of the backup.

        Raises:
            OutputExistsError: ``path`` exists.
            ListNotFoundError: the folder of ``path`` does not exist.
            ListCorruptedError: the copy failed its check.
        """
        target = Path(path)
        _check_new_file(target)
        moment = _utc(now)
        tmp = _sqlite.temp_beside(target)
        try:
            with self._lock:
                self._ensure_open()
                self._guard_snapshot()
                with _sqlite.sqlite_errors(self._path):
                    dst = sqlite3.connect(tmp, isolation_level=None)
                    try:
                        self._conn.backup(dst)
                        self._guard_snapshot()
                        # A rollback-journal copy needs no side files: it can be
                        # read from read-only media; opening it to write turns
                        # WAL back on.
                        dst.execute("PRAGMA journal_mode = DELETE").fetchall()
                        check = [str(r[0]) for r in dst.execute("PRAGMA quick_check")]
                    finally:
                        dst.close()
            if check != ["ok"]:
                raise ListCorruptedError(f"the backup copy failed its check: {check[0]}")
            _sqlite.fsync_file(tmp)
            _sqlite.publish(tmp, target)
        finally:
            _sqlite.remove_quietly(tmp)
        if not self._read_only:
            entries = self._read(
                lambda conn: int(conn.execute("SELECT count(*) FROM entries").fetchone()[0])
            )
            at = int(moment.timestamp())
            self._write(
                lambda conn: _audit(conn, "backup", at, total=entries), changes_entries=False
            )
        return target

    def export(
        self,
        path: str | os.PathLike[str],
        /,
        *,
        channel: str | None = None,
        now: datetime | None = None,
    ) -> ExportReport:
        """Write the portable export file, for a processor who holds the same key.

        The file holds a header (format, normalisation, key fingerprint, count,
        time) and one keyed hash per line with its kind and scope; no reasons,
        dates or sources. Written to a temp file, fsynced, then named; never
        overwrites. See ``docs/suppression-list.md`` for the byte layout.

        Args:
            path: the new file.
            channel: ``"newsletter"`` or ``"post"`` exports only the entries
                that block that channel; ``None`` exports every entry.
            now: the time to record in the header.

        Raises:
            OutputExistsError: ``path`` exists.
            ListNotFoundError: the folder of ``path`` does not exist.
            ValueError: unknown ``channel``.
        """
        scopes = channel_scopes(channel)
        target = Path(path)
        _check_new_file(target)
        moment = _utc(now)
        header = {
            "format": _export.EXPORT_FORMAT,
            "format_version": _export.EXPORT_VERSION,
            "normalization": self.normalization,
            "fingerprint": self.fingerprint,
            "created_at": iso(moment),
            "channel": channel,
            "columns": "hash(hex) kind(e=e-mail,d=domain) scope(a=all,n=newsletter,p=post)",
        }
        tmp = _sqlite.temp_beside(target)
        try:
            count = self._read(
                lambda conn: _export.write_export(conn, tmp, scopes=scopes, header=header)
            )
            _sqlite.publish(tmp, target)
        finally:
            _sqlite.remove_quietly(tmp)
        if not self._read_only:
            at = int(moment.timestamp())
            self._write(
                lambda conn: _audit(conn, "export", at, channel=channel, total=count),
                changes_entries=False,
            )
        return ExportReport(
            path=str(target),
            count=count,
            channel=channel,
            fingerprint=self.fingerprint,
            normalization=self.normalization,
            created_at=moment,
        )

    def merge(
        self,
        path: str | os.PathLike[str],
        /,
        *,
        reason: str = "import",
        source: str | None = None,
        now: datetime | None = None,
    ) -> AddReport:
        """Add every entry of an export file made under the same key and rules.

        All or nothing: the whole file (checksum included) is checked inside
        the transaction; a damaged file adds nothing.

        Returns:
            An :class:`AddReport` (``invalid`` is always 0: a bad line rejects the file).

        Raises:
            ListNotFoundError: ``path`` does not exist.
            NotASuppressionListError: ``path`` is not an export file.
            KeyMismatchError: the export was made with another key.
            IncompatibleExportError: the export was made under other normalisation rules.
            UnsupportedFormatError: a newer locosuppress wrote the export.
            ListCorruptedError: the file is truncated or damaged.
            ReadOnlyListError: the list was opened read-only.
        """
        reason_code = option_code(reason, REASONS, "reason")
        label = check_source(source)
        at = int(_utc(now).timestamp())
        source_path = Path(path)
        if self._read_only:
            raise ReadOnlyListError(f"{self._path} was opened with read_only=True")
        try:
            with source_path.open("rb") as fh:
                header, _ = _export.read_header(source_path, fh)
        except FileNotFoundError:
            raise ListNotFoundError(f"no export file at {source_path}") from None
        except IsADirectoryError:
            raise ListNotFoundError(f"{source_path} is a folder, not an export file") from None
        _export.check_compatible(
            source_path, header, fingerprint=self.fingerprint, normalization=self.normalization
        )

        def work(conn: sqlite3.Connection) -> tuple[int, int]:
            sid = _source_id(conn, label)
            added = total = 0
            with source_path.open("rb") as fh:
                head, first = _export.read_header(source_path, fh)
                _export.check_compatible(
                    source_path,
                    head,
                    fingerprint=self.fingerprint,
                    normalization=self.normalization,
                )
                for hashes, kinds, scopes in _export.read_body(source_path, fh, head, first):
                    total += len(hashes)
                    for kind in (KIND_EMAIL, KIND_DOMAIN):
                        for scope in SCOPES.values():
                            mask = (kinds == kind) & (scopes == scope)
                            if mask.any():
                                added += _insert_hashes(
                                    conn,
                                    _unique_sorted(hashes[mask]),
                                    kind=kind,
                                    scope=scope,
                                    reason=reason_code,
                                    at=at,
                                    source=sid,
                                )
            _audit(
                conn,
                "merge",
                at,
                reason=reason,
                source=sid,
                total=total,
                added=added,
                already_present=total - added,
                invalid=0,
            )
            return added, total

        added, total = self._write(work)
        return AddReport(added=added, already_present=total - added)


def _label_of(frame: pd.DataFrame, source: str | None) -> str | None:
    """The audit label: ``source``, or the file name ``read_mailing_file`` recorded."""
    if source is None:
        meta = frame.attrs.get("locosuppress")
        source = meta.get("source") if isinstance(meta, Mapping) else None
    return source


def _validated_meta(
    conn: sqlite3.Connection, path: Path, matter: HashingMaterial
) -> dict[str, str]:
    """Read ``meta`` and refuse another key, a newer format or other rules, in that order."""
    meta = _sqlite.read_meta(conn, path)
    if meta["fingerprint"] != matter.fingerprint:
        raise KeyMismatchError(
            f"{path} was made with the key of fingerprint {meta['fingerprint']}, but the key "
            f"given has fingerprint {matter.fingerprint}. Use the list's own key "
            "(fingerprints are public and safe to compare)."
        )
    try:
        version = int(meta["format_version"])
    except ValueError:
        raise ListCorruptedError(f"{path} has a damaged format version in its meta table") from None
    if version > _sqlite.FORMAT_VERSION:
        raise UnsupportedFormatError(
            f"{path} uses list format {version}, newer than this locosuppress reads "
            f"({_sqlite.FORMAT_VERSION}); upgrade locosuppress (pip install -U locosuppress)"
        )
    if meta.get("normalization") != NORMALIZATION_VERSION:
        raise UnsupportedFormatError(
            f"{path} uses normalisation rules {meta.get('normalization')!r}; this locosuppress "
            f"knows {NORMALIZATION_VERSION!r}. Upgrade locosuppress."
        )
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    missing = sorted(_sqlite.TABLES - tables)
    if missing:
        raise ListCorruptedError(
            f"{path} lacks the table(s) {', '.join(missing)}; restore a backup"
        )
    return meta


def _check_new_file(path: Path) -> None:
    _sqlite.require_folder(path)
    if path.exists() or path.is_symlink():
        raise OutputExistsError(f"{path} exists; it is never overwritten. Choose another path.")
