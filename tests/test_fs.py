"""Durable file writes: never replace by accident, nothing half-written, best-effort folder sync."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest

from locosuppress import OutputExistsError
from locosuppress._fs import (
    create_exclusive,
    fsync_file,
    fsync_folder,
    link_into_place,
    new_file,
    remove_quietly,
    replace_into_place,
    temp_beside,
)


class TestTempBeside:
    """Temporary files live beside their target, hidden, private and random."""

    def test_beside_hidden_private(self, tmp_path: Path) -> None:
        """The temp file is in the target's folder, starts with a dot, mode 0600, empty."""
        target = tmp_path / "list.db"
        tmp = temp_beside(target)
        assert tmp.parent == tmp_path
        assert tmp.name.startswith(".list.db.")
        assert 0o600 == stat.S_IMODE(tmp.stat().st_mode)
        assert 0 == tmp.stat().st_size

    def test_names_differ_and_hold_no_data(self, tmp_path: Path) -> None:
        """Two temp files never share a name; a prefix replaces the target's name."""
        target = tmp_path / "out.csv"
        names = {temp_beside(target, prefix=".locosuppress").name for _ in range(20)}
        assert 20 == len(names)
        assert all(n.startswith(".locosuppress.") and "out.csv" not in n for n in names)


class TestLinkIntoPlace:
    """A finished file gets its name atomically, and never takes an existing one."""

    def test_moves_and_syncs(self, tmp_path: Path) -> None:
        """The content arrives under the final name; the temp name is gone."""
        tmp = temp_beside(tmp_path / "a.txt")
        tmp.write_bytes(b"done")
        fsync_file(tmp)
        link_into_place(tmp, tmp_path / "a.txt")
        assert b"done" == (tmp_path / "a.txt").read_bytes()
        assert [tmp_path / "a.txt"] == list(tmp_path.iterdir())

    def test_never_replaces(self, tmp_path: Path) -> None:
        """An existing file is left untouched and OutputExistsError says so."""
        final = tmp_path / "a.txt"
        final.write_bytes(b"keep me")
        tmp = temp_beside(final)
        tmp.write_bytes(b"new")
        with pytest.raises(OutputExistsError, match="never overwritten"):
            link_into_place(tmp, final, exists=None)
        assert b"keep me" == final.read_bytes()
        remove_quietly(tmp, tmp_path / "missing")

    def test_replace_when_asked(self, tmp_path: Path) -> None:
        """replace_into_place swaps the whole file in one step."""
        final = tmp_path / "a.txt"
        final.write_bytes(b"old")
        tmp = temp_beside(final)
        tmp.write_bytes(b"new")
        replace_into_place(tmp, final)
        assert b"new" == final.read_bytes()
        assert not tmp.exists()

    def test_create_exclusive(self, tmp_path: Path) -> None:
        """create_exclusive refuses an existing name."""
        os.close(create_exclusive(tmp_path / "k"))
        with pytest.raises(FileExistsError, match="File exists"):
            create_exclusive(tmp_path / "k")


class TestNewFile:
    """The one write sequence: fill a temp file, then it is fsynced and put in place."""

    def test_written_and_placed(self, tmp_path: Path) -> None:
        """What the block writes arrives under the target's name; no temp file is left."""
        target = tmp_path / "report.json"
        with new_file(target) as tmp:
            assert tmp.parent == tmp_path
            tmp.write_text("{}", encoding="utf-8")
        assert "{}" == target.read_text(encoding="utf-8")
        assert [target] == list(tmp_path.iterdir())

    def test_error_leaves_nothing(self, tmp_path: Path) -> None:
        """An error in the block leaves no file at all, and the error comes through."""
        target = tmp_path / "report.json"

        def interrupted() -> None:
            with new_file(target) as tmp:
                tmp.write_text("half", encoding="utf-8")
                raise KeyboardInterrupt("stopped by the test")

        with pytest.raises(KeyboardInterrupt, match="stopped by the test"):
            interrupted()
        assert [] == list(tmp_path.iterdir())

    def test_never_replaces_unless_asked(self, tmp_path: Path) -> None:
        """An existing target stays (with the caller's message); replace=True swaps it."""
        target = tmp_path / "report.json"
        target.write_text("old", encoding="utf-8")
        with (
            pytest.raises(OutputExistsError, match="pass --force"),
            new_file(target, exists="report.json exists; pass --force") as tmp,
        ):
            tmp.write_text("new", encoding="utf-8")
        assert "old" == target.read_text(encoding="utf-8")
        with new_file(target, replace=True) as tmp:
            tmp.write_text("new", encoding="utf-8")
        assert "new" == target.read_text(encoding="utf-8")
        assert [target] == list(tmp_path.iterdir())


def _as_nobody() -> list[str] | None:
    """A command prefix running our Python as `nobody` (root ignores folder modes)."""
    if os.geteuid() != 0:
        return [sys.executable]
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        return None
    prefix = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", sys.executable]
    probe = subprocess.run([*prefix, "-c", "import locosuppress"], capture_output=True, check=False)
    return prefix if probe.returncode == 0 else None


class TestFolderSync:
    """Folder sync is best effort: a written file is never reported as a failure."""

    def test_sync_a_folder(self, tmp_path: Path) -> None:
        """An ordinary folder syncs without error."""
        fsync_folder(tmp_path)

    def test_write_only_folder(self) -> None:
        """In a folder we may write but not read, the file is written and the call succeeds."""
        prefix = _as_nobody()
        if prefix is None:
            pytest.skip("cannot run Python as an unprivileged user here")
        folder = Path(tempfile.mkdtemp(prefix="locosuppress-wo-", dir="/tmp"))
        try:
            os.chmod(folder, 0o733)  # others: write and enter, not read
            code = textwrap.dedent(
                """
                import sys
                import pandas as pd
                from locosuppress import write_mailing_file
                write_mailing_file(pd.DataFrame({"postcode": ["0123 AB"]}), sys.argv[1])
                """
            )
            done = subprocess.run(
                [*prefix, "-c", code, str(folder / "out.csv")],
                capture_output=True,
                text=True,
                check=False,
                cwd="/",
            )
            assert 0 == done.returncode, done.stderr
            os.chmod(folder, 0o755)
            assert "0123 AB" in (folder / "out.csv").read_text(encoding="utf-8")
        finally:
            shutil.rmtree(folder, ignore_errors=True)
