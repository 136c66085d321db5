"""Arrow string arrays for the vectorised rules: conversion, byte search, assembly.

Layer 0 (imports NumPy, pandas and pyarrow only). Plumbing that knows no
normalisation rule: a column as an Arrow string array, where an ASCII
character occurs in it (one NumPy pass over the UTF-8 bytes), masks, and the
one ``take`` that puts a result built from pieces back in row order.
"""

from __future__ import annotations

import re
from typing import Any, Final

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["Assembly", "as_mask", "byte_hits", "has_byte", "string_buffers", "to_arrow"]


def to_arrow(values: pd.Series) -> tuple[pa.Array, np.ndarray[Any, np.dtype[np.bool_]]]:
    """Return an Arrow string array (non-str values null) and a mask of str values."""
    dtype = values.dtype
    arrow_text = isinstance(dtype, pd.StringDtype) or (
        isinstance(dtype, pd.ArrowDtype)
        and (
            pa.types.is_string(dtype.pyarrow_dtype) or pa.types.is_large_string(dtype.pyarrow_dtype)
        )
    )
    if arrow_text:
        arr = pa.array(values.array)
        if isinstance(arr, pa.ChunkedArray):
            arr = arr.combine_chunks()
        if arr.type != pa.string():
            arr = arr.cast(pa.string())
        is_str = np.asarray(arr.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
        return arr, is_str
    objects = values.to_numpy(dtype=object)
    is_str = np.fromiter((type(v) is str for v in objects), dtype=bool, count=len(objects))
    if not is_str.all():
        # str subclasses are rare; accept them like str.
        is_str = np.fromiter((isinstance(v, str) for v in objects), dtype=bool, count=len(objects))
        objects = objects.copy()
        objects[~is_str] = None
    try:
        arr = pa.array(objects, type=pa.string(), from_pandas=True)
    except UnicodeEncodeError:
        # Lone surrogates (from broken decoding) cannot be UTF-8. For the
        # rules, U+FFFD behaves exactly like one: not whitespace, not atext,
        # not IDNA, stable under NFC and lower-casing; so an address holding
        # one stays invalid, and one in a display name is dropped with it.
        objects = np.array(
            [_SURROGATE.sub("\ufffd", v) if isinstance(v, str) else v for v in objects],
            dtype=object,
        )
        arr = pa.array(objects, type=pa.string(), from_pandas=True)
    return arr, is_str


_SURROGATE: Final = re.compile("[\ud800-\udfff]")


def string_buffers(values: pa.Array) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """The offsets (``n + 1``) and the UTF-8 bytes of a string array."""
    if values.type != pa.string():
        values = values.cast(pa.string())
    _, offsets_buf, data_buf = values.buffers()
    offsets = np.frombuffer(
        offsets_buf, dtype=np.int32, count=len(values) + 1, offset=4 * values.offset
    )
    if data_buf is None:
        return offsets, np.zeros(0, dtype=np.uint8)
    return offsets, np.frombuffer(data_buf, dtype=np.uint8)


def byte_hits(values: pa.Array, byte: int) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """(row, offset within the row) of every occurrence of the ASCII ``byte``.

    One NumPy pass over the UTF-8 data buffer; an ASCII byte never occurs
    inside a multi-byte sequence, so a byte match is a character match.
    Null rows may hold bytes; callers mask them with the validity.
    """
    offsets, data = string_buffers(values)
    start = offsets[0]
    at = np.flatnonzero(data[start : offsets[-1]] == byte) + start
    rows = np.searchsorted(offsets, at, side="right") - 1
    return rows, at - offsets[rows]


def has_byte(values: pa.Array, byte: int) -> np.ndarray[Any, np.dtype[np.bool_]]:
    """Rows of a ``pa.string()`` array that hold the ASCII character ``byte``."""
    out = np.zeros(len(values), dtype=bool)
    out[byte_hits(values, byte)[0]] = True
    if values.null_count:
        out &= as_mask(values.is_valid())
    return out


def as_mask(values: pa.Array) -> np.ndarray[Any, np.dtype[np.bool_]]:
    return np.asarray(pc.fill_null(values, False).to_numpy(zero_copy_only=False), dtype=bool)


class Assembly:
    """The output of a tier built from pieces, put in row order by one ``take``.

    Copying a million strings once is cheaper than patching them piece by
    piece (each ``replace_with_mask`` copies the whole array).
    """

    __slots__ = ("index", "pieces", "size")

    def __init__(self, n: int) -> None:
        self.index = np.full(n, -1, dtype=np.int64)  # -1: null (invalid)
        self.pieces: list[pa.Array] = []
        self.size = 0

    def put(self, rows: np.ndarray[Any, Any], values: pa.Array) -> None:
        """Rows ``rows`` (positions or a mask) take ``values``, in order."""
        self.index[rows] = np.arange(self.size, self.size + len(values), dtype=np.int64)
        self.pieces.append(values)
        self.size += len(values)

    def values(self) -> pa.Array:
        return pa.concat_arrays(self.pieces) if self.pieces else pa.array([], type=pa.string())
