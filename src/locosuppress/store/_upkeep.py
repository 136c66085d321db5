"""What a list reports and how it is copied: the second half of the facade.

:class:`ListUpkeep` holds the :class:`~locosuppress.store.SuppressionList`
methods that report on the list (``stats``, ``audit``, ``verify``, the
filter audit row) and copy it (``backup``, ``export``, ``copy_to``,
``merge``); ``SuppressionList`` inherits them, so they are its methods like
any other. Like the facade, each hands over to a function module; no SQL.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import attrs
import pandas as pd

from locosuppress._vocabulary import REASONS, check_source, option_code
from locosuppress.filtering import FilterReport
from locosuppress.keys import HashingMaterial, KeyRing, SuppressionKey
from locosuppress.store import _audit, _entries, _open, _rotation, _transfer, _verify
from locosuppress.store._reports import (
    AddReport,
    ExportReport,
    ListStats,
    VerifyReport,
    epoch_seconds,
)
from locosuppress.store._rotation import Progress, RotationReport
from locosuppress.store._session import Session

__all__ = ["ListUpkeep"]


class ListUpkeep:
    """Reporting and copies of a suppression list (inherited by ``SuppressionList``)."""

    _session: Session
    _matter: HashingMaterial
    _meta: dict[str, str]

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
        audited = _audit.record_filter_run(
            self._session, report, source=source, at=epoch_seconds(now)
        )
        return attrs.evolve(report, audited=audited)

    # -- reporting ------------------------------------------------------------------------

    def stats(self) -> ListStats:
        """Return counts by scope, by reason and by month added (a report object)."""
        return _entries.stats(self._session, self._meta)

    def audit(self) -> pd.DataFrame:
        """Return the audit log: one row per add, remove, merge, export, backup and filter run.

        Columns: ``time`` (UTC), ``operation``, the counts (``total``,
        ``added``, ``already_present``, ``removed``, ``invalid``, ``kept``,
        ``suppressed``, ``duplicates``; NA where they do not apply),
        ``scope``, ``reason``, ``channel``, ``source`` and ``library_version``.
        Never an address or a hash.
        """
        return _audit.frame(self._session.read(lambda tx: tx.audit_rows()))

    def verify(self, *, quick: bool = False) -> VerifyReport:
        """Check the file with SQLite and the list's own invariants; never raises for damage.

        Checks: ``PRAGMA integrity_check`` (or ``quick_check``), the meta
        entries, the schema objects, every hash 32 bytes, known kinds, scopes
        and reasons, known sources, and that ``pending`` is a subset of
        ``entries``. Damage that stops SQLite from reading is reported as a
        problem too. The caller decides: ``report.ok``, or
        ``report.raise_for_problems()``; the CLI exits non-zero when not ok.
        """
        return _verify.verify(self._session, fingerprint=self._meta["fingerprint"], quick=quick)

    # -- the key chain ------------------------------------------------------------------

    @property
    def chain(self) -> tuple[str, ...]:
        """The key fingerprints of the list's chain, oldest first (one before any rotation)."""
        return _open.chain_of(self._meta)

    @property
    def rotated_at(self) -> tuple[datetime, ...]:
        """When each rotation of the key happened (UTC), oldest first."""
        stamps = [t for t in self._meta.get(_open.ROTATED_META, "").split(",") if t]
        return tuple(datetime.strptime(t, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC) for t in stamps)

    def rotate_key(
        self,
        new_key: SuppressionKey | KeyRing,
        /,
        *,
        now: datetime | None = None,
        progress: Progress | None = None,
    ) -> RotationReport:
        """Wrap every stored hash under ``new_key``: the list's key is rotated, nobody is lost.

        Every stored hash, of every kind, becomes its key-chain wrap under
        ``new_key`` (``docs/hash-contract.md``), in one durable transaction
        that also records the new chain, rewrites the index snapshot, raises
        the data version and writes a ``rotate`` audit row. Afterwards the
        list opens only with the :class:`KeyRing` of the whole chain
        (``KeyRing([..., new_key])``): save it first (``ring.save``, or
        ``locosuppress key rotate``, which writes the ring before rotating).
        This instance goes on working with the new chain. Other instances
        open on the list refuse to answer until reopened with the ring.

        Args:
            new_key: the new key (a ring: its newest key).
            now: the time recorded for the rotation (default: now, UTC).
            progress: called as ``progress(done, total)`` with the distinct
                stored hashes wrapped so far, as the work goes on.

        Returns:
            A :class:`RotationReport`.

        Raises:
            InvalidKeyError: ``new_key`` is already in the chain.
            ReadOnlyListError: the list was opened read-only.
        """
        report, self._matter, self._meta = _rotation.rotate(
            self._session, self._matter, self._meta, new_key, now=now, progress=progress
        )
        return report

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
        _transfer.backup(self._session, target, now=now)
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
        return _transfer.export(self._session, Path(path), self._meta, channel=channel, now=now)

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
        option_code(reason, REASONS, "reason")
        label = check_source(source)
        at = epoch_seconds(now)
        return _transfer.merge(self._session, Path(path), self._meta, reason, label=label, at=at)
