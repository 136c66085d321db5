"""``locosuppress add-hashes`` and wildcards in ``add-domain``/``remove-domain``."""

from __future__ import annotations

import hashlib
import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from locosuppress import SuppressionKey, SuppressionList
from locosuppress.cli.hashes import hash_column

Run = Callable[..., subprocess.CompletedProcess[str]]
PEOPLE = ("klant.een@example.nl", "Klant.Twee@Example.NL")


def md5(address: str) -> str:
    """Mailchimp's subscriber_hash."""
    return hashlib.md5(address.strip().lower().encode()).hexdigest()


class TestAddHashes:
    """add-hashes keys a client's file into the list and prints the report."""

    def test_csv_by_column_name(self, run: Run, world: Path, address: object) -> None:
        """A CSV with a subscriber_hash column: digests added, the bad one counted, exit 1."""
        rows = ["Naam;subscriber_hash", *(f"x;{md5(p)}" for p in PEOPLE), "y;niet-een-hash"]
        (world / "klant.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
        key = world / "list.key"
        done = run("add-hashes", "list.db", "klant.csv", "--kind", "md5", cwd=world, key=key)
        assert 1 == done.returncode
        assert "1 of 3 values are not md5 digests" in done.stderr
        assert "kind             md5" in done.stdout
        assert None is address.search(done.stdout + done.stderr)  # type: ignore[attr-defined]
        with SuppressionList.open(world / "list.db", SuppressionKey.load(key)) as lst:
            assert all(p in lst for p in PEOPLE)
            assert {"md5": 2} == lst.stats().other_kinds

    def test_json_and_options(self, run: Run, world: Path) -> None:
        """A JSON array, --scope, --json: the report as JSON names the kind."""
        digests = [hashlib.sha256(p.lower().encode()).hexdigest() for p in PEOPLE]
        (world / "partner.json").write_text(json.dumps(digests), encoding="utf-8")
        key = world / "list.key"
        done = run(
            "add-hashes",
            "list.db",
            "partner.json",
            "--kind",
            "sha256",
            "--scope",
            "post",
            "--json",
            cwd=world,
            key=key,
        )
        assert 0 == done.returncode, done.stderr
        data = json.loads(done.stdout)
        assert (2, "sha256") == (data["added"], data["kind"])
        with SuppressionList.open(world / "list.db", SuppressionKey.load(key)) as lst:
            assert lst.is_suppressed(PEOPLE[1], channel="post")
            assert not lst.is_suppressed(PEOPLE[1], channel="newsletter")

    def test_headerless_file(self, run: Run, world: Path, assert_failed) -> None:
        """A file whose first row is a digest is refused unless --no-header reads it as data."""
        (world / "kaal.csv").write_text("".join(md5(p) + "\n" for p in PEOPLE), encoding="utf-8")
        key = world / "list.key"
        refused = run("add-hashes", "list.db", "kaal.csv", "--kind", "md5", cwd=world, key=key)
        assert_failed(refused, "--no-header")
        done = run(
            "add-hashes", "list.db", "kaal.csv", "--kind", "md5", "--no-header", cwd=world, key=key
        )
        assert 0 == done.returncode, done.stderr
        with SuppressionList.open(world / "list.db", SuppressionKey.load(key)) as lst:
            assert all(p in lst for p in PEOPLE)

    def test_wildcard_domains(self, run: Run, world: Path, assert_failed) -> None:
        """add-domain and remove-domain take '*.example.com'; a bad wildcard is a clean error."""
        key = world / "list.key"
        added = run("add-domain", "list.db", "*.Klant.example", cwd=world, key=key)
        assert 0 == added.returncode, added.stderr
        assert "every subdomain of klant.example" in added.stdout
        with SuppressionList.open(world / "list.db", SuppressionKey.load(key)) as lst:
            assert "a@b.c.klant.example" in lst
            assert "a@klant.example" not in lst
        assert_failed(run("add-domain", "list.db", "*.nl", cwd=world, key=key), "wildcard")
        removed = run(
            "remove-domain",
            "list.db",
            "*.klant.example",
            "--reason",
            "correction",
            cwd=world,
            key=key,
        )
        assert 0 == removed.returncode, removed.stderr
        with SuppressionList.open(world / "list.db", SuppressionKey.load(key)) as lst:
            assert "a@b.c.klant.example" not in lst


class TestHashColumn:
    """The column of digests is named, found by name, or the only one."""

    @pytest.mark.parametrize(
        ("columns", "expected"),
        [
            (["Naam", "subscriber_hash"], "subscriber_hash"),
            (["E-mail MD5", "x"], "E-mail MD5"),
            (["waarde"], "waarde"),
            (["Email Hash", "naam"], "Email Hash"),
        ],
    )
    def test_found(self, columns: list[str], expected: str) -> None:
        """Known names and a single column are found."""
        assert expected == hash_column(pd.DataFrame(columns=columns), None)

    def test_ambiguous(self) -> None:
        """Two digest-like columns, or none among several, ask for --column."""
        with pytest.raises(Exception, match="name the column of digests with --column"):
            hash_column(pd.DataFrame(columns=["md5", "sha256"]), None)
        with pytest.raises(Exception, match="name the column of digests with --column"):
            hash_column(pd.DataFrame(columns=["a", "b"]), None)
