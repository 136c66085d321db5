"""After a key rotation, no hash under the old chain is left on disk (SQLite files)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from locosuppress import KeyRing, SuppressionKey, SuppressionList, normalize_email
from locosuppress.keys import HashingMaterial

SECOND_KEY = SuppressionKey(bytes(range(32, 64)))
BULK = tuple(f"klant{i:05d}.bulk@voorbeeld.example" for i in range(60_000))
DOMAIN = "weg-domein.example"
SAMPLE = BULK[::997]


def hash_forms(digest: bytes, *, domain: bool = False) -> dict[str, bytes]:
    """Every form a keyed hash takes on disk: raw, hex, and the index snapshot's words.

    The snapshot stores an e-mail hash as four 64-bit little-endian words (the
    first apart from the other three), a domain hash as its 32 bytes.
    """
    forms = {"raw": digest, "hex": digest.hex().encode(), "HEX": digest.hex().upper().encode()}
    if not domain:
        words = [digest[i : i + 8][::-1] for i in range(0, 32, 8)]
        forms["snapshot first word"] = words[0]
        forms["snapshot other words"] = b"".join(words[1:])
    return forms


def chain_forms(matter: HashingMaterial) -> dict[str, bytes]:
    """The forms of the sample's and the domain's hashes under one chain."""
    out: dict[str, bytes] = {}
    for address in SAMPLE:
        for name, form in hash_forms(matter.hash_email(address)).items():
            out[f"{address}: {name}"] = form
    out.update(
        {f"domain: {k}": v for k, v in hash_forms(matter.hash_domain(DOMAIN), domain=True).items()}
    )
    return out


def found(folder: Path, forms: dict[str, bytes]) -> list[str]:
    """The (file, form) pairs present in any file under ``folder``."""
    hits = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        data = path.read_bytes()
        hits += [f"{path.name}: {name}" for name, form in forms.items() if form in data]
    return hits


@pytest.mark.sqlite_only
class TestNoOldChainOnDisk:
    """Every copy of a hash under the old chain is overwritten by the rotation."""

    def test_old_hashes_gone_new_hashes_there(
        self, tmp_path: Path, test_key: SuppressionKey
    ) -> None:
        """60,000 entries with a snapshot and pending rows: after rotating, only the new chain."""
        folder = tmp_path / "lists"
        folder.mkdir()
        path = folder / "list.db"
        old = chain_forms(test_key.hashing_material())
        new = chain_forms(KeyRing([test_key, SECOND_KEY]).hashing_material())
        with SuppressionList.open(path, test_key) as lst:
            lst.add_domain(DOMAIN)
            lst.add_many(BULK)  # a snapshot is written
            lst.add_many(BULK[:100], scope="post")  # pending rows beside it
            assert found(folder, old)  # the scan sees them before
            lst.rotate_key(SECOND_KEY)
            assert [] == found(folder, old)
            lst.backup(folder / "backup.db")
            assert BULK[5] in lst
        assert [] == found(folder, old)
        hits = found(folder, new)
        assert any(h.startswith("list.db: ") and "snapshot first word" in h for h in hits), hits
        assert any(h.startswith("backup.db: ") and "raw" in h for h in hits), hits

    def test_ring_file_holds_no_address(self, tmp_path: Path, test_key: SuppressionKey) -> None:
        """A ring file holds key texts only: no address, canonical form or unkeyed digest."""
        path = KeyRing([test_key, SECOND_KEY]).save(tmp_path / "list.ring")
        data = path.read_bytes()
        for address in SAMPLE:
            canonical = normalize_email(address).encode()
            for needle in (
                address.encode(),
                canonical,
                hashlib.md5(canonical).hexdigest().encode(),
                hashlib.sha256(canonical).digest(),
            ):
                assert needle not in data
