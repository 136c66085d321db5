"""Who an event belongs to: the identity columns, and one number per person.

Identity columns are recognised by name with the shared vocabulary
(:data:`~locosuppress._vocabulary.IDENTITY_ADDRESS_NAMES`,
:data:`~locosuppress._vocabulary.CONTACT_COLUMN_NAMES`, compared after
:func:`~locosuppress._vocabulary.squash_name`). People are numbered before
their columns are emptied, so that the aggregates can count distinct people;
an address column is compared by canonical form, so that every spelling of an
address is one person.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Iterable
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from locosuppress._vocabulary import (
    CONTACT_COLUMN_NAMES,
    IDENTITY_ADDRESS_NAMES,
    shown,
    squash_name,
)
from locosuppress.errors import SchemaError
from locosuppress.events._columns import Codes, arrow_strings, combine_codes, factorize, series_of
from locosuppress.normalize import normalize_emails

__all__ = [
    "People",
    "detect_identity",
    "find_column",
    "identity_codes",
    "identity_columns",
    "is_address_name",
    "is_identifying_name",
]


def find_column(columns: Iterable[Hashable], names: Collection[str]) -> Hashable | None:
    """The first column (in frame order) whose squashed name is in ``names``."""
    for column in columns:
        if isinstance(column, str) and squash_name(column) in names:
            return column
    return None


def is_address_name(name: Hashable) -> bool:
    """Whether a column is named like one that holds e-mail addresses."""
    return isinstance(name, str) and squash_name(name) in IDENTITY_ADDRESS_NAMES


def is_identifying_name(name: Hashable) -> bool:
    """Whether a column is named like an address or a contact id column."""
    if not isinstance(name, str):
        return False
    squashed = squash_name(name)
    return squashed in IDENTITY_ADDRESS_NAMES or squashed in CONTACT_COLUMN_NAMES


def identity_columns(events: pd.DataFrame, /) -> tuple[Hashable, ...]:
    """The column that tells who an event belongs to, as the anonymiser detects it.

    The first e-mail-like column (``email``, ``e-mail``, ``emailadres``, ...),
    else the first contact-id-like column (``contact_id``, ``klant_id``,
    ``subscriber_id``, ...); empty when there is none.
    """
    return detect_identity(events.columns)


def detect_identity(columns: Iterable[Hashable]) -> tuple[Hashable, ...]:
    """:func:`identity_columns` for the column labels alone."""
    columns = list(columns)
    found = find_column(columns, IDENTITY_ADDRESS_NAMES)
    if found is None:
        found = find_column(columns, CONTACT_COLUMN_NAMES)
    return () if found is None else (found,)


@attrs.frozen
class People:
    """Who each selected row belongs to.

    ``codes`` numbers the distinct people (-1: no identity value); ``keys``
    holds, per identity column, each row's key code and the key texts: the
    canonical form for an address column (so every spelling is one person),
    the value itself otherwise.
    """

    codes: Codes
    count: int
    keys: tuple[tuple[Codes, npt.NDArray[np.object_]], ...]

    def frame(self, positions: npt.NDArray[np.intp]) -> pd.DataFrame:
        """The key texts of the people first seen at ``positions`` (indexes into the rows)."""
        columns = {}
        for i, (codes, texts) in enumerate(self.keys):
            picked = codes[positions]
            values = np.append(texts, _NO_KEY)[np.where(picked >= 0, picked, len(texts))]
            columns[f"k{i}"] = pd.Series(values, dtype=object)
        return pd.DataFrame(columns)


_NO_KEY = np.array([None], dtype=object)


def _not_one_value(name: Hashable, holds: str) -> SchemaError:
    return SchemaError(
        f"identity column {shown(name)} holds {holds}, not one value per event; pass "
        "identity= with a column of addresses or ids (or identity=() to count no people)"
    )


def _person_keys(column: pd.Series, positions: npt.NDArray[np.intp]) -> tuple[Codes, Any]:
    """Row codes (-1 for NA) and distinct values of one identity column's selected rows.

    Raises:
        SchemaError: the column holds lists, dicts or other containers (Arrow
            nested types, or unhashable Python objects).
    """
    strings = arrow_strings(column)
    if strings is not None:
        encoded = pc.dictionary_encode(strings.take(pa.array(positions)))
        codes = np.asarray(pc.fill_null(encoded.indices, -1).to_numpy(), dtype=np.int64)
        return codes, pd.Series(pd.array(encoded.dictionary, dtype=pd.StringDtype("pyarrow")))
    dtype = column.dtype
    if isinstance(dtype, pd.ArrowDtype) and pa.types.is_nested(dtype.pyarrow_dtype):
        raise _not_one_value(column.name, f"Arrow {dtype.pyarrow_dtype}")
    try:
        codes, uniques = pd.factorize(column.iloc[positions].array)
    except TypeError:  # unhashable values: lists, dicts, sets, arrays
        raise _not_one_value(column.name, "lists, dicts or other containers") from None
    return np.asarray(codes, dtype=np.int64), pd.Series(np.asarray(uniques, dtype=object))


def identity_codes(
    events: pd.DataFrame, identity: tuple[Hashable, ...], positions: npt.NDArray[np.intp]
) -> People:
    """One code per distinct person among the selected rows (addresses by canonical form)."""
    if not identity:
        return People(np.full(len(positions), -1, dtype=np.int64), 0, ())
    parts: list[tuple[Codes, int]] = []
    keys = []
    known = np.zeros(len(positions), dtype=bool)
    for name in identity:
        row_codes, distinct = _person_keys(series_of(events, name), positions)
        key_texts = distinct.to_numpy(dtype=object)
        if is_address_name(name):
            # one person, however the address is spelled; what is no address stays itself
            canonical = np.array(normalize_emails(distinct).astype(object), dtype=object)
            odd = np.flatnonzero(pd.isna(canonical))
            canonical[odd] = ["\x00" + str(v) for v in key_texts[odd]]
            key_codes, uniques = pd.factorize(canonical)
            row_codes = np.where(row_codes >= 0, np.append(key_codes, -1)[row_codes], -1)
            key_texts = np.asarray(uniques, dtype=object)
        keys.append((row_codes, key_texts))
        known |= row_codes >= 0
        parts.append((row_codes + 1, len(key_texts) + 1))
    if len(keys) == 1:  # codes by first appearance already, -1 where unknown
        return People(keys[0][0], len(keys[0][1]), tuple(keys))
    combined, _ = combine_codes(parts, len(positions))
    people = np.full(len(positions), -1, dtype=np.int64)
    people[known], count = factorize(combined[known])
    return People(people, count, tuple(keys))
