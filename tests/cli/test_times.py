"""Tests for locosuppress.cli._times: reading ``--now`` and the time cells of events files."""

from __future__ import annotations

import pandas as pd
import pytest

from locosuppress.cli._times import parse_now


class TestParseNow:
    """``--now`` is ISO 8601 only, as its help says; nothing is guessed."""

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("2025-07-01", pd.Timestamp("2025-07-01")),
            ("2025-07-01T12:30", pd.Timestamp("2025-07-01 12:30")),
            ("2025-07-01 12:30:05", pd.Timestamp("2025-07-01 12:30:05")),
            ("2025-07-01T12:30+02:00", pd.Timestamp("2025-07-01 12:30", tz="UTC+02:00")),
            ("2025-07-01T10:30Z", pd.Timestamp("2025-07-01 10:30", tz="UTC")),
        ],
    )
    def test_iso_8601(self, text: str, expected: pd.Timestamp) -> None:
        """ISO 8601 dates and times are read, with or without an offset."""
        actual = parse_now(text)
        assert expected == actual
        assert (expected.tzinfo is None) == (actual.tzinfo is None)

    @pytest.mark.parametrize(
        "text", ["01-07-2025", "1/7/2025", "07/01/2025 12:00", "July 1, 2025", "gisteren", ""]
    )
    def test_month_first_and_other_forms_refused(self, text: str) -> None:
        """Day-first, month-first and English dates are refused, never guessed."""
        with pytest.raises(ValueError, match="ISO 8601"):
            parse_now(text)
