"""The hashing subkeys of a key or a key chain: what the filter and workers need.

:class:`HashingMaterial` is the explicit, picklable bundle of purpose subkeys
(e-mail, domain, wildcard suffix, each foreign digest kind) and, after key
rotations, the wrap subkeys of the chain. Every keyed value it returns is
*sealed*: ``HMAC(purpose subkey, message)`` then, for each rotation in order,
``h = AES-256(wrap subkey)`` of each 16-byte half of ``h`` (the key-chain
wrap of ``docs/hash-contract.md``: one cipher call per column, not a Python
call per value). It can hash and look up, but it cannot re-derive a key or
its fingerprint subkey.
"""

from __future__ import annotations

import secrets
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from itertools import repeat
from typing import Any, Final

import numpy as np
import pandas as pd
import pyarrow as pa
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from locosuppress._compat import accept_workers
from locosuppress.errors import InvalidKeyError, InvalidOptionError
from locosuppress.keys._primitives import (
    FOREIGN_KINDS,
    HASH_SIZE,
    KEY_SIZE,
    PURPOSE_LABELS,
    chain_fingerprint,
)
from locosuppress.normalize import (
    NORMALIZATION_VERSION,
    as_series,
    canonical_arrow,
    normalize_domain,
    normalize_email,
)

__all__ = ["U8", "HashingMaterial", "as_hash_array", "canonical_and_hashes", "wrap_bytes"]

U8 = np.ndarray[Any, np.dtype[np.uint8]]
_CHUNK: Final = 1024


def _mac(subkey: bytes) -> crypto_hmac.HMAC:
    return crypto_hmac.HMAC(subkey, hashes.SHA256())


def _mac_many(base: crypto_hmac.HMAC, data: Sequence[bytes]) -> bytes:
    """``HMAC(base key, d)`` of every ``d``, the 32-byte digests joined in order.

    The hot loop of filtering: three C-level maps per chunk (copy the
    pre-keyed HMAC, update, finalize) run no Python bytecode per value;
    chunks keep the HMAC objects few and cache-warm.
    """
    mac_type = type(base)
    out: list[bytes] = []
    for start in range(0, len(data), _CHUNK):
        chunk = data[start : start + _CHUNK]
        macs = list(map(mac_type.copy, repeat(base, len(chunk))))
        deque(map(mac_type.update, macs, chunk), maxlen=0)
        out.append(b"".join(map(mac_type.finalize, macs)))
    return b"".join(out)


def wrap_bytes(wrap_subkey: bytes, data: bytes, /) -> bytes:
    """One key-chain wrap of concatenated 32-byte hashes: AES-256 of each 16-byte block.

    A keyed permutation of each half (ECB on purpose: the blocks are
    independent pseudorandom values, not a message), so wrapping a million
    hashes is one cipher call.
    """
    if len(data) % HASH_SIZE:
        raise ValueError("wrap_bytes takes whole 32-byte hashes")
    encryptor = Cipher(algorithms.AES(wrap_subkey), modes.ECB()).encryptor()  # noqa: S305
    return encryptor.update(data) + encryptor.finalize()


class HashingMaterial:
    """The hashing subkeys of one key or key chain: what a worker needs to hash.

    Obtain it with :meth:`SuppressionKey.hashing_material` or
    :meth:`KeyRing.hashing_material`. Unlike a key it *can* be pickled, on
    purpose, so that it can travel to trusted Dask workers; whoever holds it
    can test addresses against a list made with the same key chain, so treat
    it as a secret. It never shows the subkeys.

    Attributes:
        fingerprint: the public fingerprint of the key (or of the whole chain).
        chain: the fingerprints of the chain's keys, oldest first (one for a key).
    """

    __slots__ = ("_macs", "_subkeys", "_wraps", "chain", "fingerprint")

    def __init__(
        self,
        subkeys: Mapping[str, bytes],
        /,
        *,
        fingerprint: str,
        wraps: Sequence[bytes] = (),
        chain: Sequence[str] = (),
    ) -> None:
        if set(subkeys) != set(PURPOSE_LABELS):
            raise InvalidKeyError("hashing material needs one subkey per purpose")
        if any(len(k) != KEY_SIZE for k in (*subkeys.values(), *wraps)):
            raise InvalidKeyError("hashing subkeys must be 32 bytes each")
        self._subkeys = {p: bytes(subkeys[p]) for p in PURPOSE_LABELS}
        self._wraps = tuple(bytes(w) for w in wraps)
        self.fingerprint = fingerprint
        self.chain = tuple(chain) or (fingerprint,)
        self._macs = {p: _mac(k) for p, k in self._subkeys.items()}

    def __repr__(self) -> str:
        return f"HashingMaterial(fingerprint={self.fingerprint!r}, rotations={self.rotations})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (self._subkeys, self.fingerprint, self._wraps, self.chain))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, HashingMaterial):
            return NotImplemented
        return secrets.compare_digest(self._secret_bytes(), other._secret_bytes())

    def __hash__(self) -> int:
        return hash(self.fingerprint)

    def _secret_bytes(self) -> bytes:
        return b"".join(self._subkeys[p] for p in PURPOSE_LABELS) + b"".join(self._wraps)

    @property
    def normalization(self) -> str:
        """The normalisation rule set these hashes follow (``"v1"``)."""
        return NORMALIZATION_VERSION

    @property
    def rotations(self) -> int:
        """How many key rotations the chain has had (0 for a single key)."""
        return len(self._wraps)

    def rotated(self, wrap_subkey: bytes, key_fingerprint: str, /) -> HashingMaterial:
        """This chain followed by one more key: its wrap subkey and its fingerprint.

        What a list rotated to that key hashes with (``rotate_key``).
        """
        chain = (*self.chain, key_fingerprint)
        return HashingMaterial(
            self._subkeys,
            fingerprint=chain_fingerprint(chain),
            wraps=(*self._wraps, wrap_subkey),
            chain=chain,
        )

    # -- the keyed hash of any purpose ------------------------------------------

    def _seal(self, digest: bytes) -> bytes:
        for wrap in self._wraps:
            digest = wrap_bytes(wrap, digest)
        return digest

    def seal_rows(self, rows: U8, /) -> U8:
        """Wrap ``(n, 32)`` first-key hashes through the chain (a copy; no-op for one key)."""
        data = np.ascontiguousarray(rows, dtype=np.uint8).tobytes()
        return np.frombuffer(self._seal(data), dtype=np.uint8).reshape(-1, HASH_SIZE).copy()

    def keyed_hash(self, purpose: str, message: bytes, /) -> bytes:
        """The stored 32-byte value of ``message`` for ``purpose``, through the chain.

        ``purpose`` is one of ``"email"``, ``"domain"``, ``"wildcard"`` or a
        foreign digest kind (``docs/hash-contract.md``). Messages are bytes
        already in the purpose's canonical form; nothing is normalised here.
        """
        mac = self._macs[_checked_purpose(purpose)].copy()
        mac.update(message)
        return self._seal(mac.finalize())

    def keyed_hash_many(self, purpose: str, messages: Sequence[bytes], /) -> U8:
        """:meth:`keyed_hash` of each message, as an ``(n, 32)`` array."""
        joined = self._seal(_mac_many(self._macs[_checked_purpose(purpose)], messages))
        return np.frombuffer(joined, dtype=np.uint8).reshape(-1, HASH_SIZE)

    # -- addresses and domains -------------------------------------------------

    def hash_canonical(self, canonical: str, /) -> bytes:
        """Keyed hash of an already canonical address (no normalisation)."""
        return self.keyed_hash("email", canonical.encode("utf-8"))

    def hash_canonical_domain(self, canonical: str, /) -> bytes:
        """Keyed hash of an already canonical domain (no normalisation)."""
        return self.keyed_hash("domain", canonical.encode("utf-8"))

    def hash_wildcard_suffix(self, canonical: str, /) -> bytes:
        """Keyed hash of the canonical suffix of a wildcard entry (``example.com``)."""
        return self.keyed_hash("wildcard", canonical.encode("utf-8"))

    def hash_foreign(self, kind: str, digest: bytes, /) -> bytes:
        """Keyed hash of a client's raw (unkeyed) digest of ``kind``.

        Raises:
            InvalidOptionError: ``kind`` is not a foreign kind, or ``digest``
                does not have its length.
        """
        size = FOREIGN_KINDS.get(kind)
        if size is None:
            raise InvalidOptionError(
                f"kind must be one of {', '.join(FOREIGN_KINDS)}; got {kind!r}"
            )
        if len(digest) != size:
            raise InvalidOptionError(f"a {kind} digest is {size} bytes, not {len(digest)}")
        return self.keyed_hash(kind, digest)

    def hash_email(self, value: object, /) -> bytes:
        """Normalise one address (rules v1) and return its 32-byte keyed hash.

        Raises:
            InvalidEmailError: the value is not an address.
        """
        return self.hash_canonical(normalize_email(value))

    def hash_domain(self, value: object, /) -> bytes:
        """Normalise one domain (rule 6) and return its 32-byte keyed hash.

        Raises:
            InvalidDomainError: the value is not a domain name.
        """
        return self.hash_canonical_domain(normalize_domain(value))

    def hash_canonical_array(self, canonical: pa.Array, /, *, domain: bool = False) -> U8:
        """Hash an Arrow string array of canonical forms into an ``(n, 32)`` array.

        Null entries give all-zero rows; callers keep their own validity mask.
        """
        valid = canonical.drop_null() if canonical.null_count else canonical
        # Arrow strings are UTF-8 already: take them as bytes, no re-encoding.
        data = valid.cast(pa.binary()).to_pylist()
        packed = self.keyed_hash_many("domain" if domain else "email", data)
        if not canonical.null_count:
            return packed
        out = np.zeros((len(canonical), HASH_SIZE), dtype=np.uint8)
        out[np.asarray(canonical.is_valid().to_numpy(zero_copy_only=False), dtype=bool)] = packed
        return out

    def hash_emails(
        self, values: Iterable[object] | pd.Series, /, *, workers: int | None = None
    ) -> pd.Series:
        """Normalise and hash a whole column; NA where a value is invalid.

        Args:
            values: a Series (any text dtype) or any iterable of values.
            workers: deprecated and ignored (a ``DeprecationWarning``); for
                several cores use :mod:`locosuppress.dask` (``docs/dask.md``).

        Returns:
            A Series of dtype ``fixed_size_binary[32][pyarrow]`` with the index
            of ``values`` (when it is a Series).
        """
        accept_workers(workers)
        series = as_series(values)
        out = as_hash_array(*canonical_and_hashes(series, self))
        return pd.Series(
            pd.arrays.ArrowExtensionArray(out), index=series.index, name=series.name, copy=False
        )


def _checked_purpose(purpose: str) -> str:
    if purpose not in PURPOSE_LABELS:
        raise InvalidOptionError(
            f"purpose must be one of {', '.join(PURPOSE_LABELS)}; got {purpose!r}"
        )
    return purpose


def _rebuild(
    subkeys: Mapping[str, bytes], fingerprint: str, wraps: Sequence[bytes], chain: Sequence[str]
) -> HashingMaterial:
    return HashingMaterial(subkeys, fingerprint=fingerprint, wraps=wraps, chain=chain)


def canonical_and_hashes(values: pd.Series, material: HashingMaterial, /) -> tuple[pa.Array, U8]:
    """Canonical forms (null where invalid) and ``(n, 32)`` hashes (zero rows there).

    A categorical column is normalised once per category.
    """
    forms = canonical_arrow(values)
    return forms, material.hash_canonical_array(forms)


def as_hash_array(forms: pa.Array, digests: U8, /) -> pa.FixedSizeBinaryArray:
    """The hashes as an Arrow ``fixed_size_binary[32]`` array, null where ``forms`` is."""
    return pa.FixedSizeBinaryArray.from_buffers(
        pa.binary(HASH_SIZE), len(forms), [_validity_buffer(forms), pa.py_buffer(digests)]
    )


def _validity_buffer(array: pa.Array) -> pa.Buffer | None:
    """A validity bitmap for ``array`` that starts at bit 0 (None when all valid)."""
    if not array.null_count:
        return None
    if array.offset == 0 and array.buffers()[0] is not None:
        return array.buffers()[0]
    return pa.concat_arrays([array]).buffers()[0]
