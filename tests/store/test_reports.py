"""The report values of the suppression list (locosuppress.store._reports)."""

from __future__ import annotations

import pytest

from locosuppress import (
    AddReport,
)


class TestReports:
    """The report values."""

    def test_add_report(self) -> None:
        """AddReport counts, dict, text and HTML."""
        report = AddReport(
            added=3, already_present=1, invalid=12, invalid_positions=tuple(range(12))
        )
        assert 16 == report.total
        assert {
            "total": 16,
            "added": 3,
            "already_present": 1,
            "invalid": 12,
            "invalid_positions": list(range(12)),
        } == report.to_dict()
        text = str(report)
        assert "positions 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 and 2 more" in text
        assert "<table" in report._repr_html_()

    def test_add_report_is_frozen(self) -> None:
        """Reports are immutable."""
        report = AddReport(added=1, already_present=0)
        with pytest.raises(AttributeError, match="can't set attribute"):
            report.added = 2  # type: ignore[misc]
