"""Mailing frames: address columns as real imports hold them.

Part of :mod:`locosuppress.testing` (import from there).
"""

from __future__ import annotations

from typing import Any as _Any

import pandas as _pd
from hypothesis import strategies as st
from hypothesis.extra import pandas as _pdst
from hypothesis.strategies import SearchStrategy

from locosuppress.testing._emails import emails, invalid_emails, messy_variants

_POSTCODES = st.from_regex(r"\A0?[1-9][0-9]{2,3} ?[A-Z]{2}\Z")
_COLUMN_DTYPES = ("object", "string", "string[pyarrow]", "category", "str")


def address_values() -> SearchStrategy[object]:
    """What an address column of a real import holds: good, messy, bad, missing.

    No bytes: an address column holding bytes is a ``SchemaError`` for the
    filter (they are not text), not a column of invalid cells.
    """
    return st.one_of(
        emails(),
        emails().flatmap(messy_variants),
        invalid_emails().filter(lambda value: not isinstance(value, bytes)),
        st.text(max_size=20),
    )


@st.composite
def _frames(
    draw: st.DrawFn,
    values: SearchStrategy[object],
    column: str,
    min_rows: int,
    max_rows: int,
) -> _pd.DataFrame:
    n = draw(st.integers(min_rows, max_rows))
    cells = draw(st.lists(values, min_size=n, max_size=n))
    index = draw(
        st.one_of(
            _pdst.range_indexes(min_size=n, max_size=n),
            _pdst.indexes(elements=st.integers(-1000, 1000), min_size=n, max_size=n, unique=True),
            _pdst.indexes(elements=st.text(max_size=4), min_size=n, max_size=n, unique=True),
        )
    )
    frame = _pd.DataFrame(
        {
            "klantnummer": _pd.Series(range(n), dtype="int64"),
            column: _pd.Series(cells, dtype=object),
            "postcode": draw(st.lists(_POSTCODES, min_size=n, max_size=n)),
        }
    )
    frame.index = index
    dtype: _Any = draw(st.sampled_from(_COLUMN_DTYPES))
    if dtype != "object":
        text = frame[column].map(lambda v: v if isinstance(v, str) else None)
        if dtype == "category":
            frame[column] = text.astype("category")
        else:
            frame[column] = text.astype(dtype)
    return frame


def mailing_frames(
    *,
    values: SearchStrategy[object] | None = None,
    column: str = "email",
    min_rows: int = 0,
    max_rows: int = 25,
) -> SearchStrategy[_pd.DataFrame]:
    """DataFrames shaped like an imported mailing database.

    An integer customer number, the address column (``column``) holding
    ``values`` (default :func:`address_values`: valid, messy, invalid and
    missing), and a postcode column with leading zeros; the index is a
    RangeIndex, unique integers or unique strings; the address column's dtype
    is object, string, Arrow-backed or categorical (non-text values become
    missing for the typed dtypes).
    """
    return _frames(values if values is not None else address_values(), column, min_rows, max_rows)
