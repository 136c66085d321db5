"""The building blocks of the key contract: sizes, HKDF labels, HKDF and HMAC.

``docs/hash-contract.md`` gives every byte. Every keyed value locosuppress
stores is ``HMAC-SHA256(purpose subkey, message)`` with the purpose subkey
derived by HKDF from the list's first key, then wrapped once per rotation
(:data:`LABEL_WRAP`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Final, NoReturn

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

__all__ = [
    "FINGERPRINT_MESSAGE",
    "FOREIGN_KINDS",
    "HASH_SIZE",
    "KEY_FILE_PREFIX",
    "KEY_SIZE",
    "LABEL_CHAIN",
    "LABEL_DOMAIN",
    "LABEL_EMAIL",
    "LABEL_FINGERPRINT",
    "LABEL_WILDCARD",
    "LABEL_WRAP",
    "PURPOSE_LABELS",
    "chain_fingerprint",
    "derive",
    "hmac_sha256",
    "refuse_pickle",
]

KEY_SIZE: Final = 32
HASH_SIZE: Final = 32
KEY_FILE_PREFIX: Final = "locosuppress-key-v1:"
LABEL_EMAIL: Final = b"locosuppress/v1/email-hash"
LABEL_DOMAIN: Final = b"locosuppress/v1/domain-hash"
LABEL_FINGERPRINT: Final = b"locosuppress/v1/fingerprint"
#: Wildcard domain entries (``*.example.com``): a keyed hash of the suffix.
LABEL_WILDCARD: Final = b"locosuppress/v1/wildcard-hash"
#: The key-chain wrap: after a rotation to key K, every stored hash h becomes
#: ``HMAC-SHA256(HKDF(K, LABEL_WRAP), h)``.
LABEL_WRAP: Final = b"locosuppress/v1/wrap"
FINGERPRINT_MESSAGE: Final = b"locosuppress key fingerprint"

#: The foreign digests a client may hand over, and the size of each digest.
FOREIGN_KINDS: Final[Mapping[str, int]] = MappingProxyType(
    {"md5": 16, "sha1": 20, "sha256": 32, "sha256-v1": 32}
)

#: The HKDF ``info`` label of every hashing purpose a :class:`HashingMaterial` holds.
PURPOSE_LABELS: Final[Mapping[str, bytes]] = MappingProxyType(
    {
        "email": LABEL_EMAIL,
        "domain": LABEL_DOMAIN,
        "wildcard": LABEL_WILDCARD,
        **{kind: b"locosuppress/v1/foreign-hash/" + kind.encode() for kind in FOREIGN_KINDS},
    }
)


#: The domain-separation prefix of a chain fingerprint (public data, SHA-256).
LABEL_CHAIN: Final = b"locosuppress/v1/chain"


def chain_fingerprint(chain: Sequence[str], /) -> str:
    """The public fingerprint of a key chain (16 hex digits), from its key fingerprints.

    A chain of one key has that key's fingerprint, so a one-key ring opens
    every list made before rotations existed; a longer chain's is the first
    8 bytes of ``SHA-256("locosuppress/v1/chain" || 0x00 || "fp1,fp2,...")``
    (the fingerprints as lower-case hex, oldest first, ASCII).
    """
    if not chain:
        raise ValueError("a key chain holds at least one key")
    if len(chain) == 1:
        return chain[0]
    return hashlib.sha256(LABEL_CHAIN + b"\x00" + ",".join(chain).encode("ascii")).hexdigest()[:16]


def derive(material: bytes, label: bytes, /) -> bytes:
    """HKDF-SHA256 of the key bytes, no salt, 32 bytes, ``info=label``."""
    return HKDF(algorithm=hashes.SHA256(), length=KEY_SIZE, salt=None, info=label).derive(material)


def hmac_sha256(subkey: bytes, message: bytes, /) -> bytes:
    """HMAC-SHA256 of ``message`` under ``subkey`` (32 bytes)."""
    mac = crypto_hmac.HMAC(subkey, hashes.SHA256())
    mac.update(message)
    return mac.finalize()


def refuse_pickle(obj: object, /) -> NoReturn:
    """Raise: key material must not leave the process by accident."""
    raise TypeError(
        f"{type(obj).__name__} refuses to be pickled or copied: key material must not "
        "leave the process by accident. Ship HashingMaterial (key.hashing_material()) "
        "to workers that must hash, and load the key from its file or LOCOSUPPRESS_KEY "
        "elsewhere."
    )
