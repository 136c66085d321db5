"""What one anonymisation did: the report, the result, and the counts they are made of.

:class:`Counts` are the raw row and value counts of one frame or partition;
they add up, so that a Dask run can sum its partitions. :func:`build_report`
turns them, with the plan and the aggregates, into the
:class:`AnonymisationReport` a privacy officer reads.
"""

from __future__ import annotations

from typing import Any

import attrs
import pandas as pd

from locosuppress.events._plan import Plan
from locosuppress.reports import Row, render_html, render_text

__all__ = ["AnonymisationReport", "AnonymisationResult", "Counts", "build_report"]


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}" + ("" if number == 1 else "s")


@attrs.frozen(kw_only=True)
class AnonymisationReport:
    """What one anonymisation (or erasure) did, for a privacy officer.

    Attributes:
        rows_seen: rows in the input.
        rows_selected: rows anonymised by this call's rule: the old ones (or,
            for an erasure, the contact's), including already anonymous ones.
        rows_anonymised: selected rows that changed now.
        rows_already_anonymous: selected rows that were already anonymous.
        rows_missing_timestamp: selected rows whose timestamp was missing or
            unreadable (they count as old: fail closed).
        rows_unreadable_timestamp: of those, the rows whose timestamp was
            present but no time (text that does not read, a number without
            ``timestamp_unit``).
        rows_future_timestamp: rows whose time is more than a day after
            ``now`` (0 for an erasure); anonymised like unreadable ones unless
            ``future_allowed``.
        future_allowed: whether ``allow_future=True`` kept future rows as recent.
        cutoff: events strictly before this instant are old; None for an erasure.
        months: the age limit in calendar months; None for an erasure.
        erasure: whether this was :func:`erase_contact`.
        timestamp: the timestamp column.
        resolution: what timestamps were floored to (None: left).
        tz: the zone of the wall clock for month arithmetic and flooring.
        columns_kept: the allow-list as applied (besides the timestamp).
        columns_emptied: columns set to NA on the selected rows.
        identity: columns used to count distinct people (empty: not counted).
        urls_scrubbed: kept values whose URL lost query parameters, fragment or user-info.
        addresses_replaced: e-mail addresses replaced in kept values.
        values_dropped: per kept column (only those with any), how many of its
            values on selected rows could not be kept and were emptied (lists,
            dicts, bytes, nested Arrow values: they cannot be scrubbed).
        groups: rows of the aggregates (distinct kept values and time bucket).
        small_groups: groups with fewer than ``k`` events.
        k: the group size below which a group is reported as small.
        plain_index: whether the index is a plain RangeIndex (other labels can
            link rows back to other tables).
    """

    rows_seen: int
    rows_selected: int
    rows_anonymised: int
    rows_already_anonymous: int
    rows_missing_timestamp: int
    rows_unreadable_timestamp: int
    rows_future_timestamp: int
    future_allowed: bool
    cutoff: pd.Timestamp | None
    months: int | None
    erasure: bool
    timestamp: str
    resolution: str | None
    tz: str
    columns_kept: tuple[str, ...]
    columns_emptied: tuple[str, ...]
    identity: tuple[str, ...]
    urls_scrubbed: int
    addresses_replaced: int
    values_dropped: tuple[tuple[str, int], ...]
    groups: int
    small_groups: int
    k: int
    plain_index: bool

    @property
    def notes(self) -> tuple[str, ...]:
        """Warnings worth a look: linkage risks and fail-closed decisions."""
        notes = []
        if self.rows_missing_timestamp:
            notes.append(
                f"{_count(self.rows_missing_timestamp, 'row')} had a missing or unreadable "
                "timestamp: anonymised (fail closed)"
            )
        if self.rows_unreadable_timestamp:
            notes.append(
                f"{_count(self.rows_unreadable_timestamp, 'row')} had a timestamp that is no "
                "time (unreadable text, or Unix times without timestamp_unit)"
            )
        if self.rows_future_timestamp:
            fate = (
                "kept as recent (allow_future)"
                if self.future_allowed
                else "anonymised as unreadable (fail closed)"
            )
            notes.append(
                f"{_count(self.rows_future_timestamp, 'row')} had a timestamp more than a day "
                f"after now: {fate}"
            )
        if self.values_dropped:
            total = sum(count for _, count in self.values_dropped)
            where = ", ".join(f"{name} ({count:,})" for name, count in self.values_dropped)
            notes.append(
                f"{_count(total, 'value')} of kept columns could not be kept (lists, dicts, "
                f"bytes: they cannot be scrubbed) and were emptied: {where}"
            )
        if self.small_groups:
            notes.append(
                f"{self.small_groups:,} of {_count(self.groups, 'group')} of anonymised rows "
                f"have fewer than {self.k} events: rare combinations of kept values can "
                "point to a person"
            )
        if not self.plain_index:
            notes.append(
                "the index is not a plain RangeIndex: its labels can link anonymised rows "
                "back to other tables; reset it before storing"
            )
        if not self.identity:
            notes.append("no identity column: distinct people were not counted")
        return tuple(notes)

    def _rows(self) -> list[Row]:
        selected = (
            "events of the contact"
            if self.erasure
            else f"old events (before {self.cutoff.isoformat() if self.cutoff else '-'})"
        )
        return [
            ("rows seen", self.rows_seen),
            (selected, self.rows_selected),
            ("  anonymised now", self.rows_anonymised),
            ("  already anonymous", self.rows_already_anonymous),
            ("  missing timestamp", self.rows_missing_timestamp),
            ("    of which unreadable", self.rows_unreadable_timestamp),
            ("future timestamp", self.rows_future_timestamp),
            ("age limit (months)", self.months),
            ("time zone", self.tz),
            (f"{self.timestamp} floored to", self.resolution or "not floored"),
            ("columns kept", self.columns_kept),
            ("columns emptied", self.columns_emptied),
            ("people counted from", self.identity or "not counted"),
            ("URLs scrubbed", self.urls_scrubbed),
            ("addresses replaced", self.addresses_replaced),
            ("values dropped", dict(self.values_dropped)),
            ("groups", self.groups),
            (f"groups under {self.k} events", self.small_groups),
            ("plain index", self.plain_index),
        ]

    @property
    def _title(self) -> str:
        return "locosuppress erasure" if self.erasure else "locosuppress anonymisation"

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values (the cutoff as ISO 8601 text)."""
        out = attrs.asdict(self, recurse=False)
        out["cutoff"] = None if self.cutoff is None else self.cutoff.isoformat()
        for name in ("columns_kept", "columns_emptied", "identity"):
            out[name] = list(out[name])
        out["values_dropped"] = dict(self.values_dropped)
        out["notes"] = list(self.notes)
        return out

    def __str__(self) -> str:
        return render_text(self._title, self._rows(), notes=self.notes)

    def _repr_html_(self) -> str:
        return render_html(self._title, self._rows(), notes=self.notes)


@attrs.frozen(eq=False, repr=False)
class AnonymisationResult:
    """The anonymised events, the report, and the per-group counts.

    Attributes:
        events: same rows, order, index and columns as the input.
        report: what was done (see :class:`AnonymisationReport`).
        aggregates: one row per group of anonymised rows (kept values after
            scrubbing and the coarsened timestamp) with ``events`` and
            ``people`` (distinct people, NA when there is no identity column).
    """

    events: pd.DataFrame
    report: AnonymisationReport
    aggregates: pd.DataFrame

    def to_dict(self) -> dict[str, Any]:
        """The report as plain values, with the number of aggregate rows."""
        return {"report": self.report.to_dict(), "aggregate_rows": len(self.aggregates)}

    def __str__(self) -> str:
        return str(self.report)

    def __repr__(self) -> str:
        """Counts and shapes only: a repr in a log or a notebook never shows a row."""
        report = self.report
        rows, columns = self.events.shape
        return (
            f"AnonymisationResult(events={rows:,} rows x {columns:,} columns, "
            f"aggregates={len(self.aggregates):,} rows, rows_seen={report.rows_seen:,}, "
            f"rows_selected={report.rows_selected:,}, rows_anonymised={report.rows_anonymised:,})"
        )

    def _repr_html_(self) -> str:
        return self.report._repr_html_()


@attrs.frozen(kw_only=True)
class Counts:
    """Row and value counts of one frame or partition; they add up."""

    rows_seen: int = 0
    rows_selected: int = 0
    rows_changed: int = 0
    rows_missing_timestamp: int = 0
    rows_unreadable_timestamp: int = 0
    rows_future_timestamp: int = 0
    urls_scrubbed: int = 0
    addresses_replaced: int = 0
    plain_index: bool = True
    values_dropped: tuple[tuple[str, int], ...] = ()  # per kept column, in frame order

    def __add__(self, other: Counts) -> Counts:
        dropped = dict(self.values_dropped)
        for name, count in other.values_dropped:
            dropped[name] = dropped.get(name, 0) + count
        return Counts(
            values_dropped=tuple(dropped.items()),
            rows_seen=self.rows_seen + other.rows_seen,
            rows_selected=self.rows_selected + other.rows_selected,
            rows_changed=self.rows_changed + other.rows_changed,
            rows_missing_timestamp=self.rows_missing_timestamp + other.rows_missing_timestamp,
            rows_unreadable_timestamp=(
                self.rows_unreadable_timestamp + other.rows_unreadable_timestamp
            ),
            rows_future_timestamp=self.rows_future_timestamp + other.rows_future_timestamp,
            urls_scrubbed=self.urls_scrubbed + other.urls_scrubbed,
            addresses_replaced=self.addresses_replaced + other.addresses_replaced,
            plain_index=self.plain_index and other.plain_index,
        )


def build_report(
    plan: Plan, counts: Counts, aggregates: pd.DataFrame, *, events_name: str
) -> AnonymisationReport:
    """The report of a run, from its plan, its counts and its aggregates.

    Args:
        plan: the plan the run followed.
        counts: the run's counts (summed over partitions).
        aggregates: the run's aggregates.
        events_name: the aggregates' column of event counts.
    """
    options = plan.options
    selected = counts.rows_selected
    small = int((aggregates[events_name] < options.k).sum()) if len(aggregates) else 0
    return AnonymisationReport(
        rows_seen=counts.rows_seen,
        rows_selected=selected,
        rows_anonymised=counts.rows_changed,
        rows_already_anonymous=selected - counts.rows_changed,
        rows_missing_timestamp=counts.rows_missing_timestamp,
        rows_unreadable_timestamp=counts.rows_unreadable_timestamp,
        rows_future_timestamp=counts.rows_future_timestamp,
        future_allowed=options.allow_future,
        cutoff=plan.cutoff,
        months=plan.months,
        erasure=plan.cutoff is None,
        timestamp=str(plan.timestamp),
        resolution=options.resolution,
        tz=str(options.tz),
        columns_kept=tuple(str(c) for c in plan.keep),
        columns_emptied=tuple(str(c) for c in plan.emptied) if selected else (),
        identity=tuple(str(c) for c in plan.identity),
        urls_scrubbed=counts.urls_scrubbed,
        addresses_replaced=counts.addresses_replaced,
        values_dropped=counts.values_dropped,
        groups=len(aggregates),
        small_groups=small,
        k=options.k,
        plain_index=counts.plain_index,
    )
