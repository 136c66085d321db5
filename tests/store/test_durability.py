"""Durability and concurrency of the suppression list, with real processes.

* A writer process is killed with SIGKILL in the middle of its work; every
  write it acknowledged (printed after the call returned) must be there on
  reopen, and ``verify()`` must be clean. No test sleeps or races a clock: the
  parent reads the writer's lines to know where it is, then kills it while it
  is busy with the next write.
* Four processes create the same list at once and add 5,000 distinct
  addresses each; all 20,000 must be there and no "database is locked"
  may reach a caller.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from locosuppress import SuppressionKey, SuppressionList

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(os.name != "posix", reason="SIGKILL and fork semantics"),
]

KEY = SuppressionKey(bytes(range(32)))
KILLS = 24
BATCH = 40

WRITER = textwrap.dedent(
    """
    import sys
    from locosuppress import SuppressionKey, SuppressionList

    path, run = sys.argv[1], sys.argv[2]
    print("start", flush=True)
    with SuppressionList.open(path, SuppressionKey(bytes(range(32)))) as lst:
        print("ready", flush=True)
        batch = 0
        while True:
            addresses = [f"r{run}.b{batch}.i{i}@example.nl" for i in range(BATCH)]
            if batch % 3 == 2:
                for address in addresses[:3]:
                    lst.add(address, scope="post", reason="complaint")
            lst.add_many(addresses, source="durability")
            print(f"A {batch}", flush=True)
            if batch % 4 == 3:
                lst.remove(f"r{run}.b{batch - 1}.i0@example.nl")
                print(f"R {batch - 1}", flush=True)
            batch += 1
    """
).replace("BATCH", str(BATCH))


def _addresses(run: int, batch: int) -> list[str]:
    """The addresses of one acknowledged batch."""
    return [f"r{run}.b{batch}.i{i}@example.nl" for i in range(BATCH)]


def _stored_email_hashes(path: Path) -> set[bytes]:
    """Every e-mail hash in the list file (read on a connection of the test's own)."""
    conn = sqlite3.connect(path)
    try:
        return {row[0] for row in conn.execute("SELECT hash FROM entries WHERE kind = 0")}
    finally:
        conn.close()


class TestCrashDurability:
    """Acknowledged writes survive SIGKILL."""

    def test_sigkill_at_random_moments(self, tmp_path: Path) -> None:
        """Every acknowledged add and remove is on disk after each of 24 kills; verify is clean.

        Each run reads k of the writer's lines (k drawn per run from a seeded
        generator: 0 is "while opening", else k acknowledged writes) and then
        kills it, so the kill lands while the writer is busy with what comes next.
        """
        path = tmp_path / "list.db"
        rng = random.Random(20250314)
        added: set[str] = set()
        removed: set[str] = set()
        total_acks = 0
        for run in range(KILLS):
            proc = subprocess.Popen(
                [sys.executable, "-c", WRITER, str(path), str(run)],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            assert proc.stdout is not None
            seen = [proc.stdout.readline()]
            assert "start\n" == seen[0], proc.stderr.read() if proc.stderr else ""
            # Sometimes kill while the list is being opened, else after k acknowledged writes.
            wait_for = 0 if run % 6 == 5 else 1 + rng.randint(1, 12)
            for _ in range(wait_for):
                seen.append(proc.stdout.readline())
                assert seen[-1], proc.stderr.read() if proc.stderr else ""
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
            assert -signal.SIGKILL == proc.returncode
            last = -1
            for line in [*seen, *proc.stdout.read().splitlines(keepends=True)]:
                if line.startswith("A "):
                    last = int(line.split()[1])
                    added.update(_addresses(run, last))
                    total_acks += 1
                elif line.startswith("R "):
                    removed.add(f"r{run}.b{int(line.split()[1])}.i0@example.nl")
            # A removal that was running when the kill came may or may not have
            # committed: its address is neither required present nor absent.
            unsure = f"r{run}.b{last - 1}.i0@example.nl"
            if last % 4 == 3 and unsure not in removed:
                added.discard(unsure)
            with SuppressionList.open(path, KEY, create=False) as lst:
                report = lst.verify()
                assert report.ok, (run, report.problems)
            stored = _stored_email_hashes(path)
            missing = [a for a in added - removed if KEY.hash_email(a) not in stored]
            assert [] == missing, run
            back = [a for a in removed if KEY.hash_email(a) in stored]
            assert [] == back, run
        # The kills landed in the middle of work: the lines read before the kills
        # alone hold 102 acknowledgements (seeded), so this never depends on timing.
        assert total_acks > 3 * KILLS

    def test_sigkill_during_creation(self, tmp_path: Path) -> None:
        """A kill while a list is being created leaves no list or a complete one."""
        # Kill points, never a clock: before the child said anything (it may not
        # have started), right after "start" (the list is being created), after
        # "ready" (created) and after the first acknowledged write.
        for attempt, lines in enumerate((0, 1, 2, 3) * 2):
            path = tmp_path / f"list{attempt}.db"
            proc = subprocess.Popen(
                [sys.executable, "-c", WRITER, str(path), "0"],
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
            )
            assert proc.stdout is not None
            said = [proc.stdout.readline() for _ in range(lines)]
            assert ["start\n", "ready\n", "A 0\n"][:lines] == said
            proc.kill()
            proc.wait(timeout=30)
            proc.stdout.close()
            if lines >= 2:
                assert path.exists()
            if path.exists():
                with SuppressionList.open(path, KEY, create=False) as lst:
                    assert lst.verify().ok
                    if lines == 3:
                        assert f"r0.b0.i{BATCH - 1}@example.nl" in lst


CONCURRENT = textwrap.dedent(
    """
    import sys
    import pandas as pd
    from locosuppress import SuppressionKey, SuppressionList

    path, worker = sys.argv[1], int(sys.argv[2])
    # A start barrier, so that the four really race to create the list; the
    # results must hold however the processes end up interleaved.
    print("ready", flush=True)
    sys.stdin.readline()
    addresses = [f"w{worker}.n{i}@example.nl" for i in range(5000)]
    with SuppressionList.open(path, SuppressionKey(bytes(range(32)))) as lst:
        added = 0
        for i in range(0, 4000, 50):
            added += lst.add_many(addresses[i:i + 50], source=f"worker-{worker}").added
            added += lst.add(addresses[4000 + i // 50 * 5], reason="bounce")
            for address in addresses[4000 + i // 50 * 5 + 1: 4000 + i // 50 * 5 + 5]:
                added += lst.add(address, scope="newsletter")
            assert addresses[i] in lst
        for address in addresses[4400:]:
            added += lst.add(address)
        lst.filter(pd.DataFrame({"email": ["nobody@example.org"]}), source=f"worker-{worker}")
    print(added)
    """
)


class TestConcurrentWriters:
    """Several processes writing the same list at once."""

    def test_four_writers(self, tmp_path: Path) -> None:
        """Four processes create and fill one list: 20,000 entries, no lock error surfaced."""
        path = tmp_path / "shared.db"
        procs = [
            subprocess.Popen(
                [sys.executable, "-c", CONCURRENT, str(path), str(worker)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for worker in range(4)
        ]
        for proc in procs:
            assert proc.stdout is not None
            assert "ready\n" == proc.stdout.readline()
        for proc in procs:
            assert proc.stdin is not None
            proc.stdin.write("go\n")
            proc.stdin.flush()
        outputs = [proc.communicate(timeout=240) for proc in procs]
        for proc, (out, err) in zip(procs, outputs, strict=True):
            assert "locked" not in err
            assert 0 == proc.returncode, err
            assert "5000" == out.strip()
        with SuppressionList.open(path, KEY, create=False) as lst:
            assert 20_000 == len(lst)
            assert lst.verify().ok
            expected = {
                KEY.hash_email(f"w{w}.n{i}@example.nl") for w in range(4) for i in range(5000)
            }
            assert expected == _stored_email_hashes(path)
            audit = lst.audit()
            assert 4 == int((audit["operation"] == "filter").sum())
            assert 1 == int((audit["operation"] == "create").sum())
