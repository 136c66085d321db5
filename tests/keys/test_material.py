"""HashingMaterial: purpose subkeys, the key-chain wrap and what travels to workers."""

from __future__ import annotations

import hashlib
import hmac
import pickle

import numpy as np
import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from hypothesis import given
from hypothesis import strategies as st

from locosuppress import HashingMaterial, InvalidOptionError, SuppressionKey
from locosuppress.keys import FOREIGN_KINDS, LABEL_WILDCARD, LABEL_WRAP, PURPOSE_LABELS
from locosuppress.testing import emails


def hkdf_sha256(key: bytes, info: bytes) -> bytes:
    """HKDF-SHA256 without salt, 32 bytes (RFC 5869), written out independently."""
    prk = hmac.new(bytes(32), key, hashlib.sha256).digest()
    return hmac.new(prk, info + b"\x01", hashlib.sha256).digest()


def aes_blocks(key: bytes, data: bytes) -> bytes:
    """AES-256 of each 16-byte block, the reference for one key-chain wrap."""
    out = b""
    for start in range(0, len(data), 16):
        enc = Cipher(algorithms.AES(key), modes.ECB()).encryptor()  # noqa: S305 - reference
        out += enc.update(data[start : start + 16]) + enc.finalize()
    return out


def chain_material(first: bytes, *later: bytes) -> HashingMaterial:
    """The material of a chain built by hand from the documented labels."""
    subkeys = {purpose: hkdf_sha256(first, label) for purpose, label in PURPOSE_LABELS.items()}
    wraps = [hkdf_sha256(k, LABEL_WRAP) for k in later]
    return HashingMaterial(subkeys, fingerprint="chain", wraps=wraps)


class TestPurposes:
    """One HKDF subkey per purpose; every purpose hashes differently."""

    def test_labels(self) -> None:
        """The wildcard, wrap and foreign labels are the documented ASCII strings."""
        assert b"locosuppress/v1/wildcard-hash" == LABEL_WILDCARD
        assert b"locosuppress/v1/wrap" == LABEL_WRAP
        assert b"locosuppress/v1/foreign-hash/md5" == PURPOSE_LABELS["md5"]
        assert {"md5": 16, "sha1": 20, "sha256": 32, "sha256-v1": 32} == dict(FOREIGN_KINDS)

    def test_key_material_is_the_first_key_chain(self) -> None:
        """A key's material equals a chain of that key alone, built from the labels."""
        key = bytes(range(32))
        expected = chain_material(key)
        actual = SuppressionKey(key).hashing_material()
        assert expected == actual
        assert 0 == actual.rotations
        assert (actual.fingerprint,) == actual.chain

    def test_purposes_differ(self) -> None:
        """The same bytes hash differently under each purpose."""
        matter = SuppressionKey(bytes(range(32))).hashing_material()
        message = b"example.nl"
        values = {p: matter.keyed_hash(p, message) for p in PURPOSE_LABELS}
        assert len(PURPOSE_LABELS) == len(set(values.values()))

    def test_unknown_purpose(self) -> None:
        """An unknown purpose is an option error, not a KeyError."""
        matter = SuppressionKey.generate().hashing_material()
        with pytest.raises(InvalidOptionError, match="purpose must be one of"):
            matter.keyed_hash("sha512", b"x")

    def test_foreign_digest_length(self) -> None:
        """A foreign digest of the wrong length is refused."""
        matter = SuppressionKey.generate().hashing_material()
        with pytest.raises(InvalidOptionError, match="md5 digest is 16 bytes"):
            matter.hash_foreign("md5", bytes(20))


class TestChain:
    """After rotations every value is the first key's HMAC wrapped through the chain."""

    def test_wrap_definition(self) -> None:
        """One wrap is AES-256 under HKDF(new key, wrap label) of each 16-byte half."""
        first, second = bytes(range(32)), bytes(range(32, 64))
        unwrapped = SuppressionKey(first).hash_email("jan@example.nl")
        expected = aes_blocks(hkdf_sha256(second, LABEL_WRAP), unwrapped)
        assert expected == chain_material(first, second).hash_email("jan@example.nl")

    def test_two_wraps_in_order(self) -> None:
        """Wraps apply oldest first: the order of the chain matters."""
        a, b, c = (bytes([i]) * 32 for i in (1, 2, 3))
        h = SuppressionKey(a).hash_domain("example.nl")
        expected = aes_blocks(hkdf_sha256(c, LABEL_WRAP), aes_blocks(hkdf_sha256(b, LABEL_WRAP), h))
        assert expected == chain_material(a, b, c).hash_domain("example.nl")
        assert expected != chain_material(a, c, b).hash_domain("example.nl")

    @given(st.lists(emails(), max_size=20))
    def test_vectorised_equals_scalar(self, values: list[str]) -> None:
        """The column path and the one-value path agree after rotations."""
        matter = chain_material(bytes(32), bytes([7]) * 32, bytes([9]) * 32)
        expected = [matter.hash_email(v) for v in values]
        actual = matter.hash_emails(values)
        assert expected == [bytes(x) for x in actual]

    def test_seal_rows_matches_keyed_hash(self) -> None:
        """seal_rows wraps first-key hashes exactly as keyed_hash_many does."""
        first = bytes(range(32))
        messages = [b"a@b.nl", b"c@d.nl", b"e@f.nl"]
        plain = chain_material(first).keyed_hash_many("email", messages)
        chained = chain_material(first, bytes([5]) * 32)
        assert np.array_equal(chained.keyed_hash_many("email", messages), chained.seal_rows(plain))
        assert plain.tobytes() != chained.seal_rows(plain).tobytes()

    def test_pickles_with_its_chain(self) -> None:
        """The material travels to workers with its wraps and chain."""
        matter = chain_material(bytes(32), bytes([1]) * 32)
        restored = pickle.loads(pickle.dumps(matter))  # noqa: S301 - our own bytes
        assert matter == restored
        assert 1 == restored.rotations
        assert matter.hash_email("a@b.nl") == restored.hash_email("a@b.nl")
        assert "rotations=1" in repr(restored)
