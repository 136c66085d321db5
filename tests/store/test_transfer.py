"""Copies of a list: backup, export and merge (locosuppress.store._transfer, _export)."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from store_support import content_digest, sha

from locosuppress import (
    AddReport,
    IncompatibleExportError,
    KeyMismatchError,
    ListCorruptedError,
    ListNotFoundError,
    NotASuppressionListError,
    OutputExistsError,
    SuppressionList,
    UnsupportedFormatError,
)

NOW = datetime(2025, 3, 14, 9, 26, 53, tzinfo=UTC)


def raw(path: Path) -> sqlite3.Connection:
    """A plain sqlite3 connection, to inspect or tamper with a list file."""
    return sqlite3.connect(path, isolation_level=None)


class TestBackup:
    """backup() through SQLite's online backup API."""

    def test_round_trip(self, lst: SuppressionList, tmp_path: Path, test_key) -> None:
        """A backup opens with the same key and holds the same entries."""
        lst.add_many(["a@example.nl", "b@example.nl"])
        target = lst.backup(tmp_path / "backup.db")
        assert 0o600 == target.stat().st_mode & 0o777
        with SuppressionList.open(target, test_key, read_only=True) as copy:
            assert 2 == len(copy)
            assert copy.verify().ok
        assert "backup" == lst.audit()["operation"].iloc[-1]

    def test_backup_is_single_file(self, lst: SuppressionList, tmp_path: Path) -> None:
        """The backup is in rollback-journal mode: no side files needed to read it."""
        lst.add("a@example.nl")
        target = lst.backup(tmp_path / "backup.db")
        conn = raw(target)
        assert "delete" == conn.execute("PRAGMA journal_mode").fetchone()[0]

    def test_refuses_overwrite(self, lst: SuppressionList, tmp_path: Path) -> None:
        """An existing file is never overwritten."""
        target = tmp_path / "backup.db"
        target.write_text("keep me")
        with pytest.raises(OutputExistsError, match="never overwritten"):
            lst.backup(target)
        assert "keep me" == target.read_text()

    def test_missing_folder(self, lst: SuppressionList, tmp_path: Path) -> None:
        """A missing folder is not created."""
        with pytest.raises(ListNotFoundError, match="does not exist"):
            lst.backup(tmp_path / "nope" / "backup.db")

    def test_no_temp_files_left(self, lst: SuppressionList, tmp_path: Path) -> None:
        """Only the backup appears beside it."""
        folder = tmp_path / "b"
        folder.mkdir()
        lst.backup(folder / "backup.db")
        assert ["backup.db"] == [p.name for p in folder.iterdir()]


class TestExportMerge:
    """The portable export file and merge()."""

    @pytest.fixture
    def exported(self, lst: SuppressionList, tmp_path: Path) -> Path:
        """An export of a list with e-mail and domain entries in several scopes."""
        lst.add_many(["a@example.nl", "b@example.nl"])
        lst.add("a@example.nl", scope="post")
        lst.add("c@example.nl", scope="newsletter")
        lst.add_domain("example.org", scope="post")
        lst.export(tmp_path / "share.export", now=NOW)
        return tmp_path / "share.export"

    def test_format(self, exported: Path, test_key) -> None:
        """Line 1 is the header, then one 69-byte line per entry, then the checksum line."""
        lines = exported.read_bytes().split(b"\n")
        magic, _, payload = lines[0].partition(b" ")
        assert b"locosuppress-export/1" == magic
        header = json.loads(payload)
        assert {
            "chain": [test_key.fingerprint],
            "channel": None,
            "count": 5,
            "created_at": "2025-03-14T09:26:53Z",
            "fingerprint": test_key.fingerprint,
            "format": "locosuppress-export",
            "format_version": 1,
            "normalization": "v1",
        } == {k: v for k, v in header.items() if k != "columns"}
        body = lines[1:6]
        assert all(68 == len(line) for line in body)
        assert body == sorted(body)
        assert {b"e a", b"e p", b"e n", b"d p"} == {line[65:] for line in body}
        assert lines[6].startswith(b"end sha256=")
        assert [b""] == lines[7:]
        digest = hashlib.sha256(b"\n".join(lines[:6]) + b"\n").hexdigest()
        assert f"end sha256={digest}".encode() == lines[6]

    def test_round_trip(self, exported: Path, tmp_path: Path, test_key) -> None:
        """Merging into an empty list reproduces every entry; again adds nothing."""
        with SuppressionList.open(tmp_path / "partner.db", test_key) as partner:
            assert AddReport(added=5, already_present=0) == partner.merge(exported)
            assert AddReport(added=0, already_present=5) == partner.merge(exported)
            assert partner.is_suppressed("a@example.nl", channel="post")
            assert partner.is_suppressed("x@example.org", channel="post")
            assert not partner.is_suppressed("c@example.nl", channel="post")
            assert 4 == len(partner)
            assert "merge" == partner.audit()["operation"].iloc[-1]

    def test_channel_filter(self, lst: SuppressionList, exported: Path, tmp_path: Path) -> None:
        """export(channel='post') holds only entries that block post."""
        report = lst.export(tmp_path / "post.export", channel="post")
        assert 4 == report.count
        assert "post" == report.channel
        assert b" e n\n" not in (tmp_path / "post.export").read_bytes()

    def test_refuses_overwrite(self, lst: SuppressionList, exported: Path) -> None:
        """export never overwrites."""
        before = sha(exported)
        with pytest.raises(OutputExistsError, match="never overwritten"):
            lst.export(exported)
        assert before == sha(exported)

    def test_wrong_key(self, exported: Path, tmp_path: Path, other_key) -> None:
        """An export made with another key raises KeyMismatchError; nothing is merged."""
        with SuppressionList.open(tmp_path / "o.db", other_key) as other:
            with pytest.raises(KeyMismatchError, match="fingerprint"):
                other.merge(exported)
            assert 0 == len(other)

    def test_other_normalization(self, exported: Path, tmp_path: Path, test_key) -> None:
        """An export under other rules raises IncompatibleExportError."""
        data = exported.read_bytes().replace(b'"normalization": "v1"', b'"normalization": "v2"', 1)
        exported.write_bytes(data)
        with (
            SuppressionList.open(tmp_path / "o.db", test_key) as other,
            pytest.raises(IncompatibleExportError, match="normalisation rules"),
        ):
            other.merge(exported)

    def test_newer_export(self, exported: Path, tmp_path: Path, test_key) -> None:
        """A newer export format raises UnsupportedFormatError."""
        exported.write_bytes(exported.read_bytes().replace(b"export/1", b"export/3", 1))
        with (
            SuppressionList.open(tmp_path / "o.db", test_key) as other,
            pytest.raises(UnsupportedFormatError, match="upgrade"),
        ):
            other.merge(exported)

    @pytest.mark.parametrize("damage", ["truncate", "flip", "trailer", "extra"])
    def test_damaged(self, exported: Path, tmp_path: Path, test_key, damage: str) -> None:
        """A truncated or altered export raises ListCorruptedError and merges nothing."""
        data = bytearray(exported.read_bytes())
        if damage == "truncate":
            data = data[: len(data) - 100]
        elif damage == "flip":
            first_line_end = data.index(b"\n")
            at = first_line_end + 5
            data[at] = ord("0") if data[at] != ord("0") else ord("1")
        elif damage == "trailer":
            data = data[: data.rindex(b"end ")]
        else:
            data += b"x"
        exported.write_bytes(bytes(data))
        with SuppressionList.open(tmp_path / "o.db", test_key) as other:
            with pytest.raises(ListCorruptedError, match="damaged or truncated"):
                other.merge(exported)
            assert 0 == len(other)

    def test_not_an_export(self, lst: SuppressionList, tmp_path: Path) -> None:
        """A CSV passed to merge raises NotASuppressionListError."""
        csv = tmp_path / "x.csv"
        csv.write_text("email\njan@example.nl\n")
        with pytest.raises(
            NotASuppressionListError, match="not a locosuppress export file"
        ) as info:
            lst.merge(csv)
        assert "jan@example.nl" not in str(info.value)

    def test_missing(self, lst: SuppressionList, tmp_path: Path) -> None:
        """A missing export file raises ListNotFoundError."""
        with pytest.raises(ListNotFoundError, match="no export file"):
            lst.merge(tmp_path / "nope.export")

    def test_export_report(self, lst: SuppressionList, tmp_path: Path, test_key) -> None:
        """export returns a report with the count and the key fingerprint."""
        lst.add("a@example.nl")
        report = lst.export(tmp_path / "e.export", now=NOW)
        assert (1, test_key.fingerprint) == (report.count, report.fingerprint)
        assert "2025-03-14T09:26:53Z" == report.to_dict()["created_at"]
        assert "hashes" in str(report)
        assert "<table" in report._repr_html_()


@pytest.fixture(params=["sqlite", "postgres"])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> Path | str:
    """A place for a second list, on each backend (not created yet)."""
    if request.param == "sqlite":
        return tmp_path / "copy.db"
    server = request.getfixturevalue("postgres_server")
    return str(server.url(server.new_database()))


class TestCopy:
    """copy_to(): the whole list into a new or empty list, either backend to either."""

    def test_round_trip(self, lst: SuppressionList, target: Path | str, test_key) -> None:
        """Entries keep scope, reason, time and source; the audit log comes along."""
        lst.add_many(["a@example.nl", "b@example.nl"], source="crm.csv", now=NOW)
        lst.add("a@example.nl", scope="post", reason="complaint", now=NOW)
        lst.add_domain("example.org", scope="newsletter")
        lst.remove("b@example.nl")
        report = lst.copy_to(target, now=NOW)
        assert AddReport(added=3, already_present=0) == report
        with SuppressionList.open(target, test_key, create=False) as copied:
            assert lst.stats().to_dict() | {"created_at": None} == copied.stats().to_dict() | {
                "created_at": None
            }
            assert copied.is_suppressed("x@example.org", channel="newsletter")
            assert not copied.is_suppressed("x@example.org", channel="post")
            ops = list(copied.audit()["operation"])
            assert ["create", "create", "add_many", "add", "add_domain", "remove", "copy"] == ops
            assert "crm.csv" == copied.audit()["source"].iloc[2]
            assert copied.verify().ok

    def test_refuses_non_empty_target(self, lst: SuppressionList, target, test_key) -> None:
        """A target that holds entries is refused and left as it is."""
        lst.add("a@example.nl")
        with SuppressionList.open(target, test_key) as other:
            other.add("z@example.nl")
        before = content_digest(target)
        with pytest.raises(OutputExistsError, match="already holds entries"):
            lst.copy_to(target)
        assert before == content_digest(target)

    def test_target_of_another_key(self, lst: SuppressionList, target, other_key) -> None:
        """A target made with another key is refused (KeyMismatchError)."""
        SuppressionList.open(target, other_key).close()
        with pytest.raises(KeyMismatchError):
            lst.copy_to(target)

    def test_merge_export_of_either_backend(
        self, lst: SuppressionList, target: Path | str, tmp_path: Path, test_key
    ) -> None:
        """An export from either backend merges into a list on either backend."""
        lst.add_many(["a@example.nl", "b@example.nl"], scope="post")
        lst.add_domain("example.org")
        lst.export(tmp_path / "either.export")
        with SuppressionList.open(target, test_key) as other:
            assert AddReport(added=3, already_present=0) == other.merge(tmp_path / "either.export")
            assert other.is_suppressed("a@example.nl", channel="post")
            assert "x@example.org" in other
