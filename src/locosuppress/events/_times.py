"""Timestamps for the anonymiser: the cutoff, reading a timestamp column, coarsening.

Rules (see docs/anonymisation.md):

* Month arithmetic is done on the wall clock in the zone ``tz``; the resulting
  wall time is then placed in the zone with "a wall time that does not exist
  moves forward, an ambiguous one takes the earlier instant".
* Aware timestamps are instants. Naive ones are wall times in ``tz``.
* Text is parsed as ISO 8601; what does not parse counts as missing.
* Coarsening floors the wall clock in ``tz`` (to the hour, day or month) and
  keeps each value's kind: naive stays naive, aware keeps its zone, text stays
  text (ISO 8601), a ``datetime`` object stays one.
"""

from __future__ import annotations

import abc
import datetime as dt
import zoneinfo
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from locosuppress._calendar import read_now, shift_months
from locosuppress._vocabulary import shown
from locosuppress.errors import InvalidOptionError, SchemaError
from locosuppress.events._columns import arrow_strings, put
from locosuppress.events._epochs import (
    TIMESTAMP_UNITS,
    TimestampUnit,
    holds_numbers,
    read_epochs,
    write_epochs,
)

__all__ = [
    "RESOLUTIONS",
    "TIMESTAMP_UNITS",
    "Resolution",
    "TimeColumn",
    "TimestampUnit",
    "cutoff",
    "floor_wall",
    "localize",
    "read_now",
    "resolve_tz",
    "time_column",
]

Resolution = Literal["day", "hour", "month"] | None
RESOLUTIONS: tuple[Resolution, ...] = ("day", "hour", "month", None)

# The end of an ISO 8601 date-time that carries its own offset (after a time of day).
_OFFSET = r"[T ]\d{2}(?::?\d{2}(?::?\d{2}(?:[.,]\d+)?)?)?\s*(?:[Zz]|[+-]\d{2}(?::?\d{2})?)\s*$"


def resolve_tz(tz: str | dt.tzinfo, /) -> dt.tzinfo:
    """The zone for a name like ``"Europe/Amsterdam"`` (or a tzinfo, unchanged)."""
    if isinstance(tz, dt.tzinfo):
        return tz
    if not isinstance(tz, str):
        raise TypeError(f"tz must be a zone name or a tzinfo, not {type(tz).__name__}")
    try:
        return zoneinfo.ZoneInfo(tz)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as error:
        raise InvalidOptionError(
            f"unknown time zone for tz: {tz!r}; use an IANA name like 'Europe/Amsterdam'"
        ) from error


def localize(wall: pd.Series, tz: dt.tzinfo) -> pd.Series:
    """Vectorised ``_calendar.place``: naive wall times to aware values in ``tz``."""
    placed: pd.Series = wall.dt.tz_localize(
        tz, ambiguous=np.ones(len(wall), dtype=bool), nonexistent="shift_forward"
    )
    return placed


def cutoff(now: Any, months: int, tz: dt.tzinfo) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The instant before which events are old, and the same as a naive wall time in ``tz``.

    ``now`` may be aware (an instant) or naive (a wall time in ``tz``); None means now.
    Text must be ISO 8601 (``01-07-2025`` is refused, never read month-first).

    Raises:
        InvalidOptionError: ``now`` is not a time.
    """
    return shift_months(now, months, tz)  # one implementation, shared with retention


def floor_wall(wall: pd.Series, resolution: Resolution) -> pd.Series:
    """Floor naive wall times to the hour, day or month (None leaves them)."""
    if resolution is None:
        return wall
    if resolution == "hour":
        hour: pd.Series = wall.dt.floor("h")
        return hour
    day: pd.Series = wall.dt.floor("D")
    if resolution == "day":
        return day
    back = pd.to_timedelta(wall.dt.day.fillna(1).to_numpy() - 1, unit="D").as_unit(day.dt.unit)
    month: pd.Series = day - back
    return month


def _floor_aware(values: pd.Series, tz: dt.tzinfo, resolution: Resolution) -> pd.Series:
    """Floor aware values on the wall clock of ``tz``; result in ``tz``.

    A floored wall time keeps the UTC offset of the value it came from when it
    exists under that offset (so 02:30 in the repeated autumn hour floors to
    02:00 of the same pass); otherwise it is placed by the usual rule.
    """
    values = values.reset_index(drop=True)
    local = values.dt.tz_convert(tz)
    wall = local.dt.tz_localize(None)
    floored = floor_wall(wall, resolution)
    offset = wall - values.dt.tz_convert("UTC").dt.tz_localize(None)
    same: pd.Series = (floored - offset).dt.tz_localize("UTC").dt.tz_convert(tz)
    fits = (same.dt.tz_localize(None) == floored).to_numpy() | floored.isna().to_numpy()
    if fits.all():
        return same
    placed = localize(floored[~fits], tz)
    mixed: pd.Series = same.where(fits, placed.reindex(same.index))  # positional index
    return mixed


class TimeColumn(abc.ABC):
    """A timestamp column read once: which values are missing, which are old, coarsening.

    ``missing`` marks values that are no time (blank or unreadable), ``blank``
    those that are NA in the column; unreadable ones are missing and not blank.
    """

    missing: npt.NDArray[np.bool_]
    blank: npt.NDArray[np.bool_]

    @abc.abstractmethod
    def older_than(self, instant: pd.Timestamp, wall: pd.Timestamp) -> npt.NDArray[np.bool_]:
        """Values strictly before the cutoff (missing ones are not)."""

    def later_than(self, instant: pd.Timestamp, wall: pd.Timestamp) -> npt.NDArray[np.bool_]:
        """Values strictly after the limit (missing ones are not)."""
        tick = pd.Timedelta(nanoseconds=1)
        return ~self.missing & ~self.older_than(instant + tick, wall + tick)

    @abc.abstractmethod
    def coarsen(
        self, positions: npt.NDArray[np.intp], resolution: Resolution
    ) -> tuple[pd.Series, npt.NDArray[np.bool_]]:
        """The column with values at ``positions`` coarsened (unparseable text becomes NA).

        Returns the new column and, per position, whether the value changed.
        """


class _NaiveTimes(TimeColumn):
    """datetime64 without zone: wall times in ``tz``."""

    def __init__(self, column: pd.Series, tz: dt.tzinfo) -> None:
        self.column = column
        self.values = column.reset_index(drop=True)
        self.tz = tz
        self.missing = column.isna().to_numpy()
        self.blank = self.missing

    def older_than(self, instant: pd.Timestamp, wall: pd.Timestamp) -> npt.NDArray[np.bool_]:
        # Placing wall times in the zone never reverses their order, so only the
        # values just before the cutoff (a gap can swallow up to a day) need it.
        old = np.array(self.values < wall, dtype=bool)
        near = old & (self.values >= wall - pd.Timedelta(days=2)).to_numpy()
        if near.any():
            old[near] = (localize(self.values[near], self.tz) < instant).to_numpy()
        return old

    def coarsen(
        self, positions: npt.NDArray[np.intp], resolution: Resolution
    ) -> tuple[pd.Series, npt.NDArray[np.bool_]]:
        values = self.values.iloc[positions].reset_index(drop=True)
        floored = floor_wall(values, resolution)
        changed = (floored != values).to_numpy() & values.notna().to_numpy()
        return put(self.column, positions[changed], floored[changed].to_numpy()), changed


class _AwareTimes(TimeColumn):
    """datetime64 with a zone: instants."""

    def __init__(self, column: pd.Series, tz: dt.tzinfo) -> None:
        self.column = column
        self.tz = tz
        self.missing = column.isna().to_numpy()
        self.blank = self.missing

    def older_than(self, instant: pd.Timestamp, wall: pd.Timestamp) -> npt.NDArray[np.bool_]:
        return (self.column < instant).to_numpy()

    def coarsen(
        self, positions: npt.NDArray[np.intp], resolution: Resolution
    ) -> tuple[pd.Series, npt.NDArray[np.bool_]]:
        values = self.column.iloc[positions].reset_index(drop=True)
        if resolution is None:
            return self.column, np.zeros(len(positions), dtype=bool)
        floored = _floor_aware(values, self.tz, resolution).dt.tz_convert(self.column.dt.tz)
        changed = (floored != values).to_numpy() & values.notna().to_numpy()
        return put(self.column, positions[changed], floored[changed].array), changed


class _ConvertedTimes(TimeColumn):
    """A timestamp dtype pandas can convert to datetime64 and back (Arrow timestamps)."""

    def __init__(self, column: pd.Series, inner: TimeColumn) -> None:
        self.column = column
        self.inner = inner
        self.missing = inner.missing
        self.blank = inner.blank

    def older_than(self, instant: pd.Timestamp, wall: pd.Timestamp) -> npt.NDArray[np.bool_]:
        return self.inner.older_than(instant, wall)

    def coarsen(
        self, positions: npt.NDArray[np.intp], resolution: Resolution
    ) -> tuple[pd.Series, npt.NDArray[np.bool_]]:
        new, changed = self.inner.coarsen(positions, resolution)
        return (new.astype(self.column.dtype) if changed.any() else self.column), changed


# Kinds of values in a text or object timestamp column.
_UNREADABLE, _NAIVE_TEXT, _AWARE_TEXT, _NAIVE_OBJECT, _AWARE_OBJECT = range(5)


class _TextTimes(TimeColumn):
    """Text (ISO 8601) or Python objects: each value read by its own kind."""

    def __init__(self, column: pd.Series, tz: dt.tzinfo) -> None:
        self.column = column
        self.tz = tz
        size = len(column)
        self.na = column.isna().to_numpy()
        self.kind = np.full(size, _UNREADABLE, dtype=np.int8)
        # UTC instants of every readable value, and the wall time in tz of the naive ones.
        self.instant = pd.Series(pd.NaT, index=range(size), dtype="datetime64[us, UTC]")
        self.wall = pd.Series(pd.NaT, index=range(size), dtype="datetime64[us]")
        self.object_zone: dict[int, Any] = {}
        strings = arrow_strings(column)
        if strings is not None:
            self._read_text(np.flatnonzero(~self.na), strings.filter(pa.array(~self.na)))
        else:
            self._read_objects(column.to_numpy(dtype=object))
        self.missing = self.kind == _UNREADABLE
        self.blank = self.na

    def _read_text(self, positions: npt.NDArray[np.intp], text: pa.Array) -> None:
        if len(positions) == 0:
            return
        parsed = pd.to_datetime(
            pd.Series(text.to_pandas(), dtype=object), format="ISO8601", errors="coerce", utc=True
        ).dt.as_unit("us")
        readable = parsed.notna().to_numpy()
        aware = np.asarray(pc.fill_null(pc.match_substring_regex(text, _OFFSET), False), dtype=bool)
        self.kind[positions[readable & aware]] = _AWARE_TEXT
        self.kind[positions[readable & ~aware]] = _NAIVE_TEXT
        self._set(positions, parsed, readable, aware)

    def _set(
        self,
        positions: npt.NDArray[np.intp],
        parsed: pd.Series,
        readable: npt.NDArray[np.bool_],
        aware: npt.NDArray[np.bool_],
    ) -> None:
        """Store instants (aware values) and wall times (naive values parsed as if UTC)."""
        naive = readable & ~aware
        if (readable & aware).any():
            self.instant.iloc[positions[readable & aware]] = parsed[readable & aware].array
        if naive.any():
            wall = parsed[naive].dt.tz_localize(None)
            self.wall.iloc[positions[naive]] = wall.array
            placed = localize(wall, self.tz).dt.tz_convert("UTC").dt.as_unit("us")
            self.instant.iloc[positions[naive]] = placed.array

    def _read_objects(self, values: npt.NDArray[np.object_]) -> None:
        text_at = [i for i, v in enumerate(values) if isinstance(v, str)]
        if text_at:
            positions = np.asarray(text_at, dtype=np.intp)
            self._read_text(positions, pa.array(values[positions].tolist(), type=pa.large_string()))
        stamps: list[pd.Timestamp] = []
        at: list[int] = []
        for i, value in enumerate(values):
            if self.na[i] or not isinstance(value, dt.date | np.datetime64):
                continue
            try:
                stamp = pd.Timestamp(value)
            except (ValueError, OverflowError, pd.errors.OutOfBoundsDatetime):
                continue
            at.append(i)
            stamps.append(stamp)
            if stamp.tzinfo is not None:
                self.object_zone[i] = stamp.tzinfo
        if not at:
            return
        positions = np.asarray(at, dtype=np.intp)
        aware = np.array([s.tzinfo is not None for s in stamps], dtype=bool)
        self.kind[positions] = np.where(aware, _AWARE_OBJECT, _NAIVE_OBJECT)
        parsed = pd.Series(
            [s.tz_convert("UTC") if s.tzinfo is not None else s.tz_localize("UTC") for s in stamps],
            dtype="datetime64[us, UTC]",
        )
        self._set(positions, parsed, np.ones(len(at), dtype=bool), aware)

    def older_than(self, instant: pd.Timestamp, wall: pd.Timestamp) -> npt.NDArray[np.bool_]:
        return (self.instant < instant).to_numpy()

    def coarsen(
        self, positions: npt.NDArray[np.intp], resolution: Resolution
    ) -> tuple[pd.Series, npt.NDArray[np.bool_]]:
        kind = self.kind[positions]
        # Unreadable values that are not NA yet become NA; readable ones are floored.
        blank = (kind == _UNREADABLE) & ~self.na[positions]
        changed = blank.copy()
        new: list[Any] = [None] * len(positions)
        if resolution is not None:
            aware = np.isin(kind, (_AWARE_TEXT, _AWARE_OBJECT))
            naive = np.isin(kind, (_NAIVE_TEXT, _NAIVE_OBJECT))
            floored_wall = floor_wall(self.wall.iloc[positions[naive]], resolution)
            floored_aware = _floor_aware(self.instant.iloc[positions[aware]], self.tz, resolution)
            for j, stamp in zip(np.flatnonzero(naive), floored_wall, strict=True):
                new[j] = self._render(int(positions[j]), kind[j], stamp)
            for j, stamp in zip(np.flatnonzero(aware), floored_aware, strict=True):
                new[j] = self._render(int(positions[j]), kind[j], stamp)
            original = self.column.iloc[positions].to_numpy(dtype=object)
            for j in np.flatnonzero(naive | aware):
                changed[j] = not _same(new[j], original[j])
        where = np.flatnonzero(changed)
        values = [new[j] for j in where]
        return put(self.column, positions[where], values), changed

    def _render(self, position: int, kind: int, stamp: pd.Timestamp) -> Any:
        """A floored value in the kind of the original: ISO text or a Timestamp."""
        if kind in (_NAIVE_TEXT, _AWARE_TEXT):
            return stamp.isoformat()
        if kind == _AWARE_OBJECT:
            return stamp.tz_convert(self.object_zone[position])
        return stamp


def _same(new: Any, old: Any) -> bool:
    if isinstance(new, str) or isinstance(old, str):
        return bool(new == old)
    try:
        return bool(pd.Timestamp(old) == new) and type(old) is type(new)
    except (TypeError, ValueError):
        return False


class _EpochTimes(TimeColumn):
    """Unix times (numbers, or text of numbers) in a named unit: instants."""

    def __init__(self, column: pd.Series, tz: dt.tzinfo, unit: str) -> None:
        self.column = column
        self.unit = unit
        instants, self.blank, readable = read_epochs(column, unit)
        self.inner = _AwareTimes(instants, tz)
        self.missing = ~readable

    def older_than(self, instant: pd.Timestamp, wall: pd.Timestamp) -> npt.NDArray[np.bool_]:
        return self.inner.older_than(instant, wall)

    def coarsen(
        self, positions: npt.NDArray[np.intp], resolution: Resolution
    ) -> tuple[pd.Series, npt.NDArray[np.bool_]]:
        # unreadable values become NA; readable ones are floored, then written as numbers
        unreadable = self.missing[positions] & ~self.blank[positions]
        floored, changed = self.inner.coarsen(positions, resolution)
        changed = changed | unreadable
        at = positions[changed]
        return write_epochs(
            self.column, at, floored.iloc[at].reset_index(drop=True), self.unit
        ), changed


def time_column(
    column: pd.Series, tz: dt.tzinfo, *, name: Any, unit: TimestampUnit = None
) -> TimeColumn:
    """Read a timestamp column, or raise SchemaError for a dtype that holds no times.

    With ``unit`` (``"s"`` or ``"ms"``) the column must hold Unix times:
    numbers, or text (or Python objects) of numbers.
    """
    dtype = column.dtype
    if unit is not None:
        text = arrow_strings(column) is not None or (
            isinstance(dtype, np.dtype) and dtype.kind == "O"
        )
        if not (text or holds_numbers(dtype)):
            raise SchemaError(
                f"timestamp_unit={unit!r} is for Unix times (numbers), but timestamp column "
                f"{shown(name)} holds {dtype}; leave timestamp_unit out for times"
            )
        return _EpochTimes(column, tz, unit)
    if isinstance(dtype, pd.DatetimeTZDtype):
        return _AwareTimes(column, tz)
    if isinstance(dtype, np.dtype) and dtype.kind == "M":
        return _NaiveTimes(column, tz)
    if isinstance(dtype, pd.ArrowDtype) and (
        pa.types.is_timestamp(dtype.pyarrow_dtype) or pa.types.is_date(dtype.pyarrow_dtype)
    ):
        arrow_type = dtype.pyarrow_dtype
        if pa.types.is_date(arrow_type):  # dates are naive midnights
            target = "datetime64[s]"
        elif arrow_type.tz:
            target = f"datetime64[{arrow_type.unit}, {arrow_type.tz}]"
        else:
            target = f"datetime64[{arrow_type.unit}]"
        converted = column.astype(pd.api.types.pandas_dtype(target))
        inner = time_column(converted, tz, name=name)
        return _ConvertedTimes(column, inner)
    if arrow_strings(column) is not None or (isinstance(dtype, np.dtype) and dtype.kind == "O"):
        return _TextTimes(column, tz)
    if holds_numbers(dtype):
        raise SchemaError(
            f"timestamp column {shown(name)} holds numbers ({dtype}), not times; if they are "
            "Unix times, say in which unit: timestamp_unit='s' or 'ms' (command line: "
            "--timestamp-unit); they are never guessed"
        )
    raise SchemaError(
        f"timestamp column {shown(name)} holds {dtype}, not times or ISO 8601 text; "
        "convert it first, for example with pandas.to_datetime"
    )
