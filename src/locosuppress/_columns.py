"""Column-level helpers for the anonymiser: Arrow access, NA-able dtypes, writes, codes.

Everything here works on one ``pandas.Series`` at a time and returns new
objects; nothing is modified in place. Arrow-backed string columns (the
pandas 3 default ``str`` dtype) are handled with ``pyarrow.compute`` so that
no Python object is made per row.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = [
    "Codes",
    "arrow_strings",
    "combine_codes",
    "empty",
    "factorize",
    "first_positions",
    "nullable",
    "put",
    "with_arrow_strings",
]

Codes = npt.NDArray[np.int64]

# The missing value numpy dtypes of these kinds hold (the rest need a nullable dtype).
_NA_BY_KIND: dict[str, Any] = {
    "O": None,
    "f": np.nan,
    "c": np.nan,
    "M": np.datetime64("NaT"),
    "m": np.timedelta64("NaT"),
}


def _arrow_backed(dtype: Any) -> bool:
    """Whether a dtype stores its values in a pyarrow array."""
    if isinstance(dtype, pd.StringDtype):
        return dtype.storage == "pyarrow"
    return isinstance(dtype, pd.ArrowDtype)


def _to_array(values: Any) -> pa.Array:
    array = pa.array(values)
    if isinstance(array, pa.ChunkedArray):  # pragma: no cover - pyarrow combines chunks here
        array = array.combine_chunks()
    return array


def arrow_strings(column: pd.Series) -> pa.Array | None:
    """The column as an Arrow string array, or None when its dtype is not a string dtype."""
    dtype = column.dtype
    if isinstance(dtype, pd.StringDtype):
        if dtype.storage == "pyarrow":
            return _to_array(column.array)
        values: Any = column.array
        return pa.array(values.to_numpy(dtype=object, na_value=None), type=pa.large_string())
    if isinstance(dtype, pd.ArrowDtype) and (
        pa.types.is_string(dtype.pyarrow_dtype) or pa.types.is_large_string(dtype.pyarrow_dtype)
    ):
        return _to_array(column.array)
    return None


def with_arrow_strings(column: pd.Series, values: pa.Array) -> pd.Series:
    """A column of the same dtype, index and name holding ``values``."""
    dtype = column.dtype
    if isinstance(dtype, pd.ArrowDtype):
        array: Any = pd.arrays.ArrowExtensionArray(values.cast(dtype.pyarrow_dtype))
    else:
        array = pd.array(values, dtype=dtype)
    return pd.Series(array, index=column.index, name=column.name, copy=False)


def nullable(column: pd.Series) -> pd.Series:
    """The column in a dtype that can hold NA (int64 -> Int64, bool -> boolean)."""
    dtype = column.dtype
    if isinstance(dtype, np.dtype):
        if dtype.kind in "iu":
            name = ("UInt" if dtype.kind == "u" else "Int") + str(dtype.itemsize * 8)
            return column.astype(pd.api.types.pandas_dtype(name))
        if dtype.kind == "b":
            return column.astype(pd.BooleanDtype())
    return column


def empty(column: pd.Series, mask: npt.NDArray[np.bool_]) -> pd.Series:
    """A copy of ``column`` (already NA-able) with NA where ``mask`` is true."""
    if not mask.any():
        return column
    dtype = column.dtype
    if _arrow_backed(dtype):
        values = _to_array(column.array)
        nulls = pa.scalar(None, type=values.type)
        return with_arrow_strings(column, pc.if_else(pa.array(mask), nulls, values))
    if isinstance(dtype, np.dtype) and dtype.kind in _NA_BY_KIND:
        data = column.to_numpy(copy=True)
        data[mask] = _NA_BY_KIND[dtype.kind]
        return pd.Series(data, index=column.index, name=column.name, dtype=dtype, copy=False)
    return column.mask(mask)


def put(column: pd.Series, positions: npt.NDArray[np.intp], values: Any) -> pd.Series:
    """A copy of ``column`` with ``values`` written at the sorted ``positions``."""
    if len(positions) == 0:
        return column
    strings = arrow_strings(column) if _arrow_backed(column.dtype) else None
    if strings is not None:
        new = values if isinstance(values, pa.Array) else pa.array(values, type=strings.type)
        at = np.zeros(len(strings), dtype=bool)
        at[positions] = True
        merged = pc.replace_with_mask(strings, pa.array(at), new.cast(strings.type))
        return with_arrow_strings(column, merged)
    if isinstance(values, pa.Array):
        values = values.to_pandas()
    dtype = column.dtype
    if isinstance(dtype, np.dtype):
        data = column.to_numpy(copy=True)
        data[positions] = np.asarray(values, dtype=data.dtype)
        return pd.Series(data, index=column.index, name=column.name, dtype=dtype, copy=False)
    out = column.copy()
    out.iloc[positions] = values
    return out


def factorize(values: Any) -> tuple[Codes, int]:
    """Codes 0..n-1 by first appearance, NA being a value of its own."""
    if isinstance(values, pa.Array):
        encoded = pc.dictionary_encode(values, null_encoding="encode")
        codes = np.asarray(encoded.indices.to_numpy(zero_copy_only=False), dtype=np.int64)
        return codes, len(encoded.dictionary)
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    return np.asarray(codes, dtype=np.int64), len(uniques)


def combine_codes(parts: Sequence[tuple[Codes, int]], size: int) -> tuple[Codes, int]:
    """One code per distinct combination of several code columns (first-appearance order)."""
    if not parts:
        return np.zeros(size, dtype=np.int64), 1 if size else 0
    codes, count = parts[0]
    for more, more_count in parts[1:]:
        if count * max(more_count, 1) >= 2**62:
            codes, count = factorize(codes)
        codes = codes * max(more_count, 1) + more
        count *= max(more_count, 1)
    return factorize(codes)


def first_positions(codes: Codes, count: int) -> npt.NDArray[np.intp]:
    """Position of the first row of each code, for codes numbered by first appearance."""
    if count == 0:
        return np.zeros(0, dtype=np.intp)
    running = np.maximum.accumulate(codes)
    first = np.empty(len(codes), dtype=bool)
    first[0] = True
    first[1:] = codes[1:] > running[:-1]
    return np.flatnonzero(first)
