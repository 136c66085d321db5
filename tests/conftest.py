"""Shared fixtures and Hypothesis profiles.

Profiles: ``ci`` (default, quick and deterministic in CI), ``dev`` (local
default) and ``thorough`` (nightly): select with
``HYPOTHESIS_PROFILE=thorough pytest``.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

import locosuppress

settings.register_profile(
    "ci",
    max_examples=60,
    deadline=None,
    derandomize=True,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "dev", max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "thorough",
    max_examples=5_000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))

#: The published test key of docs/hash-contract.md: bytes 0x00..0x1f. Never use it for data.
TEST_KEY_MATERIAL = bytes(range(32))


@pytest.fixture
def test_key() -> locosuppress.SuppressionKey:
    """The published test key (bytes 0..31)."""
    return locosuppress.SuppressionKey(TEST_KEY_MATERIAL)


@pytest.fixture
def other_key() -> locosuppress.SuppressionKey:
    """A second fixed key, different from ``test_key``."""
    return locosuppress.SuppressionKey(bytes(range(1, 33)))


@pytest.fixture
def vectors_path() -> Path:
    """The frozen hash-contract test vectors."""
    return Path(__file__).parent / "vectors" / "hash-contract-v1.json"


#: The session's PostgreSQL server, once a test has asked for it.
_SERVERS: list[object] = []


@pytest.fixture(autouse=True)
def _drop_test_databases() -> Iterator[None]:
    """After each test, drop the databases it made on the test server (keeps the cluster small)."""
    yield
    for server in _SERVERS:
        server.drop_created()  # type: ignore[attr-defined]


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[object]:
    """A real PostgreSQL server in a temporary folder, for the whole run; stopped fast at the end.

    Skips only where the ``test`` extra's server or driver is not installed.
    """
    from postgres_support import PostgresServer, bin_dir

    binaries = bin_dir()
    if binaries is None or importlib.util.find_spec("psycopg") is None:
        pytest.skip("no PostgreSQL server binaries or psycopg: pip install '.[test]'")
    server = PostgresServer(binaries)
    try:
        server.init()
        server.start()
        _SERVERS.append(server)
        yield server
    finally:
        _SERVERS.clear()
        server.remove()
