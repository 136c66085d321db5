"""Tests for the retention report values: they add up, show, and never copy a value."""

from __future__ import annotations

import json
import warnings

import pandas as pd

from locosuppress import RetentionCoverageWarning, RetentionPolicy, RetentionRule

SECRET = "jan.devries@example.nl"


def _result():  # type: ignore[no-untyped-def]
    policy = RetentionPolicy(
        name="p",
        version="7",
        rules=[
            RetentionRule(
                name="mail",
                table="messages",
                where={"kind": "mail"},
                date_column="date",
                keep_for=6,
                reason="binnen een half jaar",
            )
        ],
    )
    frame = pd.DataFrame(
        {
            "kind": ["mail", "mail", "mail", "brief", "mail"],
            "date": ["2024-01-01", None, "2025-03-01", "2020-01-01", "2026-01-01"],
            "from": [SECRET] * 5,
        }
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RetentionCoverageWarning)
        return policy.apply({"messages": frame}, now="2025-03-31", ungoverned="keep")


class TestReport:
    """What a privacy officer reads."""

    def test_counts(self) -> None:
        """Per rule and per table, with the fail-closed and future counts."""
        report = _result().report
        (rule,) = report.rules
        assert (4, 2, 2, 0, 1, 1) == (
            rule.governed,
            rule.kept,
            rule.deleted,
            rule.anonymised,
            rule.missing_date,
            rule.future_date,
        )
        (table,) = report.tables
        assert (5, 2, 2, 0, 1, (3,)) == (
            table.rows,
            table.kept,
            table.deleted,
            table.anonymised,
            table.ungoverned,
            table.ungoverned_positions,
        )
        assert (2, 0, 1) == (report.deleted, report.anonymised, report.ungoverned)

    def test_text_html_and_json_hold_no_value(self) -> None:
        """The text, the HTML and the JSON name rules, tables and counts, never a value."""
        result = _result()
        text, html = str(result), result._repr_html_()
        data = json.dumps(result.to_dict())
        for shown in (text, html, data):
            assert SECRET not in shown
            assert "mail" in shown
        assert "! rule 'mail': 1 rows had no readable date: deleted (fail closed)" in text
        assert "<table" in html
        assert "2024-09-30T00:00:00+02:00" == result.to_dict()["rules"][0]["cutoff"]
        assert "binnen een half jaar" == result.to_dict()["rules"][0]["reason"]
