"""No plaintext and no unkeyed digest on disk from clients' hashed files and wildcard domains.

The approach of ``test_no_plaintext.py``: use every writing operation, then
search every file the list leaves (the list, its WAL while open, the index
snapshot inside it, a backup, an export, a partner's merged copy) for every
form of every test address a thief could use: the text as given, lower-cased
and canonical, and the unkeyed MD5, SHA-1 and SHA-256 of each, raw, hex
(either case) and base64, which is what a client's file itself holds.
"""

from __future__ import annotations

import base64
import hashlib
import logging
from pathlib import Path

import pandas as pd
import pytest

from locosuppress import SuppressionKey, SuppressionList, normalize_email
from locosuppress.normalize import unwrapped_lower

CLIENT = [
    "  Marieke.de.Vries+nieuwsbrief@Example.NL ",
    "jan.jansen@gmail.com",
    '"Piet Bakker" <piet.bakker@voorbeeld.nl>',
    "renée.joël@société.example",
    *[f"Klant{i:03d}.Geheim@Bedrijf.Example.EU" for i in range(300)],
]
WILDCARDS = ["*.geheim-bedrijf.example", "*.Bücherwurm-Intern.example"]
SUFFIXES = [
    "geheim-bedrijf.example",
    "xn--bcherwurm-intern-jzb.example",
    "bücherwurm-intern.example",
]
KINDS = ("md5", "sha1", "sha256", "sha256-v1")


def digest_forms(label: str, text: str) -> dict[str, bytes]:
    """The text itself and its unkeyed digests, raw, hex, HEX and base64."""
    forms = {f"{label} text": text.encode("utf-8"), f"{label} utf-16": text.encode("utf-16-le")}
    for algorithm in ("md5", "sha1", "sha256"):
        raw = hashlib.new(algorithm, text.encode("utf-8")).digest()
        forms[f"{label} {algorithm} raw"] = raw
        forms[f"{label} {algorithm} hex"] = raw.hex().encode()
        forms[f"{label} {algorithm} HEX"] = raw.hex().upper().encode()
        forms[f"{label} {algorithm} base64"] = base64.b64encode(raw).rstrip(b"=")
        forms[f"{label} {algorithm} base64url"] = base64.urlsafe_b64encode(raw).rstrip(b"=")
    return forms


def needles() -> dict[str, bytes]:
    """Every form of every test address and wildcard suffix that must never be on disk."""
    out: dict[str, bytes] = {}
    for address in CLIENT:
        for label, text in (
            ("input", address.strip()),
            ("vendor form", unwrapped_lower(address)),
            ("canonical", normalize_email(address)),
        ):
            out |= digest_forms(f"{label} {text!r}", text)
    for suffix in SUFFIXES:
        out |= digest_forms(f"wildcard suffix {suffix!r}", suffix)
    return out


def client_file(kind: str) -> list[str]:
    """The client's file of ``kind``: hex for most, base64 for some, as clients send them."""
    values = []
    for i, address in enumerate(CLIENT):
        text = normalize_email(address) if kind == "sha256-v1" else unwrapped_lower(address)
        raw = hashlib.new(kind.removesuffix("-v1"), text.encode("utf-8")).digest()
        values.append(base64.b64encode(raw).decode() if i % 3 == 0 else raw.hex())
    return values


def scan(folder: Path) -> list[str]:
    """Every (file, needle) pair found under ``folder``."""
    forms = needles()
    files = [p for p in folder.rglob("*") if p.is_file()]
    assert files
    found = []
    for path in files:
        data = path.read_bytes()
        found += [f"{path.name}: {name}" for name, needle in forms.items() if needle in data]
    return found


@pytest.mark.sqlite_only
class TestNoPlaintextKinds:
    """Foreign-hash and wildcard entries leave no address, canonical form or unkeyed digest."""

    def test_scan_every_file(
        self, tmp_path: Path, test_key: SuppressionKey, caplog: pytest.LogCaptureFixture
    ) -> None:
        """The list (and WAL, snapshot), backup, export and a partner's merge hold no needle."""
        caplog.set_level(logging.DEBUG)
        folder = tmp_path / "out"
        folder.mkdir()
        path = folder / "list.db"
        with SuppressionList.open(path, test_key) as lst:
            for kind in KINDS:
                lst.add_foreign_hashes(client_file(kind), kind=kind, source="klant-x")
            for wildcard in WILDCARDS:
                lst.add_domain(wildcard)
            lst.remove_domain(WILDCARDS[1])
            lst.index()  # writes the index snapshot
            assert [] == scan(folder)
            mailing = pd.DataFrame({"email": [*CLIENT[:20], "x@a.geheim-bedrijf.example"]})
            assert 21 == lst.filter(mailing, source="campaign-7.csv").report.suppressed
            assert [] == scan(folder)
            lst.export(folder / "share.export")
            lst.backup(folder / "backup.db")
            with SuppressionList.open(folder / "partner.db", test_key) as partner:
                partner.merge(folder / "share.export")
                assert all(a in partner for a in CLIENT)
        assert [] == scan(folder)
        for record in caplog.records:
            for address in CLIENT:
                assert normalize_email(address) not in record.getMessage()

    def test_scan_finds_what_is_there(self, tmp_path: Path) -> None:
        """The scanner works: a client's file itself is full of needles."""
        (tmp_path / "client.csv").write_text("\n".join(client_file("md5")), encoding="ascii")
        assert len(CLIENT) <= len(scan(tmp_path))

    def test_reports_show_no_value(self, tmp_path: Path, test_key: SuppressionKey) -> None:
        """The add report, stats and audit of a client's file hold no digest or address."""
        values = [*client_file("md5")[:5], "not-a-digest"]
        with SuppressionList.open(tmp_path / "list.db", test_key) as lst:
            report = lst.add_foreign_hashes(values, kind="md5")
            texts = [
                str(report),
                report._repr_html_(),
                repr(report.to_dict()),
                str(lst.stats()),
                lst.audit().to_csv(),
            ]
        blob = "\n".join(texts).encode()
        assert [] == [name for name, needle in needles().items() if needle in blob]
        assert b"not-a-digest" not in blob
