"""Column-level helpers for the anonymiser: Arrow access, NA-able dtypes, writes, codes.

Everything here works on one ``pandas.Series`` at a time and returns new
objects; nothing is modified in place. Arrow-backed string columns (the
pandas 3 default ``str`` dtype) are handled with ``pyarrow.compute`` so that
no Python object is made per row.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
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
    "compact",
    "empty",
    "factorize",
    "first_positions",
    "is_text",
    "nullable",
    "put",
    "series_of",
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


def series_of(frame: pd.DataFrame, name: Hashable) -> pd.Series:
    """One column of a frame as a Series (names are unique: checked by the plan)."""
    return frame[name]


def is_text(dtype: Any) -> bool:
    """Whether a dtype holds text (or may: object)."""
    if isinstance(dtype, pd.StringDtype):
        return True
    if isinstance(dtype, pd.ArrowDtype):
        kind = dtype.pyarrow_dtype
        return _is_text(kind) or (pa.types.is_dictionary(kind) and _is_text(kind.value_type))
    return isinstance(dtype, np.dtype) and dtype.kind == "O"


def arrow_strings(column: pd.Series) -> pa.Array | None:
    """The column as an Arrow string array, or None when its dtype is not a string dtype."""
    dtype = column.dtype
    if isinstance(dtype, pd.StringDtype):
        if dtype.storage == "pyarrow":
            return _to_array(column.array)
        values: Any = column.array
        return pa.array(values.to_numpy(dtype=object, na_value=None), type=pa.large_string())
    if isinstance(dtype, pd.ArrowDtype):
        kind = dtype.pyarrow_dtype
        if pa.types.is_string(kind) or pa.types.is_large_string(kind):
            return _to_array(column.array)
        if pa.types.is_dictionary(kind) and _is_text(kind.value_type):
            return _to_array(column.array).dictionary_decode()
    return None


def _is_text(kind: pa.DataType) -> bool:
    return bool(pa.types.is_string(kind) or pa.types.is_large_string(kind))


def with_arrow_strings(column: pd.Series, values: pa.Array) -> pd.Series:
    """A column of the same dtype, index and name holding ``values``."""
    dtype = column.dtype
    if isinstance(dtype, pd.ArrowDtype):
        array: Any = pd.arrays.ArrowExtensionArray(values.cast(dtype.pyarrow_dtype))
    else:
        array = pd.array(values, dtype=dtype)
    return pd.Series(array, index=column.index, name=column.name, copy=False)


def compact(column: pd.Series) -> pd.Series:
    """The column without unused categories (a categorical) or dictionary values (Arrow).

    An unused category is data nobody sees in the frame, yet it is written to
    every pickled, Parquet or Feather copy (it could be the address of a row
    dropped long ago). Other columns are returned unchanged.
    """
    dtype = column.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        categories = len(dtype.categories)
        if categories and len(np.unique(column.cat.codes.to_numpy())) - column.hasnans < categories:
            return column.cat.remove_unused_categories()
        return column
    if isinstance(dtype, pd.ArrowDtype) and pa.types.is_dictionary(dtype.pyarrow_dtype):
        values = _to_array(column.array)
        used = values.dictionary_decode().dictionary_encode().cast(dtype.pyarrow_dtype)
        return pd.Series(
            pd.arrays.ArrowExtensionArray(used), index=column.index, name=column.name, copy=False
        )
    return column


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
    """A copy of ``column`` (already NA-able) with NA where ``mask`` is true.

    The old values are gone from memory, not merely hidden: a pickled, Feather
    or Parquet copy of the result does not hold them. (Several obvious ways to
    set NA only flip a validity bit and keep the value underneath:
    ``pyarrow.compute.if_else``, pandas' ``mask`` on Int64 columns, and the
    categories of a categorical column.)
    """
    if not mask.any():
        return column
    dtype = column.dtype
    if _arrow_backed(dtype):
        values = _to_array(column.array)
        return with_arrow_strings(column, _arrow_without(values, mask))
    if isinstance(dtype, np.dtype) and dtype.kind in _NA_BY_KIND:
        data = column.to_numpy(copy=True)
        data[mask] = _NA_BY_KIND[dtype.kind]
        return pd.Series(data, index=column.index, name=column.name, dtype=dtype, copy=False)
    array: Any = column.array
    if isinstance(array, _MASKED):
        masked: Any = array
        numpy_dtype = masked.dtype.numpy_dtype
        # a copy: the array may share its memory with the caller's frame
        data = np.array(masked.to_numpy(dtype=numpy_dtype, na_value=numpy_dtype.type(0)))
        data[mask] = numpy_dtype.type(0)
        hidden = np.asarray(column.isna(), dtype=bool) | mask
        return pd.Series(type(array)(data, hidden), index=column.index, name=column.name)
    if isinstance(dtype, pd.CategoricalDtype):
        return column.mask(mask).cat.remove_unused_categories()
    return column.mask(mask)


_MASKED = (pd.arrays.IntegerArray, pd.arrays.FloatingArray, pd.arrays.BooleanArray)


def _arrow_without(values: pa.Array, mask: npt.NDArray[np.bool_]) -> pa.Array:
    """``values`` with nulls where ``mask`` is true, built without the masked data."""
    kind = values.type
    if pa.types.is_dictionary(kind):
        return _arrow_without(values.dictionary_decode(), mask).dictionary_encode()
    if not _is_text(kind):  # a take writes zeros (no data) for null indices
        return values.take(pa.array(np.arange(len(values)), mask=mask))
    # Text: keep the bytes of the other rows only, and point the emptied rows at nothing.
    keep = ~mask
    kept = values.filter(pa.array(keep))
    lengths = np.zeros(len(values), dtype=np.int64)
    lengths[keep] = np.asarray(pc.fill_null(pc.binary_length(kept), 0), dtype=np.int64)
    wide = pa.types.is_large_string(kind)
    offsets = np.zeros(len(values) + 1, dtype=np.int64 if wide else np.int32)
    offsets[1:] = np.cumsum(lengths)
    valid = keep & np.asarray(pc.is_valid(values), dtype=bool)
    data = kept.buffers()[2] or pa.py_buffer(b"")
    return pa.Array.from_buffers(
        kind,
        len(values),
        [pa.array(valid).buffers()[1], pa.py_buffer(offsets), data],
        null_count=int(len(values) - valid.sum()),
    )


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
