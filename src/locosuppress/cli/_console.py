"""A tiny progress indicator for the command line (no dependency).

It writes to standard error, and only when standard error is a terminal: in
cron jobs, CI logs and pipes the command stays quiet. A step that ends within
``delay`` seconds prints nothing at all, so short runs stay quiet on a terminal
too; a longer one shows a spinner (or a bar, when the amount of work is known)
with the elapsed time, and ends with one line saying how long it took.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

__all__ = ["Progress"]

_SPINNER = "|/-\\"
_BAR_WIDTH = 24


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
