"""Keys and keyed hashing: the second half of the hash contract.

* :class:`SuppressionKey`: the secret 32 bytes of a list (``_key``);
* :class:`KeyRing`: the keys of a rotated list's chain, oldest first (``_ring``);
* :class:`HashingMaterial`: the picklable purpose subkeys (and key-chain
  wraps) that the filter and Dask workers hash with (``_material``);
* the sizes, HKDF labels and primitives of ``docs/hash-contract.md``
  (``_primitives``).
"""

from __future__ import annotations

from locosuppress.keys._key import SuppressionKey, wrap_subkey
from locosuppress.keys._material import (
    HashingMaterial,
    as_hash_array,
    canonical_and_hashes,
    wrap_bytes,
)
from locosuppress.keys._primitives import (
    FOREIGN_KINDS,
    HASH_SIZE,
    KEY_FILE_PREFIX,
    LABEL_DOMAIN,
    LABEL_EMAIL,
    LABEL_FINGERPRINT,
    LABEL_WILDCARD,
    LABEL_WRAP,
    PURPOSE_LABELS,
    chain_fingerprint,
)
from locosuppress.keys._ring import RING_FILE_PREFIX, KeyRing, load_key_or_ring

__all__ = [
    "FOREIGN_KINDS",
    "HASH_SIZE",
    "KEY_FILE_PREFIX",
    "LABEL_DOMAIN",
    "LABEL_EMAIL",
    "LABEL_FINGERPRINT",
    "LABEL_WILDCARD",
    "LABEL_WRAP",
    "PURPOSE_LABELS",
    "RING_FILE_PREFIX",
    "HashingMaterial",
    "KeyRing",
    "SuppressionKey",
    "as_hash_array",
    "canonical_and_hashes",
    "chain_fingerprint",
    "load_key_or_ring",
    "wrap_bytes",
    "wrap_subkey",
]
