"""Copies of a list: backup, export, merge and copy (private).

New files go through :mod:`locosuppress._fs`: built under a temporary name
beside the target, fsynced, then linked into place, so no half-written file is
ever visible and an existing file is never replaced. The export file format
is in :mod:`locosuppress.store._export`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

from locosuppress import _fs
from locosuppress._vocabulary import KIND_NAMES, REASONS, SCOPES, channel_scopes
from locosuppress.errors import ListNotFoundError, OutputExistsError, ReadOnlyListError
from locosuppress.store import _export, _snapshot
from locosuppress.store._audit import record
from locosuppress.store._backend import AUDIT_COUNTS, AuditRow, Reader, Writer
from locosuppress.store._entries import unique_sorted
from locosuppress.store._open import ROTATED_META, chain_of, require_folder
from locosuppress.store._reports import AddReport, ExportReport, epoch_seconds, iso, utc
from locosuppress.store._session import Session

__all__ = ["backup", "check_new_file", "copy", "export", "merge"]

#: Whole entries moved per batch by :func:`copy`.
COPY_CHUNK = 100_000


def check_new_file(path: Path) -> None:
    """Refuse a target whose folder is missing or that exists.

    Raises:
        ListNotFoundError: the folder does not exist.
        OutputExistsError: ``path`` exists (even as a dangling link).
    """
    require_folder(path)
    if path.exists() or path.is_symlink():
        raise OutputExistsError(f"{path} exists; it is never overwritten. Choose another path.")


def backup(session: Session, target: Path, *, now: datetime | None) -> None:
    """Write a consistent, checked copy of the whole list to the new file ``target``."""
    check_new_file(target)
    at = epoch_seconds(now)
    with _fs.new_file(target) as tmp, session.lock:
        session.ensure_open()
        session.backend.backup_into(tmp)
    if not session.read_only:
        entries = session.read(lambda tx: tx.count_entries())
        session.write(lambda tx: record(tx, "backup", at, total=entries), changes_entries=False)


def export(
    session: Session,
    target: Path,
    meta: Mapping[str, str],
    *,
    channel: str | None,
    now: datetime | None,
) -> ExportReport:
    """Write the export file of the entries that block ``channel`` to the new file ``target``.

    ``meta`` is the list's meta entries (its key fingerprint and rule set).
    """
    fingerprint, normalization = meta["fingerprint"], meta["normalization"]
    scopes = channel_scopes(channel)
    check_new_file(target)
    moment = utc(now)
    header = {
        "format": _export.EXPORT_FORMAT,
        "normalization": normalization,
        "fingerprint": fingerprint,
        "chain": list(chain_of(dict(meta))),
        "created_at": iso(moment),
        "channel": channel,
    }

    def write(tx: Reader) -> int:
        # Export format 2 (the newer kinds' letters) only from a list of format 2.
        version = 1 if tx.meta().get("format_version") == "1" else _export.EXPORT_VERSION
        return _export.write_export(
            tmp,
            count=tx.export_count(scopes),
            chunks=tx.export_rows(scopes, _export.CHUNK_ROWS),
            header={**header, "format_version": version, "columns": _export.COLUMNS[version]},
        )

    with _fs.new_file(target) as tmp:
        count = session.read(write)
    if not session.read_only:
        at = int(moment.timestamp())
        session.write(
            lambda tx: record(tx, "export", at, channel=channel, total=count),
            changes_entries=False,
        )
    return ExportReport(
        path=str(target),
        count=count,
        channel=channel,
        fingerprint=fingerprint,
        normalization=normalization,
        created_at=moment,
    )


def merge(
    session: Session,
    source_path: Path,
    meta: Mapping[str, str],
    reason: str,
    *,
    label: str | None,
    at: int,
) -> AddReport:
    """Add every entry of an export file made under the list's key and rules, all or nothing.

    The whole file (checksum included) is read inside the write transaction;
    a damaged file raises before the transaction commits, so it adds nothing.
    """
    fingerprint, normalization = meta["fingerprint"], meta["normalization"]
    if session.read_only:
        raise ReadOnlyListError(f"{session.backend.location} was opened with read_only=True")
    try:
        with source_path.open("rb") as fh:
            header, _ = _export.read_header(source_path, fh)
    except FileNotFoundError:
        raise ListNotFoundError(f"no export file at {source_path}") from None
    except IsADirectoryError:
        raise ListNotFoundError(f"{source_path} is a folder, not an export file") from None
    _export.check_compatible(
        source_path, header, fingerprint=fingerprint, normalization=normalization
    )

    def work(tx: Writer) -> tuple[int, int]:
        before = tx.meta().get("format_version", "1")
        sid = tx.source_id(label)
        added = total = 0
        with source_path.open("rb") as fh:
            head, first = _export.read_header(source_path, fh)
            _export.check_compatible(
                source_path, head, fingerprint=fingerprint, normalization=normalization
            )
            for hashes, kinds, scopes in _export.read_body(source_path, fh, head, first):
                total += len(hashes)
                for kind in KIND_NAMES:
                    for scope in SCOPES.values():
                        mask = (kinds == kind) & (scopes == scope)
                        if mask.any():
                            added += tx.insert_hashes(
                                unique_sorted(hashes[mask]),
                                kind=kind,
                                scope=scope,
                                reason=REASONS[reason],
                                at=at,
                                source=sid,
                            )
        record(
            tx,
            "merge",
            at,
            reason=reason,
            source=sid,
            total=total,
            added=added,
            already_present=total - added,
            invalid=0,
        )
        _snapshot.after_upgrade(tx, before)
        return added, total

    added, total = session.write(work)
    return AddReport(added=added, already_present=total - added)


def copy(source: Session, target: Session, *, at: int) -> AddReport:
    """Copy every entry and audit row of ``source`` into the empty list ``target``.

    Both lists were opened with the same key (the caller checks). The copy is
    one write transaction on ``target`` inside one read transaction on
    ``source``: the target gets a consistent snapshot of the source, all or
    nothing. Entries keep their reasons, times and source labels; the
    source's audit log follows the target's own ``create`` row, then one
    ``copy`` row.

    Raises:
        OutputExistsError: ``target`` already holds entries.
    """
    if target.read(lambda tx: tx.count_entries()):
        raise OutputExistsError(
            f"{target.backend.location} already holds entries; copy never adds to or "
            "overwrites a list (to add the entries of a list, export it and merge the export)"
        )

    def work(rtx: Reader) -> int:
        def write(wtx: Writer) -> int:
            if wtx.count_entries():
                raise OutputExistsError(f"{target.backend.location} already holds entries")
            added = sum(wtx.insert_full(rows) for rows in rtx.full_rows(COPY_CHUNK))
            # The target was created for the same chain; its rotation times come along.
            rotated = rtx.meta().get(ROTATED_META)
            if rotated:
                wtx.set_meta({ROTATED_META: rotated})
            for row in rtx.audit_rows():
                counts = dict(zip(AUDIT_COUNTS, row[2 : 2 + len(AUDIT_COUNTS)], strict=True))
                scope, reason, channel, label, version = row[2 + len(AUDIT_COUNTS) :]
                wtx.audit(
                    AuditRow(
                        at=int(row[0]),
                        operation=str(row[1]),
                        counts={k: int(v) for k, v in counts.items() if v is not None},
                        scope=scope,
                        reason=reason,
                        channel=channel,
                        source=wtx.source_id(label),
                        library_version=str(version),
                    )
                )
            record(wtx, "copy", at, total=added, added=added)
            return added

        return target.write(write)

    added = source.read(work)
    return AddReport(added=added, already_present=0)
