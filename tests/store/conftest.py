"""Fixtures shared by the suppression-list tests.

Every store behaviour test that takes ``location``, ``lst`` or ``filled`` runs
twice: against a SQLite list file and against a list in a real PostgreSQL
server (``postgres_server``, one fresh database per test). Tests about SQLite
files themselves (WAL, file modes, raw SQL on the file) are marked
``@pytest.mark.sqlite_only`` and run on SQLite alone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from locosuppress import SuppressionKey, SuppressionList

NOW = datetime(2025, 3, 14, 9, 26, 53, tzinfo=UTC)
BACKENDS = ("sqlite", "postgres")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Give every test that uses ``storage`` both backends (SQLite only when marked so)."""
    if "storage" in metafunc.fixturenames:
        only = metafunc.definition.get_closest_marker("sqlite_only") is not None
        metafunc.parametrize("storage", ["sqlite"] if only else list(BACKENDS))


@pytest.fixture
def list_path(tmp_path: Path) -> Path:
    """The path of a list file that does not exist yet."""
    return tmp_path / "suppression.db"


@pytest.fixture
def location(storage: str, list_path: Path, request: pytest.FixtureRequest) -> Path | str:
    """Where a new list goes: the file ``list_path``, or a URL of a new, empty database."""
    if storage == "sqlite":
        return list_path
    server = request.getfixturevalue("postgres_server")
    return str(server.url(server.new_database()))


@pytest.fixture
def lst(location: Path | str, test_key: SuppressionKey) -> Iterator[SuppressionList]:
    """A new, empty list opened for writing (on each backend)."""
    with SuppressionList.open(location, test_key, now=NOW) as opened:
        yield opened


@pytest.fixture
def filled(location: Path | str, test_key: SuppressionKey) -> Path | str:
    """A closed list holding 3,000 addresses (several pages), on each backend."""
    with SuppressionList.open(location, test_key) as opened:
        opened.add_many([f"person{i}@example.nl" for i in range(3000)])
    return location


@pytest.fixture
def make_list(
    storage: str, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Callable[[SuppressionKey], SuppressionList]:
    """A factory of new, empty lists on the test's backend (one per Hypothesis example)."""

    def make(key: SuppressionKey) -> SuppressionList:
        if storage == "sqlite":
            return SuppressionList.open(tmp_path_factory.mktemp("list") / "l.db", key)
        server = request.getfixturevalue("postgres_server")
        return SuppressionList.open(server.url(server.new_database()), key)

    return make
