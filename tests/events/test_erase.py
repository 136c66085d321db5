"""Tests for locosuppress.events._erase: erasing one contact's events now."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest
from events_support import addresses_in, cells, sample
from hypothesis import assume, given
from hypothesis import strategies as st

import locosuppress.events._erase as erase_module
from locosuppress import InvalidEmailError, SchemaError, erase_contact
from locosuppress.events import AnonymisationOptions
from locosuppress.normalize import normalize_email
from locosuppress.testing import event_frames, messy_variants

NOW = pd.Timestamp("2025-06-15 12:00")
AMS = "Europe/Amsterdam"


FRAMES = event_frames(now=NOW, tz=AMS)


class TestEraseContact:
    """The right to be forgotten: one person's events, whatever their age."""

    def test_by_email(self) -> None:
        """Every event of the address is anonymised now; the others stay."""
        result = erase_contact(sample(), email="JAN@example.nl ")
        assert [True, False, True, False] == result.events.email.isna().tolist()
        assert result.report.erasure
        assert result.report.cutoff is None
        assert 2 == result.report.rows_selected
        assert "2023-06-01 08:00:00" == str(result.events.timestamp.iloc[3])

    def test_by_contact_id(self) -> None:
        """A contact id matches as a value and as text."""
        events = sample().astype({"contact_id": "str"})
        assert 2 == erase_contact(events, contact_id=1).report.rows_selected
        assert 2 == erase_contact(sample(), contact_id="1").report.rows_selected

    def test_either_matches(self) -> None:
        """With both, rows matching either identifier are erased."""
        assert (
            3 == erase_contact(sample(), email="jan@example.nl", contact_id=3).report.rows_selected
        )

    def test_named_columns(self) -> None:
        """email_column= and contact_column= pick the columns."""
        events = sample().rename(columns={"email": "adres", "contact_id": "nr"})
        assert (
            2
            == erase_contact(
                events, email="jan@example.nl", email_column="adres"
            ).report.rows_selected
        )
        assert 1 == erase_contact(events, contact_id=2, contact_column="nr").report.rows_selected

    def test_needs_an_identifier(self) -> None:
        """Neither email nor contact_id: TypeError."""
        with pytest.raises(TypeError, match="email= or contact_id="):
            erase_contact(sample())

    def test_invalid_address(self) -> None:
        """An address that is not one: InvalidEmailError (without the address in it)."""
        with pytest.raises(InvalidEmailError, match="rule 5-one-at") as caught:
            erase_contact(sample(), email="jan.example.nl")
        assert "jan.example.nl" not in str(caught.value)

    def test_no_column(self) -> None:
        """No column to match on: SchemaError."""
        with pytest.raises(SchemaError, match="email_column"):
            erase_contact(sample().drop(columns="email"), email="jan@example.nl")
        with pytest.raises(SchemaError, match="contact_column"):
            erase_contact(sample().drop(columns=["contact_id", "klant_id"]), contact_id=1)

    def test_text_report(self) -> None:
        """The report calls it an erasure."""
        assert str(erase_contact(sample(), contact_id=1)).startswith("locosuppress erasure")

    @given(FRAMES, st.data())
    def test_every_spelling(self, events: pd.DataFrame, data: st.DataObject) -> None:
        """Any spelling of a person's address erases exactly the rows that normalise to it."""
        people = sorted(addresses_in(events))
        assume(people)
        person = data.draw(st.sampled_from(people))
        spelling = data.draw(messy_variants(person))
        result = erase_contact(events, email=spelling, tz=AMS)
        mine = [isinstance(v, str) and normalize_email(v) == person for v in cells(events.email)]
        assert sum(mine) == result.report.rows_selected
        assert all(result.events.email[mine].isna())
        others = [not m for m in mine]
        pd.testing.assert_frame_equal(events[others], result.events[others], check_dtype=False)

    def test_options_built_once(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """The keywords become one AnonymisationOptions value; the report has no age limit."""
        made: list[AnonymisationOptions] = []

        def counting(**keywords: Any) -> AnonymisationOptions:
            made.append(AnonymisationOptions(**keywords))
            return made[-1]

        monkeypatch.setattr(erase_module, "AnonymisationOptions", counting)
        result = erase_contact(sample(), contact_id=1, resolution="month", tz=AMS)
        assert [AnonymisationOptions(resolution="month", tz=AMS)] == made
        assert (None, "month") == (result.report.months, result.report.resolution)
