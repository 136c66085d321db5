"""What one run of a retention policy did: per rule and per table, and the result.

The report values hold counts, cutoffs, rule and table names and row
positions (0-based); never a value from a table. The result holds the
remaining tables and, per table, the index labels of the rows deleted,
anonymised or governed by no rule.
"""

from __future__ import annotations

import html
from typing import Any

import attrs
import pandas as pd

from locosuppress.reports import format_value

__all__ = [
    "MAX_POSITIONS",
    "RetentionCoverageWarning",
    "RetentionReport",
    "RetentionResult",
    "RuleOutcome",
    "TableOutcome",
    "html_table",
    "iso_text",
    "text_table",
]

#: How many row positions a report shows per table (the counts are always complete).
MAX_POSITIONS = 10


class RetentionCoverageWarning(UserWarning):
    """Rows that no rule of the retention policy governs were kept (``ungoverned="keep"``)."""


def iso_text(stamp: pd.Timestamp | None) -> str | None:
    return None if stamp is None else stamp.isoformat()


@attrs.frozen(kw_only=True)
class RuleOutcome:
    """What one rule did (or, in a plan, would do).

    Attributes:
        rule: the rule's name.
        table: the table it governs.
        action: ``"delete"`` or ``"anonymise"``.
        period: how long rows are kept (``"6 months"``).
        date_column: the column the period runs from.
        cutoff: rows dated strictly before this instant were past their period.
        governed: rows the rule governs (``kept + deleted + anonymised``).
        kept: governed rows inside their period, unchanged.
        deleted: rows removed.
        anonymised: rows given the anonymiser's treatment.
        missing_date: governed rows without a readable date: treated as past
            their period (fail closed), included in ``deleted`` or ``anonymised``.
        future_date: governed rows dated after ``now``: kept, and counted here.
        reason: the policy text the rule comes from.
    """

    rule: str
    table: str
    action: str
    period: str
    date_column: str
    cutoff: pd.Timestamp
    governed: int
    kept: int
    deleted: int
    anonymised: int
    missing_date: int
    future_date: int
    reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values (the cutoff as ISO 8601 text)."""
        out = attrs.asdict(self)
        out["cutoff"] = iso_text(self.cutoff)
        return out


@attrs.frozen(kw_only=True)
class TableOutcome:
    """What happened to one table: its rows add up.

    ``rows == kept + deleted + anonymised + ungoverned``.

    Attributes:
        table: the table's name.
        rows: rows in the input.
        kept: governed rows kept unchanged.
        deleted: rows removed.
        anonymised: rows treated by the anonymiser.
        ungoverned: rows no rule governs (kept unchanged with
            ``ungoverned="keep"``; an error otherwise).
        ungoverned_positions: the first few of them, as 0-based row positions.
    """

    table: str
    rows: int
    kept: int
    deleted: int
    anonymised: int
    ungoverned: int
    ungoverned_positions: tuple[int, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values."""
        out = attrs.asdict(self)
        out["ungoverned_positions"] = list(self.ungoverned_positions)
        return out


def html_table(header: list[str], rows: list[list[Any]], *, caption: str) -> str:
    """A small escaped HTML table (right-aligned numbers) for notebooks."""
    head = "".join(f"<th style='text-align:left'>{html.escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>"
        + "".join(
            f"<td style='text-align:{'right' if isinstance(v, int) else 'left'}'>"
            f"{html.escape(format_value(v))}</td>"
            for v in row
        )
        + "</tr>"
        for row in rows
    )
    return (
        f"<table class='locosuppress-report'><caption style='text-align:left'><b>"
        f"{html.escape(caption)}</b></caption><thead><tr>{head}</tr></thead>"
        f"<tbody>{body}</tbody></table>"
    )


def text_table(header: list[str], rows: list[list[Any]]) -> list[str]:
    """Aligned text columns; numbers right-aligned."""
    cells = [header, *[[format_value(v) for v in row] for row in rows]]
    numeric = [all(isinstance(row[i], int) for row in rows) and rows for i in range(len(header))]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    lines = []
    for row in cells:
        parts = [
            cell.rjust(width) if numeric[i] else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(parts).rstrip())
    return lines


_RULE_HEADER = ["rule", "table", "action", "period", "cutoff", "governed", "kept"]
_RULE_HEADER += ["deleted", "anonymised", "missing date", "future date"]
_TABLE_HEADER = ["table", "rows", "kept", "deleted", "anonymised", "ungoverned"]


@attrs.frozen(kw_only=True)
class RetentionReport:
    """What one run of a retention policy did, per rule and per table.

    Attributes:
        policy: the policy's name.
        version: the policy's version.
        now: the reference time of the run.
        tz: the zone of the wall clock the months are counted on.
        ungoverned_action: ``"keep"`` or ``"error"``: what happens to rows no
            rule governs.
        rules: one :class:`RuleOutcome` per rule, in the policy's order.
        tables: one :class:`TableOutcome` per table given.
    """

    policy: str
    version: str
    now: pd.Timestamp
    tz: str
    ungoverned_action: str
    rules: tuple[RuleOutcome, ...]
    tables: tuple[TableOutcome, ...]

    @property
    def deleted(self) -> int:
        """Rows deleted, over all tables."""
        return sum(t.deleted for t in self.tables)

    @property
    def anonymised(self) -> int:
        """Rows anonymised, over all tables."""
        return sum(t.anonymised for t in self.tables)

    @property
    def ungoverned(self) -> int:
        """Rows no rule governs, over all tables."""
        return sum(t.ungoverned for t in self.tables)

    @property
    def notes(self) -> tuple[str, ...]:
        """Warnings: coverage gaps and fail-closed decisions."""
        notes = []
        for table in self.tables:
            if table.ungoverned:
                shown = ", ".join(map(str, table.ungoverned_positions))
                more = ", ..." if table.ungoverned > len(table.ungoverned_positions) else ""
                fate = "kept" if self.ungoverned_action == "keep" else "refused"
                notes.append(
                    f"table {table.table!r}: {table.ungoverned:,} rows no rule governs "
                    f"({fate}; rows {shown}{more}, 0-based): add a rule for them"
                )
        for rule in self.rules:
            if rule.missing_date:
                notes.append(
                    f"rule {rule.rule!r}: {rule.missing_date:,} rows had no readable "
                    f"{rule.date_column}: {rule.action}d (fail closed)"
                )
            if rule.future_date:
                notes.append(
                    f"rule {rule.rule!r}: {rule.future_date:,} rows are dated after now: kept"
                )
        return tuple(notes)

    @property
    def _title(self) -> str:
        return f"locosuppress retention: {self.policy} (version {self.version})"

    def _rule_rows(self) -> list[list[Any]]:
        return [
            [
                r.rule,
                r.table,
                r.action,
                r.period,
                iso_text(r.cutoff),
                r.governed,
                r.kept,
                r.deleted,
                r.anonymised,
                r.missing_date,
                r.future_date,
            ]
            for r in self.rules
        ]

    def _table_rows(self) -> list[list[Any]]:
        return [
            [t.table, t.rows, t.kept, t.deleted, t.anonymised, t.ungoverned] for t in self.tables
        ]

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values (times as ISO 8601 text), with the notes."""
        return {
            "policy": self.policy,
            "version": self.version,
            "now": iso_text(self.now),
            "tz": self.tz,
            "ungoverned_action": self.ungoverned_action,
            "rules": [r.to_dict() for r in self.rules],
            "tables": [t.to_dict() for t in self.tables],
            "deleted": self.deleted,
            "anonymised": self.anonymised,
            "ungoverned": self.ungoverned,
            "notes": list(self.notes),
        }

    def __str__(self) -> str:
        title = self._title
        lines = [title, "-" * len(title), f"now {iso_text(self.now)} ({self.tz})", ""]
        lines += text_table(_RULE_HEADER, self._rule_rows())
        lines += ["", *text_table(_TABLE_HEADER, self._table_rows())]
        lines += [f"! {note}" for note in self.notes]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        notes = "".join(f"<p>&#9888; {html.escape(n)}</p>" for n in self.notes)
        return (
            f"<div class='locosuppress-retention'><p><b>{html.escape(self._title)}</b>, "
            f"now {html.escape(str(iso_text(self.now)))} ({html.escape(self.tz)})</p>"
            + html_table(_RULE_HEADER, self._rule_rows(), caption="per rule")
            + html_table(_TABLE_HEADER, self._table_rows(), caption="per table")
            + notes
            + "</div>"
        )


@attrs.frozen(eq=False)
class RetentionResult:
    """The tables after a retention run, what went, and the report.

    Attributes:
        tables: per table, the rows that remain: deleted rows gone, anonymised
            rows treated, every other row exactly as it was (same order and
            index labels).
        deleted: per table, the index labels of the rows deleted.
        anonymised: per table, the index labels of the rows anonymised.
        ungoverned: per table, the index labels of the rows no rule governs.
        report: the :class:`RetentionReport`.
    """

    tables: dict[str, pd.DataFrame]
    deleted: dict[str, pd.Index]
    anonymised: dict[str, pd.Index]
    ungoverned: dict[str, pd.Index]
    report: RetentionReport

    def to_dict(self) -> dict[str, Any]:
        """The report as plain values."""
        return self.report.to_dict()

    def __str__(self) -> str:
        return str(self.report)

    def _repr_html_(self) -> str:
        return self.report._repr_html_()
