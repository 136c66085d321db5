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
