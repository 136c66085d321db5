"""Adding rows that each carry their own reason, scope and time (private).

Function module of the :class:`~locosuppress.store.SuppressionList` facade
for :meth:`~locosuppress.store.SuppressionList.add_export` and for
:meth:`~locosuppress.store.SuppressionList.add_many` given a Series of
reasons, scopes or times. The options are checked into aligned code arrays
(errors give positions, never values), the addresses hashed as ``add_many``
hashes them, repeats within the batch folded (the oldest time wins, with its
reason), and everything written in one transaction with one audit row. An
entry already present keeps its reason and source; its time moves back when
the batch knows an older one.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import numpy.typing as npt
import pandas as pd

from locosuppress._vocabulary import KIND_EMAIL, REASON_NAMES, REASONS, SCOPE_NAMES, SCOPES
from locosuppress.errors import InvalidOptionError
from locosuppress.interop import SuppressionExport
from locosuppress.keys import HASH_SIZE, HashingMaterial, canonical_and_hashes
from locosuppress.normalize import as_series
from locosuppress.store._audit import record
from locosuppress.store._backend import Writer
from locosuppress.store._entries import CHUNK
from locosuppress.store._reports import AddReport
from locosuppress.store._session import Session

__all__ = ["Rows", "add_rows", "export_rows", "option_rows"]

#: Aligned per-row codes: scopes, reasons, times (seconds since the epoch).
Rows = tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]]

_MAX_AT = 99_999_999_999


def _positions(mask: npt.NDArray[np.bool_]) -> str:
    found = np.flatnonzero(mask)
    shown = ", ".join(str(int(p)) for p in found[:10])
    more = f" and {len(found) - 10:,} more" if len(found) > 10 else ""
    return f"{shown}{more} (0-based)"


def _codes(values: pd.Series, table: Mapping[str, int], what: str) -> npt.NDArray[np.int64]:
    """The code of each name in ``values``; an error names the positions of unknown ones."""
    names = list(table)
    found = pd.Index(names, dtype=object).get_indexer(pd.Index(values.astype(object)))
    bad = found < 0
    if bad.any():
        raise InvalidOptionError(
            f"unknown {what} at positions {_positions(bad)}; use one of "
            f"{', '.join(map(repr, table))}"
        )
    return np.array([table[n] for n in names], dtype=np.int64)[found]


def _seconds(values: pd.Series, what: str, fallback: int | None) -> npt.NDArray[np.int64]:
    """Times as seconds since the epoch; missing ones ``fallback`` (an error when None)."""
    if not isinstance(values.dtype, pd.DatetimeTZDtype):
        if values.isna().all() and fallback is not None:
            return np.full(len(values), fallback, dtype=np.int64)
        raise InvalidOptionError(
            f"{what} must hold timezone-aware times (datetime64 with a timezone, e.g. UTC)"
        )
    missing = values.isna().to_numpy()
    if missing.any() and fallback is None:
        raise InvalidOptionError(f"{what} has missing times at positions {_positions(missing)}")
    seconds = np.full(len(values), fallback if fallback is not None else 0, dtype=np.int64)
    present = values[~missing].dt.tz_convert("UTC")
    seconds[~missing] = present.astype("int64").to_numpy() // _unit(present)
    out_of_range = (seconds < 0) | (seconds > _MAX_AT)
    if out_of_range.any():
        raise InvalidOptionError(
            f"{what} has times before 1970 or after the year 5000 at positions "
            f"{_positions(out_of_range)}"
        )
    return seconds


def _unit(values: pd.Series) -> int:
    """Integer ticks per second of a datetime Series."""
    unit = getattr(values.dtype, "unit", "ns")
    return {"s": 1, "ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}[unit]


def _aligned(values: pd.Series, option: object, name: str) -> pd.Series | None:
    """A Series option checked against the values (None when the option is a scalar)."""
    if not isinstance(option, pd.Series):
        return None
    if len(option) != len(values):
        raise InvalidOptionError(
            f"{name} has {len(option):,} values but there are {len(values):,} addresses; "
            "pass one per address, in the same order"
        )
    if not option.index.equals(values.index):
        differ = np.asarray(option.index != values.index, dtype=bool)
        raise InvalidOptionError(
            f"{name} is not aligned with the addresses: its index differs at positions "
            f"{_positions(differ)}; use .set_axis(values.index) or .reset_index(drop=True)"
        )
    return option.reset_index(drop=True)


def option_rows(
    emails: object, *, scope: object, reason: object, now: object, at: int
) -> tuple[pd.Series, Rows] | None:
    """``add_many``'s values and per-row codes, when any option is a Series (else None).

    Raises:
        InvalidOptionError: a Series of another length or index, or a bad value in one.
    """
    if not any(isinstance(o, pd.Series) for o in (scope, reason, now)):
        return None
    if isinstance(emails, str | bytes):
        raise TypeError("add_many takes a collection of addresses; use add() for one")
    if isinstance(emails, pd.DataFrame):
        raise TypeError("add_many takes one column: pass frame['email'], not the frame")
    values = emails if isinstance(emails, pd.Series) else as_series(emails)  # type: ignore[arg-type]
    n = len(values)
    scopes = _aligned(values, scope, "scope")
    reasons = _aligned(values, reason, "reason")
    times = _aligned(values, now, "now")
    return values.reset_index(drop=True), (
        _codes(scopes, SCOPES, "scope") if scopes is not None else np.full(n, SCOPES[str(scope)]),
        _codes(reasons, REASONS, "reason")
        if reasons is not None
        else np.full(n, REASONS[str(reason)]),
        _seconds(times, "now", None) if times is not None else np.full(n, at, dtype=np.int64),
    )


def export_rows(export: SuppressionExport, *, at: int) -> tuple[pd.Series, Rows]:
    """The addresses and per-row codes of an export (times without a date: ``at``)."""
    frame = export.frame.reset_index(drop=True)
    return frame["email"], (
        _codes(frame["scope"], SCOPES, "scope"),
        _codes(frame["reason"], REASONS, "reason"),
        _seconds(frame["suppressed_at"], "suppressed_at", at),
    )


def _hash(values: pd.Series, matter: HashingMaterial) -> tuple[np.ndarray, np.ndarray]:
    """The ``(n, 32)`` hashes and the validity of each value, chunk by chunk."""
    digests = np.empty((len(values), HASH_SIZE), dtype=np.uint8)
    valid = np.empty(len(values), dtype=bool)
    for start in range(0, len(values), CHUNK):
        forms, part = canonical_and_hashes(values.iloc[start : start + CHUNK], matter)
        digests[start : start + len(part)] = part
        valid[start : start + len(part)] = np.asarray(
            forms.is_valid().to_numpy(zero_copy_only=False), dtype=bool
        )
    return digests, valid


def _fold(digests: np.ndarray, rows: Rows) -> tuple[np.ndarray, Rows]:
    """Sort by hash and scope, keep one row per pair: the oldest, with its reason."""
    scopes, reasons, ats = rows
    words = digests.view(">u8").reshape(-1, HASH_SIZE // 8)
    order = np.lexsort((ats, scopes, words[:, 3], words[:, 2], words[:, 1], words[:, 0]))
    digests, scopes, reasons, ats = digests[order], scopes[order], reasons[order], ats[order]
    first = np.ones(len(order), dtype=bool)
    if len(order) > 1:
        same_hash = (digests[1:] == digests[:-1]).all(axis=1)
        first[1:] = ~(same_hash & (scopes[1:] == scopes[:-1]))
    return np.ascontiguousarray(digests[first]), (scopes[first], reasons[first], ats[first])


def _single(codes: np.ndarray, names: Mapping[int, str]) -> str | None:
    """The one name all codes share, for the audit row (None when mixed or empty)."""
    unique = np.unique(codes)
    return names[int(unique[0])] if len(unique) == 1 else None


def add_rows(
    session: Session,
    matter: HashingMaterial,
    values: pd.Series,
    rows: Rows,
    *,
    operation: str,
    label: str | None,
    at: int,
) -> AddReport:
    """Hash, fold and insert the rows in one transaction with one audit row."""
    digests, valid = _hash(values, matter)
    positions = tuple(int(p) for p in np.flatnonzero(~valid))
    n_valid = int(valid.sum())
    hashes, (scopes, reasons, ats) = _fold(
        digests[valid], (rows[0][valid], rows[1][valid], rows[2][valid])
    )

    def work(tx: Writer) -> int:
        sid = tx.source_id(label)
        added, _moved = tx.insert_dated(hashes, scopes, reasons, ats, kind=KIND_EMAIL, source=sid)
        record(
            tx,
            operation,
            at,
            scope=_single(rows[0], SCOPE_NAMES),
            reason=_single(rows[1], REASON_NAMES),
            source=sid,
            total=len(values),
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
