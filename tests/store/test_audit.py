"""The audit log (locosuppress.store._audit)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
from store_support import raw_rows

import locosuppress
from locosuppress import SuppressionList

NOW = datetime(2025, 3, 14, 9, 26, 53, tzinfo=UTC)


class TestAudit:
    """audit(): one row per write and filter run, counts only."""

    def test_audit_frame(self, lst: SuppressionList) -> None:
        """Every write leaves one audit row with time, operation and counts."""
        lst.add("a@example.nl", now=NOW)
        lst.add_many(["a@example.nl", "b@example.nl", "bad"], source="batch-1", now=NOW)
        lst.remove("b@example.nl", now=NOW)
        mailing = ["a@example.nl", " A@Example.NL", "bad", *(f"k{i}@example.nl" for i in range(7))]
        ran = lst.filter(pd.DataFrame({"email": mailing}), source="campaign.xlsx", now=NOW)
        assert (10, 7, 2, 1) == (
            ran.report.total,
            ran.report.kept,
            ran.report.suppressed,
            ran.report.invalid,
        )
        frame = lst.audit()
        assert ["create", "add", "add_many", "remove", "filter"] == list(frame["operation"])
        assert [
            "time",
            "operation",
            "total",
            "added",
            "already_present",
            "removed",
            "invalid",
            "kept",
            "suppressed",
            "duplicates",
            "scope",
            "reason",
            "channel",
            "source",
            "library_version",
        ] == list(frame.columns)
        row = frame.iloc[2]
        assert (3, 1, 1, 1, "batch-1") == (
            row["total"],
            row["added"],
            row["already_present"],
            row["invalid"],
            row["source"],
        )
        assert 1 == frame.iloc[3]["removed"]
        assert (7, 2) == (frame.iloc[4]["kept"], frame.iloc[4]["suppressed"])
        assert pd.Timestamp(NOW) == frame["time"].iloc[1]
        assert str(frame["time"].dt.tz) == "UTC"
        assert {locosuppress.__version__} == set(frame["library_version"])

    def test_audit_holds_no_address_or_hash(
        self, lst: SuppressionList, location: Path | str, test_key
    ) -> None:
        """The audit table holds counts and labels only."""
        lst.add("secret.person@example.nl")
        lst.remove("secret.person@example.nl")
        digest = test_key.hash_email("secret.person@example.nl")
        for row in raw_rows(location, "SELECT * FROM audit"):
            for value in row:
                assert not isinstance(value, bytes)
                assert "secret" not in str(value)
                assert digest.hex() not in str(value)
