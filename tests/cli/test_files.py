"""The key and output checks of the command line (``locosuppress.cli._files``), in subprocesses."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

import locosuppress
from locosuppress.cli import main
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


@pytest.fixture
def listed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """list.db with one entry, its key in list.key and in LOCOSUPPRESS_KEY, import.csv; cwd."""
    key = locosuppress.SuppressionKey.generate()
    key.save(tmp_path / "list.key")
    with locosuppress.SuppressionList.open(tmp_path / "list.db", key) as lst:
        lst.add("jan@example.nl")
    (tmp_path / "import.csv").write_text("email\njan@example.nl\npiet@example.nl\n", "utf-8")
    monkeypatch.setenv("LOCOSUPPRESS_KEY", key.to_text())
    monkeypatch.chdir(tmp_path)
    return tmp_path


class TestOutputsThatDestroyState:
    """An output is never the list's log files or a key file, whatever --force says."""

    @pytest.mark.parametrize(
        ("suffix", "what"),
        [("-wal", "write-ahead log"), ("-shm", "shared memory"), ("-journal", "journal")],
    )
    @pytest.mark.parametrize("exists", [False, True])
    def test_list_log_files_are_refused(
        self,
        listed: Path,
        capsys: pytest.CaptureFixture[str],
        suffix: str,
        what: str,
        exists: bool,
    ) -> None:
        """-o LIST-wal, LIST-shm and LIST-journal are refused like the list itself."""
        output = listed / f"list.db{suffix}"
        if exists:
            output.write_bytes(b"sqlite's own bytes")
        argv = ["filter", "list.db", "import.csv", "-o", output.name, "--force"]
        assert 1 == main(argv)
        assert what in capsys.readouterr().err
        assert (b"sqlite's own bytes" if exists else None) == (
            output.read_bytes() if output.exists() else None
        )

    @pytest.mark.parametrize("option", ["-o", "--report"])
    def test_key_file_from_the_environment_is_refused(
        self, listed: Path, capsys: pytest.CaptureFixture[str], option: str
    ) -> None:
        """With the key in LOCOSUPPRESS_KEY, -o/--report KEYFILE --force still keeps the key."""
        before = (listed / "list.key").read_bytes()
        argv = ["filter", "list.db", "import.csv", "--force"]
        argv += ["-o", "list.key"] if option == "-o" else ["-o", "out.csv", option, "list.key"]
        assert 1 == main(argv)
        assert "key file" in capsys.readouterr().err
        assert before == (listed / "list.key").read_bytes()

    def test_any_key_file_is_refused(
        self, listed: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Another list's key file is not an output either (anonymise has no key at all)."""
        locosuppress.SuppressionKey.generate().save(listed / "other.key")
        before = (listed / "other.key").read_bytes()
        (listed / "events.csv").write_text("timestamp;event\n2020-01-01;open\n", "utf-8")
        argv = ["anonymise", "events.csv", "-o", "other.key", "--force", "--now", "2025-01-01"]
        assert 1 == main(argv)
        assert "key file" in capsys.readouterr().err
        assert before == (listed / "other.key").read_bytes()

    @pytest.mark.parametrize("command", ["backup", "export"])
    def test_backup_and_export_never_take_a_log_file_name(
        self, listed: Path, capsys: pytest.CaptureFixture[str], command: str
    ) -> None:
        """backup/export LIST LIST-wal: SQLite would take the new file for the list's log."""
        assert 1 == main([command, "list.db", "list.db-wal"])
        assert "write-ahead log" in capsys.readouterr().err
        assert not (listed / "list.db-wal").exists()
