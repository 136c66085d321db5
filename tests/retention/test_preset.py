"""Tests for the LOCOMAIL preset: one test per sentence of the privacy policy's periods."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from locosuppress import RetentionCoverageError
from locosuppress.retention import LOCOMAIL, REQUEST_KINDS

DOCS = Path(__file__).parent.parent.parent / "docs" / "retention.md"


def _quoted(rule_name: str, words: str) -> str:
    """The sentence a rule quotes, checked to hold the policy's own words for the period."""
    reason = LOCOMAIL.rule(rule_name).reason
    assert words in reason
    return reason


class TestSentences:
    """Each sentence's number is the rule's period, in calendar months."""

    def test_sample_and_quote_requests_half_a_year(self) -> None:
        """Sample and quote requests, "een half jaar bewaren": 6 months, then deleted."""
        _quoted("sample-and-quote-requests", "sample- en offerte aanvragen een half jaar")
        rule = LOCOMAIL.rule("sample-and-quote-requests")
        assert (6, "delete", "requests") == (rule.keep_for, rule.action, rule.table)
        assert (("kind", ("sample", "quote")),) == rule.where

    def test_purchases_seven_years(self) -> None:
        """Purchases, "iedere aankoop zeven jaar te bewaren": 84 months."""
        _quoted("purchases", "iedere aankoop zeven jaar")
        assert 7 * 12 == LOCOMAIL.rule("purchases").keep_for

    def test_other_customer_data_at_most_two_years(self) -> None:
        """Other customer data and the original requests, "tot uiterlijk 2 jaar": 24 months."""
        for name in ("customer-data", "other-requests"):
            _quoted(name, "tot uiterlijk 2 jaar")
            assert 24 == LOCOMAIL.rule(name).keep_for
        assert set(REQUEST_KINDS["other-requests"]).isdisjoint(
            REQUEST_KINDS["sample-and-quote-requests"]
        )

    def test_personalised_mailing_data_two_months_after_completion(self) -> None:
        """Personalised mailings, "tot twee maanden na het afronden": 2 months from completion."""
        _quoted("personalised-mailing-data", "tot twee maanden na het afronden van de mailing")
        rule = LOCOMAIL.rule("personalised-mailing-data")
        assert (2, "completed_at", "path") == (rule.keep_for, rule.date_column, rule.path_column)

    def test_mailbox_half_a_year_after_the_contact_ends(self) -> None:
        """The mailbox, "binnen een half jaar na afronding van het contact": 6 months, deleted."""
        _quoted("mailbox", "binnen een half jaar na afronding van het contact")
        rule = LOCOMAIL.rule("mailbox")
        assert (6, "last_contact_at", "delete") == (rule.keep_for, rule.date_column, rule.action)

    def test_opens_and_clicks_anonymised_after_12_months(self) -> None:
        """Opens and clicks, "anoniem gemaakt na 12 maanden": anonymised after 12 months."""
        _quoted("opens-and-clicks", "anoniem gemaakt na 12 maanden")
        rule = LOCOMAIL.rule("opens-and-clicks")
        assert (12, "anonymise") == (rule.keep_for, rule.action)

    def test_no_longer_than_necessary(self) -> None:
        """Nothing kept "langer dan noodzakelijk": a row no rule governs is refused, not kept."""
        tables = {name: pd.DataFrame() for name in LOCOMAIL.tables}
        tables["requests"] = pd.DataFrame(
            {"kind": ["newsletter"], "requested_at": pd.to_datetime(["2025-03-01"])}
        )
        tables["purchases"] = pd.DataFrame({"purchased_at": []})
        tables["customers"] = pd.DataFrame({"received_at": []})
        tables["mailing_jobs"] = pd.DataFrame({"completed_at": [], "path": []})
        tables["messages"] = pd.DataFrame({"last_contact_at": []})
        tables["events"] = pd.DataFrame({"timestamp": []})
        with pytest.raises(RetentionCoverageError, match="requests: 1"):
            LOCOMAIL.apply(tables, now="2025-03-31")


class TestDocs:
    """docs/retention.md quotes every rule's sentence, word for word."""

    @pytest.mark.parametrize("rule", [r.name for r in LOCOMAIL.rules])
    def test_each_sentence_is_quoted_in_the_docs(self, rule: str) -> None:
        """The sentence of each rule appears in docs/retention.md."""
        lines = DOCS.read_text(encoding="utf-8").splitlines()
        text = " ".join(" ".join(line.removeprefix(">").strip() for line in lines).split())
        assert LOCOMAIL.rule(rule).reason in text
