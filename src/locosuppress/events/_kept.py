"""The kept columns of the rows being anonymised: scrubbed, and coded for grouping.

Text is scrubbed by :mod:`locosuppress.events._scrub`, once per distinct value.
Arrow-backed text (the pandas default) stays in Arrow; object columns keep
numbers, times and other plain scalars, scrub their text and empty anything
else (lists, dicts, bytes: they could hold anything), as do Arrow list, struct,
map and binary columns; categorical columns are scrubbed per category. Every
column also yields codes of its scrubbed values, so that the aggregates can
group on them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from locosuppress.events._columns import (
    Codes,
    arrow_strings,
    empty,
    factorize,
    first_positions,
    put,
)
from locosuppress.events._scrub import scrub_strings, scrub_text

__all__ = ["Scrubbed", "scrub_column"]


@attrs.frozen
class Scrubbed:
    """One column's new values and what changed, for the selected rows."""

    column: pd.Series
    changed: npt.NDArray[np.bool_]  # per selected row
    urls: int
    addresses: int
    codes: tuple[Codes, int]  # per selected row, of the scrubbed value
    dropped: int = 0  # selected rows whose value could not be kept and was emptied


def _scrub_arrow(
    column: pd.Series, strings: pa.Array, positions: npt.NDArray[np.intp], params: frozenset[str]
) -> Scrubbed:
    """Kept Arrow text: scrub each distinct value once, write back the changed rows."""
    encoded = pc.dictionary_encode(strings.take(pa.array(positions)))
    distinct = encoded.dictionary
    missing = len(distinct)  # the slot of NA, after the distinct values
    index = np.asarray(pc.fill_null(encoded.indices, missing).to_numpy(), dtype=np.int64)
    scrubbed, url_changed, addresses = scrub_strings(distinct, params)
    same = np.asarray(pc.fill_null(pc.equal(scrubbed, distinct), True), dtype=bool)
    changed = np.append(~same, False)[index]
    weight = np.bincount(index, minlength=missing + 1)[:missing]
    new = put(column, positions[changed], scrubbed.take(pa.array(index[changed])))
    codes, count = factorize(scrubbed)
    return Scrubbed(
        new,
        changed,
        int(weight[url_changed].sum()),
        int((weight * addresses).sum()),
        (np.append(codes, count)[index], count + 1),
    )


_NONE = np.array([None], dtype=object)
_PLAIN_SCALARS = (int, float, complex, bool, dt.date, dt.time, dt.timedelta, np.generic)


def _scrub_objects(
    distinct: npt.NDArray[np.object_], params: frozenset[str]
) -> tuple[
    npt.NDArray[np.object_], npt.NDArray[np.bool_], npt.NDArray[np.int64], npt.NDArray[np.bool_]
]:
    """Scrub distinct Python values: text scrubbed, plain scalars kept, anything else emptied.

    Returns the new values, per value whether a URL changed, how many
    addresses were replaced, and whether the value was dropped (emptied).
    """
    new = distinct.copy()
    url_changed = np.zeros(len(distinct), dtype=bool)
    addresses = np.zeros(len(distinct), dtype=np.int64)
    dropped = np.zeros(len(distinct), dtype=bool)
    text_at = [i for i, v in enumerate(distinct) if isinstance(v, str)]
    for i, value in enumerate(distinct):
        if not (isinstance(value, (str, *_PLAIN_SCALARS)) or _missing(value)):
            new[i] = None  # lists, dicts, bytes...: could hold anything, fail closed
            dropped[i] = True
    if text_at:
        texts = [distinct[i] for i in text_at]
        try:
            array = pa.array(texts, type=pa.large_string())
        except (pa.ArrowException, UnicodeError):  # e.g. lone surrogates: the slow, exact path
            done = [scrub_text(t, params) for t in texts]
            scrubbed: list[str] = [t for t, _, _ in done]
            url_changed[text_at] = [c for _, c, _ in done]
            addresses[text_at] = [a for _, _, a in done]
        else:
            result, changed_at, counted = scrub_strings(array, params)
            scrubbed = result.to_pylist()
            url_changed[text_at] = changed_at
            addresses[text_at] = counted
        for i, text in zip(text_at, scrubbed, strict=True):
            new[i] = text
    return new, url_changed, addresses, dropped


def _hashable(values: npt.NDArray[np.object_]) -> npt.NDArray[np.object_]:
    """Values that factorize can hash (unhashable ones by their repr; they get emptied)."""
    out = values.copy()
    for i, value in enumerate(values):
        try:
            hash(value)
        except TypeError:
            out[i] = repr(value)
    return out


def scrub_column(
    column: pd.Series, positions: npt.NDArray[np.intp], params: frozenset[str]
) -> Scrubbed:
    """Scrub the selected values of one kept column and code them for grouping."""
    nothing = np.zeros(len(positions), dtype=bool)
    strings = arrow_strings(column)
    if strings is not None:
        return _scrub_arrow(column, strings, positions, params)
    dtype = column.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return _scrub_categorical(column, positions, params)
    if isinstance(dtype, np.dtype) and dtype.kind == "O":
        values = column.to_numpy()[positions]
        codes, distinct = pd.factorize(_hashable(values), use_na_sentinel=False)
        originals = np.empty(len(distinct), dtype=object)
        originals[:] = [values[i] for i in first_positions(codes.astype(np.int64), len(distinct))]
        new, url_changed, addresses, dropped = _scrub_objects(originals, params)
        changed_value = np.array(
            [not _same_value(a, b) for a, b in zip(new, originals, strict=True)], dtype=bool
        )
        weight = np.bincount(codes, minlength=len(distinct))
        changed = changed_value[codes]
        written = np.empty(int(changed.sum()), dtype=object)
        written[:] = list(new[codes[changed]])
        return Scrubbed(
            put(column, positions[changed], written),
            changed,
            int(weight[url_changed].sum()),
            int((weight * addresses).sum()),
            _recode(codes, new),
            int(weight[dropped].sum()),
        )
    if isinstance(dtype, pd.ArrowDtype) and _opaque(dtype.pyarrow_dtype):
        # Lists, structs, maps, binary: they could hold anything and cannot be scrubbed.
        selected = np.zeros(len(column), dtype=bool)
        selected[positions] = True
        present = np.asarray(column.notna(), dtype=bool)[positions]
        emptied = empty(column, selected)
        one_group = (np.zeros(len(positions), dtype=np.int64), 1)
        return Scrubbed(emptied, present, 0, 0, one_group, int(present.sum()))
    return Scrubbed(column, nothing, 0, 0, factorize(column.iloc[positions].array))


def _opaque(kind: pa.DataType) -> bool:
    return bool(
        pa.types.is_nested(kind)
        or pa.types.is_binary(kind)
        or pa.types.is_large_binary(kind)
        or pa.types.is_fixed_size_binary(kind)
        or pa.types.is_dictionary(kind)  # of anything but text (text is decoded above)
    )


def _scrub_categorical(
    column: pd.Series, positions: npt.NDArray[np.intp], params: frozenset[str]
) -> Scrubbed:
    categories = column.cat.categories.to_numpy(dtype=object)
    codes = np.asarray(column.cat.codes.to_numpy()[positions], dtype=np.int64)
    new, url_changed, addresses, dropped = _scrub_objects(categories, params)
    changed_value = np.array(
        [not _same_value(a, b) for a, b in zip(new, categories, strict=True)], dtype=bool
    )
    known = codes >= 0
    weight = np.bincount(codes[known], minlength=len(categories))
    changed = known & changed_value[np.where(known, codes, 0)]
    target = column
    if changed.any():
        fresh = pd.unique(pd.Series(new[changed_value], dtype=object).dropna())
        extra = [v for v in fresh if v not in set(categories)]
        if extra:
            target = column.cat.add_categories(extra)
    written = np.empty(int(changed.sum()), dtype=object)
    written[:] = list(new[codes[changed]])
    grouped = _recode(np.where(known, codes, len(categories)), np.append(new, _NONE))
    new_column = put(target, positions[changed], written)
    if changed.any():  # the unscrubbed values must not linger as categories
        new_column = new_column.cat.remove_unused_categories()
    return Scrubbed(
        new_column,
        changed,
        int(weight[url_changed].sum()),
        int((weight * addresses).sum()),
        grouped,
        int(weight[dropped].sum()),
    )


def _recode(codes: Codes, values: npt.NDArray[np.object_]) -> tuple[Codes, int]:
    """Codes of distinct scrubbed values (two values may scrub to the same)."""
    value_codes, count = factorize(_hashable(values))
    return value_codes[codes], count


def _same_value(a: Any, b: Any) -> bool:
    if a is b:
        return True
    if type(a) is not type(b):
        return False
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return False


def _missing(value: Any) -> bool:
    """Whether a single value is a missing marker (None, NaN, NA, NaT)."""
    return bool(pd.api.types.is_scalar(value) and pd.isna(value))
