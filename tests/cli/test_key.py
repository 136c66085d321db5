"""``locosuppress key rotate`` and key rings on every command's ``--key-file``."""

from __future__ import annotations

import json
import stat
import subprocess
from collections.abc import Callable
from pathlib import Path

import locosuppress
from locosuppress import KeyRing, SuppressionKey, SuppressionList

Run = Callable[..., subprocess.CompletedProcess[str]]
Check = Callable[..., None]


def new_key(folder: Path, name: str) -> Path:
    """A new key file in ``folder``."""
    return SuppressionKey.generate().save(folder / name)


class TestKeyRotate:
    """The ring is written first, then the list is rotated; then the ring opens it."""

    def test_rotate_then_use_the_ring(
        self, world: Path, run: Run, assert_failed: Check, suppressed: tuple[str, str, str]
    ) -> None:
        """rotate prints the report, writes a 0600 ring; the ring filters, the old key fails."""
        new_key(world, "new.key")
        done = run(
            "key", "rotate", "list.db", "--key-file", "list.key",
            "--new-key-file", "new.key", "--ring-out", "list.ring", "--json",
            cwd=world,
        )  # fmt: skip
        assert 0 == done.returncode, done.stderr
        ring = KeyRing.load(world / "list.ring")
        report = json.loads(done.stdout)
        assert (list(ring.chain), 4) == (report["chain_after"], report["entries"])
        assert 0o600 == stat.S_IMODE((world / "list.ring").stat().st_mode)
        assert SuppressionKey.load(world / "list.key") == ring.keys[0]

        done = run("verify", "list.db", "--key-file", "list.ring", "--json", cwd=world)
        assert 0 == done.returncode, done.stderr
        assert list(ring.chain) == json.loads(done.stdout)["chain"]
        done = run(
            "filter", "list.db", "import.csv", "-o", "out.csv", cwd=world, key=world / "list.ring"
        )
        assert 0 == done.returncode, done.stderr
        assert suppressed[0] not in (world / "out.csv").read_text(encoding="cp1252").lower()
        assert_failed(
            run("stats", "list.db", "--key-file", "list.key", cwd=world), "key rotate", "->"
        )
        done = run("key", "fingerprint", "--key-file", "list.ring", cwd=world)
        assert [ring.fingerprint, f"key chain (oldest first): {' -> '.join(ring.chain)}"] == (
            done.stdout.splitlines()
        )

    def test_refuses_an_existing_ring(self, world: Path, run: Run, assert_failed: Check) -> None:
        """An existing --ring-out is never overwritten, and the list is not rotated."""
        new_key(world, "new.key")
        (world / "list.ring").write_text("keep me")
        done = run(
            "key", "rotate", "list.db", "--key-file", "list.key",
            "--new-key-file", "new.key", "--ring-out", "list.ring",
            cwd=world,
        )  # fmt: skip
        assert_failed(done, "never overwritten")
        assert "keep me" == (world / "list.ring").read_text()
        with SuppressionList.open(
            world / "list.db", SuppressionKey.load(world / "list.key")
        ) as lst:
            assert 1 == len(lst.chain)

    def test_refuses_a_ring_in_a_missing_folder(
        self, world: Path, run: Run, assert_failed: Check
    ) -> None:
        """A ring that cannot be written stops the command before the list changes."""
        new_key(world, "new.key")
        done = run(
            "key", "rotate", "list.db", "--key-file", "list.key",
            "--new-key-file", "new.key", "--ring-out", "missing/list.ring",
            cwd=world,
        )  # fmt: skip
        assert_failed(done, "does not exist")
        with SuppressionList.open(
            world / "list.db", SuppressionKey.load(world / "list.key")
        ) as lst:
            assert 1 == len(lst.chain)

    def test_wrong_current_key_writes_no_ring(
        self, world: Path, run: Run, assert_failed: Check
    ) -> None:
        """With a key that does not open the list, no ring file is written."""
        new_key(world, "new.key")
        new_key(world, "other.key")
        done = run(
            "key", "rotate", "list.db", "--key-file", "other.key",
            "--new-key-file", "new.key", "--ring-out", "list.ring",
            cwd=world,
        )  # fmt: skip
        assert_failed(done, "fingerprint")
        assert not (world / "list.ring").exists()

    def test_rotate_a_rotated_list_from_its_ring(
        self, world: Path, run: Run, assert_failed: Check
    ) -> None:
        """A second rotation reads the ring and writes a three-key ring; a key in it is refused."""
        key = locosuppress.SuppressionKey.load(world / "list.key")
        with SuppressionList.open(world / "list.db", key) as lst:
            lst.rotate_key(SuppressionKey.load(new_key(world, "second.key")))
        ring = KeyRing([key, SuppressionKey.load(world / "second.key")])
        ring.save(world / "two.ring")
        done = run(
            "key", "rotate", "list.db", "--key-file", "two.ring",
            "--new-key-file", "second.key", "--ring-out", "three.ring",
            cwd=world,
        )  # fmt: skip
        assert_failed(done, "already in the chain")
        assert not (world / "three.ring").exists()
        new_key(world, "third.key")
        done = run(
            "key", "rotate", "list.db", "--new-key-file", "third.key", "--ring-out", "three.ring",
            cwd=world, key=world / "two.ring",
        )  # fmt: skip
        assert 0 == done.returncode, done.stderr
        assert "three.ring" in done.stdout
        assert 3 == len(KeyRing.load(world / "three.ring"))
