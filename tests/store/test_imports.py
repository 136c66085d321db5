"""add_export and add_many with per-row reasons, scopes and times (store/_imports.py)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings

from locosuppress import (
    InvalidOptionError,
    SuppressionKey,
    SuppressionList,
    normalize_email,
    read_suppressions,
)
from locosuppress.testing import ProviderExport, provider_exports

NOW = datetime(2025, 3, 14, 9, 0, tzinfo=UTC)


def sendgrid(rows: list[tuple[str, str, str]]) -> pd.DataFrame:
    """A SendGrid bounces frame of (address, created, status) rows."""
    return pd.DataFrame(
        {
            "email": [r[0] for r in rows],
            "created": [r[1] for r in rows],
            "reason": ["550"] * len(rows),
            "status": [r[2] for r in rows],
        }
    )


class TestAddExport:
    """add_export stores per-row reasons and the providers' dates."""

    def test_dates_and_reasons(self, lst: SuppressionList) -> None:
        """Entries are dated by suppressed_at; stats by month show the original dates."""
        export = read_suppressions(
            pd.DataFrame(
                {
                    "EmailAddress": ["a@example.nl", "b@example.nl", "c@example.nl"],
                    "Reason": ["BOUNCE", "COMPLAINT", "COMPLAINT"],
                    "LastUpdateTime": ["2019-05-01T00:00:00Z", "2021-07-01T00:00:00Z", ""],
                }
            )
        )
        report = lst.add_export(export, now=NOW, source="ses-export")
        stats = lst.stats()
        assert 3 == report.added
        assert {"2019-05": 1, "2021-07": 1, "2025-03": 1} == stats.by_month
        assert 1 == stats.by_reason["bounce"]
        assert 2 == stats.by_reason["complaint"]
        assert "add_export" == lst.audit()["operation"].iloc[-1]

    def test_older_date_moves_back(self, lst: SuppressionList) -> None:
        """An address present with a later date gets the import's older date; reason stays."""
        lst.add("a@example.nl", reason="manual", now=NOW)
        lst.add_export(read_suppressions(sendgrid([("A@Example.NL", "1500000000", "5.1.1")])))
        assert {"2017-07": 1} == lst.stats().by_month
        assert 1 == lst.stats().by_reason["manual"]

    def test_newer_date_does_not_move(self, lst: SuppressionList) -> None:
        """An import with a later date leaves an older entry alone."""
        lst.add("a@example.nl", now=datetime(2010, 1, 1, tzinfo=UTC))
        report = lst.add_export(
            read_suppressions(sendgrid([("a@example.nl", "1500000000", "5.1.1")]))
        )
        assert 1 == report.already_present
        assert {"2010-01": 1} == lst.stats().by_month

    def test_repeats_keep_the_oldest(self, lst: SuppressionList) -> None:
        """The same person twice in one export: one entry with the older date."""
        rows = [("a@example.nl", "1600000000", "5.1.1"), (" A@example.nl", "1400000000", "5.0.0")]
        report = lst.add_export(read_suppressions(sendgrid(rows)))
        assert (1, 1) == (report.added, report.already_present)
        assert {"2014-05": 1} == lst.stats().by_month

    def test_invalid_rows_by_position(self, lst: SuppressionList) -> None:
        """Invalid addresses are counted by position in the frame; nothing is stored for them."""
        rows = [("a@example.nl", "1600000000", "5.1.1"), ("geen adres", "1600000000", "5.1.1")]
        report = lst.add_export(read_suppressions(sendgrid(rows)))
        assert (1, (1,)) == (report.added, report.invalid_positions)

    def test_scope_per_export(self, lst: SuppressionList) -> None:
        """with_scope() stores every row for that scope."""
        export = read_suppressions(sendgrid([("a@example.nl", "1600000000", "5.1.1")]))
        lst.add_export(export.with_scope("newsletter"))
        assert lst.is_suppressed("a@example.nl", channel="newsletter")
        assert not lst.is_suppressed("a@example.nl", channel="post")

    def test_not_an_export(self, lst: SuppressionList) -> None:
        """Anything but a SuppressionExport is a TypeError."""
        with pytest.raises(TypeError, match="add_export takes what read_suppressions returned"):
            lst.add_export(pd.DataFrame())  # type: ignore[arg-type]

    def test_read_only(self, location: Path | str, test_key: SuppressionKey) -> None:
        """A read-only list refuses, and nothing is half-added."""
        SuppressionList.open(location, test_key).close()
        export = read_suppressions(sendgrid([("a@example.nl", "1600000000", "5.1.1")]))
        with SuppressionList.open(location, test_key, read_only=True) as ro:
            with pytest.raises(PermissionError, match="read_only=True"):
                ro.add_export(export)
            assert 0 == len(ro)


class TestAddManySeries:
    """add_many takes a Series of reasons, scopes and times aligned with the values."""

    def test_per_row(self, lst: SuppressionList) -> None:
        """Each address gets its own reason, scope and time."""
        values = pd.Series(["a@example.nl", "b@example.nl"], index=[10, 11])
        lst.add_many(
            values,
            reason=pd.Series(["bounce", "complaint"], index=[10, 11]),
            scope=pd.Series(["all", "post"], index=[10, 11]),
            now=pd.Series(pd.to_datetime(["2018-01-05", "2019-02-05"], utc=True), index=[10, 11]),
        )
        stats = lst.stats()
        assert {"2018-01": 1, "2019-02": 1} == stats.by_month
        assert {"all": 1, "newsletter": 0, "post": 1} == stats.by_scope

    def test_misaligned_length(self, lst: SuppressionList) -> None:
        """A Series of another length is an error, and nothing is stored."""
        with pytest.raises(InvalidOptionError, match="reason has 1 values but there are 2"):
            lst.add_many(["a@example.nl", "b@example.nl"], reason=pd.Series(["bounce"]))
        assert 0 == len(lst)

    def test_misaligned_index(self, lst: SuppressionList) -> None:
        """A Series with another index gives the differing positions."""
        values = pd.Series(["a@example.nl", "b@example.nl"])
        with pytest.raises(InvalidOptionError, match=r"differs at positions 1 \(0-based\)"):
            lst.add_many(values, scope=pd.Series(["all", "all"], index=[0, 7]))

    def test_bad_value_by_position(self, lst: SuppressionList) -> None:
        """A bad reason is reported by position, never by value."""
        with pytest.raises(InvalidOptionError, match=r"unknown reason at positions 1 \(0-based\)"):
            lst.add_many(["a@example.nl", "b@example.nl"], reason=pd.Series(["bounce", "x@y.nl"]))
        assert 0 == len(lst)

    def test_naive_times(self, lst: SuppressionList) -> None:
        """Times without a timezone are refused."""
        with pytest.raises(InvalidOptionError, match="timezone-aware"):
            lst.add_many(["a@example.nl"], now=pd.Series(pd.to_datetime(["2020-01-01"])))


def _address(export: ProviderExport, record: dict[str, object]) -> str:
    key = {"mailchimp": "Email Address", "ses": "EmailAddress", "mailgun": "address"}
    return str(record[key.get(export.format, "email")])


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(export=provider_exports())
def test_exactly_the_suppressions(
    make_list: Callable[[SuppressionKey], SuppressionList],
    test_key: SuppressionKey,
    export: ProviderExport,
) -> None:
    """Any layout: exactly the provider's suppressions are suppressed, with reasons and dates."""
    with make_list(test_key) as lst:
        lst.add_export(read_suppressions(export.frame()), now=NOW)
        first: dict[str, tuple[datetime, str]] = {}
        for record, why, when in zip(export.records, export.reasons, export.dates, strict=True):
            if why is None or when is None:
                continue
            person = normalize_email(_address(export, record))
            if person not in first or when < first[person][0]:
                first[person] = (when, why)
        for record in export.records:
            person = normalize_email(_address(export, record))
            assert (person in first) == (person in lst)
        stats = lst.stats()
        assert dict(Counter(w.strftime("%Y-%m") for w, _ in first.values())) == stats.by_month
        reasons = Counter(why for _, why in first.values())
        assert {k: v for k, v in stats.by_reason.items() if v} == dict(reasons)
