"""PostgreSQL plumbing of the suppression list's PostgreSQL backend (private).

What lives here, so that :mod:`locosuppress.store._postgres_backend` holds
only the SQL of the list's operations:

* the driver import (psycopg 3, the ``postgres`` extra) and the URL check,
* the location as shown in messages and reprs: **never with a password**,
* connecting with the settings every connection gets
  (``synchronous_commit = on``, ``lock_timeout``, the list's schema first
  on the ``search_path``),
* translation of driver errors into :mod:`locosuppress.errors`,
* the transaction runner: one transaction per call, bounded retries on
  serialization failures and deadlocks,
* the schema (``SCHEMA``) and creating it in one transaction.

Writers serialise on the one row of ``state`` (``SELECT ... FOR UPDATE`` first
thing in every write transaction, like SQLite's ``BEGIN IMMEDIATE``), which
also makes ``state.version`` a change counter that increases in commit order:
every entry written in a transaction carries that transaction's version, so
a reader that saw version ``v`` finds everything committed since in
``entries.version > v``.
"""

from __future__ import annotations

import contextlib
import random
import re
import time
from collections.abc import Callable, Iterator
from typing import Any, Final, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from locosuppress._vocabulary import KIND_NAMES, REASONS
from locosuppress.errors import (
    InvalidOptionError,
    ListCorruptedError,
    ListLockedError,
    ListNotFoundError,
    ListStorageError,
    LocosuppressError,
    MissingExtraError,
    ReadOnlyListError,
)
from locosuppress.store._backend import FORMAT_WITH_KINDS

try:
    import psycopg
    from psycopg import errors as pg_errors
    from psycopg import sql
except ImportError as exc:  # pragma: no cover - exercised in a venv without the extra
    raise MissingExtraError(
        "a postgresql:// list needs the psycopg driver: pip install 'locosuppress[postgres]' "
        "(and, where libpq is not installed, pip install 'psycopg[binary]')"
        f" ({exc})"
    ) from None

__all__ = [
    "FORMAT_VERSION",
    "INVARIANTS",
    "SCHEMA",
    "TABLES",
    "TO_EVERY_KIND",
    "Location",
    "create_schema",
    "pg_errors_as_ours",
    "pg_errors_of",
    "run",
    "schema_exists",
    "tables_of",
]

T = TypeVar("T")

FORMAT_VERSION: Final = 1
DEFAULT_SCHEMA: Final = "locosuppress"
_SCHEMA_NAME: Final = re.compile(r"[a-z_][a-z0-9_]{0,62}")
_RETRIES: Final = 8  # serialization failures and deadlocks: whole-transaction retries
_SECRET_PARAMS: Final = frozenset({"password", "passfile", "sslpassword"})


def check_schema_name(schema: object) -> str:
    """The schema name, checked: lower-case letters, digits and ``_``.

    Raises:
        InvalidOptionError: anything else (it is also an SQL identifier).
    """
    if not isinstance(schema, str) or not _SCHEMA_NAME.fullmatch(schema):
        raise InvalidOptionError(
            "schema must be a PostgreSQL name of lower-case letters, digits and '_' "
            "(at most 63, not starting with a digit), such as 'locosuppress'"
        )
    return schema


def _redact(url: str) -> str:
    """``url`` without its password (in the user part or as a query parameter)."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        user, _, host = netloc.rpartition("@")
        netloc = f"{user.partition(':')[0]}@{host}"
    query = urlencode(
        [(k, "***" if k in _SECRET_PARAMS else v) for k, v in parse_qsl(parts.query)],
        safe="/*",
    )
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


class Location:
    """A PostgreSQL list's address: the URL (kept private) and the schema.

    ``str()`` and ``repr()`` show the URL without its password, with the
    schema; nothing else of this module ever formats the URL itself.
    """

    __slots__ = ("_secrets", "_url", "display", "schema")

    def __init__(self, url: str, schema: str) -> None:
        """Check the URL's syntax and the schema name."""
        try:
            params = psycopg.conninfo.conninfo_to_dict(url)
        except psycopg.ProgrammingError:
            raise InvalidOptionError(
                "the PostgreSQL URL cannot be parsed; write it as "
                "postgresql://user@host:port/database (the password belongs in "
                "PGPASSWORD, ~/.pgpass or a service file, not in the URL)"
            ) from None
        self._url = url
        self.schema = check_schema_name(schema)
        self._secrets = tuple(
            str(v) for k, v in params.items() if k in _SECRET_PARAMS and v and len(str(v)) > 2
        )
        self.display = f"{_redact(url)} (schema {schema})"

    def scrub(self, text: str) -> str:
        """``text`` with any secret of the URL blanked out (for driver messages)."""
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    def __str__(self) -> str:
        return self.display

    def __repr__(self) -> str:
        return f"Location({self.display!r})"

    def connect(self, *, read_only: bool, lock_timeout: float) -> psycopg.Connection[Any]:
        """A new autocommit connection with the list's session settings.

        Raises:
            ListNotFoundError: the database does not exist.
            ListStorageError: the server cannot be reached or refused the login.
        """
        options = [
            "-c synchronous_commit=on",
            f"-c lock_timeout={max(1, int(lock_timeout * 1000))}",
            "-c idle_in_transaction_session_timeout=0",
        ]
        if read_only:
            options.append("-c default_transaction_read_only=on")
        try:
            conn = psycopg.connect(
                self._url,
                autocommit=True,
                options=" ".join(options),
                application_name="locosuppress",
            )
        except psycopg.OperationalError as exc:
            text = self.scrub(str(exc).strip().splitlines()[-1] if str(exc).strip() else "")
            if "does not exist" in text and "database" in text:
                raise ListNotFoundError(
                    f"{self}: the database does not exist ({text}); create it first "
                    "(locosuppress never creates databases)"
                ) from None
            raise ListStorageError(
                f"cannot connect to the PostgreSQL server of {self} ({text}); check that "
                "it runs and that the user may log in"
            ) from None
        conn.execute(
            sql.SQL("SET search_path TO {}, pg_catalog").format(sql.Identifier(self.schema))
        )
        return conn


def pg_errors_of() -> tuple[type[BaseException], ...]:
    """The driver's exceptions that mean "the storage could not be read"."""
    return (psycopg.Error, OSError)


# --- errors ----------------------------------------------------------------------


def _primary(exc: psycopg.Error) -> str:
    """The server's primary message: never the DETAIL line, which can quote row values."""
    primary = exc.diag.message_primary if exc.diag is not None else None
    return primary or type(exc).__name__


def translate(exc: psycopg.Error, where: Location) -> Exception:
    """Map a psycopg error to the matching locosuppress error (messages without values)."""
    text = where.scrub(_primary(exc))
    if isinstance(exc, pg_errors.InsufficientPrivilege | pg_errors.ReadOnlySqlTransaction):
        return ReadOnlyListError(
            f"{where} cannot be written by this role (PostgreSQL: {text}); open it with "
            "read_only=True to check and filter, or use a role with the writer GRANTs "
            "(docs/postgres.md)"
        )
    if isinstance(exc, pg_errors.LockNotAvailable):
        return ListLockedError(
            f"{where} stayed locked by another writer longer than the lock timeout "
            f"(PostgreSQL: {text}); try again later, or pass a larger lock_timeout"
        )
    if isinstance(exc, pg_errors.DiskFull | pg_errors.InsufficientResources):
        return ListStorageError(
            f"the PostgreSQL server of {where} is out of space (PostgreSQL: {text}). "
            "Nothing of this call was stored; free space and try again."
        )
    if isinstance(exc, pg_errors.DataCorrupted | pg_errors.IndexCorrupted):
        return ListCorruptedError(
            f"{where} is damaged (PostgreSQL: {text}); restore the latest backup"
        )
    if isinstance(exc, psycopg.OperationalError | psycopg.InterfaceError):
        return ListStorageError(
            f"the connection to the PostgreSQL server of {where} failed (PostgreSQL: "
            f"{text}). Each call is one transaction, so nothing of it is half-written; "
            "if the call was committing when the connection broke, check whether its "
            "entries are there, then try again."
        )
    if isinstance(exc, psycopg.DatabaseError):
        return ListStorageError(
            f"PostgreSQL could not complete the operation on {where} ({text}); nothing "
            "of this call was stored"
        )
    return exc


@contextlib.contextmanager
def pg_errors_as_ours(where: Location) -> Iterator[None]:
    """Re-raise psycopg errors as locosuppress errors (see :func:`translate`)."""
    try:
        yield
    except LocosuppressError:
        raise
    except psycopg.Error as exc:
        mapped = translate(exc, where)
        if mapped is exc:  # pragma: no cover - every psycopg.Error maps
            raise
        raise mapped from None


# --- transactions ----------------------------------------------------------------


def _retryable(exc: BaseException) -> bool:
    return isinstance(exc, pg_errors.SerializationFailure | pg_errors.DeadlockDetected)


def run(
    conn: psycopg.Connection[Any],
    fn: Callable[[psycopg.Connection[Any]], T],
    *,
    begin: str,
    where: Location,
) -> T:
    """Run ``fn`` in one transaction opened by ``begin``; commit it; retry when PostgreSQL asks.

    Serialization failures and deadlocks roll back and re-run the whole
    transaction, at most ``_RETRIES`` times with jittered back-off (``fn``
    must only touch the database). Any other error rolls back.

    Raises:
        ListStorageError: still failing after the retries, or the connection broke.
    """
    attempt = 0
    while True:
        try:
            conn.execute(begin)
            try:
                result = fn(conn)
                conn.execute("COMMIT")
            except BaseException:
                if not conn.broken and not conn.closed:
                    with contextlib.suppress(psycopg.Error):
                        conn.execute("ROLLBACK")
                raise
        except psycopg.Error as exc:
            if _retryable(exc) and attempt < _RETRIES:
                time.sleep(random.uniform(0.002, 0.01 * 2**attempt))
                attempt += 1
                continue
            raise
        return result


# --- schema ----------------------------------------------------------------------

# Hashes are bytea, codes smallint, times integer seconds; `version` is the
# change counter of the transaction that wrote the row (see the module doc).
SCHEMA: Final = (
    "CREATE TABLE meta (key text PRIMARY KEY, value text NOT NULL)",
    """CREATE TABLE state (
        id smallint PRIMARY KEY CHECK (id = 1),
        version bigint NOT NULL,
        removed_version bigint NOT NULL,
        snapshot_version bigint NOT NULL
    )""",
    """CREATE TABLE sources (
        id integer GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        label text NOT NULL UNIQUE
    )""",
    """CREATE TABLE entries (
        hash bytea NOT NULL,
        kind smallint NOT NULL,
        scope smallint NOT NULL,
        reason smallint NOT NULL,
        added_at bigint NOT NULL,
        source integer,
        version bigint NOT NULL,
        PRIMARY KEY (hash, kind, scope),
        CHECK (octet_length(hash) = 32 AND kind IN (0, 1) AND scope IN (1, 2, 4))
    )""",
    "CREATE INDEX entries_version ON entries (version)",
    "CREATE TABLE index_snapshot (chunk integer PRIMARY KEY, data bytea NOT NULL)",
    """CREATE TABLE audit (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        at bigint NOT NULL,
        operation text NOT NULL,
        total bigint,
        added bigint,
        already_present bigint,
        removed bigint,
        invalid bigint,
        kept bigint,
        suppressed bigint,
        duplicates bigint,
        scope text,
        reason text,
        channel text,
        source integer,
        library_version text NOT NULL
    )""",
    "INSERT INTO state (id, version, removed_version, snapshot_version) VALUES (1, 0, 0, 0)",
)
#: Raise a format-1 list to format 2: the entries' CHECK admits every kind (the
#: unnamed table CHECK of :data:`SCHEMA` is named ``entries_check`` by PostgreSQL).
TO_EVERY_KIND: Final = (
    "ALTER TABLE entries DROP CONSTRAINT entries_check, ADD CONSTRAINT entries_check "
    f"CHECK (octet_length(hash) = 32 AND kind IN ({', '.join(map(str, sorted(KIND_NAMES)))}) "
    "AND scope IN (1, 2, 4))",
    f"UPDATE meta SET value = '{FORMAT_WITH_KINDS}' WHERE key = 'format_version'",
)
#: ``(what, query counting the rows that break it)`` for each invariant of the entries.
INVARIANTS: Final = (
    (
        "entries whose hash is not 32 bytes",
        "SELECT count(*) FROM entries WHERE octet_length(hash) <> 32",
    ),
    (
        "entries of an unknown kind",
        f"SELECT count(*) FROM entries WHERE kind NOT IN ({', '.join(map(str, KIND_NAMES))})",
    ),
    ("entries of an unknown scope", "SELECT count(*) FROM entries WHERE scope NOT IN (1, 2, 4)"),
    (
        "entries of an unknown reason",
        "SELECT count(*) FROM entries WHERE reason NOT IN "
        f"({','.join(str(c) for c in REASONS.values())})",
    ),
    ("entries with an invalid time", "SELECT count(*) FROM entries WHERE added_at < 0"),
    (
        "entries with an unknown source",
        "SELECT count(*) FROM entries WHERE source IS NOT NULL "
        "AND source NOT IN (SELECT id FROM sources)",
    ),
    (
        "entries newer than the change counter",
        "SELECT count(*) FROM entries WHERE version > (SELECT version FROM state)",
    ),
)
TABLES: Final = frozenset({"meta", "state", "sources", "entries", "index_snapshot", "audit"})
#: Tables a writer inserts into (checked at a writable open).
WRITTEN: Final = ("entries", "audit", "sources", "state", "meta", "index_snapshot")


def schema_exists(conn: psycopg.Connection[Any], schema: str) -> bool:
    """Whether the schema exists in the database."""
    row = conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (schema,)).fetchone()
    return row is not None


def tables_of(conn: psycopg.Connection[Any], schema: str) -> set[str]:
    """The tables of ``schema``."""
    rows = conn.execute(
        "SELECT c.relname FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace "
        "WHERE n.nspname = %s AND c.relkind IN ('r', 'p')",
        (schema,),
    )
    return {str(r[0]) for r in rows}


def create_schema(
    conn: psycopg.Connection[Any],
    where: Location,
    *,
    meta: dict[str, str],
    audit: tuple[int, str, str],
) -> bool:
    """Create the schema, its tables, meta and first audit row in one transaction.

    Returns:
        False when another process created the schema meanwhile.

    Raises:
        ReadOnlyListError: the role may not create schemas in the database.
    """

    def build(c: psycopg.Connection[Any]) -> None:
        c.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(where.schema)))
        for statement in SCHEMA:
            c.execute(statement)
        with c.cursor() as cur:
            cur.executemany("INSERT INTO meta (key, value) VALUES (%s, %s)", list(meta.items()))
        c.execute("INSERT INTO audit (at, operation, library_version) VALUES (%s, %s, %s)", audit)

    try:
        with pg_errors_as_ours(where):
            try:
                run(conn, build, begin="BEGIN", where=where)
            except (pg_errors.DuplicateSchema, pg_errors.UniqueViolation):
                return False
    except ReadOnlyListError:
        raise ReadOnlyListError(
            f"cannot create {where}: this role may not create a schema in the database; "
            "create the list once as its owner (docs/postgres.md), or open it with create=False"
        ) from None
    return True
