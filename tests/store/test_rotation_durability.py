"""A key rotation killed at any point leaves the old list or the new one, never a mix.

A child process rotates a copy of a 160,002-entry SQLite list (ten chunks of
wrapping; on PostgreSQL a 60,002-entry list, four chunks) and prints a line
at each progress point, then after ``rotate_key`` returned; at the chosen
point it blocks on standard input and the parent kills it with SIGKILL. No
sleeping, no racing a clock: the parent reads the child's lines to know
where it is. Afterwards exactly one of the
two chains opens the list, every entry is there, every stored hash belongs to
that chain, and ``verify()`` names it.
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from store_support import raw_rows

from locosuppress import KeyMismatchError, KeyRing, SuppressionKey, SuppressionList
from locosuppress.keys import HashingMaterial

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(os.name != "posix", reason="SIGKILL semantics"),
]

OLD_KEY = SuppressionKey(bytes(range(32)))
NEW_KEY = SuppressionKey(bytes(range(32, 64)))
ADDRESSES = [f"klant{i:06d}@voorbeeld.example" for i in range(160_000)]
DOMAINS = ["spam.example", "weg.example"]
#: Progress points of the child: 0 (hashes read), 1..10 (after each chunk), then "returned".
POINTS = [*(str(n) for n in range(11)), "returned"]

ROTATOR = textwrap.dedent(
    """
    import sys
    from locosuppress import SuppressionKey, SuppressionList

    path, old, new, stop = sys.argv[1:5]
    calls = 0

    def point(name):
        print(f"point {name}", flush=True)
        if name == stop:
            sys.stdin.readline()  # blocks until the parent kills us

    def progress(done, total):
        global calls
        point(str(calls))
        calls += 1

    with SuppressionList.open(path, SuppressionKey.load(old)) as lst:
        lst.rotate_key(SuppressionKey.load(new), progress=progress)
        point("returned")
    """
)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A closed list of 160,000 addresses and two domains under the old key."""
    path = tmp_path_factory.mktemp("template") / "list.db"
    with SuppressionList.open(path, OLD_KEY) as lst:
        lst.add_many(ADDRESSES)
        for domain in DOMAINS:
            lst.add_domain(domain)
    return path


def chain_hashes(matter: HashingMaterial, addresses: list[str] = ADDRESSES) -> set[bytes]:
    """Every value the list must hold under one chain."""
    emails = matter.hash_emails(addresses)
    return {bytes(h) for h in emails} | {matter.hash_domain(d) for d in DOMAINS}


def stored(path: Path) -> set[bytes]:
    """Every stored hash, read past locosuppress."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return {bytes(r[0]) for r in conn.execute("SELECT hash FROM entries")}
    finally:
        conn.close()


def kill_at(path: Path | str, folder: Path, stop: str) -> list[str]:
    """Run the rotating child on ``path``, SIGKILL it at ``stop``; return the lines it printed."""
    old = OLD_KEY.save(folder / "old.key")
    new = NEW_KEY.save(folder / "new.key")
    proc = subprocess.Popen(
        [sys.executable, "-c", ROTATOR, str(path), str(old), str(new), stop],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    lines = []
    try:
        for line in proc.stdout:
            lines.append(line.strip())
            if line.strip() == f"point {stop}":
                proc.send_signal(signal.SIGKILL)
                break
        else:  # pragma: no cover - the child ended without reaching the point
            pytest.fail(
                f"the child ended early: {lines} {proc.stderr.read() if proc.stderr else ''}"
            )
    finally:
        proc.wait()
    assert -signal.SIGKILL == proc.returncode
    return lines


def opens_with(path: Path | str, key: SuppressionKey | KeyRing) -> bool:
    """Whether ``key`` opens the list (a KeyMismatchError: it does not)."""
    try:
        SuppressionList.open(path, key, create=False).close()
    except KeyMismatchError:
        return False
    return True


@pytest.mark.sqlite_only
class TestKilledRotation:
    """SIGKILL at twelve points of a rotation: old list or new list, nothing lost."""

    @pytest.mark.parametrize("stop", POINTS)
    def test_old_or_new_never_a_mix(self, template: Path, tmp_path: Path, stop: str) -> None:
        """After the kill exactly one chain opens it, all entries are there, verify names it."""
        path = tmp_path / "list.db"
        shutil.copy(template, path)
        lines = kill_at(path, tmp_path, stop)
        assert f"point {stop}" == lines[-1]
        ring = KeyRing([OLD_KEY, NEW_KEY])
        old_opens, new_opens = opens_with(path, OLD_KEY), opens_with(path, ring)
        assert (stop == "returned") == new_opens
        assert old_opens != new_opens
        key: SuppressionKey | KeyRing = ring if new_opens else OLD_KEY
        expected = chain_hashes(key.hashing_material())
        with SuppressionList.open(path, key) as lst:
            report = lst.verify()
            assert (True, key.hashing_material().chain) == (report.ok, report.chain)
            assert len(ADDRESSES) + len(DOMAINS) == len(lst)
            assert all(a in lst for a in ADDRESSES[::1000])
            assert lst.is_suppressed("wie@spam.example")
        assert expected == stored(path)


#: A smaller list on PostgreSQL: four chunks of wrapping.
PG_ADDRESSES = ADDRESSES[:60_000]
PG_POINTS = ["0", "2", "4", "returned"]


class TestKilledRotationPostgres:
    """SIGKILL of the rotating client on PostgreSQL: the server rolls back, or it committed."""

    @pytest.mark.parametrize("stop", PG_POINTS)
    def test_old_or_new_never_a_mix(
        self, postgres_server: object, tmp_path: Path, stop: str
    ) -> None:
        """After the kill exactly one chain opens it, all entries are there, verify names it."""
        server = postgres_server
        url = str(server.url(server.new_database()))  # type: ignore[attr-defined]
        with SuppressionList.open(url, OLD_KEY) as lst:
            lst.add_many(PG_ADDRESSES)
            for domain in DOMAINS:
                lst.add_domain(domain)
        lines = kill_at(url, tmp_path, stop)
        assert f"point {stop}" == lines[-1]
        ring = KeyRing([OLD_KEY, NEW_KEY])
        old_opens, new_opens = opens_with(url, OLD_KEY), opens_with(url, ring)
        assert ((stop == "returned"), True) == (new_opens, old_opens != new_opens)
        key: SuppressionKey | KeyRing = ring if new_opens else OLD_KEY
        with SuppressionList.open(url, key) as lst:
            report = lst.verify()
            assert (True, key.hashing_material().chain) == (report.ok, report.chain)
            assert len(PG_ADDRESSES) + len(DOMAINS) == len(lst)
            assert all(a in lst for a in PG_ADDRESSES[::1000])
        stored = {bytes(r[0]) for r in raw_rows(url, "SELECT hash FROM entries")}
        assert chain_hashes(key.hashing_material(), PG_ADDRESSES) == stored
