"""What falls due under a retention policy, now or within a period: for planning.

A row is due within ``within`` when it will be past its period at ``now``
plus ``within`` calendar months; ``within=0`` gives exactly the rows
:meth:`RetentionPolicy.apply` would delete or anonymise now (the same
selection code). The schedule groups the due rows per rule and per day on
which each falls due (the start date plus the period, on the wall clock of
``tz``); rows without a readable date are due at once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa

from locosuppress._calendar import shift_months
from locosuppress.reports import format_value
from locosuppress.retention._report import html_table, iso_text, text_table
from locosuppress.retention._rules import RetentionRule, format_period
from locosuppress.retention._select import (
    check_tables,
    column_of,
    expiry,
    governing,
    moment,
    read_dates,
    reference_instant,
)

__all__ = ["RetentionDue", "due_rows"]

_SCHEDULE_COLUMNS = ["rule", "table", "action", "due_on", "rows"]


def _one_wall(value: Any, tz: dt.tzinfo) -> Any:
    try:
        stamp: Any = pd.Timestamp(value)
    except (ValueError, TypeError, OverflowError):
        return pd.NaT
    if pd.isna(stamp):
        return pd.NaT
    return stamp.tz_convert(tz).tz_localize(None) if stamp.tzinfo is not None else stamp


def _walls(column: pd.Series, tz: dt.tzinfo) -> pd.Series:
    """The dates as naive wall times in ``tz`` (NaT where they do not read)."""
    dtype = column.dtype
    if isinstance(dtype, pd.ArrowDtype) and (
        pa.types.is_timestamp(dtype.pyarrow_dtype) or pa.types.is_date(dtype.pyarrow_dtype)
    ):
        column = pd.Series(pd.to_datetime(column.astype(object)), index=column.index)
        dtype = column.dtype
    if isinstance(dtype, pd.DatetimeTZDtype):
        aware: pd.Series = column.dt.tz_convert(tz).dt.tz_localize(None)
        return aware
    if isinstance(dtype, np.dtype) and dtype.kind == "M":
        return column
    values = [_one_wall(v, tz) for v in column.to_numpy(dtype=object)]
    return pd.Series(values, index=column.index, dtype="datetime64[ns]")


@attrs.frozen(eq=False, kw_only=True)
class RetentionDue:
    """What falls due under a policy by ``until``: per rule, and per rule and day.

    Attributes:
        policy: the policy's name.
        now: the reference time.
        within: the look-ahead in calendar months (0: what is due now).
        until: ``now`` plus ``within``: rows past their period then are due.
        schedule: one row per rule and day: ``rule``, ``table``, ``action``,
            ``due_on`` (the day it falls due, on the wall clock; missing for
            rows without a readable date, due at once) and ``rows``.
        labels: per rule, the index labels of the rows due.
    """

    policy: str
    now: pd.Timestamp
    within: int
    until: pd.Timestamp
    schedule: pd.DataFrame
    labels: dict[str, pd.Index]

    def per_rule(self) -> dict[str, int]:
        """Rows due per rule."""
        return {rule: len(labels) for rule, labels in self.labels.items()}

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values: the schedule as a list of records (days as ISO text)."""
        records = [
            {
                "rule": rule,
                "table": table,
                "action": action,
                "due_on": None if day is None else day.isoformat(),
                "rows": rows,
            }
            for rule, table, action, day, rows in self._records()
        ]
        return {
            "policy": self.policy,
            "now": iso_text(self.now),
            "within": format_period(self.within),
            "until": iso_text(self.until),
            "per_rule": self.per_rule(),
            "schedule": records,
        }

    def _records(self) -> list[tuple[str, str, str, dt.date | None, int]]:
        out = []
        for rule, table, action, day, rows in self.schedule.itertuples(index=False):
            when: Any = day
            out.append(
                (str(rule), str(table), str(action), None if pd.isna(when) else when, int(rows))
            )
        return out

    def _rows(self) -> list[list[Any]]:
        return [
            [rule, table, action, "now (no date)" if day is None else day.isoformat(), rows]
            for rule, table, action, day, rows in self._records()
        ]

    @property
    def _title(self) -> str:
        return (
            f"locosuppress retention: due under {self.policy} by {iso_text(self.until)} "
            f"(within {format_period(self.within)} of {iso_text(self.now)})"
        )

    def __str__(self) -> str:
        title = self._title
        lines = [title, "-" * len(title)]
        lines += [f"{rule}: {format_value(count)} rows" for rule, count in self.per_rule().items()]
        if len(self.schedule):
            lines += ["", *text_table(_SCHEDULE_COLUMNS, self._rows())]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return html_table(_SCHEDULE_COLUMNS, self._rows(), caption=self._title)


def _schedule_of(
    rule: RetentionRule, due_walls: pd.Series, missing: npt.NDArray[np.bool_]
) -> pd.DataFrame:
    """Rows due per day for one rule (the day the period ends)."""
    ends = (due_walls + pd.DateOffset(months=rule.keep_for)).dt.date
    ends = ends.astype(object).where(~missing, None)
    counts = ends.value_counts(dropna=False, sort=False)
    return pd.DataFrame(
        {
            "rule": rule.name,
            "table": rule.table,
            "action": rule.action,
            "due_on": list(counts.index),
            "rows": counts.to_numpy(dtype=np.int64),
        },
        columns=_SCHEDULE_COLUMNS,
    )


def due_rows(
    policy: str,
    rules: Sequence[RetentionRule],
    tables: Any,
    *,
    table: str | None,
    now: Any,
    within: int,
    tz: dt.tzinfo,
    allow_unreadable: bool = False,
) -> RetentionDue:
    """What falls due by ``now`` plus ``within`` months (see :meth:`RetentionPolicy.due`)."""
    given = check_tables(tables, table, rules)
    instant = reference_instant(now, tz)
    until, _ = shift_months(instant, -within, tz)
    at = moment(instant, tz, ahead=within)
    labels: dict[str, pd.Index] = {}
    pieces: list[pd.DataFrame] = []
    for name, frame in given.items():
        own = [rule for rule in rules if rule.table == name]
        which = governing(frame, own)
        for number, rule in enumerate(own):
            positions = np.flatnonzero(which == number)
            times = read_dates(frame, rule, positions, tz, allow_unreadable=allow_unreadable)
            state = expiry(times, rule, at)
            due = positions[state.expired]
            labels[rule.name] = frame.index[due]
            if len(due):
                column = column_of(frame, rule, rule.date_column, "date").iloc[due]
                walls = _walls(column, tz).reset_index(drop=True)
                pieces.append(_schedule_of(rule, walls, state.missing[state.expired]))
    order = {rule.name: i for i, rule in enumerate(rules)}
    labels = dict(sorted(labels.items(), key=lambda item: order[item[0]]))
    if pieces:
        schedule = pd.concat(pieces, ignore_index=True)
        schedule["_order"] = schedule["rule"].map(order)
        schedule["_day"] = schedule["due_on"].map(lambda d: dt.date.min if d is None else d)
        schedule = schedule.sort_values(["_order", "_day"], kind="stable").drop(
            columns=["_order", "_day"]
        )
        schedule = schedule.reset_index(drop=True)
    else:
        schedule = pd.DataFrame({c: [] for c in _SCHEDULE_COLUMNS})
    return RetentionDue(
        policy=policy, now=instant, within=within, until=until, schedule=schedule, labels=labels
    )
