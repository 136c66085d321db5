"""Keys and keyed hashing: the second half of the hash contract.

* :class:`SuppressionKey`: the secret 32 bytes of a list (``_key``);
* :class:`HashingMaterial`: the picklable purpose subkeys (and key-chain
  wraps) that the filter and Dask workers hash with (``_material``);
* the sizes, HKDF labels and primitives of ``docs/hash-contract.md``
  (``_primitives``).
"""

from __future__ import annotations

from locosuppress.keys._key import SuppressionKey
from locosuppress.keys._material import HashingMaterial, as_hash_array, canonical_and_hashes
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
)

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
    "HashingMaterial",
    "SuppressionKey",
    "as_hash_array",
    "canonical_and_hashes",
]
