"""Output and progress of the command line (``locosuppress.cli._console``)."""

from __future__ import annotations

import io
import threading

import pytest

from locosuppress.cli._console import Progress, hide_secrets


class _Watched(io.StringIO):
    """A terminal stand-in that tells when something has been drawn on it."""

    def __init__(self) -> None:
        super().__init__()
        self.drawn = threading.Event()

    def write(self, text: str) -> int:
        written = super().write(text)
        self.drawn.set()
        return written


class TestProgress:
    """Progress shows on a terminal for long steps only, and never elsewhere."""

    def test_terminal_shows_long_steps(self) -> None:
        """With a terminal and no delay, a step draws and ends with its time."""
        stream = _Watched()
        progress = Progress(stream, enabled=True, delay=0.0)
        with progress.step("Filtering", total=10) as step:
            step.advance(5)
            assert stream.drawn.wait(60)  # the step is still running: it draws, then goes on
        assert "Filtering [" in stream.getvalue()
        assert "Filtering: done in" in stream.getvalue()

    def test_quiet_when_not_a_terminal_or_short(self) -> None:
        """A pipe gets nothing; a quick step on a terminal gets nothing either."""
        pipe = io.StringIO()
        with Progress(pipe).step("Reading"):
            pass
        terminal = io.StringIO()
        with Progress(terminal, enabled=True, delay=5.0).step("Reading"):
            pass
        assert ("", "") == (pipe.getvalue(), terminal.getvalue())


class TestHideSecrets:
    """No message leaves the command with an address in it, however the at sign is written."""

    @pytest.mark.parametrize(
        "address",
        ["jan.devries@example.nl", "jan.devries＠example.nl", "jan.devries%40example.nl"],
    )
    def test_addresses_are_hidden(self, address: str) -> None:
        """@, the fullwidth ＠ and a percent-encoded %40 are all hidden."""
        assert "f.csv: no column <address hidden>" == hide_secrets(f"f.csv: no column {address}")
