"""The demo's sample data (``locosuppress.demo``): deterministic, messy, no real domains."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import locosuppress
from locosuppress.demo import make_demo_data


class TestDemoData:
    """The demo's sample data: deterministic, messy as promised, no real domains."""

    def test_same_seed_same_files(self, tmp_path: Path) -> None:
        """The same seed, rows and time give byte-identical files."""
        a, b = tmp_path / "a", tmp_path / "b"
        a.mkdir()
        b.mkdir()
        one = make_demo_data(a, rows=300, seed=5, now="2025-07-01")
        two = make_demo_data(b, rows=300, seed=5, now="2025-07-01")
        for name in ("unsubscribes", "mailing", "events"):
            assert getattr(one, name).read_bytes() == getattr(two, name).read_bytes()

    def test_messy_dutch_import(self, tmp_path: Path) -> None:
        """';', cp1252, leading zeros, other spellings, and example domains only."""
        data = make_demo_data(tmp_path, rows=1_000, seed=1, now="2025-07-01")
        mailing = locosuppress.read_mailing_file(data.mailing)
        assert ("cp1252", ";") == (
            mailing.attrs["locosuppress"]["encoding"],
            mailing.attrs["locosuppress"]["delimiter"],
        )
        addresses = mailing["E-mailadres"]
        assert addresses.str.contains("<").any()
        assert addresses.str.contains(r"\+").any()
        assert (addresses != addresses.str.lower()).any()
        assert mailing["Postcode"].str.match(r"^0\d{4}$").any()
        assert mailing["Klantnummer"].str.startswith("0").all()
        canonical = locosuppress.normalize_emails(
            pd.concat([addresses, locosuppress.read_mailing_file(data.events)["email"]])
        ).dropna()
        domains = set(canonical.str.rpartition("@")[2])
        assert all(
            d.endswith((".example", "example.nl", "example.com", "example.org", "example.net"))
            for d in domains
        ), domains

    def test_rows_must_be_sensible(self, tmp_path: Path) -> None:
        """Fewer than ten rows is refused."""
        with pytest.raises(ValueError, match="at least 10"):
            make_demo_data(tmp_path, rows=3)
