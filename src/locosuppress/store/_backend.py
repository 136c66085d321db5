"""The one seam between the suppression list and its storage (private).

Everything the list needs from a database is named here as a
:class:`typing.Protocol`, in the list's own words (entries, sources, audit
rows, the index snapshot), never in SQL:

* :class:`Backend`: one open list: transactions, the
  upkeep after removals and snapshots, copies, closing;
* :class:`Reader`: the queries one read transaction may run;
* :class:`Writer`: a :class:`Reader` that may also write, in one write
  transaction that commits durably when the function passed to
  :meth:`Backend.write` returns, and rolls back when it raises.

Two backends implement the three protocols: SQLite (``_sqlite_backend``,
over ``_sqlite``) and PostgreSQL (``_postgres_backend``, over ``_postgres``);
``_open`` chooses one by the location. The facade and its function modules
never see SQL or a driver.

Codes stored through the seam come from :mod:`locosuppress._vocabulary`
(kinds, scopes, reasons); times are integer seconds since the epoch (UTC).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, Final, Protocol, TypeVar

import attrs
import numpy as np
import numpy.typing as npt

from locosuppress._version import __version__

__all__ = [
    "AUDIT_COUNTS",
    "CHAIN_META",
    "FORMAT_WITH_KINDS",
    "META_KEYS",
    "AuditRow",
    "Backend",
    "FullRow",
    "Reader",
    "Row",
    "Writer",
]

T = TypeVar("T")

#: One entry key as stored: the 32-byte keyed hash, its kind and its scope code.
Row = tuple[bytes, int, int]

#: One whole entry, for copies between lists: hash, kind, scope, reason code,
#: time added and the source label (None when none).
FullRow = tuple[bytes, int, int, int, int, "str | None"]

#: The meta entries every list holds (strings), written when it is created.
#: The list format that may hold entries of every kind (wildcards, foreign
#: digests): a list of format 1 is raised to it, in the writing transaction,
#: when it first gets such an entry, so that an older locosuppress (which
#: would not see them, and mail those people) refuses it.
FORMAT_WITH_KINDS: Final = 2
#: The meta entry of a rotated list's key chain: fingerprints, oldest first, comma-separated.
CHAIN_META: Final = "key_chain"
META_KEYS: Final = ("format_version", "normalization", "fingerprint", "created_at", "index_stale")

#: The counts an audit row may carry, in the audit frame's column order.
AUDIT_COUNTS: Final = (
    "total",
    "added",
    "already_present",
    "removed",
    "invalid",
    "kept",
    "suppressed",
    "duplicates",
)


@attrs.frozen
class AuditRow:
    """One audit-log row: what happened, when, and counts (never an address or hash)."""

    at: int
    operation: str
    counts: Mapping[str, int] = attrs.field(factory=dict)
    scope: str | None = None
    reason: str | None = None
    channel: str | None = None
    source: int | None = None
    library_version: str = __version__

    def count(self, name: str) -> int | None:
        """The count ``name`` (one of :data:`AUDIT_COUNTS`), or None when not recorded."""
        return self.counts.get(name)

    def values(self) -> tuple[object, ...]:
        """The row as every backend stores it, in column order.

        ``at``, ``operation``, the :data:`AUDIT_COUNTS`, ``scope``, ``reason``,
        ``channel``, ``source``, ``library_version``.
        """
        return (
            self.at,
            self.operation,
            *(self.count(c) for c in AUDIT_COUNTS),
            self.scope,
            self.reason,
            self.channel,
            self.source,
            self.library_version,
        )


class Reader(Protocol):
    """The queries of one read transaction (a consistent snapshot of the list)."""

    def meta(self) -> dict[str, str]:
        """The meta entries as stored."""
        ...

    def version(self) -> int:
        """The list's data version: a stored counter (0 when never raised).

        Every transaction that may change entries raises it
        (:meth:`Writer.bump_version`), whichever process writes, so it never
        goes back and also counts this connection's own commits; audit rows
        and index snapshots leave it alone. SQLite keeps it in ``meta``;
        PostgreSQL's change counter is it, and also stamps each entry written,
        so that :meth:`changes_since` can fetch only what changed. It is
        behind ``SuppressionList.data_version()``, the cached index and
        ``len()``, and the Dask filter's compute-time check.
        """
        ...

    def exists(self, keys: Iterable[tuple[bytes, int]], scopes: tuple[int, ...]) -> bool:
        """Whether an entry of one of the ``(hash, kind)`` keys exists in one of ``scopes``."""
        ...

    def count_distinct(self) -> int:
        """Distinct (hash, kind) pairs: suppressed addresses plus domains."""
        ...

    def count_entries(self) -> int:
        """Rows of ``entries`` (one per hash, kind and scope)."""
        ...

    def count_pending(self) -> int:
        """Entries added since the index snapshot was written."""
        ...

    def kind_counts(self) -> dict[int, int]:
        """Distinct hashes per kind code."""
        ...

    def stats_rows(self) -> Iterable[tuple[int, int, str, int]]:
        """``(scope, reason, "YYYY-MM", entries)`` groups, by month added in UTC."""
        ...

    def audit_rows(self) -> list[tuple[Any, ...]]:
        """Audit rows, oldest first.

        Each row: ``at``, ``operation``, the :data:`AUDIT_COUNTS`, ``scope``,
        ``reason``, ``channel``, the source label and ``library_version``.
        """
        ...

    def export_count(self, scopes: tuple[int, ...]) -> int:
        """Entries in ``scopes``."""
        ...

    def export_rows(self, scopes: tuple[int, ...], chunk: int) -> Iterator[list[Row]]:
        """Entries in ``scopes`` sorted by hash, kind and scope, ``chunk`` rows at a time."""
        ...

    def full_rows(self, chunk: int) -> Iterator[list[FullRow]]:
        """Every whole entry, sorted by hash, kind and scope, ``chunk`` rows at a time."""
        ...

    def index_state(self) -> tuple[bool, int]:
        """Whether the index snapshot is stale (a removal), and how many entries are pending."""
        ...

    def snapshot(self) -> bytes:
        """The stored index snapshot (``SuppressionIndex.to_bytes``); empty when none."""
        ...

    def entry_rows(self) -> Iterable[Row]:
        """Every entry key (a cursor: ``SuppressionIndex.merged_rows`` reads it in batches)."""
        ...

    def pending_rows(self) -> Iterable[Row]:
        """The entry keys added since the snapshot."""
        ...

    def changes_since(self, version: int) -> tuple[int, list[Row]] | None:
        """The entry keys written after :meth:`version` was ``version``.

        Returns ``(the data version now, rows)``, or None when the storage cannot
        tell, or entries were removed since (the caller then loads everything).
        """
        ...

    def integrity_problems(self, *, quick: bool) -> list[str]:
        """The storage's own consistency check: empty when it passes."""
        ...

    def schema_problems(self) -> list[str]:
        """Missing tables, triggers or other schema objects: empty when complete."""
        ...

    def invariant_violations(self) -> list[tuple[str, int]]:
        """``(what, how many)`` for each broken invariant of the stored rows."""
        ...


class Writer(Reader, Protocol):
    """A :class:`Reader` inside a write transaction."""

    def bump_version(self) -> None:
        """Raise the data version by one, in this transaction."""
        ...

    def source_id(self, label: str | None) -> int | None:
        """The id of a source label (added when new); None for None."""
        ...

    def insert_one(
        self, digest: bytes, *, kind: int, scope: int, reason: int, at: int, source: int | None
    ) -> bool:
        """Insert one entry unless its key exists; True when it was new."""
        ...

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
        """Insert ``(n, 32)`` sorted unique hashes as entries; return how many were new."""
        ...

    def insert_full(self, rows: list[FullRow]) -> int:
        """Insert whole entries (their own reasons, times and source labels); how many new."""
        ...

    def delete(self, digest: bytes, *, kind: int, scopes: tuple[int, ...]) -> int:
        """Delete the entries of one hash in ``scopes`` (marks the snapshot stale); how many."""
        ...

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
        """Insert entries with a scope, reason and time per row; keep the older time.

        ``hashes`` is ``(n, 32)`` sorted by hash, and each ``(hash, scope)``
        appears once; ``scopes``, ``reasons`` and ``ats`` (seconds since the
        epoch, 0 to 99,999,999,999) are aligned with it. A row whose entry
        exists leaves it alone, except that an existing ``added_at`` later than
        the row's time is moved back to it (reason and source stay).

        Returns:
            ``(added, moved_back)``: new entries, and existing ones whose time moved back.
        """
        ...

    def audit(self, row: AuditRow) -> None:
        """Append one audit row."""
        ...

    def write_snapshot(self, data: bytes) -> None:
        """Store a new index snapshot, empty ``pending`` and mark the snapshot fresh.

        The bytes of the old snapshot and of the ``pending`` rows are
        overwritten, not only unlinked: they may hold hashes removed later.
        """
        ...

    def drop_snapshot(self) -> None:
        """Delete the index snapshot, its bytes overwritten, and mark it stale.

        Called in the transaction of every removal, so that no copy of a
        removed hash outlives it (the next writable load writes a new one).
        """
        ...

    # -- key rotation (store/_rotation.py) ------------------------------------------

    def distinct_hashes(self) -> npt.NDArray[np.uint8]:
        """Every distinct stored hash, of every kind, as a sorted ``(n, 32)`` array."""
        ...

    def rewrap(self, chunks: Iterable[tuple[npt.NDArray[np.uint8], npt.NDArray[np.uint8]]]) -> int:
        """Replace each stored hash ``old[i]`` (every kind, every scope) by ``new[i]``.

        ``chunks`` yields ``(old, new)`` pairs of ``(n, 32)`` arrays, together
        every distinct stored hash once, with ``new`` their key-chain wraps (a
        keyed permutation, so no two entries collide); it is consumed once, in
        this transaction. The index snapshot and the pending rows are left to
        the caller (``_snapshot.rewrite``); on PostgreSQL the rewrite counts as
        a removal, so incremental refreshes load the list again. Returns the
        number of entry rows rewritten.
        """
        ...

    def set_meta(self, entries: Mapping[str, str]) -> None:
        """Insert or replace meta entries (the key chain after a rotation)."""
        ...


class Backend(Protocol):
    """One open suppression list in some storage."""

    #: The exceptions that mean "the storage could not be read" (for ``verify``).
    errors: tuple[type[BaseException], ...]

    @property
    def path(self) -> Path:
        """The list file (SQLite); for a server, the location's display form."""
        ...

    @property
    def location(self) -> str:
        """Where the list lives, for messages and reprs: never with a password."""
        ...

    def read(self, fn: Callable[[Reader], T], /) -> T:
        """Run ``fn`` in one read transaction (retried while the storage is busy)."""
        ...

    def write(self, fn: Callable[[Writer], T], /) -> T:
        """Run ``fn`` in one durable write transaction (retried while busy).

        Raises:
            ListLockedError: other writers held the list longer than the lock timeout.
        """
        ...

    def guard(self) -> None:
        """Raise when answers could be stale (the file changed under a snapshot reader)."""
        ...

    def after_remove(self) -> None:
        """Best-effort upkeep after a removal (no trace of removed rows in side files)."""
        ...

    def after_snapshot(self) -> None:
        """Upkeep after a new index snapshot may have freed space."""
        ...

    def backup_into(self, tmp: Path) -> None:
        """Copy the whole list into the existing empty file ``tmp``, checked.

        Raises:
            ListCorruptedError: the copy failed its check.
        """
        ...

    def close(self) -> None:
        """Release the storage."""
        ...
