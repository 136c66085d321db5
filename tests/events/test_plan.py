"""Tests for locosuppress.events._plan: the options resolved against the columns."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from events_support import frame, sample

from locosuppress import SchemaError, anonymise_events

NOW = pd.Timestamp("2025-06-15 12:00")
ADDRESS_RE = re.compile(r"@|%40|\uff20|\ufe6b")


class TestKeep:
    """Which columns are kept on anonymised rows."""

    def test_default_keep_case_insensitive(self) -> None:
        """Default kept names match case-insensitively; unknown columns are emptied."""
        events = frame(
            timestamp=["2020-01-01"],
            Campaign_ID=[5],
            EVENT=["open"],
            Link_URL=["https://x.nl/?uid=3"],
            klant_nummer=["K-1"],
        )
        result = anonymise_events(events, now=NOW)
        assert ("Campaign_ID", "EVENT", "Link_URL") == result.report.columns_kept
        assert ("klant_nummer",) == result.report.columns_emptied
        assert ["https://x.nl/"] == result.events.Link_URL.tolist()

    def test_explicit_keep(self) -> None:
        """keep= replaces the default allow-list."""
        result = anonymise_events(sample(), now=NOW, keep=["event_type"])
        assert ("event_type",) == result.report.columns_kept
        assert result.events.url.iloc[0] is None or pd.isna(result.events.url.iloc[0])

    @pytest.mark.parametrize("name", ["campaign name", "Campaign-Name", "CAMPAIGN_NAME"])
    def test_keep_names_match_like_address_names(self, name: str) -> None:
        """keep= names match case- and punctuation-insensitively, as address column names do."""
        events = frame(timestamp=["2020-01-01"], campaign_name=["Zomer"], ip=["1.2.3.4"])
        result = anonymise_events(events, now=NOW, keep=[name])
        assert ("campaign_name",) == result.report.columns_kept
        assert ["Zomer"] == result.events.campaign_name.tolist()

    def test_keep_exact_name_wins(self) -> None:
        """A name that is exactly a column is that column, even when others squash alike."""
        events = frame(timestamp=["2020-01-01"], campaign_name=["a"], CampaignName=["b"])
        assert ("CampaignName",) == anonymise_events(
            events, now=NOW, keep="CampaignName"
        ).report.columns_kept

    def test_keep_name_matching_several_columns(self) -> None:
        """A loose name that fits several columns is a SchemaError naming them."""
        events = frame(timestamp=["2020-01-01"], campaign_name=["a"], CampaignName=["b"])
        with pytest.raises(SchemaError, match="'campaign name' fits several columns"):
            anonymise_events(events, now=NOW, keep="campaign name")

    def test_keep_unknown_lists_close_names(self) -> None:
        """An unknown keep name is a SchemaError listing the close column names."""
        events = frame(timestamp=["2020-01-01"], campaign_name=["a"], event_type=["open"])
        with pytest.raises(SchemaError, match=r"campagne_naam.*did you mean 'campaign_name'"):
            anonymise_events(events, now=NOW, keep=["campagne_naam", "event_type"])


class TestErrors:
    """Clear errors for frames that cannot work with the options."""

    def test_missing_timestamp_column(self) -> None:
        """No timestamp column: SchemaError naming the option."""
        with pytest.raises(SchemaError, match="timestamp="):
            anonymise_events(pd.DataFrame({"when": []}), now=NOW)

    def test_unknown_keep(self) -> None:
        """A keep column that is not there: SchemaError naming it."""
        with pytest.raises(SchemaError, match="campagne"):
            anonymise_events(sample(), now=NOW, keep=["campaign_id", "campagne"])

    def test_unknown_identity(self) -> None:
        """An identity column that is not there: SchemaError."""
        with pytest.raises(SchemaError, match="identity"):
            anonymise_events(sample(), now=NOW, identity="wie")

    @pytest.mark.parametrize("kept", ["email", "contact_id", "Klant_ID"])
    def test_refuses_identifying_keep(self, kept: str) -> None:
        """Keeping an identifying column would defeat anonymisation: SchemaError."""
        events = sample().rename(columns={"klant_id": "Klant_ID"})
        with pytest.raises(SchemaError, match="identifying"):
            anonymise_events(events, now=NOW, keep=[kept])

    def test_repeated_columns(self) -> None:
        """Repeated column names are ambiguous: SchemaError."""
        events = pd.DataFrame([[pd.Timestamp("2020-01-01"), 1, 2]], columns=["timestamp", "a", "a"])
        with pytest.raises(SchemaError, match="repeated"):
            anonymise_events(events, now=NOW)

    def test_errors_never_show_addresses(self) -> None:
        """No error message carries an address from the data."""
        events = sample().rename(columns={"timestamp": "ts"})
        with pytest.raises(SchemaError, match="no timestamp column") as caught:
            anonymise_events(events, now=NOW)
        assert not ADDRESS_RE.search(str(caught.value))
