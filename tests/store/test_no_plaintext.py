"""No plaintext and no unkeyed hash in any file a suppression list leaves on disk."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from locosuppress import (
    InvalidEmailError,
    SuppressionKey,
    SuppressionList,
    normalize_domain,
    normalize_email,
)

ADDRESSES = [
    "Marieke.de.Vries+nieuwsbrief@Example.NL",
    "jan.jansen@gmail.com",
    "J.A.N.S.E.N@googlemail.com",
    '"Piet Bakker" <piet.bakker@voorbeeld.nl>',
    "ĳsbrand.smit@bücher.example",
    "renée.joël@société.example",
    "mailto:sophie.visser@kpnmail.example.nl?subject=stop",
    *[f"  Person{i:03d}.Secret@Bedrijf.Example.EU " for i in range(200)],
]
DOMAINS = ["Spammer-Domain.example", "bücherwurm.example"]
REMOVED = "jan.jansen@gmail.com"


def needles(value: str, *, canonical: str) -> dict[str, bytes]:
    """Every form of one value that must never be on disk."""
    forms: dict[str, bytes] = {}
    for label, text in (("input", value.strip()), ("canonical", canonical)):
        for variant in {text, text.lower(), text.upper()}:
            forms[f"{label} text {variant!r}"] = variant.encode("utf-8")
            forms[f"{label} utf-16 {variant!r}"] = variant.encode("utf-16-le")
        data = text.encode("utf-8")
        for algorithm in ("md5", "sha1", "sha256"):
            digest = hashlib.new(algorithm, data).digest()
            forms[f"{label} {algorithm} raw"] = digest
            forms[f"{label} {algorithm} hex"] = digest.hex().encode()
            forms[f"{label} {algorithm} HEX"] = digest.hex().upper().encode()
    return forms


def all_needles() -> dict[str, bytes]:
    """Needles for every address and domain the test stores."""
    out: dict[str, bytes] = {}
    for address in ADDRESSES:
        out.update(needles(address, canonical=normalize_email(address)))
    for domain in DOMAINS:
        out.update(needles(domain, canonical=normalize_domain(domain)))
    return out


def scan(folder: Path) -> list[str]:
    """Every (file, needle) pair found under ``folder``."""
    found = []
    forms = all_needles()
    files = [p for p in folder.rglob("*") if p.is_file()]
    assert files
    for path in files:
        data = path.read_bytes()
        found += [f"{path.name}: {name}" for name, needle in forms.items() if needle in data]
    return found


def fill(lst: SuppressionList, folder: Path) -> None:
    """Use every writing operation of the list once."""
    lst.add(ADDRESSES[0], reason="erasure", source="webform")
    lst.add(ADDRESSES[1], scope="newsletter")
    lst.add_many(ADDRESSES, scope="post", reason="import", source="partner-2025-03.csv")
    for domain in DOMAINS:
        lst.add_domain(domain)
    lst.remove(REMOVED)
    lst.remove_domain(DOMAINS[1])
    mailing = pd.DataFrame({"email": ADDRESSES[:10], "postcode": "0123 AB"})
    assert lst.filter(mailing, channel="post", source="campaign-42.xlsx").report.audited
    lst.export(folder / "share.export")
    lst.backup(folder / "backup.db")


class TestNoPlaintext:
    """Addresses, canonical forms and unkeyed digests never reach a file."""

    def test_scan_every_file(
        self, tmp_path: Path, test_key: SuppressionKey, caplog: pytest.LogCaptureFixture
    ) -> None:
        """The list, its WAL and SHM (while open), backup, export, partner copy: no needle.

        Nor the keyed hash of the removed address and domain, in any file.
        """
        caplog.set_level(logging.DEBUG)
        path = tmp_path / "list.db"
        removed = removed_needles(test_key.hash_email(REMOVED))
        removed |= {
            f"domain {k}": v
            for k, v in removed_needles(test_key.hash_domain(DOMAINS[1]), domain=True).items()
        }
        with SuppressionList.open(path, test_key) as lst:
            fill(lst, tmp_path)
            while_open = sorted(p.name for p in tmp_path.iterdir())
            assert "list.db-wal" in while_open
            assert [] == scan(tmp_path)
            assert [] == [f for p in tmp_path.iterdir() for f in found_in(p, removed)]
            with SuppressionList.open(tmp_path / "partner.db", test_key) as partner:
                partner.merge(tmp_path / "share.export")
            with SuppressionList.open(path, test_key, read_only=True) as reader:
                assert ADDRESSES[0] in reader
                assert [] == scan(tmp_path)
        assert [] == scan(tmp_path)
        assert [] == [f for p in tmp_path.iterdir() for f in found_in(p, removed)]
        for record in caplog.records:
            for address in ADDRESSES:
                assert normalize_email(address) not in record.getMessage()

    def test_scan_finds_what_is_there(self, tmp_path: Path, test_key: SuppressionKey) -> None:
        """The scanner works: the keyed hash is found in the list and (as hex) in the export."""
        path = tmp_path / "list.db"
        with SuppressionList.open(path, test_key) as lst:
            lst.add(ADDRESSES[0])
            lst.export(tmp_path / "share.export")
        keyed = test_key.hash_email(ADDRESSES[0])
        assert keyed in path.read_bytes()
        assert keyed.hex().encode() in (tmp_path / "share.export").read_bytes()
        (tmp_path / "plain.txt").write_text(normalize_email(ADDRESSES[0]))
        assert scan(tmp_path)

    def test_reports_and_audit(self, tmp_path: Path, test_key: SuppressionKey) -> None:
        """Reports, the audit frame and repr show no address."""
        with SuppressionList.open(tmp_path / "list.db", test_key) as lst:
            fill(lst, tmp_path)
            texts = [
                str(lst.stats()),
                lst.stats()._repr_html_(),
                lst.audit().to_csv(),
                str(lst.verify()),
                repr(lst),
                str(lst.add_many(ADDRESSES)),
                lst.add_many(ADDRESSES)._repr_html_(),
            ]
        blob = "\n".join(texts)
        for address in ADDRESSES:
            assert normalize_email(address) not in blob
            assert address.strip() not in blob

    @pytest.mark.parametrize(
        "value",
        [
            "jan jansen@example.nl",
            "jan@@example.nl",
            "jan@example",
            "jan..jansen@example.nl",
            "<jan.jansen@example.nl",
            "jan.jansen@exa_mple.nl",
        ],
    )
    def test_error_messages(self, tmp_path: Path, test_key: SuppressionKey, value: str) -> None:
        """An invalid address is never echoed in an exception message."""
        with SuppressionList.open(tmp_path / "list.db", test_key) as lst:
            for call in (lst.add, lst.remove, lst.is_suppressed):
                with pytest.raises(InvalidEmailError, match="not a valid") as info:
                    call(value)
                assert "jansen" not in str(info.value)
                assert "jan@" not in str(info.value)


def _prefix_keys(data: bytes) -> np.ndarray:
    """The first four bytes at every offset of ``data``, as big-endian uint32."""
    raw = np.frombuffer(data + b"\0\0\0", dtype=np.uint8).astype(np.uint32)
    n = len(data)
    return (raw[:n] << 24) | (raw[1 : n + 1] << 16) | (raw[2 : n + 2] << 8) | raw[3 : n + 3]


def scan_bytes(data: bytes, forms: dict[str, bytes]) -> list[str]:
    """The names of ``forms`` found in ``data`` (a vectorised multi-needle search)."""
    if len(data) < 4:
        return []
    by_prefix: dict[int, list[tuple[str, bytes]]] = {}
    for name, needle in forms.items():
        by_prefix.setdefault(int.from_bytes(needle[:4], "big"), []).append((name, needle))
    prefixes = np.fromiter(by_prefix, dtype=np.uint32)
    found = set()
    for start in range(0, len(data), 1 << 24):  # 16 MiB windows keep memory small
        window = data[start : start + (1 << 24) + 256]
        keys = _prefix_keys(window)
        for offset in np.flatnonzero(np.isin(keys, prefixes)):
            for name, needle in by_prefix[int(keys[offset])]:
                if window.startswith(needle, int(offset)):
                    found.add(name)
    return sorted(found)


class TestNoPlaintextPostgres:
    """The PostgreSQL server's files and a pg_dump hold no address, canonical form or digest."""

    def test_scan_data_folder_and_dump(self, test_key: SuppressionKey, tmp_path: Path) -> None:
        """Every write operation, then a checkpoint: no needle in any server file or the dump."""
        from postgres_support import PostgresServer, bin_dir

        binaries = bin_dir()
        if binaries is None:
            pytest.skip("no PostgreSQL server binaries: pip install '.[test]'")
        server = PostgresServer(binaries)  # its own cluster: nothing but this list in it
        try:
            server.init()
            server.start()
            database = server.new_database()
            with SuppressionList.open(server.url(database), test_key) as lst:
                fill(lst, tmp_path)
                lst.index()
            server.execute("CHECKPOINT")
            dump = server.pg_dump(database, "--schema=locosuppress")
            forms = all_needles()
            found = [f"pg_dump: {name}" for name in scan_bytes(dump, forms)]
            files = [p for p in server.folder.rglob("*") if p.is_file()]
            for path in files:
                found += [f"{path.name}: {name}" for name in scan_bytes(path.read_bytes(), forms)]
            assert [] == found
            # The scanner finds what is there: the keyed hash, in the dump (hex) and on disk.
            keyed = test_key.hash_email(ADDRESSES[2])
            assert scan_bytes(dump, {"keyed": keyed.hex().encode()})
            assert any(scan_bytes(p.read_bytes(), {"keyed": keyed}) for p in files)
            planted = b"page" + normalize_email(ADDRESSES[2]).encode("utf-16-le") + b"end"
            assert scan_bytes(planted, forms)
            assert 30 < len(files)
        finally:
            server.remove()


def removed_needles(digest: bytes, *, domain: bool = False) -> dict[str, bytes]:
    """Every form a removed keyed hash could take on disk.

    The entry itself, its hex forms, and how the index snapshot stores it: an
    e-mail hash as four 64-bit words, each written little-endian (the first
    word apart from the other three), a domain hash as its 32 bytes.
    """
    forms = {"raw": digest, "hex": digest.hex().encode(), "HEX": digest.hex().upper().encode()}
    if not domain:
        words = [digest[i : i + 8][::-1] for i in range(0, 32, 8)]
        forms["snapshot first word"] = words[0]
        forms["snapshot other words"] = b"".join(words[1:])
    return forms


def found_in(path: Path, forms: dict[str, bytes]) -> list[str]:
    """The names of the forms present in the file at ``path`` (none when it is missing)."""
    data = path.read_bytes() if path.exists() else b""
    return [f"{path.name}: {name}" for name, needle in forms.items() if needle in data]


class TestRemovedHashes:
    """A removed entry's keyed hash leaves no copy in the list, its log, snapshot or backups."""

    BULK = tuple(f"klant{i:05d}.bulk@voorbeeld.example" for i in range(60_000))
    GONE = (BULK[123], BULK[45_678])
    GONE_DOMAIN = "weg-domein.example"

    def forms(self, key: SuppressionKey) -> dict[str, bytes]:
        """The needles of the removed addresses and the removed domain."""
        out: dict[str, bytes] = {}
        for address in self.GONE:
            out.update(removed_needles(key.hash_email(address)))
        out.update(removed_needles(key.hash_domain(self.GONE_DOMAIN), domain=True))
        return out

    def test_found_before_removal(self, tmp_path: Path, test_key: SuppressionKey) -> None:
        """The scan works: before the removal the hashes are in the snapshot (in word form)."""
        path = tmp_path / "list.db"
        with SuppressionList.open(path, test_key) as lst:
            lst.add_domain(self.GONE_DOMAIN)
            assert 60_000 == lst.add_many(self.BULK).added  # writes the index snapshot
            found = found_in(path, self.forms(test_key)) + found_in(
                tmp_path / "list.db-wal", self.forms(test_key)
            )
        assert any("snapshot first word" in f for f in found), found
        assert any("snapshot other words" in f for f in found), found

    def test_large_list_snapshot(self, tmp_path: Path, test_key: SuppressionKey) -> None:
        """60,000 entries and a snapshot: after remove, no copy in file, WAL or backup."""
        path = tmp_path / "list.db"
        forms = self.forms(test_key)
        with SuppressionList.open(path, test_key) as lst:
            lst.add_domain(self.GONE_DOMAIN)
            lst.add_many(self.BULK)  # 60,000 >= PENDING_LIMIT: the snapshot is written
            lst.add_many(self.BULK[:10], scope="post")
            for address in self.GONE:
                assert lst.remove(address)
            assert lst.remove_domain(self.GONE_DOMAIN)
            assert [] == found_in(path, forms) + found_in(tmp_path / "list.db-wal", forms)
            lst.backup(tmp_path / "after-removal.db")
            assert [] == found_in(tmp_path / "after-removal.db", forms)
            assert 59_998 == lst.index().email_count  # a fresh snapshot is written
            assert [] == found_in(path, forms) + found_in(tmp_path / "list.db-wal", forms)
            assert self.GONE[0] not in lst
            assert self.BULK[0] in lst
        assert [] == found_in(path, forms)

    def test_small_list(self, tmp_path: Path, test_key: SuppressionKey) -> None:
        """A small list (no snapshot yet): after remove, no copy in the file or the WAL."""
        path = tmp_path / "list.db"
        forms = self.forms(test_key)
        with SuppressionList.open(path, test_key) as lst:
            lst.add_many(self.BULK[:3000])
            lst.add_domain(self.GONE_DOMAIN)
            assert lst.remove(self.GONE[0])
            assert lst.remove_domain(self.GONE_DOMAIN)
            lst.add_many(self.BULK[3000:3100])  # a later write: the log fills again
            assert [] == found_in(path, forms) + found_in(tmp_path / "list.db-wal", forms)
            lst.index()
            assert [] == found_in(path, forms) + found_in(tmp_path / "list.db-wal", forms)

    def test_hashes_once_pending(self, tmp_path: Path, test_key: SuppressionKey) -> None:
        """Hashes that waited in ``pending`` when the snapshot was written leave no copy either."""
        path = tmp_path / "list.db"
        gone = self.BULK[::997]
        forms: dict[str, bytes] = {}
        for address in gone:
            forms.update(
                {
                    f"{address}: {k}": v
                    for k, v in removed_needles(test_key.hash_email(address)).items()
                }
            )
        with SuppressionList.open(path, test_key) as lst:
            lst.add_many(self.BULK)  # pending emptied into the snapshot, its pages freed
            for address in gone:
                assert lst.remove(address)
            assert [] == found_in(path, forms) + found_in(tmp_path / "list.db-wal", forms)
