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
