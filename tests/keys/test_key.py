"""The secret key and keyed hashing: the second half of the hash contract."""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import os
import pickle
import stat
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from locosuppress import (
    HashingMaterial,
    InsecureKeyFileError,
    InvalidEmailError,
    InvalidKeyError,
    OutputExistsError,
    SuppressionKey,
    normalize_email,
)
from locosuppress.keys import LABEL_DOMAIN, LABEL_EMAIL
from locosuppress.testing import emails, invalid_emails, messy_variants


def hkdf_sha256(key: bytes, info: bytes, length: int = 32) -> bytes:
    """HKDF-SHA256 (RFC 5869) without salt, written out here, independent of the code under test.

    docs/hash-contract.md: a subkey is HKDF with SHA-256, no salt (32 zero
    bytes), 32 bytes of output, the key bytes as input and a purpose label as info.
    """
    prk = hmac.new(bytes(32), key, hashlib.sha256).digest()  # extract
    okm, block = b"", b""
    for counter in range(1, -(-length // 32) + 1):  # expand
        block = hmac.new(prk, block + info + bytes([counter]), hashlib.sha256).digest()
        okm += block
    return okm[:length]


class TestKeyFiles:
    """Generating, saving, loading and reading keys from the environment."""

    def test_generate_is_random(self) -> None:
        """Two generated keys differ, and so do their fingerprints."""
        a, b = SuppressionKey.generate(), SuppressionKey.generate()
        assert a != b
        assert a.fingerprint != b.fingerprint

    def test_save_load_round_trip(self, tmp_path: Path) -> None:
        """A saved key loads back equal, from a 0600 file with the versioned prefix."""
        key = SuppressionKey.generate()
        path = key.save(tmp_path / "list.key")
        assert 0o600 == stat.S_IMODE(path.stat().st_mode)
        assert path.read_text().startswith("locosuppress-key-v1:")
        assert key == SuppressionKey.load(path)

    def test_save_respects_strict_umask(self, tmp_path: Path) -> None:
        """The file is 0600 whatever the umask."""
        old = os.umask(0)
        try:
            path = SuppressionKey.generate().save(tmp_path / "k")
        finally:
            os.umask(old)
        assert 0o600 == stat.S_IMODE(path.stat().st_mode)

    def test_save_refuses_overwrite(self, tmp_path: Path) -> None:
        """An existing file is never overwritten (it may be the only copy of a key)."""
        path = tmp_path / "list.key"
        path.write_text("precious")
        with pytest.raises(OutputExistsError, match="never overwritten"):
            SuppressionKey.generate().save(path)
        assert "precious" == path.read_text()
        assert ["list.key"] == [p.name for p in tmp_path.iterdir()]  # no temp file left

    @pytest.mark.parametrize("mode", [0o640, 0o604, 0o644, 0o660])
    def test_load_refuses_readable_by_others(self, tmp_path: Path, mode: int) -> None:
        """A key file readable by group or others is refused, with the chmod to run."""
        path = SuppressionKey.generate().save(tmp_path / "k")
        path.chmod(mode)
        with pytest.raises(InsecureKeyFileError, match="chmod 600"):
            SuppressionKey.load(path)

    def test_load_missing(self, tmp_path: Path) -> None:
        """A missing key file says how to create one."""
        with pytest.raises(InvalidKeyError, match="key new"):
            SuppressionKey.load(tmp_path / "nope.key")

    @pytest.mark.parametrize(
        "text",
        [
            "",
            "hello",
            "locosuppress-key-v1:",
            "locosuppress-key-v1:AAAA",
            "locosuppress-key-v1:!!!",
        ],
    )
    def test_from_text_rejects_garbage(self, text: str) -> None:
        """Malformed key text raises InvalidKeyError."""
        with pytest.raises(InvalidKeyError, match=r"not a locosuppress key|does not hold 32 bytes"):
            SuppressionKey.from_text(text)

    def test_key_text_as_path_not_echoed(self) -> None:
        """Passing the key text where a path belongs never prints the key."""
        key = SuppressionKey.generate()
        with pytest.raises(InvalidKeyError, match="not shown") as info:
            SuppressionKey.load(key.to_text())
        assert key.to_text() not in str(info.value)

    def test_from_env(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """from_env reads the same text format from LOCOSUPPRESS_KEY or a named variable."""
        key = SuppressionKey.generate()
        monkeypatch.setenv("LOCOSUPPRESS_KEY", key.to_text())
        monkeypatch.setenv("OTHER_KEY", key.to_text() + "\n")
        assert key == SuppressionKey.from_env()
        assert key == SuppressionKey.from_env("OTHER_KEY")

    def test_from_env_unset(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """An unset variable is a clear error."""
        monkeypatch.delenv("LOCOSUPPRESS_KEY", raising=False)
        with pytest.raises(InvalidKeyError, match="LOCOSUPPRESS_KEY"):
            SuppressionKey.from_env()

    @pytest.mark.parametrize("material", [b"", b"x" * 31, b"x" * 33, "x" * 32])
    def test_wrong_length(self, material: object) -> None:
        """Only exactly 32 bytes make a key."""
        with pytest.raises(InvalidKeyError, match="exactly 32 bytes"):
            SuppressionKey(material)  # type: ignore[arg-type]


class TestKeySecrecy:
    """The key material never shows and never leaves the process by accident."""

    def test_repr_and_str_hide_material(self) -> None:
        """repr() and str() show only the fingerprint."""
        key = SuppressionKey(bytes(range(32)))
        text = key.to_text().split(":")[1]
        for shown in (repr(key), str(key), f"{key}", repr([key])):
            assert text not in shown
            assert bytes(range(32)).hex() not in shown
            assert key.fingerprint in shown

    def test_pickle_refused(self) -> None:
        """Pickling a key, at any protocol, raises TypeError."""
        key = SuppressionKey.generate()
        for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
            with pytest.raises(TypeError, match="refuses to be pickled"):
                pickle.dumps(key, protocol=protocol)

    def test_copy_is_same_object(self) -> None:
        """copy/deepcopy return the (immutable) key itself instead of pickling it."""
        key = SuppressionKey.generate()
        assert key is copy.copy(key)
        assert key is copy.deepcopy(key)

    def test_hashing_material_pickles_without_master_key(self) -> None:
        """HashingMaterial travels (for Dask workers) but holds only the subkeys."""
        key = SuppressionKey(bytes(range(32)))
        material = key.hashing_material()
        blob = pickle.dumps(material)
        assert bytes(range(32)) not in blob
        restored = pickle.loads(blob)  # noqa: S301 - our own bytes
        assert material == restored
        assert key.hash_email("a@b.nl") == restored.hash_email("a@b.nl")
        assert bytes(range(32)).hex() not in repr(material)

    def test_fingerprint_is_not_key(self) -> None:
        """The fingerprint is short, hex, stable and unrelated to the raw bytes."""
        key = SuppressionKey(bytes(range(32)))
        assert 16 == len(key.fingerprint)
        int(key.fingerprint, 16)
        assert key.fingerprint not in bytes(range(32)).hex()
        assert key.fingerprint == SuppressionKey(bytes(range(32))).fingerprint


class TestSubkeys:
    """The subkeys are HKDF-SHA256 of the key under the documented labels."""

    def test_reference_hkdf_matches_rfc_5869(self) -> None:
        """This file's own HKDF gives RFC 5869 test case 3 (SHA-256, no salt, no info)."""
        expected = bytes.fromhex(
            "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8"
        )
        assert expected == hkdf_sha256(b"\x0b" * 22, b"", 42)

    def test_documented_labels(self) -> None:
        """The labels are the ASCII strings docs/hash-contract.md lists."""
        assert (b"locosuppress/v1/email-hash", b"locosuppress/v1/domain-hash") == (
            LABEL_EMAIL,
            LABEL_DOMAIN,
        )

    def test_fingerprint_definition(self) -> None:
        """The fingerprint is HMAC-SHA256(fingerprint subkey, fixed text), 8 bytes as hex."""
        subkey = hkdf_sha256(bytes(range(32)), b"locosuppress/v1/fingerprint")
        expected = hmac.new(subkey, b"locosuppress key fingerprint", hashlib.sha256).digest()
        assert expected[:8].hex() == SuppressionKey(bytes(range(32))).fingerprint


class TestHashing:
    """HMAC-SHA256 of the canonical form under the HKDF e-mail subkey."""

    def test_definition(self, test_key: SuppressionKey) -> None:
        """hash_email is HMAC-SHA256(HKDF(key, email label), UTF-8 canonical form)."""
        subkey = hkdf_sha256(bytes(range(32)), LABEL_EMAIL)
        expected = hmac.new(subkey, b"johndoe@gmail.com", hashlib.sha256).digest()
        assert expected == test_key.hash_email(" John.Doe+x@GoogleMail.com ")
        assert 32 == len(expected)

    def test_domain_subkey_differs(self, test_key: SuppressionKey) -> None:
        """Domain hashes use their own subkey: a domain never hashes like an address."""
        subkey = hkdf_sha256(bytes(range(32)), LABEL_DOMAIN)
        expected = hmac.new(subkey, b"example.nl", hashlib.sha256).digest()
        assert expected == test_key.hash_domain("Example.NL")
        assert test_key.hash_domain("example.nl") != test_key.hashing_material().hash_canonical(
            "example.nl"
        )

    def test_invalid_raises(self, test_key: SuppressionKey) -> None:
        """hash_email raises InvalidEmailError as normalize_email does."""
        with pytest.raises(InvalidEmailError, match="rule 5-one-at"):
            test_key.hash_email("not an address")

    @given(emails().flatmap(lambda e: st.tuples(st.just(e), messy_variants(e))))
    def test_variants_hash_equal(self, pair: tuple[str, str]) -> None:
        """Every spelling of one person gives one hash."""
        key = SuppressionKey(bytes(range(32)))
        assert key.hash_email(pair[0]) == key.hash_email(pair[1])

    @given(emails(), st.binary(min_size=32, max_size=32), st.binary(min_size=32, max_size=32))
    def test_different_keys_differ(self, address: str, a: bytes, b: bytes) -> None:
        """Different keys give different hashes and fingerprints."""
        if a == b:
            return
        ka, kb = SuppressionKey(a), SuppressionKey(b)
        assert ka.hash_email(address) != kb.hash_email(address)
        assert ka.fingerprint != kb.fingerprint

    @given(
        st.lists(
            st.one_of(emails(), emails().flatmap(messy_variants), invalid_emails()), max_size=20
        )
    )
    def test_vectorised_agrees(self, values: list[object]) -> None:
        """hash_emails equals hash_email element by element, NA where invalid."""
        key = SuppressionKey(bytes(range(32)))
        expected = []
        for v in values:
            try:
                expected.append(key.hash_email(v))
            except InvalidEmailError:
                expected.append(None)
        got = key.hash_emails(pd.Series(values, dtype=object))
        assert expected == [None if v is pd.NA else v for v in got.tolist()]

    def test_vectorised_keeps_index(self, test_key: SuppressionKey) -> None:
        """hash_emails keeps the index; dtype is fixed_size_binary[32][pyarrow]."""
        series = pd.Series(["a@b.nl", None], index=["x", "y"])
        result = test_key.hash_emails(series)
        assert ["x", "y"] == list(result.index)
        assert "fixed_size_binary[32][pyarrow]" == str(result.dtype)

    def test_vectorised_trailing_nul_bytes_survive(self) -> None:
        """Hashes ending in NUL bytes keep all 32 bytes (no S32 truncation)."""
        key = SuppressionKey(bytes(range(32)))
        found = None
        for i in range(5_000):
            h = key.hash_email(f"user{i}@example.nl")
            if h.endswith(b"\x00"):
                found = f"user{i}@example.nl"
                break
        assert found is not None
        got = key.hash_emails([found])[0]
        assert 32 == len(got)
        assert key.hash_email(found) == got


class TestVectors:
    """Frozen test vectors: any change to a canonical form or hash fails here."""

    def test_keys_and_hashes(self, vectors_path: Path) -> None:
        """The published test key gives the frozen fingerprint, subkeys and hashes."""
        vectors = json.loads(vectors_path.read_text(encoding="utf-8"))
        key = SuppressionKey.from_text(vectors["key_text"])
        assert bytes.fromhex(vectors["key_hex"]) == bytes(range(32))
        assert vectors["fingerprint"] == key.fingerprint
        assert vectors["subkeys"]["email"] == hkdf_sha256(bytes(range(32)), LABEL_EMAIL).hex()
        for case in vectors["emails"]:
            assert case["canonical"] == normalize_email(case["input"])
            assert case["hmac_sha256"] == key.hash_email(case["input"]).hex()
        for case in vectors["domains"]:
            assert case["hmac_sha256"] == key.hash_domain(case["input"]).hex()
        hashed = key.hash_emails([case["input"] for case in vectors["emails"]])
        assert [c["hmac_sha256"] for c in vectors["emails"]] == [h.hex() for h in hashed]

    def test_material_type(self, test_key: SuppressionKey) -> None:
        """hashing_material() returns the HashingMaterial bundle."""
        assert isinstance(test_key.hashing_material(), HashingMaterial)
