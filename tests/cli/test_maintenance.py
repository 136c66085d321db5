"""``locosuppress stats|audit|verify|backup|export|merge`` (``locosuppress.cli.maintenance``)."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

Run = Callable[..., subprocess.CompletedProcess[str]]
Check = Callable[..., None]


@pytest.mark.slow
class TestVerify:
    """``verify`` fails (status 1) for a list with problems."""

    def test_verify_exits_1_for_a_damaged_list(
        self, world: Path, run: Run, assert_failed: Check
    ) -> None:
        """A truncated list file fails verification (or opening) with status 1."""
        data = (world / "list.db").read_bytes()
        (world / "broken.db").write_bytes(data[: len(data) // 2])
        assert_failed(run("verify", "broken.db", cwd=world, key=world / "list.key"), "broken.db")


@pytest.mark.slow
class TestPostgresLists:
    """Every LIST may be a postgresql:// URL; ``copy`` moves a list either way."""

    def test_copy_there_use_and_back(
        self, world: Path, run: Run, assert_failed: Check, postgres_server
    ) -> None:
        """copy a file to PostgreSQL, filter and verify there, copy it back; no password shown."""
        secret = "Sw0rdf1sh-never-shown"
        url = postgres_server.url(postgres_server.new_database(), password=secret)
        key = world / "list.key"
        outputs = []
        copied = run("copy", "list.db", url, cwd=world, key=key)
        outputs.append(copied)
        assert 0 == copied.returncode, copied.stderr
        assert "Copied 4 entries" in copied.stdout
        for args in (
            ("stats", url),
            ("verify", url),
            ("filter", url, "import.csv", "-o", "kept.csv"),
            ("add", url, "late@example.nl"),
            ("backup", url, "pg-backup.db"),
            ("verify", "pg-backup.db"),
            ("copy", url, "back.db"),
            ("verify", "back.db"),
        ):
            done = run(*args, cwd=world, key=key)
            outputs.append(done)
            assert 0 == done.returncode, (args, done.stderr)
        assert "Jan de Vries" not in (world / "kept.csv").read_text(encoding="cp1252")
        again = run("copy", "list.db", url, cwd=world, key=key)
        assert_failed(again, "already holds entries")
        outputs.append(again)
        assert all(secret not in done.stdout + done.stderr for done in outputs)
