"""``locosuppress init|add|remove`` and the domain commands (``locosuppress.cli.entries``)."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

import locosuppress
from locosuppress.cli import main

Run = Callable[..., subprocess.CompletedProcess[str]]
Check = Callable[..., None]


class TestAdd:
    """``add`` refuses what it cannot store, and never waits for input on a terminal."""

    @pytest.mark.slow
    def test_missing_list_and_invalid_addresses(
        self, world: Path, run: Run, assert_failed: Check
    ) -> None:
        """A mistyped list path is not created; invalid inputs fail unless --allow-invalid."""
        key = world / "list.key"
        assert_failed(run("add", "lijst.db", "a@example.nl", cwd=world, key=key), "init")
        assert not (world / "lijst.db").exists()
        done = run("add", "list.db", "nieuw@example.nl", "geen-adres", cwd=world, key=key)
        assert_failed(done, "1 of 2 inputs", "--allow-invalid")
        assert re.search(r"added\s+1\b", done.stdout)
        done = run("add", "list.db", "geen-adres", "--allow-invalid", cwd=world, key=key)
        assert 0 == done.returncode
        assert_failed(run("add", "list.db", cwd=world, key=key, stdin=""), "standard input")

    def test_add_without_input_on_a_terminal_is_usage(
        self, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """No address, no --from and a terminal on standard input: exit 2, nothing waits."""

        class Terminal(io.StringIO):
            def isatty(self) -> bool:
                return True

        monkeypatch.setattr(sys, "stdin", Terminal())
        monkeypatch.setenv("LOCOSUPPRESS_KEY", locosuppress.SuppressionKey.generate().to_text())
        assert 2 == main(["add", "list.db"])
        assert "standard input" in capsys.readouterr().err


@pytest.fixture
def listed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> locosuppress.SuppressionKey:
    """An empty list.db in tmp_path, its key in LOCOSUPPRESS_KEY, tmp_path the working folder."""
    key = locosuppress.SuppressionKey.generate()
    locosuppress.SuppressionList.open(tmp_path / "list.db", key).close()
    monkeypatch.setenv("LOCOSUPPRESS_KEY", key.to_text())
    monkeypatch.chdir(tmp_path)
    return key


def _entries(tmp_path: Path, key: locosuppress.SuppressionKey) -> int:
    with locosuppress.SuppressionList.open(tmp_path / "list.db", key, read_only=True) as lst:
        return len(lst)


class TestAddFromFile:
    """``add --from FILE`` stores every address of the file, or refuses the file."""

    def test_headerless_file_is_refused_with_advice(
        self,
        tmp_path: Path,
        listed: locosuppress.SuppressionKey,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """A file without a header row: the error says so and offers --no-header."""
        (tmp_path / "f.csv").write_text("jan@example.nl\npiet@example.nl\n", encoding="utf-8")
        assert 1 == main(["add", "list.db", "--from", "f.csv"])
        err = capsys.readouterr().err
        assert "no header row" in err
        assert "--no-header" in err
        assert "header=False" not in err
        assert "@" not in err
        assert 0 == _entries(tmp_path, listed)

    def test_no_header_adds_every_row(
        self, tmp_path: Path, listed: locosuppress.SuppressionKey
    ) -> None:
        """--no-header reads the first row as data: the first address is suppressed too."""
        (tmp_path / "f.csv").write_text("jan@example.nl\npiet@example.nl\n", encoding="utf-8")
        assert 0 == main(["add", "list.db", "--from", "f.csv", "--no-header"])
        with locosuppress.SuppressionList.open(tmp_path / "list.db", listed) as lst:
            assert "jan@example.nl" in lst
            assert "piet@example.nl" in lst

    def test_no_header_with_several_columns_needs_column(
        self,
        tmp_path: Path,
        listed: locosuppress.SuppressionKey,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """--no-header on a wider file takes --column column_N."""
        (tmp_path / "f.csv").write_text("K1;jan@example.nl\nK2;piet@example.nl\n", "utf-8")
        assert 1 == main(["add", "list.db", "--from", "f.csv", "--no-header"])
        assert "--column NAME" in capsys.readouterr().err
        named = ["--no-header", "--column", "column_2"]
        assert 0 == main(["add", "list.db", "--from", "f.csv", *named])
        assert 2 == _entries(tmp_path, listed)

    def test_column_that_looks_like_an_address_is_refused(
        self,
        tmp_path: Path,
        listed: locosuppress.SuppressionKey,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """Following the old advice (--column with the first address) is refused, not obeyed."""
        (tmp_path / "f.csv").write_text("jan@example.nl\npiet@example.nl\n", encoding="utf-8")
        assert 1 == main(["add", "list.db", "--from", "f.csv", "--column", "jan@example.nl"])
        err = capsys.readouterr().err
        assert "--no-header" in err
        assert "jan" not in err
        assert 0 == _entries(tmp_path, listed)

    @pytest.mark.parametrize("delimiter", [",", ";"])
    def test_repeated_address_header_is_refused(
        self,
        tmp_path: Path,
        listed: locosuppress.SuppressionKey,
        capsys: pytest.CaptureFixture[str],
        delimiter: str,
    ) -> None:
        """``email,email``: no address is silently dropped; the user names one column."""
        (tmp_path / "f.csv").write_text(
            f"email{delimiter}email\njan@example.nl{delimiter}piet@example.nl\n", "utf-8"
        )
        assert 1 == main(["add", "list.db", "--from", "f.csv"])
        assert "several columns" in capsys.readouterr().err
        assert 0 == _entries(tmp_path, listed)

    def test_mixed_encodings_are_refused(
        self,
        tmp_path: Path,
        listed: locosuppress.SuppressionKey,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """UTF-8 and Windows-1252 rows in one file: nothing is added as mojibake."""
        (tmp_path / "f.csv").write_bytes(
            "email\nzoë@example.nl\n".encode("cp1252") + "jürgen@example.de\n".encode()
        )
        assert 1 == main(["add", "list.db", "--from", "f.csv"])
        err = capsys.readouterr().err
        assert "mixes encodings" in err
        assert "line 2" in err
        assert "--encoding CODEC" in err
        assert 0 == _entries(tmp_path, listed)


class TestAddFromJson:
    """``add --from`` reads JSON Lines and JSON arrays by content."""

    def test_json_lines_without_suffix(
        self, tmp_path: Path, listed: locosuppress.SuppressionKey
    ) -> None:
        """A suffix-less JSON Lines file: every address added, accents included."""
        (tmp_path / "afmeldingen").write_text(
            '{"email": "zoë@example.nl", "id": "007"}\n{"email": "Jan <JAN@example.nl>"}\n',
            encoding="utf-8",
        )
        assert 0 == main(["add", "list.db", "--from", "afmeldingen"])
        with locosuppress.SuppressionList.open(tmp_path / "list.db", listed) as lst:
            assert "zoë@example.nl" in lst
            assert "jan@example.nl" in lst

    def test_malformed_json_adds_nothing(
        self,
        tmp_path: Path,
        listed: locosuppress.SuppressionKey,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """A broken JSON array: exit 1 naming line and column, no address shown, nothing added."""
        (tmp_path / "f.txt").write_text('[{"email": "a@example.nl"},\n{"email" "b"}]', "utf-8")
        assert 1 == main(["add", "list.db", "--from", "f.txt"])
        err = capsys.readouterr().err
        assert "line 2, column 10" in err
        assert "@" not in err
        assert 0 == _entries(tmp_path, listed)
