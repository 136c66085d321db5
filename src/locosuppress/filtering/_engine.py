"""The filter engine: one outcome code per row, then the kept and removed rows and the report.

Each row gets exactly one outcome, decided in this order: *invalid*,
*suppressed*, *duplicate*, *kept*; the pandas and the Dask path share the
codes, so both count exactly alike.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Hashable
from typing import Any, Final

import numpy as np
import pandas as pd
import pyarrow as pa

from locosuppress._compat import accept_workers
from locosuppress._index import SuppressionIndex
from locosuppress._matching import ENTRY_ORDER, entry_bits
from locosuppress._vocabulary import (
    KIND_DOMAIN,
    KIND_EMAIL,
    KIND_NAMES,
    SCOPE_ORDER,
    channel_mask,
    looks_like_address,
)
from locosuppress.errors import InvalidOptionError, SchemaError
from locosuppress.filtering._columns import find_address_column
from locosuppress.filtering._result import REJECTED_OUTCOMES, FilterReport, FilterResult
from locosuppress.keys import HashingMaterial, canonical_and_hashes

__all__ = [
    "DUPLICATE",
    "INVALID_MALFORMED",
    "INVALID_MISSING",
    "KEPT",
    "KEPT_MALFORMED",
    "KEPT_MISSING",
    "N_CODES",
    "N_ENTRIES",
    "SUPPRESSED",
    "check_address_values",
    "check_frame_types",
    "check_options",
    "duplicated_digests",
    "filter_frame",
    "outcome_codes",
    "report_from_counts",
]

# One outcome code per row, shared by the pandas and the Dask path, so both
# count exactly alike. Suppressed rows carry the deciding scope and entry.
KEPT: Final = 0
KEPT_MISSING: Final = 1
KEPT_MALFORMED: Final = 2
INVALID_MISSING: Final = 3
INVALID_MALFORMED: Final = 4
DUPLICATE: Final = 5
#: + N_ENTRIES * scope position (all, newsletter, post) + entry position in
#: ENTRY_ORDER (address, domain, wildcard, md5, sha1, sha256, sha256-v1).
SUPPRESSED: Final = 8
N_ENTRIES: Final = len(ENTRY_ORDER)
N_CODES: Final = SUPPRESSED + N_ENTRIES * len(SCOPE_ORDER)


def _missing(
    values: pd.Series, invalid: np.ndarray[Any, np.dtype[np.bool_]]
) -> np.ndarray[Any, np.dtype[np.bool_]]:
    """Invalid rows that hold nothing: NA, None, NaN, or blank text."""
    missing = invalid & np.asarray(values.isna().to_numpy(), dtype=bool)
    rows = np.flatnonzero(invalid & ~missing)
    if len(rows):
        cells = values.iloc[rows].astype(object).to_numpy()
        blank = np.fromiter(
            (isinstance(v, str) and not v.strip() for v in cells), dtype=bool, count=len(rows)
        )
        missing[rows[blank]] = True
    return np.asarray(missing, dtype=bool)


_BYTES_TYPES: Final = (bytes, bytearray, memoryview)
# Unicode categories a cleaned form drops: format characters (Cf: bidi marks
# and embeddings, soft hyphen, zero-width characters) and lone surrogates (Cs,
# left by broken decoding).
_DROPPED_CATEGORIES: Final = frozenset({"Cf", "Cs"})
# Separators left at the end of a cell pasted from a list ("a@b.nl," or "a@b.nl; ").
_TRAILING_SEPARATORS: Final = re.compile(r"[\s,;]+$")


def check_address_values(values: pd.Series, /) -> None:
    """Refuse an address column that holds bytes: they are not text, and not invalid cells.

    Raises:
        SchemaError: an Arrow binary column, or bytes in an object column.
    """
    dtype = values.dtype
    if isinstance(dtype, pd.ArrowDtype):
        arrow_type = dtype.pyarrow_dtype
        binary = (
            pa.types.is_binary(arrow_type)
            or pa.types.is_large_binary(arrow_type)
            or pa.types.is_fixed_size_binary(arrow_type)
            or str(arrow_type) == "binary_view"  # pyarrow >= 16
        )
    elif pd.api.types.is_object_dtype(dtype):
        kind = pd.api.types.infer_dtype(values, skipna=True)
        binary = kind not in ("string", "empty", "floating", "integer", "boolean") and any(
            isinstance(v, _BYTES_TYPES) for v in values.to_numpy(dtype=object)
        )
    else:
        binary = False
    if binary:
        raise SchemaError(
            "the address column holds bytes, not text (a binary column, e.g. from "
            "Parquet); decode it first, e.g. frame[col] = frame[col].str.decode('utf-8'), "
            "so that no address is skipped as invalid"
        )


def check_frame_types(frame: pd.DataFrame, /) -> None:
    """Refuse columns pandas cannot take rows from (Arrow ``string_view``, ``binary_view``).

    Raises:
        SchemaError: naming the column (by position when its name looks like
            an address) and the conversion to run first.
    """
    for position, (label, dtype) in enumerate(frame.dtypes.items()):
        kind = str(dtype.pyarrow_dtype) if isinstance(dtype, pd.ArrowDtype) else ""
        if kind in ("string_view", "binary_view"):  # pyarrow >= 16
            shown = f"column {position + 1}" if looks_like_address(label) else f"column {label!r}"
            raise SchemaError(
                f"{shown} has the Arrow type {kind}, from which pandas cannot yet select "
                "rows; convert it to text first: frame = frame.astype({name: 'string'}) "
                "with that column's name"
            )


def _cleaned(value: object) -> str | None:
    """An invalid cell without format characters, surrogates and trailing separators.

    ``None`` when cleaning changes nothing (the cell stays invalid as it is).
    """
    if not isinstance(value, str):
        return None
    kept = "".join(c for c in value if unicodedata.category(c) not in _DROPPED_CATEGORIES)
    cleaned = _TRAILING_SEPARATORS.sub("", kept)
    return cleaned if cleaned != value else None


def outcome_codes(
    values: pd.Series,
    index: SuppressionIndex,
    material: HashingMaterial,
    /,
    *,
    channel: str | None,
    on_invalid: str,
    dedupe: bool,
) -> np.ndarray[Any, np.dtype[np.int8]]:
    """Decide every row's outcome: invalid, suppressed, duplicate or kept (in that order).

    With ``on_invalid="keep"`` an invalid cell is first cleaned (format
    characters such as bidi marks and soft hyphens, lone surrogates and
    trailing ``,`` ``;`` removed); when the cleaned form is suppressed, so is
    the row.
    """
    check_address_values(values)
    mask = channel_mask(channel)
    n = len(values)
    canonical, digests = canonical_and_hashes(values, material)
    valid = np.asarray(canonical.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
    invalid = ~valid
    by_kind = entry_bits(values, canonical, digests, valid, index, material, mask)

    codes = np.full(n, KEPT, dtype=np.int8)
    if invalid.any():
        missing = _missing(values, invalid)
        first = KEPT_MISSING if on_invalid == "keep" else INVALID_MISSING
        codes[invalid & missing] = first
        codes[invalid & ~missing] = first + 1
        if on_invalid == "keep":
            _suppress_cleaned(values, invalid & ~missing, index, material, mask, by_kind)
    bits = np.zeros(n, dtype=np.uint8)
    for kind_bits in by_kind.values():
        bits |= kind_bits
    suppressed = bits != 0
    if suppressed.any():
        # The deciding scope is the first of all, newsletter, post that
        # matched; the deciding entry the first kind of ENTRY_ORDER that did.
        position = np.zeros(n, dtype=np.int8)
        for i, (_, bit) in reversed(list(enumerate(SCOPE_ORDER))):
            position[(bits & bit) != 0] = i
        entry = np.zeros(n, dtype=np.int8)
        for i, code in reversed(list(enumerate(ENTRY_ORDER))):
            if code in by_kind:
                entry[by_kind[code] != 0] = i
        codes[suppressed] = (SUPPRESSED + N_ENTRIES * position + entry)[suppressed]
    if dedupe:
        candidates = np.flatnonzero(valid & ~suppressed)
        if len(candidates):
            dup = duplicated_digests(digests[candidates], canonical, candidates)
            codes[candidates[dup]] = DUPLICATE
    return codes


def _suppress_cleaned(
    values: pd.Series,
    malformed: np.ndarray[Any, np.dtype[np.bool_]],
    index: SuppressionIndex,
    material: HashingMaterial,
    mask: int,
    by_kind: dict[int, np.ndarray[Any, np.dtype[np.uint8]]],
) -> None:
    """Look up the cleaned forms of malformed cells; set the bits of those that match."""
    rows = np.flatnonzero(malformed)
    if not len(rows):
        return
    cleaned = [_cleaned(v) for v in values.iloc[rows].astype(object).to_numpy()]
    changed = np.fromiter((c is not None for c in cleaned), dtype=bool, count=len(rows))
    if not changed.any():
        return
    rows = rows[changed]
    forms = pd.Series([c for c in cleaned if c is not None], dtype=object)
    canonical, digests = canonical_and_hashes(forms, material)
    valid = np.asarray(canonical.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
    found = entry_bits(forms, canonical, digests, valid, index, material, mask)
    for code, bits in found.items():
        by_kind.setdefault(code, np.zeros(len(values), dtype=np.uint8))[rows] = bits


def report_from_counts(
    counts: np.ndarray[Any, np.dtype[np.int64]] | list[int],
    /,
    *,
    channel: str | None,
    on_invalid: str,
    column: str,
    fingerprint: str | None,
    dedupe: bool,
) -> FilterReport:
    """Build the report from the number of rows per outcome code."""
    c = [int(x) for x in counts] + [0] * (N_CODES - len(counts))
    by_scope = {
        name: sum(c[SUPPRESSED + N_ENTRIES * i : SUPPRESSED + N_ENTRIES * (i + 1)])
        for i, (name, _) in enumerate(SCOPE_ORDER)
    }
    by_entry = {}
    for j, code in enumerate(ENTRY_ORDER):
        n = sum(c[SUPPRESSED + N_ENTRIES * i + j] for i in range(len(SCOPE_ORDER)))
        # Address and domain always; the other kinds when they suppressed a row.
        if n or code in (KIND_EMAIL, KIND_DOMAIN):
            by_entry[KIND_NAMES[code]] = n
    return FilterReport(
        total=sum(c),
        kept=c[KEPT] + c[KEPT_MISSING] + c[KEPT_MALFORMED],
        suppressed=sum(c[SUPPRESSED:]),
        suppressed_by_scope=by_scope,
        suppressed_by_entry=by_entry,
        invalid=c[KEPT_MISSING] + c[KEPT_MALFORMED] + c[INVALID_MISSING] + c[INVALID_MALFORMED],
        missing=c[KEPT_MISSING] + c[INVALID_MISSING],
        invalid_excluded=on_invalid == "exclude",
        duplicates=c[DUPLICATE],
        channel=channel,
        column=column,
        list_fingerprint=fingerprint,
        dedupe=dedupe,
    )


def duplicated_digests(
    digests: np.ndarray[Any, np.dtype[np.uint8]],
    canonical: pa.Array,
    positions: np.ndarray[Any, np.dtype[np.intp]],
) -> np.ndarray[Any, np.dtype[np.bool_]]:
    """Mark every digest equal to an earlier one (exact, fast).

    Factorises the first 8 bytes of each hash (a uint64 hash table is cheap),
    then confirms every candidate against the full hash of the first row with
    the same prefix; on a prefix collision it falls back to comparing the
    canonical forms, so two different people are never merged. Not part of
    the public API (not in ``__all__``): named without an underscore because
    a 64-bit prefix collision of HMAC-SHA256 cannot be produced through
    :func:`filter_frame`, so the tests call this directly.

    Args:
        digests: one 32-byte hash per row, shape ``(n, 32)``.
        canonical: the canonical forms of the whole frame.
        positions: each digest's row in ``canonical``.

    Returns:
        A boolean array, true for each row whose hash an earlier row has.
    """
    first_word = np.ascontiguousarray(digests[:, :8]).view("<u8").ravel()
    codes, _ = pd.factorize(first_word)
    _, first_of_code = np.unique(codes, return_index=True)
    first_row = first_of_code[codes]
    dup = first_row != np.arange(len(codes))
    if dup.any():
        rows = np.flatnonzero(dup)
        if not (digests[rows] == digests[first_row[rows]]).all():  # a 64-bit prefix collision
            forms = pd.Series(pd.arrays.ArrowStringArray(canonical.take(pa.array(positions))))
            return np.asarray(forms.duplicated(keep="first").to_numpy(), dtype=bool)
    return np.asarray(dup, dtype=bool)


def check_options(channel: str | None, on_invalid: str) -> None:
    """Raise ValueError for an unknown channel or on_invalid value."""
    channel_mask(channel)
    if on_invalid not in ("exclude", "keep"):
        raise InvalidOptionError(f"on_invalid must be 'exclude' or 'keep', not {on_invalid!r}")


def filter_frame(
    frame: pd.DataFrame,
    index: SuppressionIndex,
    material: HashingMaterial,
    /,
    *,
    column: Hashable | None = None,
    channel: str | None = None,
    on_invalid: str = "exclude",
    dedupe: bool = True,
    workers: int | None = None,
) -> FilterResult:
    """Filter ``frame`` against an index; the engine behind ``SuppressionList.filter``.

    Works on any index and hashing material, so the Dask path runs the same
    code on workers. Writes nothing. ``workers`` is deprecated and ignored.
    """
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(
            f"filter takes a pandas DataFrame, not {type(frame).__name__}; "
            "read files with locosuppress.read_mailing_file"
        )
    accept_workers(workers)
    check_options(channel, on_invalid)
    label = find_address_column(frame, column)
    check_frame_types(frame)
    codes = outcome_codes(
        frame[label],
        index,
        material,
        channel=channel,
        on_invalid=on_invalid,
        dedupe=dedupe,
    )
    kept = frame.take(np.flatnonzero(codes <= KEPT_MALFORMED))
    kept.attrs = dict(frame.attrs)
    labels = frame.index
    report = report_from_counts(
        np.bincount(codes, minlength=N_CODES),
        channel=channel,
        on_invalid=on_invalid,
        column=str(label),
        fingerprint=material.fingerprint,
        dedupe=dedupe,
    )
    invalid = (codes >= KEPT_MISSING) & (codes <= INVALID_MALFORMED)
    removed = np.flatnonzero(codes > KEPT_MALFORMED)
    rejected = frame.take(removed)
    rejected.attrs = dict(frame.attrs)
    return FilterResult(
        kept=kept,
        report=report,
        suppressed_index=labels[codes >= SUPPRESSED],
        invalid_index=labels[invalid],
        duplicate_index=labels[codes == DUPLICATE],
        rejected=rejected,
        rejected_outcomes=pd.Series(
            _outcome_words(codes[removed]), index=rejected.index, dtype=object, name="outcome"
        ),
    )


def _outcome_words(codes: np.ndarray[Any, np.dtype[np.int8]]) -> np.ndarray[Any, np.dtype[Any]]:
    """The outcome word of each removed row's code."""
    suppressed, invalid, duplicate = REJECTED_OUTCOMES
    words = np.full(len(codes), suppressed, dtype=object)
    words[(codes == INVALID_MISSING) | (codes == INVALID_MALFORMED)] = invalid
    words[codes == DUPLICATE] = duplicate
    return words
