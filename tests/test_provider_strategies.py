"""The providers' export strategies (re-exported by locosuppress.testing)."""

from __future__ import annotations

import json
import zipfile
from io import BytesIO

import pytest
from hypothesis import given, settings

from locosuppress.testing import (
    PROVIDER_FORMATS,
    ProviderExport,
    mailchimp_zip,
    provider_exports,
)


class TestProviderExports:
    """provider_exports draws exports in the documented layouts."""

    @settings(max_examples=30, deadline=None)
    @given(export=provider_exports())
    def test_expectations_align(self, export: ProviderExport) -> None:
        """One reason and one date per record; a date exactly where there is a reason."""
        assert len(export.records) == len(export.reasons) == len(export.dates)
        assert [r is None for r in export.reasons] == [d is None for d in export.dates]
        assert export.format in PROVIDER_FORMATS

    @settings(max_examples=20, deadline=None)
    @given(export=provider_exports(formats=["ses", "mailgun", "brevo", "listmonk", "sendgrid"]))
    def test_json_lines_one_record_per_line(self, export: ProviderExport) -> None:
        """json_bytes(lines=True) writes each record on its own line."""
        lines = export.json_bytes(lines=True).decode().splitlines()
        assert list(export.records) == [json.loads(line) for line in lines]

    def test_unknown_format(self) -> None:
        """An unknown provider is refused."""
        with pytest.raises(ValueError, match="formats must be some of"):
            provider_exports(formats=["hotmail"])

    def test_mailchimp_zip_names(self) -> None:
        """The zip holds one <kind>_members_export file per export."""
        export = ProviderExport(
            "mailchimp", "cleaned", ({"Email Address": "a@b.nl"},), ("bounce",), (None,)
        )
        with zipfile.ZipFile(BytesIO(mailchimp_zip([export]))) as archive:
            assert ["cleaned_members_export_1a2b3c.csv"] == archive.namelist()
