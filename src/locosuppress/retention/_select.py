"""Which rule governs each row, and which governed rows are past their period.

Shared by ``apply``, ``due`` and ``sweep``, so that the three can never
disagree about a row. Dates are read exactly as the anonymiser reads its
timestamps (naive values are wall times in ``tz``; aware ones are instants;
ISO 8601 text; what does not read counts as missing), and the cutoff is the
one implementation of "now minus N calendar months" in
:mod:`locosuppress._calendar`.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Hashable, Mapping, Sequence
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt
import pandas as pd

from locosuppress._calendar import place, reference_time, shift_months
from locosuppress.errors import SchemaError
from locosuppress.events._times import TimeColumn, localize, time_column
from locosuppress.retention._rules import RetentionRule

__all__ = [
    "Expiry",
    "Moment",
    "check_tables",
    "column_of",
    "expiry",
    "governing",
    "moment",
    "read_dates",
    "reference_instant",
]

_ONE_TICK = pd.Timedelta(1, unit="ns")


def check_tables(
    tables: Any, table: str | None, rules: Sequence[RetentionRule]
) -> dict[str, pd.DataFrame]:
    """The tables as a name -> DataFrame dict; every rule's table must be there.

    Raises:
        TypeError: not a mapping of DataFrames (or one DataFrame with ``table=``).
        SchemaError: a rule's table is missing, naming the rule.
    """
    if isinstance(tables, pd.DataFrame):
        if table is None:
            raise TypeError("one DataFrame needs table= (the name the policy's rules use)")
        found: dict[str, pd.DataFrame] = {table: tables}
        rules = [rule for rule in rules if rule.table == table]
    elif isinstance(tables, Mapping):
        if table is not None:
            raise TypeError("table= is for one DataFrame; a mapping names its tables itself")
        found = {}
        for name, frame in tables.items():
            if not isinstance(name, str):
                raise TypeError(f"table names must be text, not {type(name).__name__}")
            if not isinstance(frame, pd.DataFrame):
                raise TypeError(
                    f"table {name!r} must be a pandas DataFrame, not {type(frame).__name__}"
                )
            found[name] = frame
    else:
        raise TypeError(
            "tables must be a mapping of table name to DataFrame (or one DataFrame with "
            f"table=), not {type(tables).__name__}"
        )
    for rule in rules:
        if rule.table not in found:
            raise SchemaError(
                f"rule {rule.name!r} governs table {rule.table!r}, which was not given; "
                "pass it, or use policy.for_tables(...) for a policy without that rule"
            )
    for name, frame in found.items():
        if not frame.columns.is_unique:
            raise SchemaError(f"table {name!r}: column names must be unique")
    return found


def column_of(frame: pd.DataFrame, rule: RetentionRule, column: Hashable, what: str) -> pd.Series:
    """A column a rule needs, or a SchemaError naming the rule."""
    if column not in frame.columns:
        raise SchemaError(
            f"rule {rule.name!r}: table {rule.table!r} has no {what} column {column!r}; "
            "fix the column name in the policy or the table"
        )
    series: pd.Series = frame[column]
    return series


def _chosen(level: Any, values: frozenset[Any], texts: frozenset[str]) -> bool:
    """Whether one distinct value of a column is selected (numbers also by their text)."""
    try:
        if level in values:
            return True
    except TypeError:  # an unhashable cell never matches
        return False
    return isinstance(level, str) and level in texts


def governing(frame: pd.DataFrame, rules: Sequence[RetentionRule]) -> npt.NDArray[np.intp]:
    """Per row, the position in ``rules`` of the rule that governs it, or -1.

    The policy refuses overlapping rules, so at most one rule matches a row.
    Rules that select on one column share one factorisation of it.

    Raises:
        SchemaError: a ``where`` column is missing.
    """
    size = len(frame)
    which = np.full(size, -1, dtype=np.intp)
    factorised: dict[str, tuple[npt.NDArray[np.intp], list[Any]]] = {}
    for number, rule in enumerate(rules):
        if not rule.where:  # every row (the policy allows no other rule here)
            which[:] = number
            continue
        mask = np.ones(size, dtype=bool)
        for column, values in rule.where:
            if column not in factorised:
                factorised[column] = _levels(column_of(frame, rule, column, "where"))
            codes, levels = factorised[column]
            wanted = frozenset(values)
            texts = frozenset(str(v) for v in values if not isinstance(v, str))
            chosen = [_chosen(level, wanted, texts) for level in levels]
            mask &= np.array([*chosen, False], dtype=bool)[codes]
        which[mask] = number
    return which


def _levels(column: pd.Series) -> tuple[npt.NDArray[np.intp], list[Any]]:
    """Codes per row (-1: missing) and the distinct values, once per column."""
    try:
        codes, levels = pd.factorize(column, use_na_sentinel=True)
    except TypeError:  # unhashable cells: each row its own level
        cells = list(column.to_numpy(dtype=object))
        return np.arange(len(cells), dtype=np.intp), cells
    return np.asarray(codes, dtype=np.intp), list(levels)


@attrs.frozen(kw_only=True)
class Expiry:
    """How the governed rows of one rule stand against its cutoff.

    Attributes:
        cutoff: rows dated strictly before this instant are past their period.
        expired: per governed row, past its period (a missing date included).
        missing: per governed row, the date is missing or unreadable.
        future: per governed row, the date is later than ``now``.
    """

    cutoff: pd.Timestamp
    expired: npt.NDArray[np.bool_]
    missing: npt.NDArray[np.bool_]
    future: npt.NDArray[np.bool_]


@functools.lru_cache(maxsize=64)
def _transition_near(wall: pd.Timestamp, tz: dt.tzinfo) -> bool:
    """Whether the zone's UTC offset changes between two days before ``wall`` and a day after.

    Where it does not, wall times compare exactly as the instants they are placed at.
    """
    before = place(wall - pd.Timedelta(days=2), tz).utcoffset()
    after = place(wall + pd.Timedelta(days=1), tz).utcoffset()
    return bool(before != after)


class _WallTimes(TimeColumn):
    """Naive NumPy datetime64 values: wall times in ``tz``, compared as NumPy arrays.

    The anonymiser's rule for naive times (placing wall times in the zone
    never reverses their order, so only values within two days before the
    cutoff are placed to settle a daylight-saving gap or overlap), without
    the cost of pandas' Series comparisons on the common dtype.
    """

    def __init__(self, values: npt.NDArray[np.datetime64], tz: dt.tzinfo) -> None:
        self.values = values
        self.tz = tz
        self.missing = np.isnat(values)
        self.blank = self.missing  # a datetime64 column has no unreadable values

    def older_than(self, instant: pd.Timestamp, wall: pd.Timestamp) -> npt.NDArray[np.bool_]:
        unit: Any = np.datetime_data(self.values.dtype)[0]
        edge = np.datetime64(wall.as_unit("ns").asm8).astype(self.values.dtype)
        if unit != "ns" and pd.Timestamp(edge) != wall:  # the edge falls between two ticks
            edge = edge + np.timedelta64(1, unit)
        old = self.values < edge
        if not _transition_near(wall, self.tz):  # the wall clock runs evenly here
            return old
        near = old & (self.values >= edge - np.timedelta64(2 * 86400, "s"))
        if near.any():
            placed = localize(pd.Series(self.values[near]), self.tz)
            old[near] = (placed < instant).to_numpy()
        return old

    def coarsen(
        self, positions: npt.NDArray[np.intp], resolution: Any
    ) -> tuple[pd.Series, npt.NDArray[np.bool_]]:  # pragma: no cover - never coarsened here
        raise NotImplementedError("retention reads dates; the anonymiser coarsens them")


def read_dates(
    frame: pd.DataFrame,
    rule: RetentionRule,
    positions: npt.NDArray[np.intp] | None,
    tz: dt.tzinfo,
    *,
    allow_unreadable: bool,
) -> TimeColumn:
    """The rule's date column at ``positions`` (None: all rows), read as the anonymiser does.

    Raises:
        SchemaError: the column holds no dates, or (unless ``allow_unreadable``)
            more than half of its present values are no date.
    """
    times = _read_dates(frame, rule, positions, tz)
    if not allow_unreadable:
        _check_readable(times, rule)
    return times


def _check_readable(times: TimeColumn, rule: RetentionRule) -> None:
    """Refuse a column of which more than half of the present values are no date.

    An unreadable date counts as past its period (fail closed), which is right
    for a stray cell; when it is most of the column, the column was read the
    wrong way (Unix times, another format, another column), and deleting or
    sweeping every row would hide that and destroy data the law may require
    us to keep. The anonymiser applies the same rule to its timestamps.
    """
    present = ~times.blank
    unreadable = int((times.missing & present).sum())
    if unreadable and unreadable * 2 > int(present.sum()):
        raise SchemaError(
            f"rule {rule.name!r}: {unreadable:,} of {int(present.sum()):,} dates in column "
            f"{rule.date_column!r} of table {rule.table!r} are no date, and each would count "
            "as past its period. Check the column and its format (ISO 8601, or day-first "
            "dates; convert Unix times first); to treat them as past anyway, pass "
            "allow_unreadable=True (command line: --allow-unreadable)"
        )


def _read_dates(
    frame: pd.DataFrame,
    rule: RetentionRule,
    positions: npt.NDArray[np.intp] | None,
    tz: dt.tzinfo,
) -> TimeColumn:
    column = column_of(frame, rule, rule.date_column, "date")
    dtype = column.dtype
    if isinstance(dtype, np.dtype) and dtype.kind == "M":
        values = column.to_numpy()
        return _WallTimes(values if positions is None else values[positions], tz)
    if len(column) == 0 or (positions is not None and len(positions) == 0):  # nothing to read
        column = pd.Series([], dtype=object, name=column.name)
    elif positions is not None and len(positions) != len(column):
        column = column.iloc[positions]
    try:
        return time_column(column, tz, name=rule.date_column)
    except SchemaError:
        raise SchemaError(
            f"rule {rule.name!r}: date column {rule.date_column!r} of table {rule.table!r} "
            f"holds {column.dtype}, not dates or ISO 8601 text; convert it first, for "
            "example with pandas.to_datetime"
        ) from None


@attrs.frozen
class Moment:
    """The reference time of a run, on the wall clock and as an instant, computed once.

    Attributes:
        wall: the time the periods are counted back from (naive, in ``tz``).
        now_wall, now_instant: the time of the run, for dates in the future.
        tz: the zone.
    """

    wall: pd.Timestamp
    now_wall: pd.Timestamp
    now_instant: pd.Timestamp
    tz: dt.tzinfo


def moment(now: Any, tz: dt.tzinfo, *, ahead: int = 0) -> Moment:
    """``now`` (and ``now`` plus ``ahead`` calendar months) for :func:`expiry`.

    Raises:
        InvalidOptionError: ``now`` is not a time.
    """
    now_instant, now_wall = shift_months(now, 0, tz)
    _, wall = shift_months(now_wall, -ahead, tz)
    return Moment(wall=wall, now_wall=now_wall, now_instant=now_instant, tz=tz)


def expiry(times: TimeColumn, rule: RetentionRule, at: Moment) -> Expiry:
    """Which rows are past the rule's period at the moment ``at``."""
    instant, wall = shift_months(at.wall, rule.keep_for, at.tz)
    missing = times.missing
    expired = missing | times.older_than(instant, wall)
    future = ~missing & ~times.older_than(at.now_instant + _ONE_TICK, at.now_wall + _ONE_TICK)
    return Expiry(cutoff=instant, expired=expired, missing=missing, future=future)


def reference_instant(now: Any, tz: dt.tzinfo) -> pd.Timestamp:
    """``now`` as an instant in ``tz`` (a naive ``now`` is a wall time there; None: now).

    Raises:
        InvalidOptionError: ``now`` is not a time.
    """
    wall = reference_time(now, tz)
    if now is not None and pd.Timestamp(now).tzinfo is not None:
        return pd.Timestamp(now).tz_convert(tz)
    return place(wall, tz)
