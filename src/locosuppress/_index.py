"""The compact in-memory membership index used for filtering.

A suppression list of 10 million keyed hashes must answer a million lookups
in well under a second and fit in about 33 bytes per entry (a Python ``set``
of ``bytes`` costs about 108). The index keeps the e-mail hashes as three
parallel NumPy arrays, sorted by their first 8 bytes:

* ``_keys``: ``uint64``, the first 8 bytes of each hash (little-endian),
* ``_rest``: ``(n, 3) uint64``, the other 24 bytes,
* ``_scopes``: ``uint8``, a bit mask of the entry's scopes (1 all,
  2 newsletter, 4 post),

and looks a batch of hashes up with one vectorised ``searchsorted`` plus a
full 32-byte comparison. Hashes are never held as NumPy ``S32`` strings:
that dtype drops trailing NUL bytes when values are turned back into
``bytes``, which would silently lose about one hash in 256.

Domain hashes are few; they live in a plain ``dict``. The entries of every
other kind (wildcard suffixes, clients' foreign digests) live in one nested
index per kind, keyed by kind code, holding that kind's hashes in its
arrays: the same vectorised lookup, asked only when the kind is present.

The suppression list persists the index as a *snapshot* (:meth:`to_bytes`)
plus the entries added since; see :mod:`locosuppress.store._snapshot`.
Snapshot bytes are derived data: keyed hashes and scope bits only, like the
list's entries themselves.

Layer 1: imports only layer 0 (:mod:`locosuppress.errors`,
:mod:`locosuppress._vocabulary`); nothing here knows about SQLite.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Sequence
from itertools import islice
from typing import Any, Final

import numpy as np

from locosuppress._vocabulary import KIND_DOMAIN, KIND_EMAIL, KIND_NAMES
from locosuppress.errors import ListCorruptedError

__all__ = [
    "KIND_DOMAIN",
    "KIND_EMAIL",
    "SuppressionIndex",
]

HASH_SIZE: Final = 32

_MAGIC: Final = b"LSIDX002"  # 002: words stored big-endian-ordered
#: 003: 002 followed by the nested index of each other kind. Written only when
#: the index holds such a kind (a list of format 2), so older readers of a
#: format-1 list still read its snapshot.
_MAGIC_KINDS: Final = b"LSIDX003"
_HEADER: Final = struct.Struct("<8sQQ")
_KINDS_HEADER: Final = struct.Struct("<Q")
_KIND_HEADER: Final = struct.Struct("<BQ")
_BATCH: Final = 500_000
#: Merge by insertion (no re-sort) when the index is this many times larger than the batch.
_SMALL_MERGE: Final = 16

U8 = np.ndarray[Any, np.dtype[np.uint8]]
U64 = np.ndarray[Any, np.dtype[np.uint64]]


def _words(digests: U8) -> U64:
    """``(n, 32) uint8`` digests as ``(n, 4)`` uint64 words, read big-endian.

    Big-endian words order like the bytes themselves (``memcmp``), which is
    also how SQLite returns BLOB keys: rows read in key order are already
    sorted, and merging them costs a linear pass.
    """
    digests = np.ascontiguousarray(digests, dtype=np.uint8).reshape(-1, HASH_SIZE)
    return digests.view(">u8").reshape(-1, 4).astype(np.uint64)


def _inserted(array: Any, places: list[int], values: Any) -> Any:
    """``array`` with ``values[j]`` inserted before row ``places[j]`` (sorted places).

    One contiguous copy per stretch between places: ``np.insert`` builds a
    mask over every row, which costs several times more for a 2-D array.
    """
    out = np.empty((len(array) + len(places), *array.shape[1:]), dtype=array.dtype)
    bounds = [0, *places, len(array)]
    for j in range(len(places) + 1):
        lo, hi = bounds[j], bounds[j + 1]
        out[lo + j : hi + j] = array[lo:hi]
        if j < len(places):
            out[hi + j] = values[j]
    return out


class SuppressionIndex:
    """An immutable, compact set of keyed hashes with scope bits."""

    __slots__ = ("_domains", "_dup_keys", "_keys", "_kinds", "_rest", "_scopes")

    def __init__(
        self,
        keys: U64,
        rest: U64,
        scopes: U8,
        domains: dict[bytes, int],
        kinds: dict[int, SuppressionIndex] | None = None,
    ) -> None:
        self._keys = keys
        self._rest = rest
        self._scopes = scopes
        self._domains = domains
        self._kinds: dict[int, SuppressionIndex] = {
            k: sub for k, sub in sorted((kinds or {}).items()) if len(sub)
        }
        dup = keys[1:] == keys[:-1]
        self._dup_keys: frozenset[int] = (
            frozenset(int(k) for k in keys[1:][dup]) if dup.any() else frozenset()
        )

    # -- construction ---------------------------------------------------------

    @classmethod
    def empty(cls) -> SuppressionIndex:
        """An index with no entries."""
        return cls(np.empty(0, np.uint64), np.empty((0, 3), np.uint64), np.empty(0, np.uint8), {})

    @classmethod
    def build(
        cls, digests: U8, kinds: Sequence[int] | U8, scopes: Sequence[int] | U8
    ) -> SuppressionIndex:
        """Build from ``(n, 32)`` digests with their kind code and scope bits."""
        return cls.empty().merged(digests, kinds, scopes)

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[bytes, int, int]]) -> SuppressionIndex:
        """Build from ``(hash, kind, scope)`` rows as the store returns them."""
        return cls.empty().merged_rows(rows)

    def merged_rows(self, rows: Iterable[tuple[bytes, int, int]]) -> SuppressionIndex:
        """Return a new index with ``(hash, kind, scope)`` rows added.

        Rows are consumed in batches (a cursor is read with ``fetchmany``),
        each split into its columns with C-level ``zip``.
        """
        fetch = getattr(rows, "fetchmany", None)
        iterator = iter(rows)
        digest_parts: list[bytes] = []
        kinds: list[np.ndarray[Any, np.dtype[np.uint8]]] = []
        scopes: list[np.ndarray[Any, np.dtype[np.uint8]]] = []
        while True:
            batch = fetch(_BATCH) if fetch is not None else list(islice(iterator, _BATCH))
            if not batch:
                break
            hashes, kind, scope = zip(*batch, strict=True)
            joined = b"".join(hashes)
            if len(joined) != HASH_SIZE * len(hashes) or any(
                len(h) != HASH_SIZE for h in hashes[:1]
            ):
                raise ListCorruptedError(
                    "a stored hash is not 32 bytes long; run `locosuppress verify` on the list"
                )
            digest_parts.append(joined)
            kinds.append(np.fromiter(kind, np.uint8, len(kind)))
            scopes.append(np.fromiter(scope, np.uint8, len(scope)))
        if not digest_parts:
            return self
        digests = np.frombuffer(b"".join(digest_parts), dtype=np.uint8).reshape(-1, HASH_SIZE)
        return self.merged(digests, np.concatenate(kinds), np.concatenate(scopes))

    def merged(
        self, digests: U8, kinds: Sequence[int] | U8, scopes: Sequence[int] | U8
    ) -> SuppressionIndex:
        """Return a new index with more entries; scopes of equal hashes are OR-ed."""
        digests = np.ascontiguousarray(digests, dtype=np.uint8).reshape(-1, HASH_SIZE)
        kinds_a = np.asarray(kinds, dtype=np.uint8)
        scopes_a = np.asarray(scopes, dtype=np.uint8)
        domains = dict(self._domains)
        for row in np.flatnonzero(kinds_a == KIND_DOMAIN):
            key = digests[row].tobytes()
            domains[key] = domains.get(key, 0) | int(scopes_a[row])
        others = dict(self._kinds)
        for code in np.unique(kinds_a[(kinds_a != KIND_EMAIL) & (kinds_a != KIND_DOMAIN)]):
            if int(code) not in KIND_NAMES:
                raise ListCorruptedError(
                    f"an entry has the unknown kind {int(code)}; run `locosuppress verify` "
                    "on the list, or upgrade locosuppress"
                )
            of_kind = kinds_a == code
            nested = others.get(int(code), SuppressionIndex.empty())
            others[int(code)] = nested.merged(
                digests[of_kind], np.zeros(int(of_kind.sum()), np.uint8), scopes_a[of_kind]
            )
        is_email = kinds_a == KIND_EMAIL
        words = _words(digests[is_email])
        if len(words) and len(self._keys) > _SMALL_MERGE * len(words):
            return self._merged_small(words, scopes_a[is_email], domains, others)
        keys = np.concatenate([self._keys, words[:, 0]])
        rest = np.concatenate([self._rest, words[:, 1:]])
        bits = np.concatenate([self._scopes, scopes_a[is_email]])
        if len(words):
            # Sort by the first word (stable: a linear pass over already
            # sorted runs), then by all four words within runs of equal first
            # words, so equal hashes are adjacent; then merge them.
            order = np.argsort(keys, kind="stable")
            keys, rest, bits = keys[order], rest[order], bits[order]
            tied = np.flatnonzero(keys[1:] == keys[:-1])
            if len(tied):
                rows = np.unique(np.concatenate([tied, tied + 1]))
                sub = np.lexsort((rest[rows, 2], rest[rows, 1], rest[rows, 0], keys[rows]))
                keys[rows], rest[rows], bits[rows] = (
                    keys[rows][sub],
                    rest[rows][sub],
                    bits[rows][sub],
                )
            same = (keys[1:] == keys[:-1]) & (rest[1:] == rest[:-1]).all(axis=1)
            if same.any():
                starts = np.flatnonzero(np.concatenate([[True], ~same]))
                bits = np.bitwise_or.reduceat(bits, starts).astype(np.uint8)
                keys, rest = keys[starts], rest[starts]
        return SuppressionIndex(
            np.ascontiguousarray(keys),
            np.ascontiguousarray(rest),
            np.ascontiguousarray(bits),
            domains,
            others,
        )

    def _merged_small(
        self,
        words: U64,
        bits: U8,
        domains: dict[bytes, int],
        others: dict[int, SuppressionIndex],
    ) -> SuppressionIndex:
        """Merge a few rows into a large index: one insertion pass, no re-sort.

        The incremental refresh of a shared list adds a few thousand entries to
        millions; sorting everything again would cost far more than copying the
        arrays once with the new rows in place. The result is the same index
        (byte for byte) as :meth:`merged`'s full sort.
        """
        order = np.lexsort((words[:, 3], words[:, 2], words[:, 1], words[:, 0]))
        words, bits = words[order], bits[order]
        same = (words[1:] == words[:-1]).all(axis=1)
        if same.any():
            starts = np.flatnonzero(np.concatenate([[True], ~same]))
            bits = np.bitwise_or.reduceat(bits, starts).astype(np.uint8)
            words = words[starts]
        at = np.searchsorted(self._keys, words[:, 0], side="left")
        end = np.searchsorted(self._keys, words[:, 0], side="right")
        scopes = self._scopes
        keep = np.ones(len(words), dtype=bool)
        for i in np.flatnonzero(end > at):
            # The first word is stored already: the same hash (OR its scopes
            # in), or another sharing its first 8 bytes (keep the run sorted).
            lo, hi = int(at[i]), int(end[i])
            run = self._rest[lo:hi]
            match = np.flatnonzero((run == words[i, 1:]).all(axis=1))
            if len(match):
                if scopes is self._scopes:
                    scopes = scopes.copy()
                scopes[lo + int(match[0])] |= bits[i]
                keep[i] = False
            else:
                new = tuple(int(w) for w in words[i, 1:])
                at[i] = lo + sum(1 for row in run.tolist() if tuple(row) < new)
        words, bits, at = words[keep], bits[keep], at[keep]
        places = at.tolist()
        return SuppressionIndex(
            _inserted(self._keys, places, words[:, 0]),
            _inserted(self._rest, places, words[:, 1:]),
            _inserted(scopes, places, bits),
            domains,
            others,
        )

    # -- queries --------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._keys) + len(self._domains) + sum(map(len, self._kinds.values()))

    @property
    def kinds(self) -> frozenset[int]:
        """The kind codes of which the index holds at least one entry."""
        present = set(self._kinds)
        if len(self._keys):
            present.add(KIND_EMAIL)
        if self._domains:
            present.add(KIND_DOMAIN)
        return frozenset(present)

    def kind_count(self, kind: int, /) -> int:
        """Number of distinct hashes of ``kind``."""
        if kind == KIND_EMAIL:
            return len(self._keys)
        if kind == KIND_DOMAIN:
            return len(self._domains)
        sub = self._kinds.get(kind)
        return 0 if sub is None else len(sub)

    def lookup_kind(self, kind: int, digests: U8, /) -> U8:
        """The scope bits of each ``(n, 32)`` digest among the entries of ``kind``."""
        if kind == KIND_EMAIL:
            return self.lookup(digests)
        if kind == KIND_DOMAIN:
            rows = np.ascontiguousarray(digests, dtype=np.uint8).reshape(-1, HASH_SIZE)
            return np.asarray(self.lookup_domains(r.tobytes() for r in rows), dtype=np.uint8)
        sub = self._kinds.get(kind)
        if sub is None:
            return np.zeros(len(digests), dtype=np.uint8)
        return sub.lookup(digests)

    @property
    def email_count(self) -> int:
        """Number of distinct e-mail hashes."""
        return len(self._keys)

    @property
    def domain_count(self) -> int:
        """Number of distinct domain hashes."""
        return len(self._domains)

    @property
    def nbytes(self) -> int:
        """Memory held by the arrays (the domain dict excluded)."""
        own = self._keys.nbytes + self._rest.nbytes + self._scopes.nbytes
        return int(own + sum(sub.nbytes for sub in self._kinds.values()))

    def lookup(self, digests: U8) -> U8:
        """Return the scope bits of each ``(n, 32)`` e-mail digest (0 when absent)."""
        words = _words(digests)
        n = len(words)
        out = np.zeros(n, dtype=np.uint8)
        if n == 0 or len(self._keys) == 0:
            return out
        first = words[:, 0]
        pos = np.searchsorted(self._keys, first)
        pos = np.minimum(pos, len(self._keys) - 1)
        hit = (self._keys[pos] == first) & (self._rest[pos] == words[:, 1:]).all(axis=1)
        out[hit] = self._scopes[pos[hit]]
        if self._dup_keys:
            # Two stored hashes share their first 8 bytes (about 1 in 10**11
            # lists): look the affected queries up one by one.
            suspects = np.flatnonzero(
                np.isin(first, np.fromiter(self._dup_keys, np.uint64, len(self._dup_keys)))
            )
            for i in suspects:
                lo = int(np.searchsorted(self._keys, first[i], side="left"))
                hi = int(np.searchsorted(self._keys, first[i], side="right"))
                match = (self._rest[lo:hi] == words[i, 1:]).all(axis=1)
                out[i] = self._scopes[lo:hi][match][0] if match.any() else 0
        return out

    def lookup_domains(self, digests: Iterable[bytes]) -> list[int]:
        """Return the scope bits of each domain digest (0 when absent)."""
        get = self._domains.get
        return [get(d, 0) for d in digests]

    # -- persistence ----------------------------------------------------------

    def to_bytes(self, *, refuse_older: bool = False) -> bytes:
        """Serialise (format ``LSIDX002``: words as little-endian uint64 values).

        With entries of other kinds, or ``refuse_older``, format ``LSIDX003``:
        the same, then the number of other kinds and, for each, its code, its
        length and its nested index's ``LSIDX002`` bytes. A version of
        locosuppress older than the key chain and the other kinds reads only
        ``LSIDX002``, so it refuses such a snapshot instead of matching under
        the wrong chain or without those kinds.
        """
        domain_keys = sorted(self._domains)
        tail: list[bytes] = []
        if self._kinds or refuse_older:
            tail.append(_KINDS_HEADER.pack(len(self._kinds)))
            for code, sub in self._kinds.items():
                data = sub.to_bytes()
                tail += [_KIND_HEADER.pack(code, len(data)), data]
        magic = _MAGIC_KINDS if tail else _MAGIC
        return b"".join(
            [
                _HEADER.pack(magic, len(self._keys), len(domain_keys)),
                self._keys.astype("<u8", copy=False).tobytes(),
                self._rest.astype("<u8", copy=False).tobytes(),
                self._scopes.tobytes(),
                b"".join(domain_keys),
                bytes(self._domains[k] for k in domain_keys),
                *tail,
            ]
        )

    @classmethod
    def from_bytes(cls, data: bytes) -> SuppressionIndex:
        """Inverse of :meth:`to_bytes`; the arrays are views of ``data``."""
        try:
            magic, n, d = _HEADER.unpack_from(data, 0)
        except struct.error:
            raise ListCorruptedError("the index snapshot is truncated") from None
        expected = _HEADER.size + n * 33 + d * 33
        kinds: dict[int, SuppressionIndex] = {}
        if magic == _MAGIC_KINDS and len(data) > expected:
            kinds = _read_kinds(data, expected)
        elif magic != _MAGIC or len(data) != expected:
            raise ListCorruptedError(_DAMAGED)
        at = _HEADER.size
        keys = np.frombuffer(data, dtype="<u8", count=n, offset=at).astype(np.uint64, copy=False)
        at += 8 * n
        rest = np.frombuffer(data, dtype="<u8", count=3 * n, offset=at).reshape(n, 3)
        at += 24 * n
        scopes = np.frombuffer(data, dtype=np.uint8, count=n, offset=at)
        at += n
        domain_keys = [data[at + 32 * i : at + 32 * (i + 1)] for i in range(d)]
        at += 32 * d
        domains = dict(zip(domain_keys, data[at : at + d], strict=True))
        return cls(keys, rest.astype(np.uint64, copy=False), scopes, domains, kinds)


_DAMAGED: Final = "the index snapshot is damaged; run `locosuppress verify` on the list"


def _read_kinds(data: bytes, at: int) -> dict[int, SuppressionIndex]:
    """The nested per-kind indexes of an ``LSIDX003`` snapshot, from byte ``at`` to the end."""
    try:
        (count,) = _KINDS_HEADER.unpack_from(data, at)
        at += _KINDS_HEADER.size
        kinds: dict[int, SuppressionIndex] = {}
        for _ in range(count):
            code, size = _KIND_HEADER.unpack_from(data, at)
            at += _KIND_HEADER.size
            part = data[at : at + size]
            if len(part) != size or code not in KIND_NAMES or code in (KIND_EMAIL, KIND_DOMAIN):
                raise ListCorruptedError(_DAMAGED)
            sub = SuppressionIndex.from_bytes(part)
            if sub._kinds or sub._domains:
                raise ListCorruptedError(_DAMAGED)
            kinds[code] = sub
            at += size
    except struct.error:
        raise ListCorruptedError(_DAMAGED) from None
    if at != len(data):
        raise ListCorruptedError(_DAMAGED)
    return kinds
