"""The portable export file format of a suppression list (private: use ``SuppressionList.export``).

Format ``locosuppress-export/1``, ASCII, documented in ``docs/suppression-list.md``::

    locosuppress-export/1 {"count":2,"created_at":"2025-01-31T12:00:00Z",...}\\n
    <64 lower-case hex digits> <kind> <scope>\\n      (count lines, 69 bytes each)
    end sha256=<64 hex digits>\\n

* line 1: the magic ``locosuppress-export/<version>``, one space, and a JSON
  object with ``format``, ``format_version``, ``normalization``,
  ``fingerprint`` (the public key fingerprint), ``count``, ``created_at``
  (UTC, ISO 8601), ``channel`` (``null`` for everything) and ``columns``;
* body: one keyed hash per line, ``kind`` ``e`` (e-mail), ``d`` (domain) and,
  from format 2 on, ``w`` (wildcard domain), ``m`` (md5), ``1`` (sha1), ``2``
  (sha256) or ``v`` (sha256-v1), the foreign digests of ``docs/clients-files.md``;
  ``scope`` ``a`` (all), ``n`` (newsletter) or ``p`` (post), sorted by bytes;
* last line: SHA-256 of every byte before it, so truncation and damage are
  detected before anything is merged.

Only keyed hashes, kinds and scopes leave: no reasons, no dates, no sources
(data minimisation), and never an address or an unkeyed hash.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, Final

import attrs
import numpy as np

from locosuppress._vocabulary import (
    KIND_DOMAIN,
    KIND_EMAIL,
    KIND_MD5,
    KIND_SHA1,
    KIND_SHA256,
    KIND_SHA256_V1,
    KIND_WILDCARD,
    SCOPE_ALL,
    SCOPE_NEWSLETTER,
    SCOPE_POST,
)
from locosuppress.errors import (
    IncompatibleExportError,
    KeyMismatchError,
    ListCorruptedError,
    NotASuppressionListError,
    UnsupportedFormatError,
)

EXPORT_FORMAT: Final = "locosuppress-export"
#: The newest export format this module reads and writes. Format 2 is format 1
#: with the kind letters of the newer kinds; an export is written as format 1
#: unless its list is of format 2, so older readers keep reading the others.
EXPORT_VERSION: Final = 2
COLUMNS: Final = {
    1: "hash(hex) kind(e=e-mail,d=domain) scope(a=all,n=newsletter,p=post)",
    2: "hash(hex) kind(e=e-mail,d=domain,w=wildcard,m=md5,1=sha1,2=sha256,v=sha256-v1) "
    "scope(a=all,n=newsletter,p=post)",
}
LINE: Final = 69  # 64 hex + ' ' + kind + ' ' + scope + '\n'
CHUNK_ROWS: Final = 1 << 18
_MAGIC: Final = f"{EXPORT_FORMAT}/".encode()
_MAX_HEADER: Final = 4096
_TRAILER: Final = re.compile(rb"end sha256=([0-9a-f]{64})\n")

KIND_LETTERS: Final = {
    KIND_EMAIL: ord("e"),
    KIND_DOMAIN: ord("d"),
    KIND_WILDCARD: ord("w"),
    KIND_MD5: ord("m"),
    KIND_SHA1: ord("1"),
    KIND_SHA256: ord("2"),
    KIND_SHA256_V1: ord("v"),
}
SCOPE_LETTERS: Final = {SCOPE_ALL: ord("a"), SCOPE_NEWSLETTER: ord("n"), SCOPE_POST: ord("p")}
_HEX: Final = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
_UNHEX: Final = np.full(256, 255, dtype=np.uint8)
_UNHEX[np.frombuffer(b"0123456789abcdef", dtype=np.uint8)] = np.arange(16, dtype=np.uint8)
_KIND_CODE: Final = np.full(256, 255, dtype=np.uint8)
_SCOPE_CODE: Final = np.full(256, 255, dtype=np.uint8)
for _code, _letter in KIND_LETTERS.items():
    _KIND_CODE[_letter] = _code
for _code, _letter in SCOPE_LETTERS.items():
    _SCOPE_CODE[_letter] = _code


@attrs.frozen
class ExportHeader:
    """The parsed first line of an export file."""

    format_version: int
    normalization: str
    fingerprint: str
    count: int
    created_at: str
    channel: str | None
    #: The key fingerprints of the chain the hashes were made under, oldest
    #: first (files written before key rotations existed: the one fingerprint).
    chain: tuple[str, ...] = ()


def _lines(hashes: bytes, kinds: list[int], scopes: list[int]) -> bytes:
    n = len(kinds)
    raw = np.frombuffer(hashes, dtype=np.uint8).reshape(n, 32)
    out = np.empty((n, LINE), dtype=np.uint8)
    out[:, 0:64:2] = _HEX[raw >> 4]
    out[:, 1:64:2] = _HEX[raw & 15]
    out[:, 64] = out[:, 66] = ord(" ")
    out[:, 65] = np.fromiter((KIND_LETTERS[k] for k in kinds), dtype=np.uint8, count=n)
    out[:, 67] = np.fromiter((SCOPE_LETTERS[s] for s in scopes), dtype=np.uint8, count=n)
    out[:, 68] = ord("\n")
    return out.tobytes()


def write_export(
    tmp: Path,
    *,
    count: int,
    chunks: Iterable[Sequence[tuple[bytes, int, int]]],
    header: dict[str, Any],
) -> int:
    """Write an export of ``count`` entries to ``tmp``; return how many were written.

    ``chunks`` yields ``(hash, kind, scope)`` rows sorted by hash, kind and
    scope; the backend reads them in the same read transaction as ``count``
    so that the two agree.

    Raises:
        ListCorruptedError: the rows do not add up to ``count``.
    """
    header = {**header, "count": int(count)}
    version = int(header["format_version"])
    first = f"{EXPORT_FORMAT}/{version} {json.dumps(header, sort_keys=True)}\n".encode()
    digest = hashlib.sha256(first)
    written = 0
    with tmp.open("wb") as fh:
        fh.write(first)
        for rows in chunks:
            body = _lines(b"".join(r[0] for r in rows), [r[1] for r in rows], [r[2] for r in rows])
            digest.update(body)
            fh.write(body)
            written += len(rows)
        if written != count:  # pragma: no cover - guarded by the read transaction
            raise ListCorruptedError("the list changed while it was being exported; try again")
        fh.write(f"end sha256={digest.hexdigest()}\n".encode())
        fh.flush()
        os.fsync(fh.fileno())
    return written


def _not_export(path: Path) -> NotASuppressionListError:
    return NotASuppressionListError(
        f"{path} is not a locosuppress export file (it must start with "
        f"'{EXPORT_FORMAT}/'); make one with SuppressionList.export()"
    )


def _damaged(path: Path, what: str) -> ListCorruptedError:
    return ListCorruptedError(
        f"the export file {path} is damaged or truncated ({what}); nothing was merged. "
        "Ask the sender for a new copy."
    )


def read_header(path: Path, fh: Any) -> tuple[ExportHeader, bytes]:
    """Read and check line 1; return it parsed and its raw bytes.

    Raises:
        NotASuppressionListError: not an export file.
        UnsupportedFormatError: written by a newer locosuppress.
    """
    first = fh.readline(_MAX_HEADER)
    if not first.startswith(_MAGIC) or not first.endswith(b"\n"):
        raise _not_export(path)
    version_text, _, payload = first[len(_MAGIC) :].partition(b" ")
    if not version_text.isdigit():
        raise _not_export(path)
    if int(version_text) > EXPORT_VERSION:
        raise UnsupportedFormatError(
            f"{path} uses export format {int(version_text)}, newer than this locosuppress "
            f"reads ({EXPORT_VERSION}); upgrade locosuppress (pip install -U locosuppress)"
        )
    try:
        data = json.loads(payload)
        parsed = ExportHeader(
            format_version=int(data["format_version"]),
            normalization=str(data["normalization"]),
            fingerprint=str(data["fingerprint"]),
            count=int(data["count"]),
            created_at=str(data["created_at"]),
            channel=None if data.get("channel") is None else str(data["channel"]),
            chain=tuple(str(c) for c in data.get("chain") or (data["fingerprint"],)),
        )
    except (ValueError, KeyError, TypeError):
        raise _damaged(path, "line 1 is not a valid header") from None
    if data.get("format") != EXPORT_FORMAT or parsed.count < 0:
        raise _damaged(path, "line 1 is not a valid header")
    return parsed, first


def check_compatible(
    path: Path, header: ExportHeader, *, fingerprint: str, normalization: str
) -> None:
    """Refuse an export made under another key or rule set.

    Raises:
        KeyMismatchError: another key fingerprint.
        IncompatibleExportError: another normalisation rule set.
    """
    if header.fingerprint != fingerprint:
        raise KeyMismatchError(
            f"{path} was made with the key (chain) of fingerprint {header.fingerprint} "
            f"(key chain {' -> '.join(header.chain)}); this list's has fingerprint "
            f"{fingerprint}. Hashes made under different keys or key chains never match, so "
            "nothing was merged (after a key rotation, export the list again)."
        )
    if header.normalization != normalization:
        raise IncompatibleExportError(
            f"{path} was made under normalisation rules {header.normalization!r}; this list "
            f"uses {normalization!r}. Nothing was merged."
        )


def read_body(
    path: Path, fh: Any, header: ExportHeader, first: bytes
) -> Iterator[
    tuple[
        np.ndarray[Any, np.dtype[np.uint8]],
        np.ndarray[Any, np.dtype[np.uint8]],
        np.ndarray[Any, np.dtype[np.uint8]],
    ]
]:
    """Yield ``(hashes (n, 32), kinds (n,), scopes (n,))`` chunks; check the trailer last.

    Callers must not commit anything before the generator is exhausted: the
    checksum is only known at the end.

    Raises:
        ListCorruptedError: a malformed line, a short file or a wrong checksum.
    """
    digest = hashlib.sha256(first)
    remaining = header.count
    line_no = 1
    while remaining:
        rows = min(remaining, CHUNK_ROWS)
        chunk = fh.read(rows * LINE)
        if len(chunk) != rows * LINE:
            raise _damaged(path, f"it ends after line {line_no + len(chunk) // LINE}")
        digest.update(chunk)
        arr = np.frombuffer(chunk, dtype=np.uint8).reshape(rows, LINE)
        nibbles = _UNHEX[arr[:, :64]]
        kinds = _KIND_CODE[arr[:, 65]]
        if header.format_version < 2:
            kinds[kinds > KIND_DOMAIN] = 255  # format 1 knows e and d only
        scopes = _SCOPE_CODE[arr[:, 67]]
        bad = (
            (nibbles == 255).any(axis=1)
            | (kinds == 255)
            | (scopes == 255)
            | (arr[:, 64] != ord(" "))
            | (arr[:, 66] != ord(" "))
            | (arr[:, 68] != ord("\n"))
        )
        if bad.any():
            raise _damaged(path, f"line {line_no + 1 + int(np.flatnonzero(bad)[0])} is malformed")
        hashes = np.left_shift(nibbles[:, 0::2], np.uint8(4)) | nibbles[:, 1::2]
        yield hashes, kinds, scopes
        remaining -= rows
        line_no += rows
    trailer = fh.readline(200)
    match = _TRAILER.fullmatch(trailer)
    if not match:
        raise _damaged(path, "the closing 'end sha256=' line is missing or malformed")
    if fh.read(1):
        raise _damaged(path, "there are bytes after the closing line")
    if match.group(1).decode() != digest.hexdigest():
        raise _damaged(path, "the checksum does not match")
