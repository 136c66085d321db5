"""The secret key of a suppression list (the second half of the hash contract).

A :class:`SuppressionKey` holds 32 bytes of secret material. It never shows
them (``repr``, ``str``, exception messages) and refuses to be pickled, so it
does not end up in a log, a cache or a traceback by accident. From it, HKDF
derives one subkey per purpose (``docs/hash-contract.md`` gives every byte).
"""

from __future__ import annotations

import base64
import binascii
import os
import secrets
import stat
from collections.abc import Iterable
from pathlib import Path
from typing import Any, NoReturn

import pandas as pd

from locosuppress import _fs
from locosuppress._compat import accept_workers
from locosuppress.errors import InsecureKeyFileError, InvalidKeyError
from locosuppress.keys._material import HashingMaterial
from locosuppress.keys._primitives import (
    FINGERPRINT_MESSAGE,
    KEY_FILE_PREFIX,
    KEY_SIZE,
    LABEL_FINGERPRINT,
    LABEL_WRAP,
    PURPOSE_LABELS,
    derive,
    hmac_sha256,
    refuse_pickle,
)

__all__ = [
    "SuppressionKey",
    "key_fingerprint",
    "purpose_subkeys",
    "read_secret_file",
    "secret_of",
    "shown_path",
    "wrap_subkey",
]


def key_fingerprint(material: bytes, /) -> str:
    """The public fingerprint of key bytes: 16 hex digits."""
    return hmac_sha256(derive(material, LABEL_FINGERPRINT), FINGERPRINT_MESSAGE)[:8].hex()


def purpose_subkeys(material: bytes, /) -> dict[str, bytes]:
    """One HKDF subkey per hashing purpose of key bytes."""
    return {purpose: derive(material, label) for purpose, label in PURPOSE_LABELS.items()}


def wrap_subkey(key: SuppressionKey, /) -> bytes:
    """The wrap subkey of a key: what a rotation to it applies to every stored hash."""
    return derive(key._material, LABEL_WRAP)


def secret_of(key: SuppressionKey, /) -> bytes:
    """The key bytes (for the key package only: rings save and compare them)."""
    return key._material


class SuppressionKey:
    """The secret key of a suppression list: 32 random bytes.

    Create one with :meth:`generate`, keep it with :meth:`save` (a 0600 text
    file) or in the ``LOCOSUPPRESS_KEY`` environment variable, read it with
    :meth:`load` or :meth:`from_env`. Lose it and the list can no longer be
    matched against; leak it and the list can be tested address by address.
    """

    __slots__ = ("_fingerprint", "_material", "_matter")

    def __init__(self, material: bytes, /) -> None:
        if not isinstance(material, bytes | bytearray) or len(material) != KEY_SIZE:
            raise InvalidKeyError(
                f"a key is exactly {KEY_SIZE} bytes; use SuppressionKey.generate() for a new one"
            )
        self._material = bytes(material)
        self._fingerprint = key_fingerprint(self._material)
        self._matter = HashingMaterial(
            purpose_subkeys(self._material), fingerprint=self._fingerprint
        )

    # -- creation and storage -------------------------------------------------

    @classmethod
    def generate(cls) -> SuppressionKey:
        """Return a new key of 32 bytes from the operating system's CSPRNG."""
        return cls(secrets.token_bytes(KEY_SIZE))

    @classmethod
    def from_text(cls, text: str, /) -> SuppressionKey:
        """Parse the key text format: ``locosuppress-key-v1:`` + base64url.

        Raises:
            InvalidKeyError: the text is not a locosuppress key.
        """
        text = text.strip()
        if not text.startswith(KEY_FILE_PREFIX):
            raise InvalidKeyError(
                f"not a locosuppress key: it must start with {KEY_FILE_PREFIX!r}; "
                "create one with `locosuppress key new PATH`"
            )
        body = text[len(KEY_FILE_PREFIX) :]
        try:
            material = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        except (binascii.Error, ValueError):
            raise InvalidKeyError("the key text is not valid base64url") from None
        if len(material) != KEY_SIZE:
            raise InvalidKeyError(f"the key text does not hold {KEY_SIZE} bytes")
        return cls(material)

    def to_text(self) -> str:
        """Return the key in its text format. This *is* the secret: handle with care."""
        return KEY_FILE_PREFIX + base64.urlsafe_b64encode(self._material).decode().rstrip("=")

    def save(self, path: str | os.PathLike[str], /) -> Path:
        """Write the key to a new file readable by its owner only (mode 0600).

        Refuses to overwrite an existing file: a key that is overwritten makes
        every list made with it unreadable.

        Raises:
            FileExistsError: ``path`` exists (``OutputExistsError``).
        """
        path = Path(path)
        # Written whole to a 0600 temp file, fsynced, then linked into place:
        # never a partial key file, never one replaced.
        with _fs.new_file(
            path, exists=f"{path} exists; a key file is never overwritten. Choose another path."
        ) as tmp:
            tmp.write_bytes((self.to_text() + "\n").encode("ascii"))
        return path

    @classmethod
    def load(cls, path: str | os.PathLike[str], /) -> SuppressionKey:
        """Read a key file written by :meth:`save`.

        Raises:
            InsecureKeyFileError: group or others may read the file.
            InvalidKeyError: the file is missing or not a key.
        """
        return cls.from_text(read_secret_file(Path(path)))

    @classmethod
    def from_env(cls, name: str = "LOCOSUPPRESS_KEY", /) -> SuppressionKey:
        """Read the key text from an environment variable.

        Raises:
            InvalidKeyError: the variable is unset or does not hold a key.
        """
        text = os.environ.get(name)
        if not text:
            raise InvalidKeyError(
                f"the environment variable {name} is not set; set it to the text of a key file"
            )
        return cls.from_text(text)

    # -- identity -------------------------------------------------------------

    @property
    def fingerprint(self) -> str:
        """A short public identifier of the key (16 hex digits), not reversible to it."""
        return self._fingerprint

    def __repr__(self) -> str:
        return f"SuppressionKey(fingerprint={self._fingerprint!r})"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SuppressionKey):
            return NotImplemented
        return secrets.compare_digest(self._material, other._material)

    def __hash__(self) -> int:
        return hash(self._fingerprint)

    def __reduce_ex__(self, protocol: Any) -> NoReturn:
        refuse_pickle(self)

    def __reduce__(self) -> NoReturn:
        refuse_pickle(self)

    def __copy__(self) -> SuppressionKey:
        return self

    def __deepcopy__(self, memo: Any) -> SuppressionKey:
        return self

    # -- hashing --------------------------------------------------------------

    def hashing_material(self) -> HashingMaterial:
        """Return the picklable bundle of hashing subkeys (for trusted workers)."""
        return self._matter

    def hash_email(self, value: object, /) -> bytes:
        """Normalise one address (rules v1) and return its 32-byte keyed hash.

        Raises:
            InvalidEmailError: the value is not an address.
        """
        return self._matter.hash_email(value)

    def hash_emails(
        self, values: Iterable[object] | pd.Series, /, *, workers: int | None = None
    ) -> pd.Series:
        """Vectorised :meth:`hash_email`: a Series of 32-byte hashes, NA where invalid.

        ``workers`` is deprecated and ignored; see :meth:`HashingMaterial.hash_emails`.
        """
        accept_workers(workers)
        return self._matter.hash_emails(values)

    def hash_domain(self, value: object, /) -> bytes:
        """Normalise one domain (rule 6) and return its 32-byte keyed hash.

        Raises:
            InvalidDomainError: the value is not a domain name.
        """
        return self._matter.hash_domain(value)


def shown_path(path: Path) -> str:
    """The path for an error message, unless it holds key text by mistake."""
    text = str(path)
    if KEY_FILE_PREFIX in text or len(text) > 4096:
        return "<the given path, not shown: it looks like key text, pass a file path>"
    return text


def read_secret_file(path: Path, /) -> str:
    """The text of a key or ring file, refused when others may read it."""
    shown = shown_path(path)
    try:
        st = path.stat()
    except FileNotFoundError:
        raise InvalidKeyError(
            f"no key file at {shown}; create one with `locosuppress key new PATH`"
        ) from None
    if not stat.S_ISREG(st.st_mode):
        raise InvalidKeyError(f"{shown} is not a regular file")
    if os.name == "posix" and st.st_mode & 0o077:
        raise InsecureKeyFileError(
            f"{shown} can be read by group or others (mode {stat.S_IMODE(st.st_mode):04o}); "
            f"run `chmod 600 {shown}` and try again"
        )
    try:
        return path.read_text(encoding="ascii")
    except (UnicodeDecodeError, OSError) as exc:
        raise InvalidKeyError(f"cannot read key file {shown}: {exc.__class__.__name__}") from None
