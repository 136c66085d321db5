"""The shared options (``locosuppress.cli._options``): the deprecated ``--workers``."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.mark.slow
class TestWorkers:
    """``--workers`` is accepted for one release, ignored, with a note on standard error."""

    def test_workers_option_is_deprecated(self, world: Path, run: Run) -> None:
        """--workers 2 is accepted for one release: a note on stderr, the same output."""
        key = world / "list.key"
        one = run("filter", "list.db", "import.csv", "-o", "one.csv", cwd=world, key=key)
        two = run(
            "filter", "list.db", "import.csv", "-o", "two.csv", "--workers", "2", cwd=world, key=key
        )
        assert (0, 0) == (one.returncode, two.returncode), two.stderr
        assert "--workers is deprecated" in two.stderr
        assert "--workers" not in one.stderr
        assert (world / "one.csv").read_bytes() == (world / "two.csv").read_bytes()
        added = run(
            "add", "list.db", "--workers", "2", stdin="nieuw@example.nl\n", cwd=world, key=key
        )
        assert 0 == added.returncode, added.stderr
        assert "locosuppress.dask" in added.stderr
