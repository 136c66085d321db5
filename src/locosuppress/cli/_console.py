"""Where a command writes: its output, its progress and its errors, with secrets hidden.

:class:`Console` is what every handler receives: reports go to standard
output (aligned text or JSON), input comes from standard input, progress goes
to standard error. :class:`Progress` is a tiny progress indicator (no
dependency): it writes to standard error, and only when standard error is a
terminal, so cron jobs, CI logs and pipes stay quiet. A step that ends within
``delay`` seconds prints nothing at all, so short runs stay quiet on a terminal
too; a longer one shows a spinner (or a bar, when the amount of work is known)
with the elapsed time, and ends with one line saying how long it took.
:func:`hide_secrets` is the last defence for every message: no key text and
nothing that looks like an address reaches the terminal.
"""

from __future__ import annotations

import json
import re
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Final, TextIO

__all__ = ["Console", "Progress", "hide_secrets"]

_SPINNER: Final = "|/-\\"
_BAR_WIDTH: Final = 24
_KEY_TEXT: Final = re.compile(r"locosuppress-key-v\d+:[A-Za-z0-9_=-]*")
# An at sign as typed, fullwidth (U+FF20), small (U+FE6B) or percent-encoded.
_AT: Final = r"(?:@|\uff20|\ufe6b|%40)"
_PART: Final = r"[^\s<>\"'`@\uff20\ufe6b,;:()\[\]]+"
_ADDRESS: Final = re.compile(rf"{_PART}{_AT}{_PART}\.{_PART}", re.IGNORECASE)


def hide_secrets(message: str) -> str:
    """Defence in depth: no message may carry key text or something that looks like an address."""
    message = _KEY_TEXT.sub("<key hidden>", message)
    return _ADDRESS.sub("<address hidden>", message)


class _Step:
    """One running step: draws itself from a background thread until finished."""

    def __init__(self, progress: Progress, label: str, total: int | None) -> None:
        self._progress = progress
        self._label = label
        self._total = total
        self._done = 0
        self._start = time.monotonic()
        self._finished = threading.Event()
        self._shown = False
        self._thread = threading.Thread(target=self._run, name="locosuppress-progress", daemon=True)

    def advance(self, amount: int) -> None:
        """Record ``amount`` more units of work done (for steps with a total)."""
        self._done += amount

    def set_total(self, total: int) -> None:
        """The amount of work, once the work itself knows it better than the caller did."""
        self._total = total

    def _line(self, tick: int) -> str:
        elapsed = time.monotonic() - self._start
        if self._total:
            share = min(self._done / self._total, 1.0)
            filled = int(share * _BAR_WIDTH)
            bar = "#" * filled + "." * (_BAR_WIDTH - filled)
            return f"{self._label} [{bar}] {share:4.0%} {elapsed:5.1f} s"
        return f"{self._label} {_SPINNER[tick % len(_SPINNER)]} {elapsed:5.1f} s"

    def _run(self) -> None:
        if self._finished.wait(self._progress.delay):
            return
        tick = 0
        while not self._finished.is_set():
            self._progress.write("\r" + self._line(tick) + "\x1b[K")
            self._shown = True
            tick += 1
            self._finished.wait(0.1)

    def start(self) -> None:
        self._thread.start()

    def finish(self, *, ok: bool) -> None:
        self._finished.set()
        self._thread.join()
        if self._shown:
            elapsed = time.monotonic() - self._start
            outcome = "done" if ok else "stopped"
            self._progress.write(f"\r{self._label}: {outcome} in {elapsed:.1f} s\x1b[K\n")


class Progress:
    """Progress on a terminal, silence elsewhere.

    Args:
        stream: where to draw (default standard error).
        enabled: force on or off; default: on when ``stream`` is a terminal.
        delay: seconds a step may take before anything is drawn.
    """

    def __init__(
        self, stream: TextIO | None = None, *, enabled: bool | None = None, delay: float = 0.5
    ) -> None:
        self.stream = stream if stream is not None else sys.stderr
        if enabled is None:
            isatty = getattr(self.stream, "isatty", None)
            enabled = bool(isatty and isatty())
        self.enabled = enabled
        self.delay = delay
        self._lock = threading.Lock()

    def write(self, text: str) -> None:
        """Write to the stream at once (used by the drawing thread)."""
        with self._lock:
            self.stream.write(text)
            self.stream.flush()

    @contextmanager
    def step(self, label: str, *, total: int | None = None) -> Iterator[_Step]:
        """Show ``label`` while the block runs, if it runs long enough.

        Yields the step: call its ``advance(n)`` as work is done when ``total``
        is known (harmless when progress is disabled).
        """
        current = _Step(self, label, total)
        if not self.enabled:
            yield current
            return
        current.start()
        ok = False
        try:
            yield current
            ok = True
        finally:
            current.finish(ok=ok)


class Console:
    """Where a command writes: reports to ``out``, progress to ``err``, input from ``stdin``."""

    def __init__(
        self, out: TextIO, err: TextIO, stdin: TextIO, progress: Progress | None = None
    ) -> None:
        self.out = out
        self.err = err
        self.stdin = stdin
        self.progress = progress if progress is not None else Progress(err)

    def say(self, text: str = "") -> None:
        """Print a line of the command's output."""
        self.out.write(text + "\n")
        self.out.flush()

    def show(self, report: Any, *, as_json: bool) -> None:
        """Print a report: its aligned text, or ``to_dict()`` as JSON."""
        if as_json:
            self.say(json.dumps(report.to_dict(), indent=2, ensure_ascii=False, default=str))
        else:
            self.say(str(report))

    def stdin_is_terminal(self) -> bool:
        """Whether standard input is a terminal (then nobody is piping addresses in)."""
        isatty = getattr(self.stdin, "isatty", None)
        return bool(isatty and isatty())

    def read_stdin_lines(self) -> list[str]:
        """Standard input as stripped, non-blank lines (UTF-8, else Windows-1252)."""
        raw = getattr(self.stdin, "buffer", None)
        if raw is None:
            text = self.stdin.read()
        else:
            data = raw.read()
            try:
                text = data.decode("utf-8-sig")
            except UnicodeDecodeError:
                text = data.decode("cp1252", errors="replace")
        return [line.strip() for line in text.splitlines() if line.strip()]
