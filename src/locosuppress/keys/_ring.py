"""Key rings: the keys of a rotated list's chain, oldest first.

After ``SuppressionList.rotate_key`` every stored hash is
``HMAC(purpose subkey of the first key, message)`` wrapped once by each later
key (``docs/hash-contract.md``, "The key chain"), so matching needs every key
of the chain, in order: a :class:`KeyRing`. Like a :class:`SuppressionKey`,
a ring never shows key material and refuses to be pickled. Its text form
(a ring file) is the header line ``locosuppress-ring-v1:`` and one key text
per line, oldest first.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Final, NoReturn

import attrs

from locosuppress import _fs
from locosuppress.errors import InvalidKeyError
from locosuppress.keys._key import (
    SuppressionKey,
    purpose_subkeys,
    read_secret_file,
    secret_of,
    shown_path,
    wrap_subkey,
)
from locosuppress.keys._material import HashingMaterial
from locosuppress.keys._primitives import KEY_FILE_PREFIX, chain_fingerprint, refuse_pickle

__all__ = ["RING_FILE_PREFIX", "KeyRing", "load_key_or_ring"]

#: The first line of a ring file (and the first token of a ring's text).
RING_FILE_PREFIX: Final = "locosuppress-ring-v1:"


def _checked_keys(keys: Iterable[SuppressionKey]) -> tuple[SuppressionKey, ...]:
    if isinstance(keys, SuppressionKey | str | bytes):
        raise InvalidKeyError("KeyRing takes a list of SuppressionKey, oldest first")
    out = tuple(keys)
    if not out:
        raise InvalidKeyError("a key ring holds at least one key")
    for key in out:
        if not isinstance(key, SuppressionKey):
            raise InvalidKeyError(
                f"a key ring holds SuppressionKey objects, not {type(key).__name__}"
            )
    prints = [k.fingerprint for k in out]
    if len(set(prints)) != len(prints):
        raise InvalidKeyError("a key ring holds each key once (a key appears twice in the chain)")
    return out


@attrs.frozen(repr=False)
class KeyRing:
    """The keys of a suppression list's chain, oldest first (``KeyRing([old, new])``).

    A list rotated with :meth:`SuppressionList.rotate_key` opens only with
    the ring of its whole chain, in order. Keep it with :meth:`save` (a 0600
    text file, never overwritten) or in ``LOCOSUPPRESS_KEY``; read it with
    :meth:`load` or :meth:`from_env`. It never shows key material and refuses
    to be pickled; :meth:`hashing_material` is what workers need.

    Attributes:
        keys: the keys, oldest first.
    """

    keys: tuple[SuppressionKey, ...] = attrs.field(converter=_checked_keys)

    # -- identity ------------------------------------------------------------------

    @property
    def chain(self) -> tuple[str, ...]:
        """The fingerprints of the keys, oldest first (public)."""
        return tuple(k.fingerprint for k in self.keys)

    @property
    def fingerprint(self) -> str:
        """The public fingerprint of the whole chain (a one-key ring: that key's)."""
        return chain_fingerprint(self.chain)

    @property
    def newest(self) -> SuppressionKey:
        """The last key of the chain: the one the list was last rotated to."""
        return self.keys[-1]

    def __len__(self) -> int:
        return len(self.keys)

    def __repr__(self) -> str:
        return f"KeyRing(fingerprint={self.fingerprint!r}, chain={list(self.chain)!r})"

    __str__ = __repr__

    def __reduce_ex__(self, protocol: Any) -> NoReturn:
        refuse_pickle(self)

    def __reduce__(self) -> NoReturn:
        refuse_pickle(self)

    def __copy__(self) -> KeyRing:
        return self

    def __deepcopy__(self, memo: Any) -> KeyRing:
        return self

    # -- chains ----------------------------------------------------------------------

    def rotated_to(self, new_key: SuppressionKey, /) -> KeyRing:
        """The ring of this chain followed by ``new_key``.

        Raises:
            InvalidKeyError: ``new_key`` is already in the chain, or not a key.
        """
        if not isinstance(new_key, SuppressionKey):
            raise InvalidKeyError(f"rotate to a SuppressionKey, not {type(new_key).__name__}")
        if new_key.fingerprint in self.chain:
            raise InvalidKeyError(
                f"the key {new_key.fingerprint} is already in the chain; rotate to a new key "
                "(`locosuppress key new PATH`)"
            )
        return KeyRing([*self.keys, new_key])

    def hashing_material(self) -> HashingMaterial:
        """The picklable hashing subkeys of the chain: the first key's, then one wrap per key."""
        first, *later = self.keys
        return HashingMaterial(
            purpose_subkeys(secret_of(first)),
            fingerprint=self.fingerprint,
            wraps=[wrap_subkey(k) for k in later],
            chain=self.chain,
        )

    # -- text and files ------------------------------------------------------------

    @classmethod
    def from_text(cls, text: str, /) -> KeyRing:
        """Parse a ring's text (``locosuppress-ring-v1:`` then key texts), or one key's text.

        Raises:
            InvalidKeyError: the text is neither a ring nor a key.
        """
        tokens = text.split()
        if tokens and tokens[0] == RING_FILE_PREFIX:
            if len(tokens) < 2:
                raise InvalidKeyError("the key ring holds no key")
            return cls([SuppressionKey.from_text(t) for t in tokens[1:]])
        if len(tokens) == 1 and tokens[0].startswith(KEY_FILE_PREFIX):
            return cls([SuppressionKey.from_text(tokens[0])])
        raise InvalidKeyError(
            f"not a locosuppress key or key ring: it must start with {KEY_FILE_PREFIX!r} "
            f"or {RING_FILE_PREFIX!r}"
        )

    def to_text(self) -> str:
        """The ring file's text. This *is* the secret of every key in it: handle with care."""
        lines = (RING_FILE_PREFIX, *(k.to_text() for k in self.keys))
        return "".join(line + "\n" for line in lines)

    def save(self, path: str | os.PathLike[str], /) -> Path:
        """Write the ring to a new file readable by its owner only (mode 0600).

        Raises:
            FileExistsError: ``path`` exists (``OutputExistsError``); a ring
                file is never overwritten.
        """
        path = Path(path)
        # Written whole to a 0600 temp file, fsynced, then linked into place:
        # never a partial ring file, never one replaced.
        with _fs.new_file(
            path,
            exists=f"{shown_path(path)} exists; a key ring file is never overwritten. "
            "Choose another path.",
        ) as tmp:
            tmp.write_bytes(self.to_text().encode("ascii"))
        return path

    @classmethod
    def load(cls, path: str | os.PathLike[str], /) -> KeyRing:
        """Read a ring file written by :meth:`save` (a key file gives a one-key ring).

        Raises:
            InsecureKeyFileError: group or others may read the file.
            InvalidKeyError: the file is missing or holds no ring or key.
        """
        return cls.from_text(read_secret_file(Path(path)))

    @classmethod
    def from_env(cls, name: str = "LOCOSUPPRESS_KEY", /) -> KeyRing:
        """Read a ring's (or one key's) text from an environment variable.

        Raises:
            InvalidKeyError: the variable is unset or holds neither.
        """
        text = os.environ.get(name)
        if not text:
            raise InvalidKeyError(
                f"the environment variable {name} is not set; set it to the text of a key "
                "or ring file"
            )
        return cls.from_text(text)


def load_key_or_ring(
    path: str | os.PathLike[str] | None, /, *, env: str = "LOCOSUPPRESS_KEY"
) -> SuppressionKey | KeyRing:
    """A key file or a ring file at ``path`` (else the text in ``env``).

    A one-key text gives a :class:`SuppressionKey`, a ring text a
    :class:`KeyRing`: what ``SuppressionList.open`` and the command line take.

    Raises:
        InvalidKeyError, InsecureKeyFileError: neither can be read.
    """
    ring = KeyRing.from_env(env) if path is None else KeyRing.load(path)
    return ring.keys[0] if len(ring) == 1 else ring
