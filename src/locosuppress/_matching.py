"""Which entries an address matches: the keys of every kind, for one address or a column.

An address is suppressed by an entry of any of these kinds (``docs/hash-contract.md``):

* ``address``: the keyed hash of its canonical form;
* ``domain``: the keyed hash of its canonical domain;
* ``wildcard``: the keyed hash of a *proper* suffix of its domain with at
  least two labels (``*.example.com`` covers ``a.example.com`` and
  ``b.a.example.com``, not ``example.com``);
* ``md5``, ``sha1``, ``sha256``: the keyed hash of a client's digest of the
  address *as clients hash it*: the cell unwrapped by rule 3 (strip, quotes,
  ``Name <...>``, ``mailto:``) and lower-cased, nothing more (no ``+tag`` or
  Gmail-dot rule), computed only for cells our rules accept as an address;
* ``sha256-v1``: the keyed hash of the SHA-256 of the canonical form v1.

For a column, the wildcard and foreign keys are computed only when the index
holds entries of that kind: a list without them costs nothing more.

Layer 2 (between the filter engine and :mod:`locosuppress.keys`): imports
keys, normalize, the index and the vocabulary; writes nothing.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import importlib
import re
from collections.abc import Callable, Mapping
from operator import methodcaller
from typing import Any, Final

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from locosuppress._arrow import string_buffers
from locosuppress._index import SuppressionIndex
from locosuppress._vocabulary import (
    FOREIGN_KIND_CODES,
    KIND_DOMAIN,
    KIND_EMAIL,
    KIND_WILDCARD,
    KINDS,
    SCOPE_ALL,
)
from locosuppress.errors import InvalidDomainError
from locosuppress.keys import HashingMaterial
from locosuppress.normalize import STRIP_CHARACTERS, normalize_domain, unwrapped_lower

__all__ = [
    "ENTRY_ORDER",
    "HASHERS",
    "entry_bits",
    "entry_keys",
    "foreign_digest",
    "is_wildcard",
    "parse_digest",
    "wildcard_suffix",
    "wildcard_suffixes",
]

U8 = np.ndarray[Any, np.dtype[np.uint8]]
BOOL = np.ndarray[Any, np.dtype[np.bool_]]

#: The kind codes in the order that decides which entry a report names.
ENTRY_ORDER: Final = tuple(KINDS.values())


def _hasher(name: str) -> Callable[[bytes], Any]:
    """The fastest constructor of a digest: CPython's built-in one, else hashlib's.

    For the short messages of a column, OpenSSL's per-object set-up costs
    more than the digest itself; CPython's own ``_md5``/``_sha1``/``_sha256``
    (``_sha2`` from 3.12) compute the same standard functions about twice as
    fast. Builds without them fall back to :mod:`hashlib`.
    """
    for module_name in (f"_{name}", "_sha2"):
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        constructor = getattr(module, name, None)
        if callable(constructor):
            return constructor  # type: ignore[no-any-return]
    return getattr(hashlib, name)  # type: ignore[no-any-return]


#: The unkeyed digest function of each foreign kind.
HASHERS: Final[Mapping[str, Callable[[bytes], Any]]] = {
    "md5": _hasher("md5"),
    "sha1": _hasher("sha1"),
    "sha256": _hasher("sha256"),
    "sha256-v1": _hasher("sha256"),
}
_DIGEST: Final = methodcaller("digest")
# A display name and an address in angle brackets, nothing else to unwrap.
_PLAIN_WRAPPER: Final = r"^[^<>\"']*<([^<>]*)>$"


_HEX: Final = re.compile(r"[0-9a-fA-F]+")
_BASE64: Final = re.compile(r"[A-Za-z0-9+/]+={0,2}")
_BASE64_URL: Final = re.compile(r"[A-Za-z0-9_-]+={0,2}")


# --- a client's digest, as text ------------------------------------------------------


def parse_digest(value: object, size: int, /) -> bytes | None:
    """The raw digest of ``size`` bytes a hex or base64 value spells; None when it spells none.

    Hex: exactly ``2 * size`` hex digits, either case. Base64: the standard or
    the URL-safe alphabet (not both), with or without its ``=`` padding.
    Surrounding whitespace is ignored.
    """
    if not isinstance(value, str):
        return None
    text = value.strip(STRIP_CHARACTERS)
    if len(text) == 2 * size and _HEX.fullmatch(text):
        return bytes.fromhex(text)
    unpadded = text.rstrip("=")
    padded_length = -(-size // 3) * 4
    if len(unpadded) != -(-size * 4 // 3) or len(text) not in (len(unpadded), padded_length):
        return None
    if _BASE64.fullmatch(text):
        alphabet = None
    elif _BASE64_URL.fullmatch(text):
        alphabet = b"-_"
    else:
        return None
    try:
        raw = base64.b64decode(
            unpadded + "=" * (-len(unpadded) % 4), altchars=alphabet, validate=True
        )
    except (binascii.Error, ValueError):
        return None
    return raw if len(raw) == size else None


# --- wildcards -------------------------------------------------------------------


#: The characters UTS 46 maps to a full stop: ideographic, fullwidth and halfwidth.
_IDNA_DOTS: Final = str.maketrans({"\u3002": ".", "\uff0e": ".", "\uff61": "."})


def is_wildcard(value: object, /) -> bool:
    """Whether a domain option is meant as a wildcard (it holds a ``*``)."""
    return isinstance(value, str) and "*" in value


def wildcard_suffix(value: str, /) -> str:
    """The canonical suffix of a wildcard domain: ``"*.Example.COM"`` gives ``"example.com"``.

    Raises:
        InvalidDomainError: not ``*.`` followed by a domain of at least two
            labels (``*example.com``, ``a.*.b``, ``**.x`` and ``*.com`` are refused).
    """
    text = value.strip(STRIP_CHARACTERS)
    if not text.startswith("*.") or "*" in text[2:]:
        raise InvalidDomainError(
            "not a valid wildcard domain (rule wildcard-form): write '*.' once, at the "
            "start, followed by a domain, e.g. '*.example.com'",
            rule="wildcard-form",
        )
    # IDNA (UTS 46) maps these full stops to "." (rule 6): count labels as it will.
    suffix = text[2:].translate(_IDNA_DOTS)
    if "." not in suffix.rstrip("."):
        raise InvalidDomainError(
            "not a valid wildcard domain (rule wildcard-broad): a wildcard over a whole "
            "top-level domain is refused; name at least two labels, e.g. '*.example.com'",
            rule="wildcard-broad",
        )
    return normalize_domain(text[2:])


def wildcard_suffixes(domain: str, /) -> list[str]:
    """The proper suffixes of a canonical domain with at least two labels, longest first."""
    labels = domain.split(".")
    return [".".join(labels[i:]) for i in range(1, len(labels) - 1)]


# --- one address -------------------------------------------------------------------


def foreign_digest(kind: str, message: bytes, /) -> bytes:
    """The unkeyed digest a client's file of ``kind`` holds for ``message``."""
    digest: bytes = HASHERS[kind](message).digest()
    return digest


def entry_keys(
    material: HashingMaterial, canonical: str, value: object, /, *, every_kind: bool = True
) -> list[tuple[bytes, int]]:
    """Every ``(stored hash, kind)`` that would suppress one valid address.

    ``value`` is the cell as given (for the clients' vendor form),
    ``canonical`` its canonical form. ``every_kind=False``: the address and
    domain keys only (a list of format 1 holds no other kind).
    """
    domain = canonical.rpartition("@")[2]
    keys = [
        (material.hash_canonical(canonical), KIND_EMAIL),
        (material.hash_canonical_domain(domain), KIND_DOMAIN),
    ]
    if not every_kind:
        return keys
    keys += [(material.hash_wildcard_suffix(s), KIND_WILDCARD) for s in wildcard_suffixes(domain)]
    vendor = unwrapped_lower(value).encode("utf-8") if isinstance(value, str) else None
    for kind, code in FOREIGN_KIND_CODES.items():
        message = canonical.encode("utf-8") if kind == "sha256-v1" else vendor
        if message is not None:
            keys.append((material.hash_foreign(kind, foreign_digest(kind, message)), code))
    return keys


# --- a column -----------------------------------------------------------------------


def _domains_of(canonical: pa.Array) -> pa.Array:
    return pc.replace_substring_regex(canonical, r"^[^@]*@", "")


def _domain_bits(
    canonical: pa.Array, valid: BOOL, material: HashingMaterial, lookup: Callable[[list[str]], U8]
) -> U8:
    """Per row, the bits ``lookup`` gives for the row's domain (0 for invalid rows)."""
    bits = np.zeros(len(valid), dtype=np.uint8)
    encoded = _domains_of(canonical).dictionary_encode()
    per_domain = lookup(encoded.dictionary.to_pylist())
    codes = encoded.indices.to_numpy(zero_copy_only=False)
    bits[valid] = per_domain[codes[valid].astype(np.int64)]
    return bits


def _wildcard_lookup(
    index: SuppressionIndex, material: HashingMaterial
) -> Callable[[list[str]], U8]:
    def lookup(domains: list[str]) -> U8:
        owners: list[int] = []
        suffixes: list[bytes] = []
        for i, domain in enumerate(domains):
            found = wildcard_suffixes(domain)
            owners += [i] * len(found)
            suffixes += [s.encode("utf-8") for s in found]
        out = np.zeros(len(domains), dtype=np.uint8)
        if suffixes:
            hits = index.lookup_kind(KIND_WILDCARD, material.keyed_hash_many("wildcard", suffixes))
            np.bitwise_or.at(out, np.asarray(owners, dtype=np.intp), hits)
        return out

    return lookup


def _special_rows(cells: pa.Array) -> np.ndarray[Any, np.dtype[np.intp]]:
    """Rows holding a non-ASCII byte or one of ``<>"'``: a few NumPy passes over the bytes."""
    offsets, data = string_buffers(cells)
    start = offsets[0]
    raw = data[start : offsets[-1]]
    special = raw >= 0x80
    for byte in b"<>\"'":
        special |= raw == byte
    marked = np.zeros(len(cells), dtype=bool)
    marked[np.searchsorted(offsets, np.flatnonzero(special) + start, side="right") - 1] = True
    return np.flatnonzero(marked)


def _vendor_messages(values: pd.Series, rows: np.ndarray[Any, np.dtype[np.intp]]) -> list[bytes]:
    """The clients' form (:func:`unwrapped_lower`) of the cells at ``rows``, as UTF-8.

    Vectorised for plain ASCII cells (trim, lower-case) and for ASCII cells in
    a plain ``Name <...>`` wrapper; quoted, ``mailto:`` and non-ASCII cells
    take the scalar rule, which the vectorised one equals where it applies.
    """
    cells = pa.array(values.iloc[rows].astype("string[pyarrow]"), type=pa.string())
    forms = pc.ascii_lower(pc.utf8_trim(cells, characters=STRIP_CHARACTERS))
    out: list[bytes] = forms.cast(pa.binary()).to_pylist()
    mailto = np.asarray(pc.starts_with(forms, "mailto:").to_numpy(zero_copy_only=False), bool)
    special = np.union1d(_special_rows(cells), np.flatnonzero(mailto)).astype(np.intp)
    if not len(special):
        return out
    # Few cells are special: unwrap the plain wrappers among them at once, the
    # rest one by one.
    subset = cells.take(pa.array(special))
    inner = pc.utf8_trim(
        pc.replace_substring_regex(
            pc.utf8_trim(subset, characters=STRIP_CHARACTERS), _PLAIN_WRAPPER, r"\1"
        ),
        characters=STRIP_CHARACTERS,
    )
    lowered = pc.ascii_lower(inner)
    residual = np.asarray(pc.starts_with(lowered, "mailto:").to_numpy(zero_copy_only=False), bool)
    residual[_special_rows(inner)] = True
    for i, form in zip(special.tolist(), lowered.cast(pa.binary()).to_pylist(), strict=True):
        out[i] = form
    for i in special[residual].tolist():
        out[i] = unwrapped_lower(str(cells[i].as_py())).encode("utf-8")
    return out


def entry_bits(
    values: pd.Series,
    canonical: pa.Array,
    digests: U8,
    valid: BOOL,
    index: SuppressionIndex,
    material: HashingMaterial,
    mask: int,
) -> dict[int, U8]:
    """The scope bits (within ``mask``) of the entries of each kind matching each row.

    Always holds the address and domain kinds; the wildcard and foreign kinds
    only when the index holds entries of that kind. The foreign digests of a
    row that an address entry of scope ``all`` suppresses are not computed
    (its outcome is decided); its foreign bits stay 0.
    """
    n = len(valid)
    email = np.asarray(index.lookup(digests) & mask, dtype=np.uint8)
    email[~valid] = 0
    out = {KIND_EMAIL: email, KIND_DOMAIN: np.zeros(n, dtype=np.uint8)}
    present = index.kinds
    if not valid.any():
        return out
    if KIND_DOMAIN in present:

        def by_domain(domains: list[str]) -> U8:
            hashes = [material.hash_canonical_domain(d) for d in domains]
            return np.asarray(index.lookup_domains(hashes), dtype=np.uint8)

        out[KIND_DOMAIN] = np.asarray(
            _domain_bits(canonical, valid, material, by_domain) & mask, dtype=np.uint8
        )
    if KIND_WILDCARD in present:
        lookup = _wildcard_lookup(index, material)
        out[KIND_WILDCARD] = np.asarray(
            _domain_bits(canonical, valid, material, lookup) & mask, dtype=np.uint8
        )
    foreign = [(k, c) for k, c in FOREIGN_KIND_CODES.items() if c in present]
    # A row an address entry suppresses for scope "all" is decided (the first
    # scope, the first kind): its digests could not change its outcome.
    rows = np.flatnonzero(valid & ((email & SCOPE_ALL) == 0))
    if foreign and len(rows):
        vendor: list[bytes] | None = None
        for kind, code in foreign:
            if kind == "sha256-v1":
                messages = canonical.take(pa.array(rows)).cast(pa.binary()).to_pylist()
            else:
                vendor = _vendor_messages(values, rows) if vendor is None else vendor
                messages = vendor
            raw = list(map(_DIGEST, map(HASHERS[kind], messages)))
            bits = np.zeros(n, dtype=np.uint8)
            bits[rows] = index.lookup_kind(code, material.keyed_hash_many(kind, raw)) & mask
            out[code] = bits
    return out
