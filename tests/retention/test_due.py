"""Tests for due(): what falls due now or within a period, per rule and day."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from locosuppress import PolicyError, RetentionPolicy, RetentionRule

TZ = "Europe/Amsterdam"


def _policy() -> RetentionPolicy:
    return RetentionPolicy(
        name="p",
        version="1",
        rules=[
            RetentionRule(name="six", table="t", date_column="date", keep_for="6 months"),
            RetentionRule(
                name="events", table="e", date_column="at", keep_for=12, action="anonymise"
            ),
        ],
    )


def _tables() -> dict[str, pd.DataFrame]:
    return {
        "t": pd.DataFrame(
            {"date": ["2024-09-15T10:00", "2024-11-20T10:00", "2024-11-20T23:30+00:00", None]},
            index=["a", "b", "c", "d"],
        ),
        "e": pd.DataFrame({"at": pd.to_datetime(["2024-05-01"]).tz_localize("UTC")}),
    }


class TestDue:
    """Planning ahead, without changing anything."""

    def test_within_a_month(self) -> None:
        """Rows due by now plus a month, grouped per rule and day; no date: due now."""
        due = _policy().due(_tables(), now="2025-03-31 12:00", within="1 month", tz=TZ)
        assert ["a", "d"] == list(due.labels["six"])
        assert 0 == len(due.labels["events"])
        assert {"six": 2, "events": 0} == due.per_rule()
        records = due.to_dict()["schedule"]
        assert [
            {"rule": "six", "table": "t", "action": "delete", "due_on": None, "rows": 1},
            {"rule": "six", "table": "t", "action": "delete", "due_on": "2025-03-15", "rows": 1},
        ] == records

    def test_further_ahead(self) -> None:
        """Two months ahead also catches the November rows, on their day in Amsterdam."""
        due = _policy().due(_tables(), now="2025-03-31 12:00", within=2, tz=TZ)
        days = {r["due_on"]: r["rows"] for r in due.to_dict()["schedule"] if r["rule"] == "six"}
        assert {None: 1, "2025-03-15": 1, "2025-05-20": 1, "2025-05-21": 1} == days

    def test_the_until_instant(self) -> None:
        """until is now plus the months on the wall clock."""
        due = _policy().due(_tables(), now="2025-01-31 12:00", within="1 month", tz=TZ)
        assert pd.Timestamp("2025-02-28 12:00", tz=TZ) == due.until

    def test_text_and_html(self) -> None:
        """The plan reads in a terminal and a notebook."""
        due = _policy().due(_tables(), now="2025-03-31 12:00", tz=TZ)
        assert "now (no date)" in str(due)
        assert "<table" in due._repr_html_()

    def test_within_must_be_a_period(self) -> None:
        """within is months or years, zero allowed."""
        with pytest.raises(PolicyError, match="within must be calendar months or years"):
            _policy().due(_tables(), now="2025-03-31", within="soon")

    def test_nothing_due(self) -> None:
        """An empty plan is still a plan."""
        tables = {"t": pd.DataFrame({"date": []}), "e": pd.DataFrame({"at": []})}
        due = _policy().due(tables, now=dt.datetime(2025, 3, 31, tzinfo=dt.UTC))
        assert [] == due.to_dict()["schedule"]
