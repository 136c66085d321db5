"""Clients' hashed files (add_foreign_hashes) and wildcard domains, on each backend."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from store_support import raw_rows

from locosuppress import (
    AddReport,
    InvalidDomainError,
    InvalidOptionError,
    ReadOnlyListError,
    SuppressionKey,
    SuppressionList,
)
from locosuppress.testing import (
    ForeignFile,
    client_digest,
    emails,
    foreign_files,
    wildcard_subdomains,
    wildcard_suffixes,
)

NOW = datetime(2025, 3, 14, 9, 26, 53, tzinfo=UTC)
FACTORY_FIXTURE = [HealthCheck.function_scoped_fixture, HealthCheck.differing_executors]
BOB = "Bob.de.Boer+news@Example.NL"


def md5_hex(text: str) -> str:
    """Mailchimp's subscriber_hash: the MD5 of the lower-cased address, as hex."""
    return hashlib.md5(text.lower().encode()).hexdigest()


class TestAddForeignHashes:
    """add_foreign_hashes stores keyed entries of a client's digests, all or nothing."""

    def test_md5_file_suppresses_its_people(self, lst: SuppressionList) -> None:
        """A Mailchimp subscriber_hash suppresses the address however the row spells it."""
        report = lst.add_foreign_hashes([md5_hex(BOB)], kind="md5", now=NOW)
        assert AddReport(added=1, already_present=0, kind="md5") == report
        assert BOB in lst
        assert lst.is_suppressed(f"  Bob <{BOB.upper()}> ")
        assert lst.is_suppressed(f"mailto:{BOB}")
        assert "bob.de.boer@example.nl" not in lst  # clients hash the address as written

    def test_every_kind_and_spelling(self, lst: SuppressionList) -> None:
        """Hex either case, base64 standard and URL-safe, padded or not: one entry per person."""
        for kind in ("md5", "sha1", "sha256", "sha256-v1"):
            raw = client_digest(BOB, kind)
            spellings = [
                raw.hex(),
                raw.hex().upper(),
                base64.b64encode(raw).decode(),
                base64.urlsafe_b64encode(raw).decode().rstrip("="),
            ]
            report = lst.add_foreign_hashes(spellings, kind=kind)
            assert (1, 3, 0, kind) == (
                report.added,
                report.already_present,
                report.invalid,
                report.kind,
            )
        assert {"md5": 1, "sha1": 1, "sha256": 1, "sha256-v1": 1} == lst.stats().other_kinds
        assert 4 == len(lst)

    def test_sha256_v1_is_of_the_canonical_form(self, lst: SuppressionList) -> None:
        """A sha256-v1 entry matches the +tag-free canonical form, like an address entry."""
        lst.add_foreign_hashes([client_digest(BOB, "sha256-v1").hex()], kind="sha256-v1")
        assert "bob.de.boer@example.nl" in lst

    @pytest.mark.parametrize(
        "value",
        [
            "0" * 31,
            "0" * 33,
            "z" * 32,
            "0" * 40,
            "A" * 21,
            "A" * 23,
            "+_" + "A" * 20,
            "AAAA=AAAAAAAAAAAAAAAAAAA",
            None,
            16,
            b"\x00" * 16,
            "",
        ],
    )
    def test_invalid_values(self, lst: SuppressionList, value: object) -> None:
        """A value of the wrong length or alphabet is counted with its position, never stored."""
        report = lst.add_foreign_hashes([md5_hex(BOB), value], kind="md5")
        assert (
            AddReport(added=1, already_present=0, invalid=1, invalid_positions=(1,), kind="md5")
            == report
        )
        assert 1 == len(lst)

    def test_options_checked_before_writing(self, lst: SuppressionList) -> None:
        """An unknown kind, scope or reason, or one string, raises and stores nothing."""
        with pytest.raises(InvalidOptionError, match="digest kind"):
            lst.add_foreign_hashes([md5_hex(BOB)], kind="crc32")
        with pytest.raises(InvalidOptionError, match="scope"):
            lst.add_foreign_hashes([md5_hex(BOB)], kind="md5", scope="sms")
        with pytest.raises(InvalidOptionError, match="reason"):
            lst.add_foreign_hashes([md5_hex(BOB)], kind="md5", reason="nope")
        with pytest.raises(TypeError, match="collection"):
            lst.add_foreign_hashes(md5_hex(BOB), kind="md5")
        with pytest.raises(TypeError, match="one column"):
            lst.add_foreign_hashes(pd.DataFrame({"md5": [md5_hex(BOB)]}), kind="md5")
        assert 0 == len(lst)

    def test_scope_and_audit(self, lst: SuppressionList) -> None:
        """The entry has its scope; the audit row names the kind and counts, no value."""
        lst.add_foreign_hashes(
            pd.Series([md5_hex(BOB), "bad"]), kind="md5", scope="post", source="client-x.csv"
        )
        assert lst.is_suppressed(BOB, channel="post")
        assert not lst.is_suppressed(BOB, channel="newsletter")
        row = lst.audit().iloc[-1]
        assert ("add_foreign_hashes:md5", 2, 1, 1) == (
            row["operation"],
            row["total"],
            row["added"],
            row["invalid"],
        )

    def test_read_only(self, filled: Path | str, test_key: SuppressionKey) -> None:
        """A read-only list refuses a client's file."""
        with (
            SuppressionList.open(filled, test_key, read_only=True) as reader,
            pytest.raises(ReadOnlyListError, match="read"),
        ):
            reader.add_foreign_hashes([md5_hex(BOB)], kind="md5")

    def test_raises_the_format(self, filled: Path | str, test_key: SuppressionKey) -> None:
        """A format-1 list becomes format 2 with its first foreign entry, and keeps every entry."""
        with SuppressionList.open(filled, test_key) as lst:
            assert 1 == lst.format_version
            lst.add_foreign_hashes([md5_hex(BOB)], kind="md5")
            assert 2 == lst.format_version
        with SuppressionList.open(filled, test_key) as lst:
            assert (2, 3001, True, True) == (
                lst.format_version,
                len(lst),
                BOB in lst,
                "person7@example.nl" in lst,
            )
            assert lst.verify().ok
        assert [("2",)] == raw_rows(filled, "SELECT value FROM meta WHERE key = 'format_version'")

    def test_export_merge_round_trip(self, lst: SuppressionList, tmp_path: Path, test_key) -> None:
        """Foreign and wildcard entries travel in an export (format 2) and merge back."""
        lst.add("a@example.nl")
        lst.add_foreign_hashes([md5_hex(BOB)], kind="md5", scope="newsletter")
        lst.add_domain("*.spam.example")
        lst.export(tmp_path / "share.export")
        assert (tmp_path / "share.export").read_bytes().startswith(b"locosuppress-export/2 ")
        with SuppressionList.open(tmp_path / "partner.db", test_key) as partner:
            assert AddReport(added=3, already_present=0) == partner.merge(tmp_path / "share.export")
            assert partner.is_suppressed(BOB, channel="newsletter")
            assert not partner.is_suppressed(BOB, channel="post")
            assert "x@a.spam.example" in partner
            assert {"wildcard": 1, "md5": 1} == partner.stats().other_kinds

    def test_backup_and_copy(self, lst: SuppressionList, tmp_path: Path, test_key) -> None:
        """A backup (a SQLite file, also from PostgreSQL) and a copy keep the new kinds."""
        lst.add_foreign_hashes([md5_hex(BOB)], kind="md5")
        lst.add_domain("*.spam.example")
        lst.backup(tmp_path / "backup.db")
        lst.copy_to(tmp_path / "copy.db")
        for name in ("backup.db", "copy.db"):
            with SuppressionList.open(tmp_path / name, test_key, read_only=True) as other:
                assert (2, True, True) == (
                    other.format_version,
                    BOB in other,
                    "x@a.spam.example" in other,
                )
                assert other.verify().ok

    def test_export_without_new_kinds_stays_format_1(self, lst: SuppressionList, tmp_path) -> None:
        """A list without the newer kinds still exports format 1, for older readers."""
        lst.add("a@example.nl")
        lst.export(tmp_path / "share.export")
        assert (tmp_path / "share.export").read_bytes().startswith(b"locosuppress-export/1 ")


class TestIndex:
    """The cached index, its incremental refresh and its snapshot hold the new kinds."""

    def test_refresh_after_build(self, lst: SuppressionList) -> None:
        """Entries of a new kind added after the index was built are seen by the next filter."""
        frame = pd.DataFrame({"email": [BOB, "x@a.spam.example", "c@example.nl"]})
        lst.add("c@example.nl")
        assert 1 == lst.filter(frame, now=NOW).report.suppressed
        lst.add_foreign_hashes([md5_hex(BOB)], kind="md5")
        lst.add_domain("*.spam.example")
        report = lst.filter(frame, now=NOW).report
        assert {"address": 1, "domain": 0, "wildcard": 1, "md5": 1} == dict(
            report.suppressed_by_entry
        )

    def test_snapshot_reopened(self, location: Path | str, test_key: SuppressionKey) -> None:
        """A snapshot written with foreign and wildcard entries is read back after reopening."""
        with SuppressionList.open(location, test_key) as lst:
            lst.add_foreign_hashes([md5_hex(BOB)], kind="md5")
            lst.add_domain("*.spam.example")
            assert 2 == len(lst.index())
        frame = pd.DataFrame({"email": [BOB, "x@a.spam.example", "c@example.nl"]})
        with SuppressionList.open(location, test_key, read_only=True) as reader:
            assert ["c@example.nl"] == reader.filter(frame).kept["email"].tolist()
            assert {2, 3} == set(reader.index().kinds)


class TestWildcards:
    """add_domain('*.example.com') covers every subdomain at any depth, not the domain."""

    def test_subdomains_not_the_domain(self, lst: SuppressionList) -> None:
        """Subdomains at depth 1 and 3 are suppressed; the domain itself and look-alikes are not."""
        assert lst.add_domain("*.Example.COM")
        assert not lst.add_domain(" *.example.com ")
        assert "info@a.example.com" in lst
        assert "info@c.b.a.example.com" in lst
        assert "info@example.com" not in lst
        assert "info@badexample.com" not in lst
        assert "info@example.com.evil.nl" not in lst
        assert {"wildcard": 1} == lst.stats().other_kinds

    def test_remove(self, lst: SuppressionList) -> None:
        """remove_domain('*.x') lifts the wildcard only, not a plain domain entry."""
        lst.add_domain("*.example.com")
        lst.add_domain("example.com")
        assert lst.remove_domain("*.example.com")
        assert not lst.remove_domain("*.example.com")
        assert "info@a.example.com" not in lst
        assert "info@example.com" in lst

    @pytest.mark.parametrize(
        ("value", "rule"),
        [
            ("*example.com", "wildcard-form"),
            ("a.*.example.com", "wildcard-form"),
            ("**.example.com", "wildcard-form"),
            ("*.*.example.com", "wildcard-form"),
            ("*.", "wildcard-broad"),
            ("*.com", "wildcard-broad"),
            ("*.com\u3002", "wildcard-broad"),
            ("*.exa mple.com", "5-space"),
        ],
    )
    def test_invalid_forms(self, lst: SuppressionList, value: str, rule: str) -> None:
        """Malformed or too broad wildcards are clear errors and store nothing."""
        for call in (lst.add_domain, lst.remove_domain):
            with pytest.raises(InvalidDomainError, match="domain") as info:
                call(value)
            assert info.value.rule.startswith(rule)
        assert 0 == len(lst)

    def test_ideographic_full_stop(self, lst: SuppressionList) -> None:
        """A full stop IDNA maps to '.' counts as one: '*.ex4\u3002nl' is '*.ex4.nl'."""
        assert lst.add_domain("*.ex4\u3002nl")
        assert "info@shop.ex4.nl" in lst
        assert "info@ex4.nl" not in lst

    def test_filter_matches_like_lookups(self, lst: SuppressionList) -> None:
        """The filter suppresses the same rows as is_suppressed, and names the wildcard."""
        lst.add_domain("*.example.com", scope="newsletter")
        frame = pd.DataFrame({"email": ["a@x.example.com", "b@example.com", "c@y.z.example.com"]})
        result = lst.filter(frame, channel="newsletter", now=NOW)
        assert ["b@example.com"] == result.kept["email"].tolist()
        assert {"address": 0, "domain": 0, "wildcard": 2} == dict(result.report.suppressed_by_entry)
        assert 0 == lst.filter(frame, channel="post", now=NOW).report.suppressed


class TestProperties:
    """Hypothesis: a client's digest of an address in the file <=> the row is suppressed."""

    @settings(max_examples=25, deadline=None, suppress_health_check=FACTORY_FIXTURE)
    @given(file=foreign_files(), others=st.lists(emails(), max_size=5))
    def test_foreign_file(
        self,
        make_list: Callable[[SuppressionKey], SuppressionList],
        test_key: SuppressionKey,
        file: ForeignFile,
        others: list[str],
    ) -> None:
        """Every person of the file is suppressed (lookup, filter); invalid values counted."""
        with make_list(test_key) as lst:
            report = lst.add_foreign_hashes(list(file.values), kind=file.kind)
            assert file.invalid_positions == report.invalid_positions
            people = [a for a in file.addresses if a is not None]
            digests = {client_digest(a, file.kind) for a in people}
            assert len(digests) == report.added
            assert len(digests) == len(lst)
            rows = people + others
            expected = [client_digest(a, file.kind) in digests for a in rows]
            assert expected == [a in lst for a in rows]
            codes = lst.filter(pd.DataFrame({"email": rows}), dedupe=False).kept["email"]
            assert [a for a, hit in zip(rows, expected, strict=True) if not hit] == codes.tolist()

    @settings(max_examples=25, deadline=None, suppress_health_check=FACTORY_FIXTURE)
    @given(data=st.data(), suffix=wildcard_suffixes())
    def test_wildcard(
        self,
        make_list: Callable[[SuppressionKey], SuppressionList],
        test_key: SuppressionKey,
        data: st.DataObject,
        suffix: str,
    ) -> None:
        """Any subdomain at any depth is suppressed; the suffix itself and its parent are not."""
        inside = data.draw(st.lists(wildcard_subdomains(suffix), min_size=1, max_size=5))
        parent = suffix.partition(".")[2]
        outside = [f"info@{suffix}", f"info@other-{suffix}", f"info@x.other.{parent}"]
        with make_list(test_key) as lst:
            lst.add_domain(f"*.{suffix}")
            assert all(a in lst for a in inside)
            assert not any(a in lst for a in outside)
            frame = pd.DataFrame({"email": inside + outside})
            kept = lst.filter(frame, dedupe=False).kept["email"].tolist()
            assert outside == kept
