"""The key and output checks of the command line (``locosuppress.cli._files``), in subprocesses."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

import locosuppress
from locosuppress.cli._files import command_line_words

Run = Callable[..., subprocess.CompletedProcess[str]]
Check = Callable[..., None]


@pytest.mark.slow
class TestKey:
    """The key comes from --key-file or LOCOSUPPRESS_KEY, and a wrong one fails cleanly."""

    def test_key_missing_wrong_insecure_or_given_as_argument(
        self, world: Path, run: Run, assert_failed: Check
    ) -> None:
        """No key, another list's key, a key file others can read, and --key (usage)."""
        assert_failed(run("stats", "list.db", cwd=world), "--key-file", "LOCOSUPPRESS_KEY")
        other = locosuppress.SuppressionKey.generate()
        other.save(world / "other.key")
        assert_failed(
            run(
                "filter",
                "list.db",
                "import.csv",
                "-o",
                "out.csv",
                cwd=world,
                key=world / "other.key",
            ),
            other.fingerprint,
        )
        assert not (world / "out.csv").exists()
        (world / "other.key").chmod(0o644)
        assert_failed(run("stats", "list.db", "--key-file", "other.key", cwd=world), "chmod 600")
        text = (world / "list.key").read_text(encoding="ascii").strip()
        done = run("stats", "list.db", "--key", text, cwd=world)  # not --key-file abbreviated
        assert_failed(done, "--key", code=2)
        assert text.split(":")[1] not in done.stderr
        done = run("stats", "list.db", "--key-file", text, cwd=world)  # the text as a path
        assert_failed(done)
        assert text.split(":")[1] not in done.stderr


@pytest.mark.slow
class TestCheckOutput:
    """An output that is an input, or exists without --force, is refused before any work."""

    def test_output_is_the_input(self, world: Path, run: Run, assert_failed: Check) -> None:
        """The same name, another spelling, a hard link, a symlink and the list are all refused."""
        key = world / "list.key"
        before = (world / "import.csv").read_bytes()
        os.link(world / "import.csv", world / "hard.csv")
        (world / "soft.csv").symlink_to(world / "import.csv")
        (world / "sub").mkdir()
        for output in ("import.csv", "sub/../import.csv", "hard.csv", "soft.csv"):
            assert_failed(
                run("filter", "list.db", "import.csv", "-o", output, "--force", cwd=world, key=key),
                "is the input file",
            )
        assert_failed(
            run("filter", "list.db", "import.csv", "-o", "list.db", "--force", cwd=world, key=key),
            "is the list file",
        )
        assert before == (world / "import.csv").read_bytes()

    def test_output_exists_needs_force(self, world: Path, run: Run, assert_failed: Check) -> None:
        """An existing output is kept unless --force; with it, it is replaced."""
        key = world / "list.key"
        (world / "out.csv").write_text("keep me", encoding="utf-8")
        assert_failed(
            run("filter", "list.db", "import.csv", "-o", "out.csv", cwd=world, key=key), "--force"
        )
        assert "keep me" == (world / "out.csv").read_text(encoding="utf-8")
        done = run(
            "filter", "list.db", "import.csv", "-o", "out.csv", "--force", cwd=world, key=key
        )
        assert 0 == done.returncode, done.stderr
        assert "0004" in (world / "out.csv").read_text(encoding="cp1252")


class TestCommandLineWords:
    """Messages of the library name the command's options, not the API's keywords."""

    @pytest.mark.parametrize(
        ("message", "expected"),
        [
            (
                "list.db cannot be written; open it with read_only=True to check and filter",
                "list.db cannot be written; open it with --read-only to check and filter",
            ),
            ("read it with header=False, then", "read it with --no-header, then"),
            ("name it with column=...", "name it with --column NAME"),
            ("f.csv exists; pass overwrite=True", "f.csv exists; pass --force"),
            ('if Excel, pass encoding="cp1252"', "if Excel, pass --encoding cp1252"),
            ("or pass encoding=... if", "or pass --encoding CODEC if"),
            ("or pass delimiter=... if", "or pass --delimiter CHAR if"),
            ("f.csv: sheet= applies to .xlsx", "f.csv: --sheet applies to .xlsx"),
            ("encoding= and delimiter= apply", "--encoding and --delimiter apply"),
        ],
    )
    def test_api_keywords_become_options(self, message: str, expected: str) -> None:
        """read_only=True is --read-only, header=False is --no-header, and so on."""
        assert expected == command_line_words(message)
