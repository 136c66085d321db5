"""The permanent suppression list: keyed hashes in a SQLite file or a PostgreSQL schema.

Layer 4: may import layers 0-3 (``errors``, ``_vocabulary``, ``_fs``,
``_compat``, ``reports``, ``_version``; ``normalize``, ``_index``; ``keys``;
``filtering``), never ``io``, ``events`` or anything above. It holds:

* ``_list``: the :class:`SuppressionList` facade: checks options, hashes,
  and hands over to the function modules below;
* ``_session``: the lock, the closed/read-only state and the caches;
* ``_open``: opening and creating lists, the header and key checks;
* ``_rotation``: key rotation by wrapping every stored hash (``rotate_key``);
* ``_entries``, ``_audit``, ``_snapshot``, ``_verify``, ``_transfer``
  (backup, export, merge) with ``_export`` (the export file format), and
  ``_reports`` (the report values);
* ``_backend``: the one seam to the storage (protocols, no SQL), implemented
  for SQLite by ``_sqlite_backend`` (the SQL of each operation) over
  ``_sqlite`` (connections, retries, errors, schema), and for PostgreSQL by
  ``_postgres_backend`` over ``_postgres`` (``docs/postgres.md``; psycopg is
  imported only when a ``postgresql://`` location is opened).

A :class:`SuppressionList` holds, for each suppressed person or domain, the
32-byte keyed hash of its canonical form (``docs/hash-contract.md``), a
scope, a reason, the time it was added and an optional source label. It
never holds an address, a canonical form or an unkeyed hash: not in the
database, the write-ahead log, temp files, the audit log, exports, backups,
log lines or exception messages (messages point at positions instead).

Design, with the reasons (more in ``docs/suppression-list.md``):

* **One file, standard library.** SQLite through :mod:`sqlite3`; the tables
  ``meta``, ``entries``, ``pending`` and ``index_snapshot`` are a contract with
  ``_snapshot``. ``entries`` is a ``WITHOUT ROWID`` table keyed by
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

from locosuppress._vocabulary import CHANNELS, REASONS, REMOVE_REASONS, SCOPES
from locosuppress.errors import ListClosedError as ListClosedError
from locosuppress.store._list import SuppressionList
from locosuppress.store._reports import AddReport, ExportReport, ListStats, VerifyReport
from locosuppress.store._rotation import RotationReport

__all__ = [
    "CHANNELS",
    "REASONS",
    "REMOVE_REASONS",
    "SCOPES",
    "AddReport",
    "ExportReport",
    "ListStats",
    "RotationReport",
    "SuppressionList",
    "VerifyReport",
]
