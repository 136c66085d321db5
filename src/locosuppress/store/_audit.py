"""The audit log: one row per write and per filter run, counts only (private).

Rows say what happened, when, with which scope, reason, channel and source
label, and how many inputs were added, already present, removed, invalid,
kept, suppressed or duplicates. Never an address, a canonical form or a hash.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from locosuppress._vocabulary import channel_scopes, check_source
from locosuppress.filtering import FilterReport
from locosuppress.store._backend import AUDIT_COUNTS, AuditRow, Writer
from locosuppress.store._session import Session

__all__ = ["frame", "record", "record_filter_run"]


def record(
    tx: Writer,
    operation: str,
    at: int,
    *,
    scope: str | None = None,
    reason: str | None = None,
    channel: str | None = None,
    source: int | None = None,
    **counts: int,
) -> None:
    """Append the audit row of ``operation`` inside the write transaction ``tx``."""
    unknown = set(counts) - set(AUDIT_COUNTS)
    if unknown:  # pragma: no cover - programming error
        raise TypeError(f"unknown audit counts {sorted(unknown)}")
    tx.audit(
        AuditRow(
            at=at,
            operation=operation,
            counts=counts,
            scope=scope,
            reason=reason,
            channel=channel,
            source=source,
        )
    )


def record_filter_run(
    session: Session, report: FilterReport, *, source: str | None, at: int
) -> bool:
    """Write the audit row of one filter run (counts only); False when read-only.

    Raises:
        InvalidOptionError: the report's channel or ``source`` is not valid.
    """
    channel_scopes(report.channel)
    label = check_source(source)
    if session.read_only:
        return False

    def work(tx: Writer) -> None:
        record(
            tx,
            "filter",
            at,
            channel=report.channel,
            source=tx.source_id(label),
            total=report.total,
            kept=report.kept,
            suppressed=report.suppressed,
            invalid=report.invalid,
            duplicates=report.duplicates,
        )

    session.write(work, changes_entries=False)
    return True


def frame(rows: list[tuple[Any, ...]]) -> pd.DataFrame:
    """The audit frame of :meth:`SuppressionList.audit` from the backend's audit rows."""
    columns = ("at", "operation", *AUDIT_COUNTS, "scope", "reason", "channel")
    raw = pd.DataFrame(rows, columns=[*columns, "source", "library_version"])
    times = pd.to_datetime(raw["at"].astype("int64"), unit="s", utc=True)
    out = pd.DataFrame({"time": times})
    out["operation"] = raw["operation"].astype("string")
    for column in AUDIT_COUNTS:
        out[column] = raw[column].astype("Int64")
    for column in ("scope", "reason", "channel", "source", "library_version"):
        out[column] = raw[column].astype("string")
    return out
