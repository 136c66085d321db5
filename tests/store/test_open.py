"""Opening and creating lists, and refusing what is not one (locosuppress.store._open)."""

from __future__ import annotations

import functools
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from store_support import content_digest, raw_rows, sha

from locosuppress import (
    KeyMismatchError,
    ListCorruptedError,
    ListNotFoundError,
    LocosuppressError,
    NotASuppressionListError,
    ReadOnlyListError,
    SuppressionKey,
    SuppressionList,
    UnsupportedFormatError,
)
from locosuppress.store import ListClosedError

NOW = datetime(2025, 3, 14, 9, 26, 53, tzinfo=UTC)


def raw(path: Path) -> sqlite3.Connection:
    """A plain sqlite3 connection, to inspect or tamper with a list file."""
    return sqlite3.connect(path, isolation_level=None)


class TestOpen:
    """Creating and opening lists, and refusing what is not one."""

    def test_create_records_meta(
        self, lst: SuppressionList, location: Path | str, test_key
    ) -> None:
        """A new list records format, normalisation, fingerprint, creation time, stale flag."""
        meta = dict(raw_rows(location, "SELECT key, value FROM meta"))
        assert "1" == meta["format_version"]
        assert "v1" == meta["normalization"]
        assert test_key.fingerprint == meta["fingerprint"]
        assert "2025-03-14T09:26:53Z" == meta["created_at"]
        assert "0" == meta["index_stale"]
        assert NOW == lst.created_at
        assert (test_key.fingerprint, "v1", 1) == (
            lst.fingerprint,
            lst.normalization,
            lst.format_version,
        )

    @pytest.mark.sqlite_only
    def test_contract_tables(self, lst: SuppressionList, list_path: Path) -> None:
        """The tables shared with locosuppress._index have exactly the agreed columns."""
        conn = raw(list_path)

        def columns(table: str) -> list[tuple[str, str, int, int]]:
            return [(r[1], r[2], r[3], r[5]) for r in conn.execute(f"PRAGMA table_info({table})")]

        assert [("key", "TEXT", 0, 1), ("value", "TEXT", 1, 0)] == columns("meta")
        assert [
            ("hash", "BLOB", 1, 1),
            ("kind", "INTEGER", 1, 2),
            ("scope", "INTEGER", 1, 3),
            ("reason", "INTEGER", 1, 0),
            ("added_at", "INTEGER", 1, 0),
            ("source", "INTEGER", 0, 0),
        ] == columns("entries")
        assert [
            ("hash", "BLOB", 1, 1),
            ("kind", "INTEGER", 1, 2),
            ("scope", "INTEGER", 1, 3),
        ] == columns("pending")
        assert [("chunk", "INTEGER", 0, 1), ("data", "BLOB", 1, 0)] == columns("index_snapshot")
        without_rowid = {
            r[0]
            for r in conn.execute("SELECT name FROM sqlite_master WHERE sql LIKE '%WITHOUT ROWID'")
        }
        assert {"entries", "pending"} == without_rowid

    @pytest.mark.sqlite_only
    def test_new_file_is_private(self, lst: SuppressionList, list_path: Path) -> None:
        """A new list file is readable by its owner only (0600)."""
        assert 0o600 == list_path.stat().st_mode & 0o777

    def test_reopen_keeps_entries(self, list_path: Path, test_key) -> None:
        """Entries survive close and reopen."""
        with SuppressionList.open(list_path, test_key) as first:
            first.add("a@example.nl")
        with SuppressionList.open(list_path, test_key, create=False) as second:
            assert "A@Example.NL " in second

    def test_missing_file_without_create(self, list_path: Path, test_key) -> None:
        """create=False on a missing file raises ListNotFoundError and creates nothing."""
        with pytest.raises(ListNotFoundError, match="no suppression list at"):
            SuppressionList.open(list_path, test_key, create=False)
        assert [] == list(list_path.parent.iterdir())

    def test_missing_file_read_only(self, list_path: Path, test_key) -> None:
        """read_only=True never creates a list."""
        with pytest.raises(ListNotFoundError, match="no suppression list at"):
            SuppressionList.open(list_path, test_key, read_only=True)
        assert not list_path.exists()

    def test_missing_folder(self, tmp_path: Path, test_key) -> None:
        """A missing folder raises ListNotFoundError and is not created."""
        path = tmp_path / "no" / "such" / "list.db"
        with pytest.raises(ListNotFoundError, match="does not exist"):
            SuppressionList.open(path, test_key)
        assert not (tmp_path / "no").exists()

    def test_dangling_symlink(self, tmp_path: Path, test_key) -> None:
        """A dangling symbolic link is not followed into a new list."""
        link = tmp_path / "list.db"
        link.symlink_to(tmp_path / "elsewhere.db")
        with pytest.raises(ListNotFoundError, match="symbolic link to a missing file"):
            SuppressionList.open(link, test_key)
        assert not (tmp_path / "elsewhere.db").exists()

    def test_folder_as_path(self, tmp_path: Path, test_key) -> None:
        """A folder is not a list."""
        with pytest.raises(NotASuppressionListError, match="is a folder"):
            SuppressionList.open(tmp_path, test_key)

    def test_csv_is_refused_untouched(self, tmp_path: Path, test_key) -> None:
        """A CSV passed as a list raises NotASuppressionListError and is not modified."""
        csv = tmp_path / "mailing.csv"
        csv.write_text("email,name\njan@example.nl,Jan\n", encoding="utf-8")
        before = sha(csv)
        for read_only in (False, True):
            with pytest.raises(
                NotASuppressionListError, match="not a locosuppress suppression list"
            ) as info:
                SuppressionList.open(csv, test_key, read_only=read_only)
            assert "jan@example.nl" not in str(info.value)
        assert before == sha(csv)
        assert ["mailing.csv"] == sorted(p.name for p in tmp_path.iterdir())

    def test_empty_file_is_refused(self, tmp_path: Path, test_key) -> None:
        """An empty file is not silently turned into a list."""
        empty = tmp_path / "empty.db"
        empty.touch()
        with pytest.raises(NotASuppressionListError, match="empty"):
            SuppressionList.open(empty, test_key)
        assert 0 == empty.stat().st_size

    def test_other_sqlite_database(self, tmp_path: Path, test_key) -> None:
        """A SQLite file of another application is refused and left as it was."""
        other = tmp_path / "other.db"
        conn = raw(other)
        conn.execute("CREATE TABLE people (email TEXT)")
        conn.close()
        before = sha(other)
        with pytest.raises(NotASuppressionListError, match="not a locosuppress suppression list"):
            SuppressionList.open(other, test_key)
        assert before == sha(other)

    def test_wrong_key(self, filled: Path | str, other_key, test_key) -> None:
        """Another key raises KeyMismatchError naming both fingerprints; nothing is written."""
        before = content_digest(filled)
        for read_only in (False, True):
            with pytest.raises(KeyMismatchError, match="fingerprint") as info:
                SuppressionList.open(filled, other_key, read_only=read_only)
            assert test_key.fingerprint in str(info.value)
            assert other_key.fingerprint in str(info.value)
        assert before == content_digest(filled)

    def test_wrong_key_checked_before_format(self, filled: Path | str, other_key) -> None:
        """The key is checked before anything else, even a newer format version."""
        raw_rows(filled, "UPDATE meta SET value = '99' WHERE key = 'format_version'")
        with pytest.raises(KeyMismatchError, match="fingerprint"):
            SuppressionList.open(filled, other_key)

    def test_newer_format(self, filled: Path | str, test_key) -> None:
        """A newer format raises UnsupportedFormatError saying to upgrade; nothing is written."""
        raw_rows(filled, "UPDATE meta SET value = '3' WHERE key = 'format_version'")
        before = content_digest(filled)
        for read_only in (False, True):
            with pytest.raises(UnsupportedFormatError, match="upgrade"):
                SuppressionList.open(filled, test_key, read_only=read_only)
        assert before == content_digest(filled)

    def test_other_normalization(self, filled: Path | str, test_key) -> None:
        """A list hashed under unknown normalisation rules is refused."""
        raw_rows(filled, "UPDATE meta SET value = 'v9' WHERE key = 'normalization'")
        with pytest.raises(UnsupportedFormatError, match="v9"):
            SuppressionList.open(filled, test_key)

    @pytest.mark.sqlite_only
    @pytest.mark.parametrize("keep", [10, 60, 4096 * 3, 0.5])
    def test_truncated(self, filled: Path, test_key, keep: float) -> None:
        """A truncated file raises ListCorruptedError and is left as it is."""
        data = filled.read_bytes()
        cut = int(len(data) * keep) if isinstance(keep, float) else keep
        filled.write_bytes(data[:cut])
        before = sha(filled)
        for read_only in (False, True):
            with pytest.raises(ListCorruptedError, match="is truncated"):
                SuppressionList.open(filled, test_key, read_only=read_only)
        assert before == sha(filled)

    @pytest.mark.sqlite_only
    def test_corrupted_pages(self, filled: Path, test_key) -> None:
        """Garbage in the data pages gives ListCorruptedError and a failed verify, no damage."""
        data = bytearray(filled.read_bytes())
        data[4096 * 6 : 4096 * 12] = os.urandom(4096 * 6)
        filled.write_bytes(bytes(data))
        before = sha(filled)
        for read_only in (True, False):
            try:
                opened = SuppressionList.open(filled, test_key, read_only=read_only)
            except ListCorruptedError:
                continue
            with opened:
                report = opened.verify()
                assert not report.ok
                with pytest.raises(ListCorruptedError, match="failed verification"):
                    report.raise_for_problems()
                with pytest.raises(ListCorruptedError, match="is damaged"):
                    opened.stats()
        assert before == sha(filled)

    @pytest.mark.sqlite_only
    def test_corrupted_header(self, filled: Path, test_key) -> None:
        """A damaged schema page gives ListCorruptedError."""
        data = bytearray(filled.read_bytes())
        data[100:4096] = b"\xff" * 3996
        filled.write_bytes(bytes(data))
        with pytest.raises(ListCorruptedError, match="is damaged"):
            SuppressionList.open(filled, test_key)

    def test_key_types(self, list_path: Path, test_key) -> None:
        """A HashingMaterial opens the list too; anything else is a TypeError."""
        with SuppressionList.open(list_path, test_key) as first:
            first.add("a@example.nl")
        with SuppressionList.open(list_path, test_key.hashing_material(), read_only=True) as lst:
            assert "a@example.nl" in lst
        with pytest.raises(TypeError, match=r"\(or its HashingMaterial\), not bytes"):
            SuppressionList.open(list_path, b"\x00" * 32)  # type: ignore[arg-type]

    def test_errors_are_locosuppress_errors(self) -> None:
        """Every error class used for bad input derives from LocosuppressError."""
        for cls in (
            ListNotFoundError,
            NotASuppressionListError,
            KeyMismatchError,
            ListCorruptedError,
            UnsupportedFormatError,
            ReadOnlyListError,
        ):
            assert issubclass(cls, LocosuppressError)

    def test_close_is_idempotent(self, list_path: Path, test_key) -> None:
        """close() twice is fine; a closed list raises ListClosedError (fails closed)."""
        opened = SuppressionList.open(list_path, test_key)
        opened.close()
        opened.close()
        assert opened.closed
        for call in (
            lambda: opened.add("a@example.nl"),
            lambda: "a@example.nl" in opened,
            lambda: len(opened),
            opened.index,
            opened.stats,
        ):
            with pytest.raises(ListClosedError, match="closed") as info:
                call()
            assert isinstance(info.value, LocosuppressError)
            assert isinstance(info.value, ValueError)

    def test_side_files_removed_on_close(self, list_path: Path, test_key) -> None:
        """After the last writer closes, only the list file remains."""
        with SuppressionList.open(list_path, test_key) as opened:
            opened.add("a@example.nl")
        assert ["suppression.db"] == sorted(p.name for p in list_path.parent.iterdir())

    def test_repr_shows_no_secret(self, lst: SuppressionList, test_key) -> None:
        """The repr shows the path and public fingerprint only."""
        assert test_key.fingerprint in repr(lst)
        assert test_key.to_text() not in repr(lst)


@functools.cache
def _as_other_user() -> tuple[str, ...]:
    """The command prefix that runs Python as `nobody` when we are root (root ignores modes).

    Uses setpriv(1); skips the test where it is missing or cannot start our interpreter.
    """
    if os.geteuid() != 0:
        return (sys.executable,)
    setpriv = shutil.which("setpriv")
    prefix = (str(setpriv), "--reuid=65534", "--regid=65534", "--clear-groups", sys.executable)
    if (
        setpriv is None
        or subprocess.run(
            [*prefix, "-c", "import locosuppress"], capture_output=True, timeout=60, check=False
        ).returncode
    ):
        return ()
    return prefix


def _other_user_command(code: str) -> list[str]:
    """Command line running ``code`` as another, unprivileged user (or skip)."""
    prefix = _as_other_user()
    if not prefix:
        pytest.skip("cannot run Python as an unprivileged user here")
    return [*prefix, "-c", textwrap.dedent(code)]


def _run_as_other_user(code: str, *, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run Python code as `nobody` when we are root, as ourselves otherwise."""
    return subprocess.run(
        _other_user_command(code),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, **env},
        cwd="/",
    )


_READER = """
    import json, os, sys
    import pandas as pd
    from locosuppress import SuppressionKey, SuppressionList, LocosuppressError
    key = SuppressionKey.from_env("TEST_KEY")
    path = os.environ["LIST"]
    out = {}
    try:
        SuppressionList.open(path, key)
        out["writable_open"] = "opened"
    except LocosuppressError as exc:
        out["writable_open"] = type(exc).__name__
        out["hint"] = "read_only=True" in str(exc)
    with SuppressionList.open(path, key, read_only=True) as lst:
        out["members"] = [a in lst for a in json.loads(os.environ["PROBES"])]
        out["len"] = len(lst)
        out["verify"] = lst.verify().ok
        out["index"] = len(lst.index())
        out["audited"] = lst.filter(pd.DataFrame({"email": ["nobody@example.org"]})).report.audited
    print(json.dumps(out))
"""


@pytest.fixture
def shared_folder() -> Iterator[Path]:
    """A folder another user can enter but not write (mode 0755, owned by us)."""
    folder = Path(tempfile.mkdtemp(prefix="locosuppress-ro-"))
    folder.chmod(0o755)
    try:
        yield folder
    finally:
        folder.chmod(0o700)
        shutil.rmtree(folder)


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
class TestReadOnlyPermissions:
    """Lists that this process may read but not write (file or folder)."""

    def make_list(self, folder: Path, key: SuppressionKey) -> Path:
        """A closed list readable by everyone, writable by its owner only."""
        path = folder / "list.db"
        with SuppressionList.open(path, key) as lst:
            lst.add_many(["a@example.nl", "b@example.nl"])
        path.chmod(0o644)
        if os.geteuid() != 0:
            folder.chmod(0o555)
        return path

    def test_read_only_folder(self, shared_folder: Path, test_key) -> None:
        """In a read-only folder: writable open refused, read-only open works, nothing written."""
        path = self.make_list(shared_folder, test_key)
        before = sha(path)
        result = _run_as_other_user(
            _READER,
            env={
                "TEST_KEY": test_key.to_text(),
                "LIST": str(path),
                "PROBES": json.dumps(["a@example.nl", "c@example.nl"]),
            },
        )
        assert 0 == result.returncode, result.stderr
        out = json.loads(result.stdout)
        assert {
            "writable_open": "ReadOnlyListError",
            "hint": True,
            "members": [True, False],
            "len": 2,
            "verify": True,
            "index": 2,
            "audited": False,
        } == out
        assert before == sha(path)
        assert ["list.db"] == [p.name for p in shared_folder.iterdir()]

    def test_read_only_folder_with_live_writer(self, shared_folder: Path, test_key) -> None:
        """While a writer has entries in its WAL, a reader in a read-only folder sees them."""
        path = self.make_list(shared_folder, test_key)
        if os.geteuid() != 0:
            pytest.skip("needs a second user to hold the list open for writing")
        with SuppressionList.open(path, test_key) as writer:
            writer.add("in.the.wal@example.nl")
            for side in ("-wal", "-shm"):
                Path(f"{path}{side}").chmod(0o644)
            result = _run_as_other_user(
                _READER,
                env={
                    "TEST_KEY": test_key.to_text(),
                    "LIST": str(path),
                    "PROBES": json.dumps(["in.the.wal@example.nl"]),
                },
            )
        assert 0 == result.returncode, result.stderr
        out = json.loads(result.stdout)
        # The entry still in the writer's log is seen: the log was shared, not skipped.
        assert ([True], 3) == (out["members"], out["len"])

    def test_writer_appears_while_immutable(self, shared_folder: Path, test_key) -> None:
        """A reader in immutable mode refuses to answer once a writer changes the file."""
        path = self.make_list(shared_folder, test_key)
        if os.geteuid() != 0:
            pytest.skip("needs a second user to write while the reader is open")
        code = """
            import os, sys
            from locosuppress import SuppressionKey, SuppressionList, LocosuppressError
            key = SuppressionKey.from_env("TEST_KEY")
            with SuppressionList.open(os.environ["LIST"], key, read_only=True) as lst:
                print("a@example.nl" in lst, flush=True)
                sys.stdin.readline()
                try:
                    print("new@example.nl" in lst)
                except LocosuppressError as exc:
                    print(type(exc).__name__)
        """
        proc = subprocess.Popen(
            _other_user_command(code),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd="/",
            env={**os.environ, "TEST_KEY": test_key.to_text(), "LIST": str(path)},
        )
        assert proc.stdout is not None
        assert proc.stdin is not None
        assert "True" == proc.stdout.readline().strip()
        with SuppressionList.open(path, test_key) as writer:
            writer.add("new@example.nl")
            out, _ = proc.communicate("go\n", timeout=60)
        assert "ListLockedError" == out.strip()

    def test_read_only_file_in_writable_folder(self, shared_folder: Path, test_key) -> None:
        """A read-only file: writable open refused with advice; read-only open works."""
        folder = shared_folder / "rw"
        folder.mkdir()
        path = folder / "list.db"
        with SuppressionList.open(path, test_key) as lst:
            lst.add("a@example.nl")
        path.chmod(0o444)
        if os.geteuid() == 0:
            os.chown(folder, 65534, 65534)
        before = sha(path)
        result = _run_as_other_user(
            _READER,
            env={
                "TEST_KEY": test_key.to_text(),
                "LIST": str(path),
                "PROBES": json.dumps(["a@example.nl"]),
            },
        )
        assert 0 == result.returncode, result.stderr
        out = json.loads(result.stdout)
        assert ("ReadOnlyListError", True, [True], False) == (
            out["writable_open"],
            out["hint"],
            out["members"],
            out["audited"],
        )
        assert before == sha(path)

    def test_error_class(self) -> None:
        """ReadOnlyListError is also a PermissionError."""
        assert isinstance(ReadOnlyListError("x"), PermissionError)
