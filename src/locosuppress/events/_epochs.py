"""Unix times in a timestamp column: read with an explicit unit, written back in kind.

SendGrid, Brevo and others export events with Unix times: seconds (or
milliseconds) since 1970-01-01 UTC, as numbers or as text of numbers. They are
never guessed (``1719792000`` could be many things): the caller names the
unit, ``"s"`` or ``"ms"``. :func:`read_epochs` turns such a column into UTC
instants, marking blank values and values that are no number (unreadable);
:func:`write_epochs` turns floored instants back into numbers of the same
kind (an integer column stays integers, text stays text).
"""

from __future__ import annotations

import re
from typing import Any, Final, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from locosuppress.events._columns import arrow_strings, put

__all__ = ["TIMESTAMP_UNITS", "TimestampUnit", "holds_numbers", "read_epochs", "write_epochs"]

TimestampUnit = Literal["s", "ms"] | None
TIMESTAMP_UNITS: tuple[TimestampUnit, ...] = ("s", "ms", None)

# Microseconds per unit, and the largest magnitude that fits datetime64[us]
# (which reaches 9999-12-31 and far beyond, so sentinels are read as times).
_US: Final = {"s": 10**6, "ms": 10**3}
_LIMIT_US: Final = 2**63 - 1
_INTEGER: Final = r"^[+-]?[0-9]{1,19}$"
_DECIMAL: Final = r"^[+-]?(?:[0-9]+\.[0-9]*|\.[0-9]+)$"
_INTEGER_RE: Final = re.compile(_INTEGER)
# whole numbers, which of them are, decimals, which of them are
_Parts = tuple[
    npt.NDArray[np.int64], npt.NDArray[np.bool_], npt.NDArray[np.float64], npt.NDArray[np.bool_]
]
_DECIMAL_RE: Final = re.compile(_DECIMAL)


def holds_numbers(dtype: Any) -> bool:
    """Whether a dtype holds numbers (not booleans): numpy, nullable or Arrow."""
    if isinstance(dtype, pd.ArrowDtype):
        kind = dtype.pyarrow_dtype
        return bool(pa.types.is_integer(kind) or pa.types.is_floating(kind))
    return bool(
        pd.api.types.is_numeric_dtype(dtype)
        and not pd.api.types.is_bool_dtype(dtype)
        and not pd.api.types.is_complex_dtype(dtype)
    )


def _to_us(
    integers: npt.NDArray[np.int64],
    is_integer: npt.NDArray[np.bool_],
    floats: npt.NDArray[np.float64],
    is_float: npt.NDArray[np.bool_],
    unit: str,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
    """Microseconds since the epoch, and which values fit (exact for whole numbers)."""
    scale = _US[unit]
    us = np.zeros(len(integers), dtype=np.int64)
    fits = np.zeros(len(integers), dtype=bool)
    whole = is_integer & (np.abs(integers.astype(np.float64)) < _LIMIT_US / scale / 2)
    us[whole] = integers[whole] * scale
    fits |= whole
    with np.errstate(invalid="ignore", over="ignore"):
        scaled = floats * scale
        fraction = is_float & np.isfinite(scaled) & (np.abs(scaled) < _LIMIT_US / 2)
    us[fraction] = np.floor(scaled[fraction]).astype(np.int64)
    fits |= fraction
    return us, fits


def _from_text(text: pa.Array) -> _Parts:
    """Integers and decimals in Arrow text (surrounding white space allowed)."""
    trimmed = pc.utf8_trim_whitespace(text)
    size = len(text)
    is_integer = _bools(pc.match_substring_regex(trimmed, _INTEGER))
    is_float = _bools(pc.match_substring_regex(trimmed, _DECIMAL))
    integers = np.zeros(size, dtype=np.int64)
    floats = np.zeros(size, dtype=np.float64)
    if is_integer.any():
        # 19 digits can overflow int64: those go the float way (and will not fit)
        at = np.flatnonzero(is_integer)
        picked = trimmed.take(pa.array(at))
        as_float = np.asarray(pc.cast(picked, pa.float64()).to_numpy(zero_copy_only=False))
        safe = np.abs(as_float) < 9e18
        integers[at[safe]] = np.asarray(
            pc.cast(picked.filter(pa.array(safe)), pa.int64()).to_numpy(zero_copy_only=False)
        )
        is_float[at[~safe]] = True
        floats[at[~safe]] = as_float[~safe]
        is_integer[at[~safe]] = False
    only_float = is_float & ~is_integer
    if only_float.any():
        at = np.flatnonzero(only_float)
        floats[at] = np.asarray(
            pc.cast(trimmed.take(pa.array(at)), pa.float64()).to_numpy(zero_copy_only=False)
        )
    return integers, is_integer, floats, only_float


def _from_objects(values: npt.NDArray[np.object_]) -> _Parts:
    """Integers and decimals among Python values: ints, floats and text of numbers."""
    size = len(values)
    integers = np.zeros(size, dtype=np.int64)
    floats = np.zeros(size, dtype=np.float64)
    is_integer = np.zeros(size, dtype=bool)
    is_float = np.zeros(size, dtype=bool)
    for i, value in enumerate(values):
        if isinstance(value, bool | np.bool_):
            continue
        if isinstance(value, str):
            text = value.strip()
            if _INTEGER_RE.match(text) and abs(int(text)) < 9 * 10**18:
                value = int(text)
            elif _DECIMAL_RE.match(text) or _INTEGER_RE.match(text):
                value = float(text)
            else:
                continue
        if isinstance(value, int | np.integer) and abs(int(value)) < 9 * 10**18:
            integers[i], is_integer[i] = int(value), True
        elif isinstance(value, float | np.floating | int | np.integer):
            floats[i], is_float[i] = float(value), True
    return integers, is_integer, floats, is_float


def _bools(array: pa.Array) -> npt.NDArray[np.bool_]:
    return np.asarray(pc.fill_null(array, False).to_numpy(zero_copy_only=False), dtype=bool)


def read_epochs(
    column: pd.Series, unit: str
) -> tuple[pd.Series, npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """Read Unix times in ``unit``.

    Returns:
        The instants (``datetime64[us, UTC]``, NaT where not readable, on a
        positional index), which values are blank (NA), and which are
        readable.
    """
    blank = np.asarray(column.isna(), dtype=bool)
    size = len(column)
    strings = arrow_strings(column)
    if strings is not None:
        parts = _from_text(pc.fill_null(strings, ""))
    elif holds_numbers(column.dtype):
        numbers = column.to_numpy(dtype=np.float64, na_value=np.nan)
        integral = pd.api.types.is_integer_dtype(column.dtype) or (
            isinstance(column.dtype, pd.ArrowDtype)
            and pa.types.is_integer(column.dtype.pyarrow_dtype)
        )
        if integral:
            ints = (
                column.to_numpy(dtype=np.int64, na_value=0)
                if blank.any()
                else column.to_numpy(dtype=np.int64)
            )
            parts = (ints, ~blank, np.zeros(size), np.zeros(size, dtype=bool))
        else:
            parts = (np.zeros(size, dtype=np.int64), np.zeros(size, dtype=bool), numbers, ~blank)
    else:
        parts = _from_objects(column.to_numpy(dtype=object))
    us, readable = _to_us(*parts, unit)
    readable &= ~blank
    instants = pd.Series(us.view("datetime64[us]")).dt.tz_localize("UTC").where(readable)
    return instants, blank, readable


def write_epochs(
    column: pd.Series, positions: npt.NDArray[np.intp], floored: pd.Series, unit: str
) -> pd.Series:
    """``column`` with Unix times of the ``floored`` instants at ``positions``, in its own kind.

    NaT in ``floored`` writes NA. Numbers stay numbers of the column's dtype,
    text stays text; in an object column each value keeps its own kind.
    """
    if len(positions) == 0:
        return column
    wall = floored.dt.tz_convert("UTC").dt.tz_localize(None).dt.as_unit("us")
    missing = wall.isna().to_numpy()
    counts = np.asarray(wall.to_numpy(dtype="datetime64[us]").view(np.int64)) // _US[unit]
    if arrow_strings(column) is not None:
        return put(
            column, positions, [None if m else str(c) for c, m in zip(counts, missing, strict=True)]
        )
    if holds_numbers(column.dtype):
        if missing.any() and isinstance(column.dtype, np.dtype) and column.dtype.kind in "iu":
            column = column.astype(
                pd.api.types.pandas_dtype("Int64" if column.dtype.kind == "i" else "UInt64")
            )
        if isinstance(column.dtype, np.dtype):
            values: Any = counts.astype(column.dtype)
            if missing.any():
                values[missing] = np.nan
            return put(column, positions, values)
        return put(
            column,
            positions,
            pd.array(
                [None if m else int(c) for c, m in zip(counts, missing, strict=True)],
                dtype=column.dtype,  # type: ignore[call-overload]  # any numeric dtype
            ),
        )
    originals = column.to_numpy(dtype=object)[positions]
    out: list[Any] = []
    for original, count, gone in zip(originals, counts, missing, strict=True):
        if gone:
            out.append(None)
        elif isinstance(original, str):
            out.append(str(count))
        elif isinstance(original, float | np.floating):
            out.append(float(count))
        else:
            out.append(int(count))
    values = np.empty(len(out), dtype=object)
    values[:] = out
    return put(column, positions, values)
