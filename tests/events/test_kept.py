"""Tests for locosuppress.events._kept: kept columns of anonymised rows, scrubbed by dtype."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
from events_support import frame

from locosuppress import anonymise_events

NOW = pd.Timestamp("2025-06-15 12:00")


class TestScrubColumn:
    """Kept values are scrubbed, or emptied when they cannot be."""

    def test_kept_text_addresses(self) -> None:
        """Addresses anywhere in kept text are replaced and counted."""
        events = frame(timestamp=["2020-01-01"], campaign_name=["Voor jan@example.nl, a@b.nl"])
        result = anonymise_events(events, now=NOW)
        assert ["Voor [email], [email]"] == result.events.campaign_name.tolist()
        assert 2 == result.report.addresses_replaced

    def test_kept_categorical(self) -> None:
        """A kept categorical gets the scrubbed value as a category; recent rows keep theirs."""
        events = frame(
            timestamp=["2020-01-01", "2025-06-10"],
            url=pd.Categorical(["https://x.nl/?uid=1", "https://x.nl/?uid=1"]),
        )
        out = anonymise_events(events, now=NOW).events.url
        assert "category" == str(out.dtype)
        assert ["https://x.nl/", "https://x.nl/?uid=1"] == out.tolist()

    def test_kept_object_values(self) -> None:
        """Kept object values: text scrubbed, numbers kept, containers emptied (fail closed)."""
        events = frame(
            timestamp=["2020-01-01"] * 5,
            campaign=pd.Series(
                ["a@b.nl", 7, {"email": "a@b.nl"}, None, ["a@b.nl", 1]], dtype=object
            ),
        )
        out = anonymise_events(events, now=NOW).events.campaign.tolist()
        assert ["[email]", 7, None, None, None] == out

    def test_kept_opaque_arrow(self) -> None:
        """Kept Arrow lists cannot be scrubbed, so they are emptied on old rows (fail closed)."""
        events = frame(
            timestamp=["2020-01-01", "2025-06-10"],
            link=pd.Series([["a@b.nl"], ["x"]], dtype=pd.ArrowDtype(pa.list_(pa.string()))),
        )
        result = anonymise_events(events, now=NOW)
        assert [True, False] == result.events.link.isna().tolist()
        assert 1 == result.report.rows_anonymised

    def test_dropped_values_counted_per_column(self) -> None:
        """Kept values that had to be emptied are counted per column and noted in the report."""
        events = frame(
            timestamp=["2020-01-01"] * 4 + ["2025-06-10"],
            campaign=pd.Series([["a"], {"b": 1}, "zomer", None, ["recent"]], dtype=object),
            link=pd.Series(
                [["x"], None, ["y"], ["z"], ["w"]], dtype=pd.ArrowDtype(pa.list_(pa.string()))
            ),
            event_type=["open"] * 5,
        )
        report = anonymise_events(events, now=NOW).report
        assert (("campaign", 2), ("link", 3)) == report.values_dropped
        assert {"campaign": 2, "link": 3} == report.to_dict()["values_dropped"]
        assert any("5 values of kept columns" in note for note in report.notes)
        assert "values dropped" in str(report)

    def test_nothing_dropped(self) -> None:
        """Text, numbers and missing values are not counted as dropped."""
        events = frame(timestamp=["2020-01-01"] * 2, campaign=["a@b.nl", None], event_type=[1, 2])
        assert () == anonymise_events(events, now=NOW).report.values_dropped
