"""``locosuppress filter`` (``locosuppress.cli.filter``): bad input files fail cleanly."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

import locosuppress
from locosuppress.cli import main

Run = Callable[..., subprocess.CompletedProcess[str]]
Check = Callable[..., None]


@pytest.mark.slow
class TestFilterFailures:
    """A file that cannot be read fails with one line, and no output is written."""

    def test_bad_input_files(self, world: Path, run: Run, assert_failed: Check) -> None:
        """Missing, a folder, unreadable, empty, binary, without an address column (headerless)."""
        key = world / "list.key"
        (world / "empty.csv").write_bytes(b"")
        (world / "binary.csv").write_bytes(b"\x00\x01\x02PK\x00" * 50)
        (world / "folder.csv").mkdir()
        (world / "headerless.csv").write_text(
            "jan.devries@example.nl;Jan\r\npiet@example.nl;Piet\r\n", encoding="utf-8"
        )
        cases = {
            "missing.csv": "not found",
            "folder.csv": "folder",
            "empty.csv": "empty",
            "binary.csv": "binary",
            "headerless.csv": "--column",
        }
        for name, phrase in cases.items():
            assert_failed(
                run("filter", "list.db", name, "-o", f"out-{name}", cwd=world, key=key), phrase
            )
            assert not (world / f"out-{name}").exists()
        if Path("/proc/self/mem").exists():  # Linux: opens, then fails to read, even for root
            assert_failed(
                run("filter", "list.db", "/proc/self/mem", "-o", "o.csv", cwd=world, key=key),
                "cannot be read",
            )
        if os.name == "posix" and os.geteuid() != 0:  # root reads everything
            locked = shutil.copy(world / "import.csv", world / "locked.csv")
            Path(locked).chmod(0)
            assert_failed(
                run("filter", "list.db", "locked.csv", "-o", "o.csv", cwd=world, key=key),
                "cannot be opened",
            )


class TestNoHeader:
    """``filter --no-header``: every row is data, and the output has no header row either."""

    def test_headerless_file_filtered_and_written_back_without_header(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The first row is checked like any other, and no header row is invented."""
        key = locosuppress.SuppressionKey.generate()
        with locosuppress.SuppressionList.open(tmp_path / "list.db", key) as lst:
            lst.add("jan@example.nl")
        (tmp_path / "in.csv").write_bytes(b"jan@example.nl\r\npiet@example.nl\r\n")
        monkeypatch.setenv("LOCOSUPPRESS_KEY", key.to_text())
        monkeypatch.chdir(tmp_path)
        assert 0 == main(["filter", "list.db", "in.csv", "-o", "out.csv", "--no-header"])
        assert b'"piet@example.nl"\r\n' == (tmp_path / "out.csv").read_bytes()
