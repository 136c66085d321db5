"""Tests for locosuppress.events._columns: NA-able dtypes, and emptied values really gone."""

from __future__ import annotations

import pickle
import struct
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from events_support import cells, frame
from hypothesis import given

from locosuppress import anonymise_events
from locosuppress.normalize import normalize_email
from locosuppress.testing import event_frames

NOW = pd.Timestamp("2025-06-15 12:00")
AMS = "Europe/Amsterdam"


class TestNullable:
    """Columns that cannot hold NA get their nullable equivalent."""

    def test_nullable_dtypes(self) -> None:
        """Columns that cannot hold NA get their nullable equivalent."""
        events = frame(
            timestamp=["2020-01-01", "2025-06-10"],
            count=np.array([1, 2], dtype="int32"),
            flag=[True, False],
            big=np.array([1, 2], dtype="uint64"),
            score=[1.5, 2.5],
        )
        out = anonymise_events(events, now=NOW).events
        assert ["Int32", "boolean", "UInt64", "float64"] == [
            str(out[c].dtype) for c in ("count", "flag", "big", "score")
        ]
        assert [True, False] == out["count"].isna().tolist()
        assert [2, False, 2, 2.5] == [out[c].iloc[1] for c in ("count", "flag", "big", "score")]


class TestNothingLeft:
    """Emptied and scrubbed values are gone from memory, not hidden behind a validity bit."""

    @pytest.mark.parametrize(
        "dtype",
        [
            "str",
            "object",
            "string[python]",
            "string[pyarrow]",
            pd.ArrowDtype(pa.string()),
            pd.ArrowDtype(pa.large_string()),
            "category",
            pd.ArrowDtype(pa.dictionary(pa.int32(), pa.string())),
        ],
        ids=str,
    )
    def test_text(self, dtype: Any) -> None:
        """A pickled result holds neither the emptied address nor the scrubbed URL parameter."""
        events = frame(
            timestamp=["2020-01-01", "2025-06-10"],
            email=pd.Series(["geheim@example.nl", "blijft@example.nl"], dtype=dtype),
            url=pd.Series(["https://x.nl/?uid=geheim-uid", "https://x.nl/?uid=7"], dtype=dtype),
        )
        blob = pickle.dumps(anonymise_events(events, now=NOW).events)
        assert b"geheim" not in blob
        assert b"blijft@example.nl" in blob

    @pytest.mark.parametrize(
        "dtype",
        ["int64", "Int64", "UInt64", "float64", "Float64", pd.ArrowDtype(pa.int64())],
        ids=str,
    )
    def test_numbers(self, dtype: Any) -> None:
        """An emptied number is not left in the data buffer under an NA mask."""
        secret = 987654321987
        events = frame(
            timestamp=["2020-01-01", "2025-06-10"], klant_id=pd.Series([secret, 5], dtype=dtype)
        )
        blob = pickle.dumps(anonymise_events(events, now=NOW).events)
        assert secret.to_bytes(8, "little") not in blob
        assert struct.pack("<d", float(secret)) not in blob

    @given(event_frames(now=NOW, tz=AMS, min_rows=1))
    def test_all_old_pickle_has_no_address(self, events: pd.DataFrame) -> None:
        """With every row old, no generated address is anywhere in the pickled result."""
        later = NOW + pd.DateOffset(years=50)
        out = anonymise_events(events, now=later, tz=AMS, allow_unreadable=True).events
        blob = pickle.dumps(out)
        for value in cells(events.email):
            if isinstance(value, str):
                assert value.strip().encode() not in blob
                assert normalize_email(value).encode() not in blob
