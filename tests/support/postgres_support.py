"""A real PostgreSQL server for the tests, started in a temporary folder (``postgres_support``).

The server binaries come from the ``pgserver`` wheel (PostgreSQL shipped in a
wheel, in the ``test`` extra), or else from ``pg_config``/the ``PATH``.
PostgreSQL refuses to run as root, so when the tests run as root the server
runs as ``nobody`` (its data folder is handed to that user); otherwise it
runs as ourselves. It listens only on a Unix socket in its own folder, with
``trust`` authentication: the tests pass passwords in URLs only to check that
they never leak.

Stopping is ``pg_ctl stop -m fast`` (or ``immediate``, a crash, for the
durability tests); :meth:`PostgresServer.start` starts the same folder again.
"""

from __future__ import annotations

import contextlib
import importlib.util
import itertools
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

NOBODY = 65534
_names = itertools.count()


def bin_dir() -> Path | None:
    """The folder of ``initdb``, ``pg_ctl``, ``postgres`` and ``pg_dump``, or None."""
    spec = importlib.util.find_spec("pgserver")
    if spec is not None and spec.submodule_search_locations:
        folder = Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"
        if (folder / "initdb").exists():
            return folder
    pg_config = shutil.which("pg_config")
    if pg_config is not None:
        out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=False)
        folder = Path(out.stdout.strip())
        if (folder / "initdb").exists():
            return folder
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


class PostgresServer:
    """One PostgreSQL cluster in a temporary folder, reachable by its Unix socket."""

    def __init__(self, binaries: Path) -> None:
        """Prepare (but do not start) a cluster under a new temporary folder."""
        self.bin = binaries
        self.as_root = os.geteuid() == 0
        self.folder = Path(tempfile.mkdtemp(prefix="locosuppress-pg-"))
        self.data = self.folder / "data"
        self.log = self.folder / "server.log"
        if self.as_root:
            # nobody must reach the folder; nobody else may list it.
            self.folder.chmod(0o711)
            self.data.mkdir(mode=0o700)
            os.chown(self.data, NOBODY, NOBODY)
            self.log.touch(mode=0o600)
            os.chown(self.log, NOBODY, NOBODY)
            self.socket_dir = self.data
        else:
            self.socket_dir = self.folder
        self.running = False
        #: Databases made by :meth:`new_database` and not dropped yet.
        self.created: list[str] = []

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        kwargs: dict[str, Any] = {}
        if self.as_root:
            kwargs = {"user": NOBODY, "group": NOBODY, "extra_groups": []}
        return subprocess.run(
            [str(self.bin / args[0]), *args[1:]],
            capture_output=True,
            text=True,
            check=False,
            cwd=self.folder,
            **kwargs,
        )

    def _check(self, done: subprocess.CompletedProcess[str], what: str) -> None:
        if done.returncode:
            log = self.log.read_text(errors="replace") if self.log.exists() else ""
            raise RuntimeError(f"{what} failed:\n{done.stdout}\n{done.stderr}\n{log[-4000:]}")

    def init(self) -> None:
        """Create the cluster (initdb), superuser ``postgres``, trust authentication."""
        done = self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
        )
        self._check(done, "initdb")

    def start(self, *, durable: bool = False) -> None:
        """Start the server (socket only, no TCP) and wait until it accepts connections.

        The tests run with ``fsync=off`` (a crash of the server process loses
        nothing the kernel has; only an operating-system crash would), which
        makes creating a database per test cheap; benchmarks pass
        ``durable=True`` to measure with PostgreSQL's defaults.
        """
        options = f"-c listen_addresses='' -k {self.socket_dir} -c max_connections=60"
        if not durable:
            options += " -c shared_buffers=64MB -c fsync=off -c full_page_writes=off"
        done = self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-o", options, "start"
        )
        self._check(done, "pg_ctl start")
        self.running = True

    def stop(self, mode: str = "fast") -> None:
        """Stop the server: ``fast`` (clean) or ``immediate`` (a crash, recovered on start)."""
        done = self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")
        self._check(done, f"pg_ctl stop -m {mode}")
        self.running = False

    def url(self, database: str = "postgres", user: str = "postgres", password: str = "") -> str:
        """A ``postgresql://`` URL for ``database`` over the socket."""
        secret = f":{password}" if password else ""
        return f"postgresql://{user}{secret}@/{database}?host={self.socket_dir}"

    def execute(self, sql: str, *, database: str = "postgres") -> list[tuple[Any, ...]]:
        """Run SQL as the superuser in autocommit; return the rows of the last statement."""
        import psycopg

        with psycopg.connect(self.url(database), autocommit=True) as conn:
            cur = conn.execute(sql)  # type: ignore[arg-type]
            return cur.fetchall() if cur.description else []

    def new_database(self) -> str:
        """Create a new, empty database; return its name."""
        name = f"t{os.getpid()}_{next(_names)}"
        self.execute(f"CREATE DATABASE {name} TEMPLATE template0")
        self.created.append(name)
        return name

    def drop_created(self) -> None:
        """Drop every database :meth:`new_database` made (ending their sessions)."""
        while self.created and self.running:
            self.execute(f"DROP DATABASE IF EXISTS {self.created.pop()} WITH (FORCE)")

    def pg_dump(self, database: str, *args: str) -> bytes:
        """The plain-text ``pg_dump`` of ``database`` (as the superuser)."""
        done = subprocess.run(
            [
                str(self.bin / "pg_dump"),
                "-h",
                str(self.socket_dir),
                "-U",
                "postgres",
                *args,
                database,
            ],
            capture_output=True,
            check=True,
        )
        return done.stdout

    def remove(self) -> None:
        """Stop the server if it runs (fast) and delete its folder."""
        with contextlib.suppress(RuntimeError):
            if self.running:
                self.stop("fast")
        shutil.rmtree(self.folder, ignore_errors=True)


def run_machine_on_postgres(
    server: PostgresServer, machine: type[Any], *, max_examples: int, steps: int
) -> None:
    """Run a Hypothesis state machine whose lists live in new databases of ``server``.

    The machine chooses where its list goes with a ``new_location()`` method;
    here every run gets a new database on the test server instead of a file.
    """
    from hypothesis import settings
    from hypothesis.stateful import run_state_machine_as_test

    class OnPostgres(machine):  # type: ignore[misc, valid-type]
        """The same machine on a list in PostgreSQL."""

        def new_location(self) -> str:
            return str(server.url(server.new_database()))

    OnPostgres.__name__ = OnPostgres.__qualname__ = f"{machine.__name__}OnPostgres"
    run_state_machine_as_test(
        OnPostgres,
        settings=settings(max_examples=max_examples, stateful_step_count=steps, deadline=None),
    )
