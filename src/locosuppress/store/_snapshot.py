"""The index snapshot: the in-memory index, kept inside the list (private).

The list stores its :class:`~locosuppress._index.SuppressionIndex` as a
*snapshot* (``SuppressionIndex.to_bytes``) plus the ``pending`` entries added
since, which the storage itself keeps (in SQLite, with triggers): a new entry
is copied to ``pending``; a removal deletes it there and marks the snapshot
stale. Snapshot bytes are derived data: keyed hashes and scope bits only, like
the entries themselves.
"""

from __future__ import annotations

from typing import Final

from locosuppress._index import SuppressionIndex
from locosuppress.store._backend import CHAIN_META, Reader, Writer
from locosuppress.store._session import Session

__all__ = ["PENDING_LIMIT", "cached_index", "load_index", "rewrite"]

#: Rewrite the snapshot once this many entries wait in ``pending``.
PENDING_LIMIT: Final = 50_000


def _build(tx: Reader, stale: bool) -> SuppressionIndex:
    """The index from every entry (after a removal), or the snapshot plus ``pending``."""
    if stale:
        return SuppressionIndex.from_rows(tx.entry_rows())
    data = tx.snapshot()
    base = SuppressionIndex.from_bytes(data) if data else SuppressionIndex.empty()
    return base.merged_rows(tx.pending_rows())


def _refuse_older(tx: Reader) -> bool:
    """Whether the list is one an older locosuppress must not read: rotated, or format 2."""
    meta = tx.meta()
    return CHAIN_META in meta or meta.get("format_version", "1") != "1"


def _refresh(tx: Writer) -> SuppressionIndex:
    """Build the index and store it as the new snapshot when it is stale or lags."""
    stale, pending = tx.index_state()
    index = _build(tx, stale)
    if stale or pending:
        tx.write_snapshot(index.to_bytes(refuse_older=_refuse_older(tx)))
    return index


def after_upgrade(tx: Writer, format_before: str) -> None:
    """Rewrite the snapshot when this transaction raised the list to format 2.

    An older locosuppress that has the list open would otherwise go on
    reading the old snapshot plus ``pending`` and skip the new kinds (it
    checks the format only when it opens a list); the rewritten snapshot is
    ``LSIDX003``, which it refuses. Once per list.
    """
    if format_before == "1" and tx.meta().get("format_version", "1") != "1":
        rewrite(tx)


def rewrite(tx: Writer) -> SuppressionIndex:
    """Drop the snapshot and write a new one from every entry, in the transaction ``tx``.

    After every stored hash changed (a key rotation): the old snapshot and
    the ``pending`` rows hold hashes under the old chain, and are overwritten.
    """
    tx.drop_snapshot()
    return _refresh(tx)


def load_index(session: Session, *, writable: bool) -> SuppressionIndex:
    """Load the membership index of the list behind ``backend``.

    Reads the snapshot and the entries added since (``pending``) in one read
    transaction, so a concurrent writer never leaves it half-seen. After a
    removal (stale snapshot) the index is rebuilt from the entries. When the
    list may be written and the snapshot is stale or lags by more than
    :data:`PENDING_LIMIT` entries, a fresh snapshot is written in the same
    write transaction that read it, so the next open is fast.

    Raises:
        ListCorruptedError: the snapshot or a stored hash is damaged.
    """
    stale, pending = session.read(lambda tx: tx.index_state())
    if writable and (stale or pending > PENDING_LIMIT):
        return session.write(_refresh, changes_entries=False)
    return session.read(lambda tx: _build(tx, tx.index_state()[0]))


def _refreshed(session: Session) -> SuppressionIndex | None:
    """The cached index with the entries written since it was loaded, or None.

    None when there is nothing cached, or the storage cannot fetch changes
    (SQLite), or entries were removed since (the index must be rebuilt).
    """
    if session.index is None or session.index_version is None:
        return None
    since = session.index_version
    changes = session.read(lambda tx: tx.changes_since(since))
    if changes is None:
        return None
    version, rows = changes
    session.index_version = version
    return session.index.merged_rows(rows) if rows else session.index


def cached_index(session: Session) -> SuppressionIndex:
    """The session's index, brought up to date when any connection committed since.

    The list's data version (``Reader.version``) tells whether anything
    changed. Where entries carry it (PostgreSQL), only the entries written
    since the cached index was loaded are fetched; after a removal, or where
    they do not (SQLite), the index is loaded again. When the list is
    writable, loading may write a new snapshot; the space this frees is then
    given back (``Backend.after_snapshot``).

    Every write committed before this call started is in the returned index:
    the data version is read first, and the load or the fetch reads at least
    that version.
    """
    with session.lock:
        session.ensure_open()
        backend = session.backend
        backend.guard()
        version = session.read(lambda tx: tx.version())
        if session.index is None or session.index_dirty or session.index_version != version:
            index = _refreshed(session)
            if index is None:
                writable = not session.read_only
                index = load_index(session, writable=writable)
                if writable:
                    backend.after_snapshot()
                session.index_version = version
            session.index = index
            session.index_dirty = False
        return session.index
