"""Clients' hashed do-not-mail files: foreign digests in, keyed entries stored (private).

A client hands over MD5, SHA-1 or SHA-256 digests of its addresses (stripped
and lower-cased, like Mailchimp's ``subscriber_hash``), or a partner the
SHA-256 of our canonical form v1. Each value is read as hex (either case) or
base64 (standard or URL-safe, padded or not); one of the wrong length or
alphabet is invalid: counted with its position, never stored. What is stored
is only ``HashingMaterial.hash_foreign(kind, digest)`` (through the key
chain), so the list holds nothing a guess can be tested against without the
key. Function module of the facade: one durable transaction, one audit row.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import numpy as np
import numpy.typing as npt
import pandas as pd

from locosuppress._matching import parse_digest
from locosuppress._vocabulary import (
    FOREIGN_KIND_CODES,
    REASON_NAMES,
    REASONS,
    SCOPE_NAMES,
    SCOPES,
    check_source,
    option_code,
    shown,
)
from locosuppress.errors import InvalidOptionError
from locosuppress.keys import FOREIGN_KINDS, HASH_SIZE, HashingMaterial
from locosuppress.normalize import as_series
from locosuppress.store import _snapshot
from locosuppress.store._audit import record
from locosuppress.store._backend import Writer
from locosuppress.store._entries import unique_sorted
from locosuppress.store._reports import AddReport, epoch_seconds
from locosuppress.store._session import Session

__all__ = ["add_foreign_hashes", "check_kind"]


def check_kind(kind: object) -> str:
    """A foreign digest kind, checked.

    Raises:
        InvalidOptionError: not one of ``md5``, ``sha1``, ``sha256``, ``sha256-v1``.
    """
    if isinstance(kind, str) and kind in FOREIGN_KINDS:
        return kind
    choices = ", ".join(map(repr, FOREIGN_KINDS))
    raise InvalidOptionError(f"unknown digest kind ({shown(kind)}); use one of {choices}")


def _digests(values: pd.Series, size: int) -> tuple[list[bytes], tuple[int, ...]]:
    """The raw digests of the valid values, and the 0-based positions of the invalid ones."""
    raw: list[bytes] = []
    invalid: list[int] = []
    for position, value in enumerate(values.to_numpy(dtype=object)):
        digest = parse_digest(value, size)
        if digest is None:
            invalid.append(position)
        else:
            raw.append(digest)
    return raw, tuple(invalid)


def add_foreign_hashes(
    session: Session,
    matter: HashingMaterial,
    values: Iterable[object] | pd.Series,
    *,
    kind: object,
    scope: object,
    reason: object,
    source: str | None,
    now: datetime | None,
) -> AddReport:
    """Check the options, key a client's digests and insert them in one transaction.

    Raises:
        InvalidOptionError: an unknown kind, scope or reason, or a bad source label.
        TypeError: a single string or a whole DataFrame was passed.
    """
    kind = check_kind(kind)
    scope = SCOPE_NAMES[option_code(scope, SCOPES, "scope")]
    reason = REASON_NAMES[option_code(reason, REASONS, "reason")]
    label = check_source(source)
    at = epoch_seconds(now)
    if isinstance(values, str | bytes):
        raise TypeError("add_foreign_hashes takes a collection of digests, not one string")
    if isinstance(values, pd.DataFrame):
        raise TypeError("add_foreign_hashes takes one column: pass frame['md5'], not the frame")
    series = as_series(values)
    raw, positions = _digests(series, FOREIGN_KINDS[kind])
    hashes: npt.NDArray[np.uint8] = (
        unique_sorted(matter.keyed_hash_many(kind, raw))
        if raw
        else np.empty((0, HASH_SIZE), np.uint8)
    )
    n_valid = len(raw)

    def work(tx: Writer) -> int:
        before = tx.meta().get("format_version", "1")
        sid = tx.source_id(label)
        added = tx.insert_hashes(
            hashes,
            kind=FOREIGN_KIND_CODES[kind],
            scope=SCOPES[scope],
            reason=REASONS[reason],
            at=at,
            source=sid,
        )
        record(
            tx,
            f"add_foreign_hashes:{kind}",
            at,
            scope=scope,
            reason=reason,
            source=sid,
            total=len(series),
            added=added,
            already_present=n_valid - added,
            invalid=len(positions),
        )
        _snapshot.after_upgrade(tx, before)
        return added

    added = session.write(work)
    return AddReport(
        added=added,
        already_present=n_valid - added,
        invalid=len(positions),
        invalid_positions=positions,
        kind=kind,
    )
