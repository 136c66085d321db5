"""Tests for locosuppress.events._aggregates: counts per group of anonymised rows."""

from __future__ import annotations

import pandas as pd
from events_support import frame

from locosuppress import anonymise_events

NOW = pd.Timestamp("2025-06-15 12:00")


class TestAggregates:
    """Counts per group of old rows, with distinct people, survive anonymisation."""

    def test_counts_and_people(self) -> None:
        """One row per kept values and day; events and distinct people counted before emptying."""
        events = frame(
            timestamp=["2024-01-05 10:00", "2024-01-05 11:00", "2024-01-05 12:00", "2024-01-06"],
            email=["a@b.nl", "a@b.nl", "c@d.nl", "a@b.nl"],
            campaign_id=[1, 1, 1, 1],
            event_type=["open", "open", "open", "open"],
        )
        aggregates = anonymise_events(events, now=NOW).aggregates
        expected = pd.DataFrame(
            {
                "timestamp": pd.to_datetime(["2024-01-05", "2024-01-06"]),
                "campaign_id": [1, 1],
                "event_type": pd.Series(["open", "open"], dtype="str"),
                "events": [3, 1],
                "people": pd.array([2, 1], dtype="Int64"),
            }
        )
        pd.testing.assert_frame_equal(expected, aggregates, check_dtype=False)

    def test_groups_use_scrubbed_values(self) -> None:
        """Two URLs that scrub to the same value are one group."""
        events = frame(
            timestamp=["2024-01-05", "2024-01-05"],
            email=["a@b.nl", "c@d.nl"],
            url=["https://x.nl/?uid=1", "https://x.nl/?uid=2"],
        )
        aggregates = anonymise_events(events, now=NOW).aggregates
        assert [("https://x.nl/", 2, 2)] == list(
            aggregates[["url", "events", "people"]].itertuples(index=False, name=None)
        )

    def test_no_identity(self) -> None:
        """Without an identity column people are NA and the report says so."""
        events = frame(timestamp=["2024-01-05"], event_type=["open"])
        result = anonymise_events(events, now=NOW)
        assert () == result.report.identity
        assert result.aggregates.people.isna().all()
        assert any("not counted" in note for note in result.report.notes)

    def test_count_names_do_not_collide(self) -> None:
        """A kept column called events pushes the count to another name."""
        events = frame(timestamp=["2024-01-05"], events=["x"])
        aggregates = anonymise_events(events, now=NOW, keep=["events"]).aggregates
        assert ["timestamp", "events", "_events", "people"] == list(aggregates.columns)
