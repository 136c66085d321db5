"""Tests for applying a retention policy: properties over generated policies, and edge cases."""

from __future__ import annotations

import re
import warnings

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from locosuppress import (
    RetentionCoverageError,
    RetentionCoverageWarning,
    RetentionPolicy,
    RetentionRule,
    SchemaError,
)
from locosuppress.testing import retention_policies, retention_tables

TZ = "Europe/Amsterdam"
# Reference times on month ends, a leap day, and in the spring gap and autumn overlap.
NOWS = (
    "2024-02-29T12:00:00",
    "2025-03-31T02:30:00",
    "2024-10-27T02:30:00",
    "2025-01-31T23:59:59",
    "2025-03-30T01:30:00+00:00",
    "2024-03-31T00:00:00",
)
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}:\d{2}|Z)?$")


def _apply(policy: RetentionPolicy, tables: dict[str, pd.DataFrame], now: str):  # type: ignore[no-untyped-def]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RetentionCoverageWarning)
        return policy.apply(tables, now=now, tz=TZ, ungoverned="keep", allow_unreadable=True)


def _instant(value: object) -> pd.Timestamp | None:
    """The oracle: a date's instant, or None when the test does not judge the value."""
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NaT:
        return None
    if isinstance(value, str) and not _ISO.match(value):
        return None
    stamp = pd.Timestamp(value)  # type: ignore[arg-type]
    if pd.isna(stamp):
        return None
    if stamp.tzinfo is None:
        return stamp.tz_localize(TZ, ambiguous=True, nonexistent="shift_forward")
    return stamp


def _cutoff(now: str, months: int) -> pd.Timestamp:
    stamp = pd.Timestamp(now)
    wall = stamp.tz_convert(TZ).tz_localize(None) if stamp.tzinfo is not None else stamp
    return (wall - pd.DateOffset(months=months)).tz_localize(
        TZ, ambiguous=True, nonexistent="shift_forward"
    )


def _governs(rule: RetentionRule, kind: object) -> bool:
    return all(kind in values for _, values in rule.where)


policies_and_tables = st.tuples(retention_policies(), st.sampled_from(NOWS)).flatmap(
    lambda pair: st.tuples(
        st.just(pair[0]), st.just(pair[1]), retention_tables(pair[0], now=pair[1])
    )
)


class TestProperties:
    """What must hold for every policy and every table."""

    @given(policies_and_tables)
    def test_every_row_is_kept_unchanged_deleted_or_anonymised(self, case) -> None:  # type: ignore[no-untyped-def]
        """Each row has exactly one fate; rows neither deleted nor anonymised are unchanged."""
        policy, now, tables = case
        result = _apply(policy, tables, now)
        for name, frame in tables.items():
            deleted = set(result.deleted[name])
            anonymised = set(result.anonymised[name])
            assert set() == deleted & anonymised
            remaining = result.tables[name]
            assert list(frame.index.difference(result.deleted[name], sort=False)) == list(
                remaining.index
            )
            untouched = [label for label in remaining.index if label not in anonymised]
            pd.testing.assert_frame_equal(
                frame.loc[untouched], remaining.loc[untouched], check_dtype=False
            )

    @given(policies_and_tables)
    def test_governed_rows_go_exactly_when_their_period_has_passed(self, case) -> None:  # type: ignore[no-untyped-def]
        """A governed row inside its period is kept unchanged; one before the cutoff goes."""
        policy, now, tables = case
        result = _apply(policy, tables, now)
        for name, frame in tables.items():
            gone = set(result.deleted[name]) | set(result.anonymised[name])
            rules = [rule for rule in policy.rules if rule.table == name]
            for label, kind, value in zip(frame.index, frame["kind"], frame["date"], strict=True):
                rule = next((r for r in rules if _governs(r, kind)), None)
                instant = _instant(value)
                if rule is None:
                    assert label not in gone
                elif instant is not None:
                    assert (instant < _cutoff(now, rule.keep_for)) == (label in gone)
                elif value is None or value is pd.NaT or (isinstance(value, float)):
                    assert label in gone  # a missing date: fail closed

    @given(policies_and_tables)
    def test_applying_twice_equals_applying_once(self, case) -> None:  # type: ignore[no-untyped-def]
        """The second run changes nothing."""
        policy, now, tables = case
        once = _apply(policy, tables, now)
        twice = _apply(policy, once.tables, now)
        for name in tables:
            pd.testing.assert_frame_equal(once.tables[name], twice.tables[name])
            assert [] == list(twice.deleted[name])
            assert list(once.anonymised[name]) == list(twice.anonymised[name])
            assert list(once.ungoverned[name]) == list(twice.ungoverned[name])

    @given(policies_and_tables)
    def test_the_report_adds_up_per_table(self, case) -> None:  # type: ignore[no-untyped-def]
        """Rows = kept + deleted + anonymised + ungoverned, and each rule's counts add up."""
        policy, now, tables = case
        result = _apply(policy, tables, now)
        by_table = {t.table: t for t in result.report.tables}
        for name, frame in tables.items():
            table = by_table[name]
            assert len(frame) == table.rows
            assert table.rows == table.kept + table.deleted + table.anonymised + table.ungoverned
            assert len(result.deleted[name]) == table.deleted
            assert len(result.anonymised[name]) == table.anonymised
            assert len(result.ungoverned[name]) == table.ungoverned
            rules = [r for r in result.report.rules if r.table == name]
            assert table.rows - table.ungoverned == sum(r.governed for r in rules)
            for rule in rules:
                assert rule.governed == rule.kept + rule.deleted + rule.anonymised

    @given(policies_and_tables)
    def test_due_within_nothing_is_what_apply_removes(self, case) -> None:  # type: ignore[no-untyped-def]
        """``due(within=0)`` names exactly the rows apply deletes or anonymises."""
        policy, now, tables = case
        result = _apply(policy, tables, now)
        due = policy.due(tables, now=now, within=0, tz=TZ, allow_unreadable=True)
        for name in tables:
            removed = set(result.deleted[name]) | set(result.anonymised[name])
            planned = set()
            for rule in policy.rules:
                if rule.table == name:
                    planned |= set(due.labels[rule.name])
            assert removed == planned

    @given(policies_and_tables)
    def test_inputs_are_never_modified(self, case) -> None:  # type: ignore[no-untyped-def]
        """The tables given are the same after the run."""
        policy, now, tables = case
        before = {name: frame.copy(deep=True) for name, frame in tables.items()}
        _apply(policy, tables, now)
        for name, frame in tables.items():
            pd.testing.assert_frame_equal(before[name], frame)


def _rule(**changes: object) -> RetentionRule:
    values: dict[str, object] = {
        "name": "r",
        "table": "t",
        "date_column": "date",
        "keep_for": 1,
        "action": "delete",
    }
    values.update(changes)
    return RetentionRule(**values)  # type: ignore[arg-type]


def _policy(*rules: RetentionRule) -> RetentionPolicy:
    return RetentionPolicy(name="test", version="1", rules=rules or [_rule()])


def _kept(policy: RetentionPolicy, dates: list[object], now: str, **options: object) -> list[bool]:
    frame = pd.DataFrame({"date": dates})
    result = policy.apply(frame, table="t", now=now, tz=TZ, **options)  # type: ignore[arg-type]
    return [label in result.tables["t"].index for label in frame.index]


class TestCalendarEdges:
    """Month ends, leap days, seven years, daylight-saving time at the cutoff."""

    def test_month_end(self) -> None:
        """31 March 2025 minus a month is 28 February: a second before goes, the cutoff stays."""
        kept = _kept(
            _policy(),
            pd.to_datetime(["2025-02-28 11:59:59", "2025-02-28 12:00:00"]).tolist(),
            "2025-03-31 12:00",
        )
        assert [False, True] == kept

    def test_leap_day_to_a_common_year(self) -> None:
        """29 February 2024 minus 12 months is 28 February 2023."""
        kept = _kept(
            _policy(_rule(keep_for="12 months")),
            pd.to_datetime(["2023-02-27 23:59", "2023-02-28 00:00"]).tolist(),
            "2024-02-29 00:00",
        )
        assert [False, True] == kept

    def test_seven_years_across_leap_years(self) -> None:
        """A purchase on 29 February 2024 is kept all through 28 February 2031, gone on 1 March."""
        policy = _policy(_rule(keep_for="7 years"))
        purchase = [pd.Timestamp("2024-02-29 12:00")]
        assert [True] == _kept(policy, purchase, "2031-02-28 23:59:59")
        assert [False] == _kept(policy, purchase, "2031-03-01 00:00")
        assert [True] == _kept(policy, [pd.Timestamp("2024-03-01")], "2031-03-01 00:00")

    def test_a_cutoff_in_the_spring_gap_moves_forward(self) -> None:
        """30 April 02:30 minus a month is 30 March 02:30, which does not exist: 03:00 CEST."""
        dates = pd.to_datetime(["2025-03-30 00:59:59", "2025-03-30 01:00:00"]).tz_localize("UTC")
        assert [False, True] == _kept(_policy(), dates.tolist(), "2025-04-30 02:30")

    def test_a_cutoff_in_the_autumn_overlap_takes_the_earlier_instant(self) -> None:
        """26 November 02:30 minus a month is 26 October 02:30, twice: the first (CEST) counts."""
        dates = pd.to_datetime(
            ["2025-10-26 00:29:59", "2025-10-26 00:30:00", "2025-10-26 01:00:00"]
        ).tz_localize("UTC")
        assert [False, True, True] == _kept(_policy(), dates.tolist(), "2025-11-26 02:30")

    def test_naive_dates_are_wall_times_in_the_zone(self) -> None:
        """A naive date is read on the Amsterdam wall clock, as the anonymiser reads it."""
        dates = ["2025-02-28T11:59:59", "2025-02-28T12:00:00", "2025-02-28T11:00:00Z"]
        assert [False, True, True] == _kept(_policy(), dates, "2025-03-31 12:00")


class TestFailClosed:
    """Missing dates go, future dates stay, and both are counted."""

    def test_a_missing_or_unreadable_date_counts_as_passed(self) -> None:
        """No date, or one that does not read, is past its period (and counted)."""
        frame = pd.DataFrame({"date": [None, "gisteren", "2025-03-01"]})
        result = _policy().apply(frame, table="t", now="2025-03-31", tz=TZ)
        assert [2] == list(result.tables["t"].index)
        assert 2 == result.report.rules[0].missing_date
        assert 2 == result.report.rules[0].deleted

    def test_a_column_that_mostly_does_not_read_is_refused(self) -> None:
        """Most dates unreadable (Unix times as text): SchemaError, naming the rule."""
        frame = pd.DataFrame({"date": ["1717200000", "1717200001", "2025-03-01", None]})
        with pytest.raises(SchemaError, match=r"rule 'r': 2 of 3 dates in column 'date'"):
            _policy().apply(frame, table="t", now="2025-03-31", tz=TZ)
        with pytest.raises(SchemaError, match="allow_unreadable=True"):
            _policy().due(frame, table="t", now="2025-03-31", tz=TZ)
        result = _policy().apply(frame, table="t", now="2025-03-31", tz=TZ, allow_unreadable=True)
        assert [2] == list(result.tables["t"].index)

    def test_half_unreadable_is_still_read(self) -> None:
        """Exactly half of the present dates unreadable: applied, and counted."""
        frame = pd.DataFrame({"date": ["gisteren", "2025-03-01"]})
        result = _policy().apply(frame, table="t", now="2025-03-31", tz=TZ)
        assert 1 == result.report.rules[0].missing_date

    @given(policies_and_tables)
    def test_refused_or_the_same_as_allowed(self, case) -> None:  # type: ignore[no-untyped-def]
        """Without allow_unreadable a run is refused, or gives exactly the allowed result."""
        policy, now, tables = case
        allowed = _apply(policy, tables, now)
        refused = ""
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RetentionCoverageWarning)
                strict = policy.apply(tables, now=now, tz=TZ, ungoverned="keep")
        except SchemaError as error:
            refused = str(error)
        if refused:
            assert "are no date" in refused
            return
        for name in tables:
            pd.testing.assert_frame_equal(allowed.tables[name], strict.tables[name])

    def test_a_completion_date_in_the_future_is_kept_and_counted(self) -> None:
        """A date after now is kept, and the report counts it."""
        frame = pd.DataFrame({"date": pd.to_datetime(["2025-05-01", "2025-03-30"])})
        result = _policy(_rule(keep_for="2 months")).apply(
            frame, table="t", now="2025-03-31", tz=TZ
        )
        assert [0, 1] == list(result.tables["t"].index)
        assert 1 == result.report.rules[0].future_date


class TestCoverage:
    """Rows no rule governs are never silently kept or dropped."""

    def _split(self) -> RetentionPolicy:
        return _policy(_rule(where={"kind": ["a"]}))

    def test_ungoverned_rows_are_an_error_by_default(self) -> None:
        """The default refuses, and the error carries the report."""
        frame = pd.DataFrame({"kind": ["a", "b"], "date": pd.to_datetime(["2020-01-01"] * 2)})
        with pytest.raises(
            RetentionCoverageError, match=r"no rule of the policy governs \(t: 1\)"
        ) as info:
            self._split().apply(frame, table="t", now="2025-03-31", tz=TZ)
        assert 1 == info.value.report.tables[0].ungoverned
        assert (1,) == info.value.report.tables[0].ungoverned_positions

    def test_keep_keeps_them_and_warns(self) -> None:
        """With ungoverned='keep' they stay unchanged, are reported, and a warning says so."""
        frame = pd.DataFrame({"kind": ["a", "b"], "date": pd.to_datetime(["2020-01-01"] * 2)})
        with pytest.warns(RetentionCoverageWarning, match="no rule of the policy governs"):
            result = self._split().apply(
                frame, table="t", now="2025-03-31", tz=TZ, ungoverned="keep"
            )
        assert [1] == list(result.tables["t"].index)
        assert [1] == list(result.ungoverned["t"])
        assert "1 rows no rule governs" in str(result.report)

    def test_a_table_without_rules_is_ungoverned(self) -> None:
        """Every row of a table that no rule names is ungoverned."""
        tables = {
            "t": pd.DataFrame({"date": pd.to_datetime(["2025-03-30"])}),
            "extra": pd.DataFrame({"x": [1, 2]}),
        }
        with pytest.raises(RetentionCoverageError, match=r"extra: 2"):
            _policy().apply(tables, now="2025-03-31", tz=TZ)


class TestSchema:
    """A missing table or column is a clear error naming the rule."""

    def test_a_missing_table_names_the_rule(self) -> None:
        """The rule whose table is missing is named."""
        with pytest.raises(SchemaError, match=r"rule 'r' governs table 't', which was not given"):
            _policy().apply({"other": pd.DataFrame()}, now="2025-03-31", tz=TZ, ungoverned="keep")

    def test_a_missing_date_column_names_the_rule(self) -> None:
        """The rule whose date column is missing is named."""
        with pytest.raises(SchemaError, match=r"rule 'r': table 't' has no date column 'date'"):
            _policy().apply(pd.DataFrame({"x": [1]}), table="t", now="2025-03-31", tz=TZ)

    def test_a_missing_where_column_names_the_rule(self) -> None:
        """The rule whose where column is missing is named."""
        frame = pd.DataFrame({"date": pd.to_datetime(["2025-03-30"])})
        with pytest.raises(SchemaError, match=r"rule 'r': table 't' has no where column 'kind'"):
            _policy(_rule(where={"kind": "a"})).apply(frame, table="t", now="2025-03-31", tz=TZ)

    def test_a_date_column_without_dates_names_the_rule(self) -> None:
        """Numbers are not dates: convert them first."""
        frame = pd.DataFrame({"date": [1.5, 2.5]})
        with pytest.raises(SchemaError, match=r"rule 'r': date column 'date' .* holds float64"):
            _policy().apply(frame, table="t", now="2025-03-31", tz=TZ)

    def test_one_frame_needs_its_table_name(self) -> None:
        """A lone DataFrame without table= is a TypeError that says so."""
        with pytest.raises(TypeError, match="one DataFrame needs table="):
            _policy().apply(pd.DataFrame({"date": []}), now="2025-03-31")

    def test_now_must_be_a_time(self) -> None:
        """An unreadable now is a clear error, not a pandas traceback."""
        with pytest.raises(ValueError, match="now must be a time"):
            _policy().apply(pd.DataFrame({"date": []}), table="t", now="gisteren")


class TestAnonymise:
    """The anonymise action is the anonymiser's allow-list treatment."""

    def _events(self) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "timestamp": pd.to_datetime(["2024-03-01 10:17", "2025-03-01 10:17"]),
                "email": ["jan@example.nl", "piet@example.nl"],
                "campaign": ["zomer", "winter"],
                "kind": ["open", "open"],
            },
            index=[10, 11],
        )

    def test_old_rows_keep_only_the_allow_list_and_where_columns(self) -> None:
        """An anonymised row keeps kept columns, the where column and a floored date."""
        policy = _policy(
            _rule(date_column="timestamp", keep_for=12, action="anonymise", where={"kind": "open"})
        )
        result = policy.apply(self._events(), table="t", now="2025-03-31", tz=TZ)
        out = result.tables["t"]
        assert [10] == list(result.anonymised["t"])
        assert pd.isna(out.loc[10, "email"])
        assert "zomer" == out.loc[10, "campaign"]
        assert "open" == out.loc[10, "kind"]
        assert pd.Timestamp("2024-03-01") == out.loc[10, "timestamp"]
        assert "piet@example.nl" == out.loc[11, "email"]

    def test_the_report_never_copies_values(self) -> None:
        """Neither the text, the HTML nor the dict of the report holds an address."""
        policy = _policy(_rule(date_column="timestamp", keep_for=12, action="anonymise"))
        result = policy.apply(self._events(), table="t", now="2025-03-31", tz=TZ)
        shown = str(result.report) + result.report._repr_html_() + str(result.to_dict())
        assert "@" not in shown
