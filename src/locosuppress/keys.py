"""The secret key and keyed hashing (the second half of the hash contract).

A :class:`SuppressionKey` holds 32 bytes of secret material. It never shows
them (``repr``, ``str``, exception messages) and refuses to be pickled, so it
does not end up in a log, a cache or a traceback by accident. From it, HKDF
derives one subkey per purpose (e-mail hashes, domain hashes, the public
fingerprint); an e-mail hash is ``HMAC-SHA256(email subkey, UTF-8 of the
canonical form)``. ``docs/hash-contract.md`` gives every byte.

:class:`HashingMaterial` is the explicit, picklable bundle of the two hashing
subkeys that the filter and the Dask workers need: it can hash and look up,
but it cannot re-derive the master key or the fingerprint subkey.
"""

from __future__ import annotations

import base64
import binascii
import os
import secrets
import stat
from collections import deque
from collections.abc import Iterable
from itertools import repeat
from pathlib import Path
from typing import Any, Final, NoReturn

import numpy as np
import pandas as pd
import pyarrow as pa
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from locosuppress import _fs
from locosuppress._compat import accept_workers
from locosuppress.errors import InsecureKeyFileError, InvalidKeyError, OutputExistsError
from locosuppress.normalize import (
    NORMALIZATION_VERSION,
    as_series,
    canonical_arrow,
    normalize_domain,
    normalize_email,
)

__all__ = ["HASH_SIZE", "KEY_FILE_PREFIX", "HashingMaterial", "SuppressionKey"]

KEY_SIZE: Final = 32
HASH_SIZE: Final = 32
KEY_FILE_PREFIX: Final = "locosuppress-key-v1:"
LABEL_EMAIL: Final = b"locosuppress/v1/email-hash"
LABEL_DOMAIN: Final = b"locosuppress/v1/domain-hash"
LABEL_FINGERPRINT: Final = b"locosuppress/v1/fingerprint"
FINGERPRINT_MESSAGE: Final = b"locosuppress key fingerprint"
_CHUNK: Final = 1024


def _derive(material: bytes, label: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=KEY_SIZE, salt=None, info=label).derive(material)


def _hmac(subkey: bytes, message: bytes) -> bytes:
    mac = crypto_hmac.HMAC(subkey, hashes.SHA256())
    mac.update(message)
    return mac.finalize()


def _refuse_pickle(obj: object) -> NoReturn:
    raise TypeError(
        f"{type(obj).__name__} refuses to be pickled or copied: key material must not "
        "leave the process by accident. Ship HashingMaterial (key.hashing_material()) "
        "to workers that must hash, and load the key from its file or LOCOSUPPRESS_KEY "
        "elsewhere."
    )


class HashingMaterial:
    """The hashing subkeys of one key: what a worker needs to hash addresses.

    Obtain it with :meth:`SuppressionKey.hashing_material`. Unlike the key it
    *can* be pickled, on purpose, so that it can travel to trusted Dask
    workers; whoever holds it can test addresses against a list made with
    the same key, so treat it as a secret. It never shows the subkeys.
    """

    __slots__ = ("_domain_mac", "_domain_subkey", "_email_mac", "_email_subkey", "fingerprint")

    def __init__(self, email_subkey: bytes, domain_subkey: bytes, fingerprint: str) -> None:
        if len(email_subkey) != KEY_SIZE or len(domain_subkey) != KEY_SIZE:
            raise InvalidKeyError("hashing subkeys must be 32 bytes each")
        self._email_subkey = bytes(email_subkey)
        self._domain_subkey = bytes(domain_subkey)
        self.fingerprint = fingerprint
        self._email_mac = crypto_hmac.HMAC(self._email_subkey, hashes.SHA256())
        self._domain_mac = crypto_hmac.HMAC(self._domain_subkey, hashes.SHA256())

    def __repr__(self) -> str:
        return f"HashingMaterial(fingerprint={self.fingerprint!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (HashingMaterial, (self._email_subkey, self._domain_subkey, self.fingerprint))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, HashingMaterial):
            return NotImplemented
        return secrets.compare_digest(
            self._email_subkey + self._domain_subkey, other._email_subkey + other._domain_subkey
        )

    def __hash__(self) -> int:
        return hash(self.fingerprint)

    @property
    def normalization(self) -> str:
        """The normalisation rule set these hashes follow (``"v1"``)."""
        return NORMALIZATION_VERSION

    def hash_canonical(self, canonical: str, /) -> bytes:
        """HMAC of an already canonical address (no normalisation)."""
        mac = self._email_mac.copy()
        mac.update(canonical.encode("utf-8"))
        return mac.finalize()

    def hash_canonical_domain(self, canonical: str, /) -> bytes:
        """HMAC of an already canonical domain (no normalisation)."""
        mac = self._domain_mac.copy()
        mac.update(canonical.encode("utf-8"))
        return mac.finalize()

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

    def hash_canonical_array(
        self, canonical: pa.Array, /, *, domain: bool = False
    ) -> np.ndarray[Any, np.dtype[np.uint8]]:
        """Hash an Arrow string array of canonical forms into an ``(n, 32)`` array.

        Null entries give all-zero rows; callers keep their own validity mask.
        This is the hot loop of filtering: one copy of a pre-keyed HMAC per
        value, the digests joined once.
        """
        n = len(canonical)
        valid = canonical.drop_null() if canonical.null_count else canonical
        base = self._domain_mac if domain else self._email_mac
        mac_type = type(base)
        # Arrow strings are UTF-8 already: take them as bytes, no re-encoding.
        # Three C-level maps per chunk (copy the pre-keyed HMAC, update,
        # finalize) run no Python bytecode per value; chunks keep the HMAC
        # objects few and cache-warm.
        data = valid.cast(pa.binary()).to_pylist()
        digests: list[bytes] = []
        for start in range(0, len(data), _CHUNK):
            chunk = data[start : start + _CHUNK]
            macs = list(map(mac_type.copy, repeat(base, len(chunk))))
            deque(map(mac_type.update, macs, chunk), maxlen=0)
            digests.append(b"".join(map(mac_type.finalize, macs)))
        packed = np.frombuffer(b"".join(digests), dtype=np.uint8).reshape(-1, HASH_SIZE)
        if not canonical.null_count:
            return packed
        out = np.zeros((n, HASH_SIZE), dtype=np.uint8)
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
        out = _as_hashes(*canonical_and_hashes(series, self))
        return pd.Series(
            pd.arrays.ArrowExtensionArray(out), index=series.index, name=series.name, copy=False
        )


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
        fp_subkey = _derive(self._material, LABEL_FINGERPRINT)
        self._fingerprint = _hmac(fp_subkey, FINGERPRINT_MESSAGE)[:8].hex()
        self._matter = HashingMaterial(
            _derive(self._material, LABEL_EMAIL),
            _derive(self._material, LABEL_DOMAIN),
            self._fingerprint,
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
        try:
            fd = _fs.create_exclusive(path, mode=0o600)
        except FileExistsError:
            raise OutputExistsError(
                f"{path} exists; a key file is never overwritten. Choose another path."
            ) from None
        try:
            os.write(fd, (self.to_text() + "\n").encode("ascii"))
            os.fsync(fd)
        finally:
            os.close(fd)
        _fs.fsync_folder(path.absolute().parent)
        return path

    @classmethod
    def load(cls, path: str | os.PathLike[str], /) -> SuppressionKey:
        """Read a key file written by :meth:`save`.

        Raises:
            InsecureKeyFileError: group or others may read the file.
            InvalidKeyError: the file is missing or not a key.
        """
        path = Path(path)
        shown = _shown_path(path)
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
            text = path.read_text(encoding="ascii")
        except (UnicodeDecodeError, OSError) as exc:
            raise InvalidKeyError(
                f"cannot read key file {shown}: {exc.__class__.__name__}"
            ) from None
        return cls.from_text(text)

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
        _refuse_pickle(self)

    def __reduce__(self) -> NoReturn:
        _refuse_pickle(self)

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


def _shown_path(path: Path) -> str:
    """The path for an error message, unless it holds key text by mistake."""
    text = str(path)
    if KEY_FILE_PREFIX in text or len(text) > 4096:
        return "<the given path, not shown: it looks like key text, pass a file path>"
    return text


def canonical_and_hashes(
    values: pd.Series, material: HashingMaterial, /
) -> tuple[pa.Array, np.ndarray[Any, np.dtype[np.uint8]]]:
    """Canonical forms (null where invalid) and ``(n, 32)`` hashes (zero rows there).

    A categorical column is normalised once per category.
    """
    forms = canonical_arrow(values)
    return forms, material.hash_canonical_array(forms)


def _as_hashes(
    forms: pa.Array, digests: np.ndarray[Any, np.dtype[np.uint8]]
) -> pa.FixedSizeBinaryArray:
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
