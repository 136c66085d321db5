"""Tests for locosuppress.events._report: the report a privacy officer reads."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest
from events_support import frame, sample

from locosuppress import AnonymisationReport, AnonymisationResult, anonymise_events

NOW = pd.Timestamp("2025-06-15 12:00")
ADDRESS_RE = re.compile(r"@|%40|\uff20|\ufe6b")


class TestReport:
    """The report a privacy officer reads: counts, warnings, renderings."""

    def test_counts(self) -> None:
        """Rows, columns and scrubbing are counted."""
        report = anonymise_events(sample(), now=NOW).report
        assert (4, 3, 3, 0, 1) == (
            report.rows_seen,
            report.rows_selected,
            report.rows_anonymised,
            report.rows_already_anonymous,
            report.rows_missing_timestamp,
        )
        assert pd.Timestamp("2024-06-15 12:00", tz="UTC") == report.cutoff
        assert ("email", "contact_id", "klant_id", "notes") == report.columns_emptied
        assert ("email",) == report.identity
        assert (2, 2) == (report.urls_scrubbed, report.addresses_replaced)
        assert (3, 3, 5) == (report.groups, report.small_groups, report.k)

    def test_small_groups_and_k(self) -> None:
        """Groups with fewer than k events are reported; k=1 reports none."""
        events = frame(timestamp=["2024-01-05"] * 3 + ["2024-01-06"], event_type=["open"] * 4)
        assert 1 == anonymise_events(events, now=NOW, k=2).report.small_groups
        assert 2 == anonymise_events(events, now=NOW, k=4).report.small_groups
        assert 0 == anonymise_events(events, now=NOW, k=1).report.small_groups

    @pytest.mark.parametrize(
        ("index", "plain"),
        [
            (pd.RangeIndex(4), True),
            (pd.RangeIndex(10, 14), False),
            (pd.Index([3, 1, 2, 0]), False),
            (pd.Index(["a", "b", "c", "d"]), False),
        ],
    )
    def test_index_warning(self, index: pd.Index, plain: bool) -> None:
        """Only a plain RangeIndex 0..n-1 is safe; other labels can link rows back."""
        events = sample()
        events.index = index
        report = anonymise_events(events, now=NOW).report
        assert plain == report.plain_index
        assert plain != any("RangeIndex" in note for note in report.notes)

    def test_text(self) -> None:
        """__str__ shows the title, the counts and the warnings."""
        text = str(anonymise_events(sample(), now=NOW))
        assert text.startswith("locosuppress anonymisation")
        assert "old events (before 2024-06-15T12:00:00+00:00)  3" in text
        assert "! 1 row had a missing or unreadable timestamp" in text
        assert not ADDRESS_RE.search(text)

    def test_html(self) -> None:
        """_repr_html_ is an escaped table."""
        events = sample().rename(columns={"notes": "<b>notes</b>"})
        html = anonymise_events(events, now=NOW)._repr_html_()
        assert html.startswith("<table")
        assert "&lt;b&gt;notes&lt;/b&gt;" in html

    def test_to_dict(self) -> None:
        """to_dict() is plain JSON."""
        result = anonymise_events(sample(), now=NOW)
        data = json.loads(json.dumps(result.to_dict()))
        assert "2024-06-15T12:00:00+00:00" == data["report"]["cutoff"]
        assert ["email", "contact_id", "klant_id", "notes"] == data["report"]["columns_emptied"]
        assert 3 == data["aggregate_rows"]
        assert isinstance(result.report, AnonymisationReport)
        assert isinstance(result, AnonymisationResult)

    def test_frozen(self) -> None:
        """Reports and results cannot be changed after the fact."""
        result = anonymise_events(sample(), now=NOW)
        with pytest.raises(AttributeError, match="can't set attribute"):
            result.report.rows_seen = 0  # type: ignore[misc]
        with pytest.raises(AttributeError, match="can't set attribute"):
            result.events = pd.DataFrame()  # type: ignore[misc]

    def test_repr_shows_counts_not_rows(self) -> None:
        """repr(result) names counts and shapes, never a cell of the events or aggregates."""
        events = sample().assign(notes=["geheim-notitie"] * 4)
        result = anonymise_events(events, now=NOW)
        text = repr(result)
        assert text.startswith("AnonymisationResult(")
        assert "rows_seen=4" in text
        assert "rows_selected=3" in text
        assert "events=4 rows x 8 columns" in text
        assert "aggregates=3 rows" in text
        for hidden in ("example.nl", "geheim", "click", "https"):
            assert hidden not in text
