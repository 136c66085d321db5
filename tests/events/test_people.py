"""Tests for locosuppress.events._people: identity columns and distinct people."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pytest
from events_support import frame

from locosuppress import SchemaError, anonymise_events
from locosuppress.events import identity_columns

NOW = pd.Timestamp("2025-06-15 12:00")


class TestPeople:
    """Who an event belongs to, and how people are counted."""

    def test_contact_id_fallback_and_explicit(self) -> None:
        """Without an address column the contact id counts people; identity= overrides."""
        events = frame(timestamp=["2024-01-05"] * 3, contact_id=[1, 1, 2], ip=["x", "y", "y"])
        assert ("contact_id",) == identity_columns(events)
        assert [2] == anonymise_events(events, now=NOW).aggregates.people.tolist()
        assert [2] == anonymise_events(events, now=NOW, identity="ip").aggregates.people.tolist()
        both = anonymise_events(events, now=NOW, identity=["contact_id", "ip"])
        assert [3] == both.aggregates.people.tolist()
        assert [pd.NA] == anonymise_events(events, now=NOW, identity=()).aggregates.people.tolist()

    def test_people_by_canonical_address(self) -> None:
        """Spellings of one address are one person; a value that is no address is itself."""
        events = frame(
            timestamp=["2024-01-05"] * 5,
            email=[
                "Jan@Example.nl",
                " jan+x@example.nl",
                "jan@example.nl",
                "geen adres",
                "geen adres",
            ],
        )
        assert [2] == anonymise_events(events, now=NOW).aggregates.people.tolist()

    def test_missing_identity_not_a_person(self) -> None:
        """Rows without an identity value count as events, not as people."""
        events = frame(timestamp=["2024-01-05"] * 3, email=["a@b.nl", None, None])
        aggregates = anonymise_events(events, now=NOW).aggregates
        assert [(3, 1)] == list(aggregates[["events", "people"]].itertuples(index=False, name=None))

    @pytest.mark.parametrize(
        ("columns", "expected"),
        [
            (["timestamp", "Courriel", "klant_id"], ("Courriel",)),
            (["timestamp", "E-mail adres", "contact_id"], ("E-mail adres",)),
            (["timestamp", "EMAIL_ADDRESS"], ("EMAIL_ADDRESS",)),
            (["timestamp", "notes", "Klant-ID"], ("Klant-ID",)),
            (["timestamp", "notes"], ()),
        ],
    )
    def test_names_of_the_vocabulary(self, columns: list[str], expected: tuple[str, ...]) -> None:
        """Identity columns are found by the shared address and contact column names."""
        assert expected == identity_columns(pd.DataFrame(columns=columns))

    def test_detected_address_column_cannot_be_kept(self) -> None:
        """A column named like an address (any vocabulary spelling) is refused in keep=."""
        events = frame(timestamp=["2024-01-05"], courriel=["a@b.nl"], event_type=["open"])
        with pytest.raises(SchemaError, match="identifying"):
            anonymise_events(events, now=NOW, keep=["courriel", "event_type"])

    @pytest.mark.parametrize(
        "values",
        [
            pd.Series([["a@b.nl"], ["c@d.nl"]], dtype=object),
            pd.Series([{"email": "a@b.nl"}, {"email": "c@d.nl"}], dtype=object),
            pd.Series([["a@b.nl"], ["c@d.nl"]], dtype=pd.ArrowDtype(pa.list_(pa.string()))),
            pd.Series(
                [{"e": "a@b.nl"}, {"e": "c@d.nl"}],
                dtype=pd.ArrowDtype(pa.struct([("e", pa.string())])),
            ),
        ],
        ids=["object-lists", "object-dicts", "arrow-list", "arrow-struct"],
    )
    def test_list_and_struct_identity_refused(self, values: pd.Series) -> None:
        """An identity column of lists, dicts or structs is a SchemaError naming no value."""
        events = frame(timestamp=["2024-01-05", "2024-01-06"], contact_id=values)
        with pytest.raises(SchemaError, match="identity column 'contact_id' holds") as caught:
            anonymise_events(events, now=NOW)
        assert "@" not in str(caught.value)
