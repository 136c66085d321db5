"""The PostgreSQL backend: the change counter and incremental refresh (store._postgres_backend)."""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from postgres_support import PostgresServer
from store_support import raw_rows

from locosuppress import SuppressionKey, SuppressionList
from locosuppress.store._postgres_backend import Location, PostgresBackend

KEY = SuppressionKey(bytes(range(32)))


@pytest.fixture
def url(postgres_server: PostgresServer) -> str:
    """The URL of a new database holding an empty list."""
    url = str(postgres_server.url(postgres_server.new_database()))
    SuppressionList.open(url, KEY).close()
    return url


@pytest.fixture
def backend(url: str) -> Iterator[PostgresBackend]:
    """A read-only backend on the list at ``url``."""
    opened, _ = PostgresBackend.open(
        Location(url, "locosuppress"),
        create=False,
        read_only=True,
        lock_timeout=5.0,
        meta=dict,
        at=0,
        check_meta=lambda meta: None,
    )
    yield opened
    opened.close()


class TestChangeCounter:
    """The change counter (Reader.version) counts commits that write entries, on any connection."""

    def test_grows_with_entry_changes_only(self, url: str, backend: PostgresBackend) -> None:
        """Adds and removals bump it, even ones that found nothing to change; filter runs do not."""
        seen = [backend.read(lambda tx: tx.version())]
        with SuppressionList.open(url, KEY) as lst:
            lst.add("a@example.nl")
            seen.append(backend.read(lambda tx: tx.version()))
            lst.add_many(["b@example.nl", "c@example.nl"])
            seen.append(backend.read(lambda tx: tx.version()))
            lst.filter(pd.DataFrame({"email": ["x@example.nl"]}))
            lst.add_many([])
            lst.remove("nobody@example.nl")
            seen.append(backend.read(lambda tx: tx.version()))
            lst.remove("a@example.nl")
            seen.append(backend.read(lambda tx: tx.version()))
        assert [0, 1, 2, 4, 5] == seen  # add_many([]) and the vain remove count too

    def test_changes_since(self, url: str, backend: PostgresBackend) -> None:
        """changes_since returns only the entries written after a version; None after a removal."""
        with SuppressionList.open(url, KEY) as lst:
            lst.add_many(["a@example.nl", "b@example.nl"])
            version = backend.read(lambda tx: tx.version())
            lst.add("c@example.nl", scope="post")
            lst.add_domain("example.org")
            now, rows = backend.read(lambda tx: tx.changes_since(version))
            expected = {
                (KEY.hash_email("c@example.nl"), 0, 4),
                (KEY.hash_domain("example.org"), 1, 1),
            }
            assert (version + 2, expected) == (now, set(rows))
            assert (now, []) == backend.read(lambda tx: tx.changes_since(now))
            lst.remove("a@example.nl")
            assert backend.read(lambda tx: tx.changes_since(now)) is None

    def test_every_write_carries_its_version(self, url: str) -> None:
        """Each entry is stamped with the version of the transaction that wrote it."""
        with SuppressionList.open(url, KEY) as lst:
            lst.add_many(["a@example.nl", "b@example.nl"])
            lst.add("c@example.nl")
        rows = raw_rows(url, "SELECT version, count(*) FROM entries GROUP BY 1 ORDER BY 1")
        assert [(1, 2), (2, 1)] == rows


def _emails(n: int) -> list[str]:
    return [f"p{i}@example.nl" for i in range(n)]


class TestIncrementalRefresh:
    """A long-lived list's filter sees every commit made elsewhere before it started."""

    @settings(
        max_examples=12,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )
    @given(
        steps=st.lists(
            st.tuples(st.sampled_from(["add", "add_many", "remove", "domain"]), st.integers(0, 11)),
            min_size=1,
            max_size=12,
        )
    )
    def test_filter_equals_fresh_open(self, postgres_server: PostgresServer, steps) -> None:
        """After each write by another connection, filtering equals a freshly opened list's."""
        url = str(postgres_server.url(postgres_server.new_database()))
        mailing = pd.DataFrame({"email": [*_emails(12), "x@example.org"]})
        with SuppressionList.open(url, KEY) as reader, SuppressionList.open(url, KEY) as writer:
            reader.filter(mailing)
            for op, i in steps:
                if op == "add":
                    writer.add(f"p{i}@example.nl", scope=("all", "post")[i % 2])
                elif op == "add_many":
                    writer.add_many(_emails(12)[i:])
                elif op == "remove":
                    writer.remove(f"p{i}@example.nl")
                else:
                    writer.add_domain("example.org")
                kept = list(reader.filter(mailing, channel="newsletter").kept["email"])
                with SuppressionList.open(url, KEY, read_only=True) as fresh:
                    assert list(fresh.filter(mailing, channel="newsletter").kept["email"]) == kept
