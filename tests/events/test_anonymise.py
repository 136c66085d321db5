"""Tests for locosuppress.events._anonymise: anonymise_events end to end."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from events_support import is_na, sample
from hypothesis import given

import locosuppress
import locosuppress.events
import locosuppress.events._anonymise as anonymise_module
from locosuppress import InvalidOptionError, SchemaError, anonymise_events
from locosuppress.events import AnonymisationOptions
from locosuppress.testing import event_frames

NOW = pd.Timestamp("2025-06-15 12:00")
AMS = "Europe/Amsterdam"


class TestAnonymiseEvents:
    """The entry point: a frame in, a result out, the options built once."""

    def test_not_a_frame(self) -> None:
        """A Series or list is refused with a hint."""
        with pytest.raises(TypeError, match="DataFrame"):
            anonymise_events(sample().timestamp, now=NOW)  # type: ignore[arg-type]

    def test_options_built_once(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """The keywords become one AnonymisationOptions value, built once per call."""
        made: list[AnonymisationOptions] = []

        def counting(**keywords: Any) -> AnonymisationOptions:
            made.append(AnonymisationOptions(**keywords))
            return made[-1]

        monkeypatch.setattr(anonymise_module, "AnonymisationOptions", counting)
        result = anonymise_events(sample(), now=NOW, tz=AMS, keep="event_type", k=2)
        assert [AnonymisationOptions(tz=AMS, keep=("event_type",), k=2)] == made
        assert (("event_type",), 2, AMS) == (
            result.report.columns_kept,
            result.report.k,
            result.report.tz,
        )

    def test_options_checked_before_the_columns(self) -> None:
        """A bad option is reported even when the columns would fail too."""
        with pytest.raises(InvalidOptionError, match="k must"):
            anonymise_events(pd.DataFrame({"when": []}), now=NOW, k=0)


# -- properties over generated frames -------------------------------------------------

FRAMES = event_frames(now=NOW, tz=AMS)


class TestProperties:
    """Invariants over generated event frames (locosuppress.testing.event_frames)."""

    @given(FRAMES)
    def test_shape_and_recent_rows(self, oracle: Any, events: pd.DataFrame) -> None:
        """Row count, order, index and columns unchanged; recent rows identical."""
        before = events.copy(deep=True)
        out = anonymise_events(events, now=NOW, tz=AMS, allow_unreadable=True).events
        pd.testing.assert_frame_equal(before, events)
        pd.testing.assert_index_equal(events.index, out.index)
        assert list(events.columns) == list(out.columns)
        recent = [not old for old in oracle.old_mask(events, NOW, AMS)]
        pd.testing.assert_frame_equal(events[recent], out[recent], check_dtype=False)

    @given(FRAMES)
    def test_twice_is_once(self, events: pd.DataFrame) -> None:
        """Running it twice equals running it once; the second run changes no row."""
        once = anonymise_events(events, now=NOW, tz=AMS, allow_unreadable=True)
        twice = anonymise_events(once.events, now=NOW, tz=AMS, allow_unreadable=True)
        pd.testing.assert_frame_equal(once.events, twice.events)
        assert 0 == twice.report.rows_anonymised
        assert once.report.rows_selected == twice.report.rows_already_anonymous

    @given(FRAMES)
    def test_mostly_unreadable_refused(self, oracle: Any, events: pd.DataFrame) -> None:
        """SchemaError exactly when most present times are unreadable; otherwise as if allowed."""
        zone = ZoneInfo(AMS)
        values = events["timestamp"].astype(object).tolist()
        present = [not is_na(v) for v in values]
        unreadable = [
            p and oracle.read_instant(v, zone) is None for p, v in zip(present, values, strict=True)
        ]
        if sum(unreadable) * 2 > sum(present):
            with pytest.raises(SchemaError, match="allow_unreadable=True"):
                anonymise_events(events, now=NOW, tz=AMS)
            return
        allowed = anonymise_events(events, now=NOW, tz=AMS, allow_unreadable=True)
        actual = anonymise_events(events, now=NOW, tz=AMS)
        pd.testing.assert_frame_equal(allowed.events, actual.events)
        assert allowed.report == actual.report
        assert sum(unreadable) == actual.report.rows_unreadable_timestamp


def test_public_names() -> None:
    """The package exports the events API."""
    assert {
        "anonymise_events",
        "anonymize_events",
        "erase_contact",
        "AnonymisationReport",
        "AnonymisationResult",
    } <= set(locosuppress.__all__)


def test_us_spelling_alias() -> None:
    """anonymize_events is anonymise_events, exported from the package and from events."""
    assert locosuppress.anonymise_events is locosuppress.anonymize_events
    assert locosuppress.events.anonymize_events is anonymise_events
    assert "anonymize_events" in locosuppress.events.__all__
