"""Key rings: the keys of a rotated list's chain, oldest first."""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import os
import pickle
import stat
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from hypothesis import given
from hypothesis import strategies as st

from locosuppress import (
    InsecureKeyFileError,
    InvalidKeyError,
    KeyRing,
    OutputExistsError,
    SuppressionKey,
)
from locosuppress.keys import (
    RING_FILE_PREFIX,
    chain_fingerprint,
    load_key_or_ring,
    wrap_bytes,
    wrap_subkey,
)

SECOND_KEY = SuppressionKey(bytes(range(32, 64)))
THIRD_KEY = SuppressionKey(bytes(range(64, 96)))


class TestIdentity:
    """Fingerprints, chains and what a ring shows."""

    def test_one_key_ring_has_the_key_fingerprint(self, test_key: SuppressionKey) -> None:
        """A one-key ring's fingerprint is its key's, so it opens unrotated lists."""
        assert test_key.fingerprint == KeyRing([test_key]).fingerprint

    def test_chain_lists_fingerprints_oldest_first(self, test_key: SuppressionKey) -> None:
        """``chain`` holds the key fingerprints in order; ``newest`` is the last key."""
        ring = KeyRing([test_key, SECOND_KEY])
        assert (test_key.fingerprint, SECOND_KEY.fingerprint) == ring.chain
        assert SECOND_KEY == ring.newest

    def test_chain_fingerprint_depends_on_order(self, test_key: SuppressionKey) -> None:
        """Two keys in either order give two different chain fingerprints."""
        forward = KeyRing([test_key, SECOND_KEY]).fingerprint
        backward = KeyRing([SECOND_KEY, test_key]).fingerprint
        assert forward != backward
        assert test_key.fingerprint != forward

    def test_chain_fingerprint_is_public(self, test_key: SuppressionKey) -> None:
        """The chain fingerprint is computed from the key fingerprints alone."""
        ring = KeyRing([test_key, SECOND_KEY, THIRD_KEY])
        assert chain_fingerprint(ring.chain) == ring.fingerprint

    def test_repr_shows_no_key_material(self, test_key: SuppressionKey) -> None:
        """repr and str show fingerprints, never key text."""
        ring = KeyRing([test_key, SECOND_KEY])
        for shown in (repr(ring), str(ring)):
            assert "locosuppress-key" not in shown
            assert ring.fingerprint in shown

    def test_refuses_pickling(self, test_key: SuppressionKey) -> None:
        """A ring refuses to be pickled; copies are the same object."""
        ring = KeyRing([test_key, SECOND_KEY])
        with pytest.raises(TypeError, match="refuses to be pickled"):
            pickle.dumps(ring)
        assert ring is copy.deepcopy(ring)

    def test_empty_ring_is_refused(self) -> None:
        """A ring needs at least one key."""
        with pytest.raises(InvalidKeyError, match="at least one key"):
            KeyRing([])

    def test_repeated_key_is_refused(self, test_key: SuppressionKey) -> None:
        """A key appears once in a chain."""
        with pytest.raises(InvalidKeyError, match="each key once"):
            KeyRing([test_key, SECOND_KEY, test_key])

    def test_non_keys_are_refused(self) -> None:
        """Only SuppressionKey objects go in a ring."""
        with pytest.raises(InvalidKeyError, match="SuppressionKey"):
            KeyRing([b"x" * 32])  # type: ignore[list-item]


class TestRotatedTo:
    """A ring followed by one more key."""

    def test_appends_the_new_key(self, test_key: SuppressionKey) -> None:
        """rotated_to returns a new, longer ring and leaves the old one alone."""
        ring = KeyRing([test_key])
        longer = ring.rotated_to(SECOND_KEY)
        assert (test_key.fingerprint, SECOND_KEY.fingerprint) == longer.chain
        assert (test_key.fingerprint,) == ring.chain

    def test_refuses_a_key_in_the_chain(self, test_key: SuppressionKey) -> None:
        """Rotating to a key already in the chain is refused."""
        with pytest.raises(InvalidKeyError, match="already in the chain"):
            KeyRing([test_key, SECOND_KEY]).rotated_to(test_key)


class TestHashingMaterial:
    """The chain's material: the first key's HMAC, then one wrap per later key."""

    def test_one_key_ring_hashes_like_the_key(self, test_key: SuppressionKey) -> None:
        """A one-key ring hashes exactly as its key does."""
        matter = KeyRing([test_key]).hashing_material()
        assert test_key.hash_email("a@example.com") == matter.hash_email("a@example.com")

    def test_chain_wraps_the_first_key_hash(self, test_key: SuppressionKey) -> None:
        """A two-key ring's hash is the first key's hash wrapped under the second key."""
        matter = KeyRing([test_key, SECOND_KEY]).hashing_material()
        first = test_key.hash_email("a@example.com")
        assert wrap_bytes(wrap_subkey(SECOND_KEY), first) == matter.hash_email("a@example.com")

    def test_material_records_the_chain(self, test_key: SuppressionKey) -> None:
        """The material carries the ring's fingerprint and chain."""
        ring = KeyRing([test_key, SECOND_KEY])
        matter = ring.hashing_material()
        assert (ring.fingerprint, ring.chain, 1) == (
            matter.fingerprint,
            matter.chain,
            matter.rotations,
        )

    @given(st.emails())
    def test_no_single_key_reproduces_a_chain_hash(self, email: str) -> None:
        """Neither key of a two-key chain alone gives the chain's hash of an address."""
        key = SuppressionKey(bytes(range(32)))
        try:
            chained = KeyRing([key, SECOND_KEY]).hashing_material().hash_email(email)
        except ValueError:
            return
        assert chained != key.hash_email(email)
        assert chained != SECOND_KEY.hash_email(email)


class TestRingFiles:
    """Saving and loading ring files, like key files."""

    def test_round_trip(self, tmp_path: Path, test_key: SuppressionKey) -> None:
        """A saved ring loads back equal, with mode 0600."""
        ring = KeyRing([test_key, SECOND_KEY])
        path = ring.save(tmp_path / "list.ring")
        assert ring == KeyRing.load(path)
        assert 0o600 == stat.S_IMODE(path.stat().st_mode)

    def test_text_format(self, test_key: SuppressionKey) -> None:
        """The text is the header line, then one key text per line, oldest first."""
        ring = KeyRing([test_key, SECOND_KEY])
        expected = f"{RING_FILE_PREFIX}\n{test_key.to_text()}\n{SECOND_KEY.to_text()}\n"
        assert expected == ring.to_text()

    def test_never_overwrites(self, tmp_path: Path, test_key: SuppressionKey) -> None:
        """An existing file is never overwritten by a ring."""
        path = tmp_path / "list.ring"
        path.write_text("keep me")
        with pytest.raises(OutputExistsError, match="never overwritten"):
            KeyRing([test_key]).save(path)
        assert "keep me" == path.read_text()
        assert ["list.ring"] == [p.name for p in tmp_path.iterdir()]  # no temp file left

    def test_refuses_readable_by_others(self, tmp_path: Path, test_key: SuppressionKey) -> None:
        """A ring file that group or others may read is refused."""
        path = KeyRing([test_key, SECOND_KEY]).save(tmp_path / "list.ring")
        path.chmod(0o644)
        with pytest.raises(InsecureKeyFileError, match="chmod 600"):
            KeyRing.load(path)

    def test_a_key_file_loads_as_a_one_key_ring(
        self, tmp_path: Path, test_key: SuppressionKey
    ) -> None:
        """KeyRing.load also reads a key file."""
        path = test_key.save(tmp_path / "list.key")
        assert KeyRing([test_key]) == KeyRing.load(path)

    def test_damaged_ring_is_refused(self, tmp_path: Path) -> None:
        """A ring header without keys, or with a bad key line, is an InvalidKeyError."""
        with pytest.raises(InvalidKeyError, match="holds no key"):
            KeyRing.from_text(RING_FILE_PREFIX + "\n")
        with pytest.raises(InvalidKeyError, match="not a locosuppress key"):
            KeyRing.from_text(RING_FILE_PREFIX + "\nnonsense\n")
        with pytest.raises(InvalidKeyError, match="key or key ring"):
            KeyRing.from_text("nonsense")

    def test_from_env_reads_a_ring(
        self, monkeypatch: pytest.MonkeyPatch, test_key: SuppressionKey
    ) -> None:
        """LOCOSUPPRESS_KEY may hold a ring's text (with its newlines)."""
        ring = KeyRing([test_key, SECOND_KEY])
        monkeypatch.setenv("LOCOSUPPRESS_KEY", ring.to_text())
        assert ring == KeyRing.from_env()

    def test_from_env_unset(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """An unset variable is a clear InvalidKeyError."""
        monkeypatch.delenv("LOCOSUPPRESS_KEY", raising=False)
        with pytest.raises(InvalidKeyError, match="not set"):
            KeyRing.from_env()


class TestLoadKeyOrRing:
    """The loader of the command line: a key file or a ring file."""

    def test_key_file_gives_a_key(self, tmp_path: Path, test_key: SuppressionKey) -> None:
        """A key file gives a SuppressionKey."""
        assert test_key == load_key_or_ring(test_key.save(tmp_path / "k"))

    def test_ring_file_gives_a_ring(self, tmp_path: Path, test_key: SuppressionKey) -> None:
        """A ring file of two keys gives the ring."""
        ring = KeyRing([test_key, SECOND_KEY])
        assert ring == load_key_or_ring(ring.save(tmp_path / "r"))

    def test_environment(self, monkeypatch: pytest.MonkeyPatch, test_key: SuppressionKey) -> None:
        """Without a path, the environment variable is read."""
        monkeypatch.setenv("LOCOSUPPRESS_KEY", test_key.to_text())
        assert test_key == load_key_or_ring(None)
        assert "LOCOSUPPRESS_KEY" in os.environ


def hkdf(key: bytes, info: bytes) -> bytes:
    """HKDF-SHA256 without salt, 32 bytes, written out here (independent of the code)."""
    prk = hmac.new(bytes(32), key, hashlib.sha256).digest()
    return hmac.new(prk, info + b"\x01", hashlib.sha256).digest()


def aes_wrap(subkey: bytes, digest: bytes) -> bytes:
    """AES-256 of each 16-byte half of ``digest`` (the key-chain wrap, written out here)."""
    encryptor = Cipher(algorithms.AES(subkey), modes.ECB()).encryptor()  # noqa: S305
    return encryptor.update(digest) + encryptor.finalize()


class TestChainVectors:
    """The frozen key-chain vectors of docs/hash-contract.md (tests/vectors/key-chain-v1.json)."""

    @pytest.fixture
    def vectors(self) -> dict[str, Any]:
        """The frozen vectors."""
        path = Path(__file__).parents[1] / "vectors" / "key-chain-v1.json"
        return dict(json.loads(path.read_text(encoding="utf-8")))

    def test_keys(self, vectors: dict[str, Any]) -> None:
        """Each published test key's fingerprint and wrap subkey (HKDF, locosuppress/v1/wrap)."""
        for case in vectors["keys"]:
            key = SuppressionKey.from_text(case["key_text"])
            assert case["key_hex"] == bytes.fromhex(case["key_hex"]).hex()
            assert case["fingerprint"] == key.fingerprint
            assert (
                case["wrap_subkey"]
                == hkdf(bytes.fromhex(case["key_hex"]), b"locosuppress/v1/wrap").hex()
            )
            assert case["wrap_subkey"] == wrap_subkey(key).hex()

    def test_chains(self, vectors: dict[str, Any]) -> None:
        """Ring text, chain fingerprint and sealed hashes: the wrap written out equals the code."""
        wraps = {
            case["fingerprint"]: bytes.fromhex(case["wrap_subkey"]) for case in vectors["keys"]
        }
        keys = {
            case["fingerprint"]: SuppressionKey.from_text(case["key_text"])
            for case in vectors["keys"]
        }
        for case in vectors["chains"]:
            ring = KeyRing([keys[fp] for fp in case["chain"]])
            matter = ring.hashing_material()
            assert (case["ring_text"], case["fingerprint"]) == (ring.to_text(), ring.fingerprint)
            public = hashlib.sha256(b"locosuppress/v1/chain\x00" + ",".join(case["chain"]).encode())
            assert case["fingerprint"] == public.hexdigest()[:16]
            for kind, hash_one in (("emails", matter.hash_email), ("domains", matter.hash_domain)):
                for row in case[kind]:
                    sealed = bytes.fromhex(row["first_key_hash"])
                    for fingerprint in case["chain"][1:]:
                        sealed = aes_wrap(wraps[fingerprint], sealed)
                    assert row["sealed"] == sealed.hex() == hash_one(row["input"]).hex()

    def test_first_key_hashes_are_the_v1_vectors(
        self, vectors: dict[str, Any], vectors_path: Path
    ) -> None:
        """A chain starting with the test key starts from the frozen v1 hashes (unchanged)."""
        v1 = json.loads(vectors_path.read_text(encoding="utf-8"))
        frozen = {c["input"]: c["hmac_sha256"] for c in [*v1["emails"], *v1["domains"]]}
        first = vectors["chains"][0]
        for row in [*first["emails"], *first["domains"]]:
            assert frozen[row["input"]] == row["first_key_hash"]

    def test_docs_state_the_vectors(self, vectors: dict[str, Any]) -> None:
        """docs/hash-contract.md shows every chain vector."""
        text = (Path(__file__).parents[2] / "docs" / "hash-contract.md").read_text(encoding="utf-8")
        for case in vectors["keys"]:
            assert case["wrap_subkey"] in text
            assert case["fingerprint"] in text
        for case in vectors["chains"]:
            assert case["fingerprint"] in text
            for row in [*case["emails"], *case["domains"]]:
                assert row["sealed"] in text
