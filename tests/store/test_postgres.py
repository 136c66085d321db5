"""PostgreSQL lists: locations, errors, roles and lost connections (locosuppress.store._postgres).

These run against the real server of the ``postgres_server`` fixture; the
behaviour every list shares is tested on both backends by the other store tests.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pandas as pd
import pytest
from postgres_support import PostgresServer
from store_support import content_digest, raw_rows

from locosuppress import (
    InvalidOptionError,
    KeyMismatchError,
    ListNotFoundError,
    ListStorageError,
    NotASuppressionListError,
    ReadOnlyListError,
    SuppressionKey,
    SuppressionList,
)

SECRET = "Sw0rdf1sh-never-shown"


@pytest.fixture
def database(postgres_server: PostgresServer) -> str:
    """The name of a new, empty database."""
    return postgres_server.new_database()


@pytest.fixture
def url(postgres_server: PostgresServer, database: str) -> str:
    """The superuser's URL of ``database``, with a password that must never be shown."""
    return postgres_server.url(database, password=SECRET)


def _grant_roles(server: PostgresServer, database: str) -> None:
    """The GRANTs of docs/postgres.md, with one login role for each."""
    server.execute(
        f"""
        DO $$ BEGIN
          IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'locosuppress_reader') THEN
            CREATE ROLE locosuppress_reader NOLOGIN;
            CREATE ROLE locosuppress_writer NOLOGIN;
            CREATE ROLE filter_script LOGIN IN ROLE locosuppress_reader;
            CREATE ROLE import_job LOGIN IN ROLE locosuppress_writer;
          END IF;
        END $$;
        GRANT CONNECT ON DATABASE {database} TO locosuppress_reader, locosuppress_writer;
        """
    )
    server.execute(
        """
        GRANT USAGE ON SCHEMA locosuppress TO locosuppress_reader, locosuppress_writer;
        GRANT SELECT ON ALL TABLES IN SCHEMA locosuppress
            TO locosuppress_reader, locosuppress_writer;
        GRANT INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA locosuppress
            TO locosuppress_writer;
        GRANT USAGE ON ALL SEQUENCES IN SCHEMA locosuppress TO locosuppress_writer;
        """,
        database=database,
    )


class TestLocation:
    """A postgresql:// URL chooses PostgreSQL; its password is never shown."""

    def test_password_never_shown(self, url: str, other_key, test_key) -> None:
        """repr, location, error messages and the audit log never hold the URL's password."""
        with SuppressionList.open(url, test_key) as lst:
            lst.add("a@example.nl")
            shown = [repr(lst), lst.location, str(lst.path), lst.audit().to_csv()]
        with pytest.raises(KeyMismatchError) as info:
            SuppressionList.open(url, other_key)
        shown.append(str(info.value))
        assert all(SECRET not in text for text in shown)
        assert all("postgresql://postgres@/" in text for text in shown[:2])

    def test_password_parameter_never_shown(self, postgres_server, database, test_key) -> None:
        """A password given as a URL parameter is blanked out too."""
        url = f"{postgres_server.url(database)}&password={SECRET}"
        with SuppressionList.open(url, test_key) as lst:
            assert SECRET not in repr(lst)

    def test_missing_extra(self, tmp_path: Path) -> None:
        """Without psycopg, a URL raises MissingExtraError naming the extra; files still work."""
        code = textwrap.dedent(
            """
            import sys
            sys.modules["psycopg"] = None  # as if the postgres extra were not installed
            from locosuppress import MissingExtraError, SuppressionKey, SuppressionList
            key = SuppressionKey(bytes(range(32)))
            SuppressionList.open(sys.argv[1], key).close()
            try:
                SuppressionList.open("postgresql://someone@/db", key)
            except MissingExtraError as exc:
                print(exc)
            """
        )
        done = subprocess.run(
            [sys.executable, "-c", code, str(tmp_path / "l.db")],
            capture_output=True,
            text=True,
            check=True,
        )
        assert "locosuppress[postgres]" in done.stdout

    def test_unreachable_server(self, tmp_path: Path, test_key) -> None:
        """A server that cannot be reached is a ListStorageError without the password."""
        url = f"postgresql://someone:{SECRET}@/db?host={tmp_path}&connect_timeout=2"
        with pytest.raises(ListStorageError, match="cannot connect") as info:
            SuppressionList.open(url, test_key)
        assert SECRET not in str(info.value)

    def test_missing_database(self, postgres_server, test_key) -> None:
        """A database that does not exist is a ListNotFoundError; none is created."""
        url = postgres_server.url("no_such_database", password=SECRET)
        with pytest.raises(ListNotFoundError, match="does not exist") as info:
            SuppressionList.open(url, test_key)
        assert SECRET not in str(info.value)

    @pytest.mark.parametrize("schema", ["", "Mixed", "drop table x", "a" * 64, 7])
    def test_bad_schema_name(self, url: str, test_key, schema: object) -> None:
        """A schema name that is not a plain lower-case identifier is refused."""
        with pytest.raises(InvalidOptionError, match="schema"):
            SuppressionList.open(url, test_key, schema=schema)  # type: ignore[arg-type]

    def test_schema_is_for_postgres_only(self, tmp_path: Path, test_key) -> None:
        """schema= with a list file is refused, not silently ignored."""
        with pytest.raises(InvalidOptionError, match="PostgreSQL"):
            SuppressionList.open(tmp_path / "l.db", test_key, schema="other")

    def test_two_schemas_two_lists(self, url: str, test_key, other_key) -> None:
        """Two schemas of one database hold two independent lists."""
        with SuppressionList.open(url, test_key) as first:
            first.add("a@example.nl")
        with SuppressionList.open(url, other_key, schema="partner") as second:
            assert "a@example.nl" not in second
            second.add("b@example.nl")
            assert "(schema partner)" in second.location
        with SuppressionList.open(url, test_key, create=False) as first:
            assert (1, "b@example.nl" in first) == (len(first), False)


class TestRefusals:
    """What is not a list, or not ours, is refused before anything is written."""

    def test_missing_schema_without_create(self, url: str, postgres_server, database) -> None:
        """create=False and read_only=True never create the schema."""
        key = SuppressionKey(bytes(range(32)))
        for kwargs in ({"create": False}, {"read_only": True}):
            with pytest.raises(ListNotFoundError, match="no suppression list"):
                SuppressionList.open(url, key, **kwargs)  # type: ignore[arg-type]
        found = postgres_server.execute(
            "SELECT count(*) FROM pg_namespace WHERE nspname = 'locosuppress'", database=database
        )
        assert [(0,)] == found

    def test_schema_of_something_else(self, url: str, postgres_server, database) -> None:
        """A schema that holds other tables is not a list, and is left as it is."""
        postgres_server.execute(
            "CREATE SCHEMA locosuppress; CREATE TABLE locosuppress.people (email text)",
            database=database,
        )
        key = SuppressionKey(bytes(range(32)))
        for read_only in (False, True):
            with pytest.raises(NotASuppressionListError, match="not a locosuppress"):
                SuppressionList.open(url, key, read_only=read_only)
        assert [("people",)] == raw_rows(
            url, "SELECT tablename FROM pg_tables WHERE schemaname = 'locosuppress'"
        )

    def test_meta_without_fingerprint(self, url: str, postgres_server, database) -> None:
        """A meta table without the key fingerprint is not a list either."""
        postgres_server.execute(
            "CREATE SCHEMA locosuppress; CREATE TABLE locosuppress.meta (key text, value text)",
            database=database,
        )
        with pytest.raises(NotASuppressionListError, match="fingerprint"):
            SuppressionList.open(url, SuppressionKey(bytes(range(32))))


class TestRoles:
    """The GRANTs of docs/postgres.md: a read-only role filters, a writer role writes."""

    def test_read_only_role(self, postgres_server, database, url, test_key, tmp_path) -> None:
        """The reader role filters with read_only=True, may not open to write, writes nothing."""
        with SuppressionList.open(url, test_key) as owner:
            owner.add_many(["a@example.nl", "b@example.nl"])
            owner.add_domain("example.org")
        _grant_roles(postgres_server, database)
        reader = postgres_server.url(database, user="filter_script")
        before = content_digest(url)
        with pytest.raises(ReadOnlyListError, match="read_only=True"):
            SuppressionList.open(reader, test_key)
        with SuppressionList.open(reader, test_key, read_only=True) as lst:
            mailing = pd.DataFrame({"email": ["a@example.nl", "x@example.org", "c@example.nl"]})
            assert ["c@example.nl"] == list(lst.filter(mailing).kept["email"])
            assert (3, True) == (len(lst), "b@example.nl" in lst)
            assert lst.verify().ok
            assert 3 == lst.stats().total
            assert "create" == lst.audit()["operation"].iloc[0]
            lst.export(tmp_path / "reader.export")
            with pytest.raises(ReadOnlyListError):
                lst.add("d@example.nl")
        assert before == content_digest(url)

    def test_writer_role(self, postgres_server, database, url, test_key) -> None:
        """The writer role adds, removes and filters, but cannot create a list."""
        with SuppressionList.open(url, test_key) as owner:
            owner.add("a@example.nl")
        _grant_roles(postgres_server, database)
        writer = postgres_server.url(database, user="import_job")
        with SuppressionList.open(writer, test_key, create=False) as lst:
            assert 2 == lst.add_many(["b@example.nl", "c@example.nl"]).added
            assert lst.remove("a@example.nl")
            assert lst.filter(pd.DataFrame({"email": ["b@example.nl"]})).report.audited
        with pytest.raises(ReadOnlyListError, match="may not create"):
            SuppressionList.open(writer, test_key, schema="another")


def _terminate(server: PostgresServer, database: str) -> list[tuple[object, ...]]:
    """End every locosuppress session on ``database`` (as a network failure would)."""
    return server.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        f"WHERE datname = '{database}' AND application_name = 'locosuppress'"
    )


class TestLostConnection:
    """A connection lost mid-call raises ListStorageError; nothing is half-written."""

    def test_lost_then_reconnected(self, postgres_server, database, url, test_key) -> None:
        """The call after a lost connection raises; the next one connects again."""
        with SuppressionList.open(url, test_key) as lst:
            lst.add("a@example.nl")
            assert [(True,)] == _terminate(postgres_server, database)
            with pytest.raises(ListStorageError, match="nothing of it is half-written") as info:
                lst.add_many(["b@example.nl", "c@example.nl"])
            assert SECRET not in str(info.value)
            assert 1 == len(lst)
            assert lst.add("d@example.nl")
            assert 2 == len(lst)

    @pytest.mark.parametrize("mode", ["fast", "immediate"])
    def test_server_stops_during_add_many(
        self, postgres_server: PostgresServer, database, url, test_key, mode: str
    ) -> None:
        """The server stops while add_many waits mid-transaction: it raises, nothing is added.

        The batch is held between its INSERT and its audit row by a lock the
        test holds on the audit table; the test stops the server once the
        server itself reports the call waiting for that lock (no sleeping).
        """
        import psycopg

        with SuppressionList.open(url, test_key) as lst:
            acknowledged = [f"ack{i}@example.nl" for i in range(500)]
            lst.add_many(acknowledged)
            blocker = psycopg.connect(postgres_server.url(database))
            blocker.execute("LOCK TABLE locosuppress.audit IN ACCESS EXCLUSIVE MODE")
            outcome: list[BaseException | object] = []

            def add() -> None:
                try:
                    outcome.append(lst.add_many([f"lost{i}@example.nl" for i in range(5000)]))
                except BaseException as exc:
                    outcome.append(exc)

            worker = threading.Thread(target=add)
            worker.start()
            try:
                with psycopg.connect(postgres_server.url(database), autocommit=True) as watch:
                    while not watch.execute(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                        "AND application_name = 'locosuppress' AND wait_event_type = 'Lock'"
                    ).fetchone()[0]:
                        watch.execute("SELECT pg_stat_clear_snapshot()")
                postgres_server.stop(mode)
                worker.join()
            finally:
                if not postgres_server.running:
                    postgres_server.start()
                blocker.close()
            assert 1 == len(outcome)
            assert isinstance(outcome[0], ListStorageError)
            assert len(acknowledged) == len(lst)
        with SuppressionList.open(url, test_key, read_only=True) as lst:
            assert len(acknowledged) == len(lst)
            assert all(address in lst for address in acknowledged)
            assert "lost0@example.nl" not in lst
            assert lst.verify().ok


class TestRetries:
    """Serialization failures and deadlocks re-run the whole transaction, a bounded number."""

    def test_retried_then_committed(self, url: str) -> None:
        """A transaction that fails to serialize twice is run again and committed once."""
        import psycopg

        from locosuppress.store._postgres import Location, run

        where = Location(url, "locosuppress")
        attempts = []
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE TABLE t (n int)")  # in the public schema of a new database

            def work(c: psycopg.Connection) -> int:
                c.execute("INSERT INTO t VALUES (1)")
                attempts.append(1)
                if len(attempts) < 3:
                    raise psycopg.errors.SerializationFailure("could not serialize access")
                return len(attempts)

            assert 3 == run(conn, work, begin="BEGIN", where=where)
            assert [(1,)] == conn.execute("SELECT count(*) FROM t").fetchall()

    def test_bounded(self, url: str) -> None:
        """A transaction that never serializes gives up with the error after the bound."""
        import psycopg

        from locosuppress.store._postgres import Location, run

        where = Location(url, "locosuppress")
        attempts = []
        with psycopg.connect(url, autocommit=True) as conn:

            def work(c: psycopg.Connection) -> None:
                attempts.append(1)
                raise psycopg.errors.DeadlockDetected("deadlock detected")

            with pytest.raises(psycopg.errors.DeadlockDetected, match="deadlock"):
                run(conn, work, begin="BEGIN", where=where)
        assert 9 == len(attempts)


PROCESS = textwrap.dedent(
    """
    import sys
    from pathlib import Path

    import pandas as pd

    from locosuppress import SuppressionKey, SuppressionList

    url, role, name, folder = sys.argv[1:5]
    acks = Path(folder)
    PER_WRITER, BATCH, REMOVABLE = 20_000, 2_000, 50


    def acknowledged():
        added, removed, done = [], [], 0
        for path in sorted(acks.glob("*.acks")):
            text = path.read_text()
            for line in text[: text.rfind(chr(10)) + 1].splitlines():
                what, _, value = line.partition(" ")
                if what == "A":
                    writer, batch = value.split()
                    added += [f"{writer}.{batch}.{i}@example.nl" for i in range(BATCH)]
                elif what == "R":
                    removed.append(value)
                else:
                    done += 1
        return added, removed, done


    with SuppressionList.open(url, SuppressionKey(bytes(range(32))), create=False) as lst:
        print("ready", flush=True)
        sys.stdin.readline()
        if role == "filter":
            rounds, finished = 0, False
            while not finished:
                added, removed, done = acknowledged()  # read BEFORE the filter starts
                finished = done == 4
                kept = set(lst.filter(pd.DataFrame({"email": added + removed})).kept["email"])
                assert not kept & set(added), "a filter missed a committed entry"
                assert kept == set(removed), "a filter missed a committed removal"
                rounds += 1
            print(f"ok {rounds}", flush=True)
        else:
            with (acks / f"{name}.acks").open("a") as out:
                if role == "writer":
                    for batch in range(PER_WRITER // BATCH):
                        emails = [f"{name}.{batch}.{i}@example.nl" for i in range(BATCH)]
                        assert BATCH == lst.add_many(emails).added
                        out.write(f"A {name} {batch}" + chr(10))
                        out.flush()
                else:
                    for i in range(REMOVABLE):
                        email = f"{name}.{i}@example.nl"
                        assert lst.remove(email)
                        out.write(f"R {email}" + chr(10))
                        out.flush()
                out.write("D" + chr(10))
            print("ok", flush=True)
    """
)


@pytest.mark.slow
class TestConcurrentProcesses:
    """Eight processes on one PostgreSQL list: two add, two remove, four filter."""

    def test_eight_processes(self, url: str, test_key, tmp_path: Path) -> None:
        """No acknowledged entry is lost; no filter misses a commit made before it began."""
        removers = ("rm0", "rm1")
        with SuppressionList.open(url, test_key) as lst:
            for name in removers:
                lst.add_many([f"{name}.{i}@example.nl" for i in range(50)])
        roles = [
            ("writer", "w0"),
            ("writer", "w1"),
            *(("remover", name) for name in removers),
            *(("filter", f"f{i}") for i in range(4)),
        ]
        children = [
            subprocess.Popen(
                [sys.executable, "-c", PROCESS, url, role, name, str(tmp_path)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
            for role, name in roles
        ]
        try:
            for child in children:
                assert "ready" == child.stdout.readline().strip()
            for child in children:  # every process has connected: go
                child.stdin.write("go\n")
                child.stdin.flush()
            lines = [child.stdout.readline().strip() for child in children]
            codes = [child.wait(timeout=300) for child in children]
        finally:
            for child in children:
                if child.poll() is None:
                    child.kill()
        assert [0] * 8 == codes
        assert ["ok"] * 4 == lines[:4]
        assert all(line.startswith("ok ") for line in lines[4:])
        with SuppressionList.open(url, test_key, read_only=True) as lst:
            assert 40_000 == len(lst)
            everything = [
                f"w{w}.{b}.{i}@example.nl" for w in (0, 1) for b in range(10) for i in range(2000)
            ]
            assert 0 == lst.filter(pd.DataFrame({"email": everything})).report.kept
            assert lst.verify().ok
