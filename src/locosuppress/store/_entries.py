"""Entries: adding, removing, looking up and counting suppressed hashes (private).

Function modules of the :class:`~locosuppress.store.SuppressionList` facade:
each takes the :class:`~locosuppress.store._session.Session` (or a
transaction) and already checked options, and writes an entry change and its
audit row in one transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

import numpy as np
import numpy.typing as npt
import pandas as pd

from locosuppress._matching import entry_keys, is_wildcard, wildcard_suffix
from locosuppress._vocabulary import (
    CHANNELS,
    FORMAT1_KINDS,
    KIND_DOMAIN,
    KIND_EMAIL,
    KIND_NAMES,
    KIND_WILDCARD,
    REASON_NAMES,
    REASONS,
    SCOPE_NAMES,
    SCOPES,
    check_remove_reason,
    check_source,
    option_code,
)
from locosuppress.keys import HASH_SIZE, HashingMaterial, canonical_and_hashes
from locosuppress.normalize import as_series
from locosuppress.store import _snapshot
from locosuppress.store._audit import record
from locosuppress.store._backend import Reader, Writer
from locosuppress.store._reports import AddReport, ListStats, epoch_seconds
from locosuppress.store._session import Session

__all__ = [
    "CHUNK",
    "add_many",
    "add_one",
    "add_value",
    "count",
    "key_of",
    "lookup",
    "remove",
    "remove_value",
    "stats",
    "unique_sorted",
]

CHUNK = 1 << 20  # rows normalised and hashed per step


def unique_sorted(hashes: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
    """Sort rows of 32 bytes in byte order (SQLite's BLOB order) and drop repeats."""
    if not len(hashes):
        return hashes.reshape(0, HASH_SIZE)
    rows = np.ascontiguousarray(hashes).view(np.dtype((np.void, HASH_SIZE))).ravel()
    return np.unique(rows).view(np.uint8).reshape(-1, HASH_SIZE)


def add_one(
    session: Session,
    digest: bytes,
    kind: int,
    operation: str,
    *,
    scope: str,
    reason: str,
    label: str | None,
    at: int,
) -> bool:
    """Insert one checked entry and its audit row in one transaction; True when new."""

    def work(tx: Writer) -> bool:
        before = tx.meta().get("format_version", "1") if kind not in FORMAT1_KINDS else None
        sid = tx.source_id(label)
        new = tx.insert_one(
            digest, kind=kind, scope=SCOPES[scope], reason=REASONS[reason], at=at, source=sid
        )
        record(
            tx,
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
        if before is not None:
            _snapshot.after_upgrade(tx, before)
        return new

    return session.write(work)


def _hash_batch(
    values: pd.Series, matter: HashingMaterial
) -> tuple[npt.NDArray[np.uint8], int, tuple[int, ...]]:
    """Normalise and hash a column, chunk by chunk.

    Returns:
        The sorted unique hashes of the valid values, how many values were
        valid, and the 0-based positions of the invalid ones.
    """
    parts: list[npt.NDArray[np.uint8]] = []
    invalid: list[npt.NDArray[np.intp]] = []
    n_valid = 0
    for start in range(0, len(values), CHUNK):
        canonical, digests = canonical_and_hashes(values.iloc[start : start + CHUNK], matter)
        valid = np.asarray(canonical.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
        invalid.append(np.flatnonzero(~valid) + start)
        n_valid += int(valid.sum())
        parts.append(digests[valid])
    everything = np.concatenate(parts) if parts else np.empty((0, HASH_SIZE), np.uint8)
    positions = tuple(int(p) for p in (np.concatenate(invalid) if invalid else ()))
    return unique_sorted(everything), n_valid, positions


def add_many(
    session: Session,
    matter: HashingMaterial,
    emails: Iterable[object] | pd.Series,
    *,
    scope: str,
    reason: str,
    label: str | None,
    at: int,
) -> AddReport:
    """Normalise, hash and insert many addresses in one transaction, with one audit row.

    Raises:
        TypeError: a single string or a whole DataFrame was passed.
    """
    if isinstance(emails, str | bytes):
        raise TypeError("add_many takes a collection of addresses; use add() for one")
    if isinstance(emails, pd.DataFrame):
        raise TypeError("add_many takes one column: pass frame['email'], not the frame")
    series = as_series(emails)
    hashes, n_valid, positions = _hash_batch(series, matter)

    def work(tx: Writer) -> int:
        sid = tx.source_id(label)
        added = tx.insert_hashes(
            hashes, kind=KIND_EMAIL, scope=SCOPES[scope], reason=REASONS[reason], at=at, source=sid
        )
        record(
            tx,
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

    added = session.write(work)
    return AddReport(
        added=added,
        already_present=n_valid - added,
        invalid=len(positions),
        invalid_positions=positions,
    )


def remove(
    session: Session,
    digest: bytes,
    kind: int,
    operation: str,
    *,
    scopes: tuple[int, ...],
    scope: str | None,
    reason: str,
    at: int,
) -> bool:
    """Delete the entries of one hash in ``scopes`` with an audit row; True when any went."""

    def work(tx: Writer) -> int:
        removed = tx.delete(digest, kind=kind, scopes=scopes)
        if removed:
            # The snapshot still holds the hash: it goes in the same
            # transaction, so no copy of a removed entry outlives the call.
            tx.drop_snapshot()
        record(tx, operation, at, scope=scope, reason=reason, total=1, removed=removed)
        return removed

    removed = session.write(work)
    if removed:
        with session.lock:
            session.backend.after_remove()
    return removed > 0


def lookup(
    session: Session,
    matter: HashingMaterial,
    canonical: str,
    value: object,
    scopes: tuple[int, ...],
) -> bool:
    """Whether an address has an entry of any kind in one of ``scopes``.

    ``canonical`` is the canonical form of the cell ``value``. A list of
    format 1 holds addresses and domains only, so only their two keys are
    asked; otherwise the keys of every kind (``_matching.entry_keys``), in
    one query.
    """

    def work(tx: Reader) -> bool:
        every_kind = tx.meta().get("format_version") != "1"
        return tx.exists(entry_keys(matter, canonical, value, every_kind=every_kind), scopes)

    return session.read(work)


def count(session: Session) -> int:
    """Distinct suppressed addresses and domains, cached until the data version moves."""
    with session.lock:
        version = session.version()
        if session.length is not None and session.length[0] == version:
            return session.length[1]
        version, n = session.read(lambda tx: (tx.version(), tx.count_distinct()))
        session.length = (version, n)
        return n


def stats(session: Session, meta: dict[str, str]) -> ListStats:
    """Counts by scope, by reason and by month added."""

    def work(tx: Reader) -> ListStats:
        by_scope = dict.fromkeys(SCOPES, 0)
        by_reason = dict.fromkeys(REASONS, 0)
        by_month: dict[str, int] = {}
        entries = 0
        for scope, reason, month, n in tx.stats_rows():
            entries += n
            name = SCOPE_NAMES.get(scope, f"unknown-{scope}")
            by_scope[name] = by_scope.get(name, 0) + n
            rname = REASON_NAMES.get(reason, f"unknown-{reason}")
            by_reason[rname] = by_reason.get(rname, 0) + n
            by_month[month] = by_month.get(month, 0) + n
        kinds = tx.kind_counts()
        emails, domains = int(kinds.get(KIND_EMAIL, 0)), int(kinds.get(KIND_DOMAIN, 0))
        others = {
            KIND_NAMES.get(code, f"unknown-{code}"): int(n)
            for code, n in sorted(kinds.items())
            if code not in (KIND_EMAIL, KIND_DOMAIN)
        }
        # A list is raised to format 2 by its first entry of a newer kind.
        version = tx.meta().get("format_version", meta["format_version"])
        return ListStats(
            total=emails + domains + sum(others.values()),
            other_kinds=others,
            emails=emails,
            domains=domains,
            entries=entries,
            by_scope=by_scope,
            by_reason=by_reason,
            by_month=dict(sorted(by_month.items())),
            fingerprint=meta["fingerprint"],
            normalization=meta["normalization"],
            format_version=int(version),
            created_at=datetime.strptime(meta["created_at"], "%Y-%m-%dT%H:%M:%SZ").replace(
                tzinfo=UTC
            ),
        )

    return session.read(work)


# --- one value, options checked here (the facade's add, add_domain, remove...) ---


def key_of(matter: HashingMaterial, kind: int, value: object) -> tuple[bytes, int]:
    """The stored hash and kind of an address, or of a domain or wildcard (``*.example.com``)."""
    if kind == KIND_EMAIL:
        return matter.hash_email(value), KIND_EMAIL
    if is_wildcard(value):
        return matter.hash_wildcard_suffix(wildcard_suffix(str(value))), KIND_WILDCARD
    return matter.hash_domain(value), KIND_DOMAIN


def remove_scopes(scope: object) -> tuple[int, ...]:
    """The scope codes a removal touches (``None``: every scope)."""
    return CHANNELS[None] if scope is None else (option_code(scope, SCOPES, "scope"),)


def add_value(
    session: Session,
    matter: HashingMaterial,
    kind: int,
    operation: str,
    value: object,
    scope: str,
    reason: str,
    source: str | None,
    now: datetime | None,
) -> bool:
    """Check the options, hash ``value`` as an address, domain or wildcard, and add it."""
    option_code(scope, SCOPES, "scope")
    option_code(reason, REASONS, "reason")
    label = check_source(source)
    digest, kind = key_of(matter, kind, value)
    at = epoch_seconds(now)
    return add_one(session, digest, kind, operation, scope=scope, reason=reason, label=label, at=at)


def remove_value(
    session: Session,
    matter: HashingMaterial,
    kind: int,
    operation: str,
    value: object,
    scope: str | None,
    reason: str,
    now: datetime | None,
) -> bool:
    """Check the options, hash ``value`` as an address, domain or wildcard, and remove it."""
    scopes = remove_scopes(scope)
    check_remove_reason(reason)
    at = epoch_seconds(now)
    digest, kind = key_of(matter, kind, value)
    return remove(
        session, digest, kind, operation, scopes=scopes, scope=scope, reason=reason, at=at
    )
