"""Fixtures shared by the suppression-list tests."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from locosuppress import SuppressionKey, SuppressionList

NOW = datetime(2025, 3, 14, 9, 26, 53, tzinfo=UTC)


@pytest.fixture
def list_path(tmp_path: Path) -> Path:
    """The path of a list file that does not exist yet."""
    return tmp_path / "suppression.db"


@pytest.fixture
def lst(list_path: Path, test_key: SuppressionKey) -> Iterator[SuppressionList]:
    """A new, empty list opened for writing."""
    with SuppressionList.open(list_path, test_key, now=NOW) as opened:
        yield opened


@pytest.fixture
def filled(list_path: Path, test_key: SuppressionKey) -> Path:
    """A closed list file holding 3,000 addresses (several pages)."""
    with SuppressionList.open(list_path, test_key) as opened:
        opened.add_many([f"person{i}@example.nl" for i in range(3000)])
    return list_path
