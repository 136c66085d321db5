"""Which entries an address matches: wildcard suffixes, clients' digests, their frozen vectors."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from locosuppress import InvalidDomainError, SuppressionKey
from locosuppress._index import SuppressionIndex
from locosuppress._matching import (
    entry_bits,
    entry_keys,
    foreign_digest,
    parse_digest,
    wildcard_suffix,
    wildcard_suffixes,
)
from locosuppress._vocabulary import FOREIGN_KIND_CODES, KIND_DOMAIN, KIND_EMAIL, KIND_WILDCARD
from locosuppress.keys import canonical_and_hashes
from locosuppress.normalize import normalize_email, unwrapped_lower
from locosuppress.testing import digest_spellings, emails, invalid_digests, messy_variants
from locosuppress.testing import wildcard_suffixes as suffixes

ROOT = Path(__file__).parent.parent
VECTORS = json.loads(
    (Path(__file__).parent / "vectors" / "hash-contract-v1-kinds.json").read_text(encoding="utf-8")
)


class TestVectors:
    """The frozen vectors of the wildcard and foreign kinds (docs/hash-contract.md)."""

    def test_wildcards(self, test_key: SuppressionKey) -> None:
        """Each wildcard's suffix and stored hash are the frozen ones."""
        matter = test_key.hashing_material()
        for case in VECTORS["wildcards"]:
            suffix = wildcard_suffix(case["input"])
            assert case["suffix"] == suffix
            assert case["hmac_sha256"] == matter.hash_wildcard_suffix(suffix).hex()

    def test_foreign(self, test_key: SuppressionKey) -> None:
        """Each kind's hashed text, digest and stored hash are the frozen ones."""
        matter = test_key.hashing_material()
        for case in VECTORS["foreign"]:
            kind = case["kind"]
            text = (
                normalize_email(case["input"])
                if kind == "sha256-v1"
                else unwrapped_lower(case["input"])
            )
            digest = foreign_digest(kind, text.encode())
            assert (case["hashed_text"], case["digest"]) == (text, digest.hex())
            assert case["hmac_sha256"] == matter.hash_foreign(kind, digest).hex()
            keys = entry_keys(matter, normalize_email(case["input"]), case["input"])
            assert (bytes.fromhex(case["hmac_sha256"]), FOREIGN_KIND_CODES[kind]) in keys

    def test_invalid_wildcards(self) -> None:
        """The frozen invalid wildcards are refused."""
        for value in VECTORS["invalid_wildcards"]:
            with pytest.raises(InvalidDomainError, match="wildcard"):
                wildcard_suffix(value)

    def test_page_states_them(self) -> None:
        """docs/hash-contract.md lists every subkey, digest and stored hash of the vectors."""
        text = (ROOT / "docs" / "hash-contract.md").read_text(encoding="utf-8")
        wanted = [*VECTORS["subkeys"].values()]
        wanted += [c["hmac_sha256"] for c in VECTORS["wildcards"]]
        wanted += [c["hmac_sha256"] for c in VECTORS["foreign"]]
        wanted += [c["digest"] for c in VECTORS["foreign"]]
        assert [] == [w for w in wanted if w not in text]
        assert 12 == len(re.findall(r"^\| (md5|sha1|sha256|sha256-v1) \| '", text, re.M))


class TestParseDigest:
    """A client's digest in hex or base64, or None."""

    @pytest.mark.parametrize("kind", ["md5", "sha1", "sha256", "sha256-v1"])
    @given(data=st.data())
    def test_every_spelling(self, kind: str, data: st.DataObject) -> None:
        """Every spelling of a digest gives the digest back."""
        size = {"md5": 16, "sha1": 20, "sha256": 32, "sha256-v1": 32}[kind]
        raw = data.draw(st.binary(min_size=size, max_size=size))
        assert raw == parse_digest(data.draw(digest_spellings(raw)), size)

    @pytest.mark.parametrize("kind", ["md5", "sha1", "sha256"])
    @given(data=st.data())
    def test_invalid(self, kind: str, data: st.DataObject) -> None:
        """Values of the wrong length or alphabet spell nothing."""
        size = {"md5": 16, "sha1": 20, "sha256": 32}[kind]
        assert None is parse_digest(data.draw(invalid_digests(kind)), size)

    def test_examples(self) -> None:
        """Mailchimp's subscriber_hash and a padded URL-safe SHA-256 read as their digests."""
        raw = hashlib.md5(b"jan@example.nl").digest()
        assert raw == parse_digest("F33F1371ED1B40CEBC166ED75FC3E1F8", 16)
        raw = hashlib.sha256(b"x").digest()
        assert raw == parse_digest(base64.urlsafe_b64encode(raw).decode(), 32)
        assert None is parse_digest(base64.b64encode(raw).decode() + "=", 32)


class TestWildcardSuffixes:
    """The proper suffixes a wildcard may name, for any domain depth."""

    @given(suffix=suffixes(), extra=st.lists(st.sampled_from(["a", "bb", "c-1"]), max_size=5))
    def test_suffix_of_every_subdomain(self, suffix: str, extra: list[str]) -> None:
        """A suffix is among the suffixes of every subdomain of it, never of itself."""
        domain = ".".join([*extra, suffix])
        assert (suffix in wildcard_suffixes(domain)) == bool(extra)
        assert all("." in s for s in wildcard_suffixes(domain))

    def test_examples(self) -> None:
        """Longest first, at least two labels, the domain itself excluded."""
        assert ["b.example.com", "example.com"] == wildcard_suffixes("a.b.example.com")
        assert [] == wildcard_suffixes("example.com")


class TestEntryBits:
    """The column lookups ask only for the kinds the index holds."""

    def test_absent_kinds_not_computed(self, test_key: SuppressionKey) -> None:
        """Without wildcard or foreign entries only the address and domain bits are made."""
        matter = test_key.hashing_material()
        values = pd.Series(["a@x.example.nl", "b@example.nl"])
        canonical, digests = canonical_and_hashes(values, matter)
        index = SuppressionIndex.from_rows([(matter.hash_email("b@example.nl"), KIND_EMAIL, 1)])
        valid = np.ones(2, dtype=bool)
        bits = entry_bits(values, canonical, digests, valid, index, matter, 7)
        assert {KIND_EMAIL, KIND_DOMAIN} == set(bits)
        wild = index.merged_rows([(matter.hash_wildcard_suffix("example.nl"), KIND_WILDCARD, 2)])
        bits = entry_bits(values, canonical, digests, valid, wild, matter, 7)
        assert {KIND_EMAIL, KIND_DOMAIN, KIND_WILDCARD} == set(bits)
        assert [2, 0] == bits[KIND_WILDCARD].tolist()
        assert [0, 1] == bits[KIND_EMAIL].tolist()

    def test_vendor_form_of_wrapped_and_unicode_cells(self, test_key: SuppressionKey) -> None:
        """Wrapped, quoted, mailto: and non-ASCII cells get the same digest as the scalar rule."""
        matter = test_key.hashing_material()
        cells = [
            " Zoë <ZOË@Example.NL> ",
            "mailto:Jan@Example.NL?subject=x",
            '"piet@example.nl"',
            "ΟΔΥΣΣΕΥΣ@example.gr",
            "plain@example.nl",
            "Jan de Vries <  Jan@Example.NL >",
        ]
        index = SuppressionIndex.from_rows(
            [
                (
                    matter.hash_foreign("md5", foreign_digest("md5", unwrapped_lower(c).encode())),
                    3,
                    1,
                )
                for c in cells
            ]
        )
        values = pd.Series(cells)
        canonical, digests = canonical_and_hashes(values, matter)
        valid = np.ones(len(cells), dtype=bool)
        bits = entry_bits(values, canonical, digests, valid, index, matter, 7)
        assert [1] * len(cells) == bits[3].tolist()

    @given(
        cells=st.lists(
            st.one_of(emails(international=False), emails()).flatmap(messy_variants),
            min_size=1,
            max_size=20,
        )
    )
    def test_vendor_form_property(self, cells: list[str]) -> None:
        """For any spelling of any address, the column's vendor form equals the scalar rule."""
        matter = SuppressionKey(bytes(range(32))).hashing_material()
        values = pd.Series(cells, dtype=object)
        canonical, digests = canonical_and_hashes(values, matter)
        valid = np.asarray(canonical.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
        keyed = [
            matter.hash_foreign("md5", foreign_digest("md5", unwrapped_lower(c).encode()))
            for c, ok in zip(cells, valid, strict=True)
            if ok
        ]
        index = SuppressionIndex.from_rows([(k, 3, 1) for k in keyed])
        bits = entry_bits(values, canonical, digests, valid, index, matter, 7)
        assert valid.astype(int).tolist() == bits.get(3, np.zeros(len(cells))).tolist()
