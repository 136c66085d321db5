"""Tests for the shared selection: which rule governs a row, which rows are past their period."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from locosuppress import RetentionPolicy, RetentionRule
from locosuppress.retention._select import governing
from locosuppress.testing import event_wall_times

TZ = "Europe/Amsterdam"


def _policy(months: int) -> RetentionPolicy:
    rule = RetentionRule(name="r", table="t", date_column="date", keep_for=months)
    return RetentionPolicy(name="p", version="1", rules=[rule])


class TestGoverning:
    """Each row gets the one rule whose where it meets, or none."""

    def test_where_values_and_their_text(self) -> None:
        """Numbers in where also match their text (as read from a CSV); others: -1."""
        rules = [
            RetentionRule(name="a", table="t", date_column="d", keep_for=1, where={"k": [1]}),
            RetentionRule(name="b", table="t", date_column="d", keep_for=1, where={"k": "x"}),
        ]
        frame = pd.DataFrame({"k": ["1", "x", "y", None]})
        assert [0, 1, -1, -1] == governing(frame, rules).tolist()


NOWS = st.sampled_from(["2025-04-30 02:30", "2025-11-26 02:30", "2025-03-31 12:00"])


class TestNaiveDates:
    """Naive dates are wall times in the zone: the same fate as the instants they are."""

    @given(st.data(), NOWS, st.sampled_from([1, 6, 12]))
    def test_naive_and_aware_agree(self, data: st.DataObject, now: str, months: int) -> None:
        """A naive column and the same column placed in the zone lose the same rows."""
        walls = data.draw(
            st.lists(event_wall_times(now=now, months=months, tz=TZ), min_size=1, max_size=20)
        )
        naive = pd.Series(walls, dtype="datetime64[us]")
        aware = naive.dt.tz_localize(TZ, ambiguous=True, nonexistent="shift_forward")
        policy = _policy(months)
        gone_naive = policy.apply(pd.DataFrame({"date": naive}), table="t", now=now, tz=TZ)
        gone_aware = policy.apply(pd.DataFrame({"date": aware}), table="t", now=now, tz=TZ)
        assert list(gone_aware.deleted["t"]) == list(gone_naive.deleted["t"])
        assert gone_aware.report.rules[0].future_date == gone_naive.report.rules[0].future_date

    def test_second_units(self) -> None:
        """A cutoff between two ticks of a coarse unit is compared exactly."""
        zone = zoneinfo.ZoneInfo(TZ)
        now = dt.datetime(2025, 3, 31, 12, 0, 0, 500_000, tzinfo=zone)
        dates = pd.Series(pd.to_datetime(["2025-02-28 12:00:00", "2025-02-28 12:00:01"]))
        result = _policy(1).apply(
            pd.DataFrame({"date": dates.astype("datetime64[s]")}), table="t", now=now
        )
        assert [0] == list(result.deleted["t"])
