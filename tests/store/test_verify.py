"""verify(): the storage check and the list invariants (locosuppress.store._verify)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from locosuppress import (
    ListCorruptedError,
    SuppressionList,
    VerifyReport,
)


def raw(path: Path) -> sqlite3.Connection:
    """A plain sqlite3 connection of the test's own, to inspect or tamper with a list file."""
    return sqlite3.connect(path, isolation_level=None)


class TestVerify:
    """verify() reports integrity and invariants."""

    def test_clean(self, lst: SuppressionList) -> None:
        """A fresh list verifies clean."""
        lst.add_many(["a@example.nl", "b@example.nl"])
        report = lst.verify()
        assert isinstance(report, VerifyReport)
        assert (True, (), 2, 2) == (report.ok, report.problems, report.entries, report.pending)
        report.raise_for_problems()
        assert report.to_dict()["ok"]
        assert lst.verify(quick=True).ok
        assert "ok" in str(report)

    @pytest.mark.sqlite_only
    def test_invariant_violations(self, lst: SuppressionList) -> None:
        """Unknown reasons, orphan pending rows and a missing meta entry are reported."""
        lst.add("a@example.nl")
        conn = raw(lst.path)
        conn.execute("UPDATE entries SET reason = 99")
        conn.execute("INSERT INTO pending VALUES (zeroblob(32), 0, 1)")
        conn.execute("DELETE FROM meta WHERE key = 'created_at'")
        problems = " | ".join(lst.verify().problems)
        assert "unknown reason" in problems
        assert "pending rows without an entry" in problems
        assert "'created_at' is missing" in problems
        with pytest.raises(ListCorruptedError, match="failed verification"):
            lst.verify().raise_for_problems()

    @pytest.mark.sqlite_only
    def test_missing_trigger(self, lst: SuppressionList) -> None:
        """A list whose pending trigger was dropped fails verification."""
        raw(lst.path).execute("DROP TRIGGER entries_to_pending")
        assert ("the trigger 'entries_to_pending' is missing",) == lst.verify().problems
