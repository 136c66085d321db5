"""Private helpers of :mod:`locosuppress.io`: encodings, delimiters, header names.

Delimiters are sniffed on a bounded sample of the file (the first
:data:`SAMPLE_SIZE` bytes). The encoding is settled on the whole file:
:func:`scan_text` and :func:`settle_encoding` stream every byte once (a strict
decode, about as fast as reading), so a byte that is not UTF-8, a file mixing
UTF-8 with Windows-1252, or a NUL character is found wherever it is. The
``locate_*`` functions stream the whole file too, and run only after pandas
has already failed, to turn its error into a message with a physical line
number. Nothing here ever returns or formats a value from the file: callers
get encodings, delimiters, counts and positions.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any, BinaryIO, NamedTuple

import numpy as np

__all__ = [
    "DELIMITERS",
    "SAMPLE_SIZE",
    "BadByte",
    "Scan",
    "decode_sample",
    "has_utf8_sequence",
    "locate_decode_error",
    "locate_ragged_record",
    "locate_unclosed_quote",
    "normalize_encoding",
    "scan_text",
    "settle_encoding",
    "sniff_delimiter",
    "unique_names",
]

#: Bytes read from the start of a file to detect its encoding and delimiter.
SAMPLE_SIZE = 64 * 1024

#: Delimiters detection chooses from. For a one-column file (no candidate in the
#: header) the first one that never occurs outside quotes in the sample is used.
DELIMITERS = (",", ";", "\t", "|")

# When two candidates split the sample equally well, the one rarer in ordinary
# text wins: a tab or pipe in every line is a delimiter, a comma may be prose.
_TIE_ORDER = ("\t", "|", ";", ",")

# Records of the sample compared when sniffing (the header plus this many - 1).
_MAX_RECORDS = 200

_CHUNK = 1024 * 1024

# The valid UTF-8 multi-byte sequences (RFC 3629: no overlong forms, no
# surrogates, nothing past U+10FFFF), as inclusive byte ranges per position:
# the lead byte, then the bytes after it. In a file that is not valid UTF-8 as
# a whole, one such sequence means part of it was written as UTF-8.
_CONT = (0x80, 0xBF)
_UTF8_SEQUENCES: tuple[tuple[tuple[int, int], ...], ...] = (
    ((0xC2, 0xDF), _CONT),
    ((0xE0, 0xE0), (0xA0, 0xBF), _CONT),
    ((0xE1, 0xEC), _CONT, _CONT),
    ((0xED, 0xED), (0x80, 0x9F), _CONT),
    ((0xEE, 0xEF), _CONT, _CONT),
    ((0xF0, 0xF0), (0x90, 0xBF), _CONT, _CONT),
    ((0xF1, 0xF3), _CONT, _CONT, _CONT),
    ((0xF4, 0xF4), (0x80, 0x8F), _CONT, _CONT),
)
_LONGEST_SEQUENCE = 4


class BadByte(NamedTuple):
    """Where a file stops being valid in an encoding: never the byte's neighbours."""

    #: 1-based physical line.
    line: int
    #: 0-based byte offset in the file.
    offset: int
    #: the byte's value.
    byte: int


class Scan(NamedTuple):
    """What one strict pass over a whole file found (positions only)."""

    #: The first byte the encoding cannot decode, if any (the scan stops there).
    bad: BadByte | None
    #: The 1-based line of the first NUL character (one decoded before ``bad``), if any.
    nul_line: int | None
    #: Whether a character outside ASCII was decoded before ``bad``.
    non_ascii: bool


def normalize_encoding(encoding: str) -> str:
    """Return Python's canonical name of an encoding (``"UTF8"`` -> ``"utf-8"``).

    Args:
        encoding: any name or alias Python's codecs know.

    Returns:
        The canonical codec name, e.g. ``"utf-8"``, ``"utf-8-sig"``, ``"cp1252"``.

    Raises:
        LookupError: Python knows no such encoding.
    """
    return codecs.lookup(encoding).name


def decode_sample(sample: bytes, encoding: str, /, *, complete: bool) -> str:
    """Decode a sample, tolerating a character cut in two at its end.

    Args:
        sample: the first bytes of the file.
        encoding: codec to decode with.
        complete: the sample is the whole file (then a cut character is an error).

    Returns:
        The decoded text, without a byte order mark for ``utf-8-sig``/``utf-16``.

    Raises:
        UnicodeDecodeError: the sample is not valid in this encoding.
    """
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    return decoder.decode(sample, final=complete)


def _records(text: str, delimiter: str) -> list[list[str]]:
    """Split ``text`` into CSV records with ``delimiter``, skipping blank lines."""
    reader = csv.reader(
        io.StringIO(text, newline=""),
        delimiter=delimiter,
        quotechar='"',
        doublequote=True,
        strict=False,
    )
    records: list[list[str]] = []
    try:
        for record in reader:
            if record:
                records.append(record)
                if len(records) > _MAX_RECORDS:
                    break
    except csv.Error:
        pass  # a field over csv's size limit: judge on the records read so far
    return records


def sniff_delimiter(text: str, /, *, complete: bool) -> str:
    """Choose the delimiter of a CSV sample among :data:`DELIMITERS`.

    For each candidate the sample is split into records with Python's csv
    module, so delimiters inside quoted fields (including fields with line
    breaks) are not counted. A candidate must split the header into at least two
    fields; among those, the one whose records most often have exactly the
    header's number of fields wins (a shorter record counts half: Excel drops
    trailing empty fields), then the one giving more fields, then the one rarer
    in ordinary text (tab, pipe, semicolon, comma). If no candidate splits the
    header the file has one column, and the first candidate that never occurs
    outside quotes is returned (a comma if they all do).

    Args:
        text: the decoded start of the file.
        complete: ``text`` is the whole file; otherwise its last record may be cut
            short and is ignored.

    Returns:
        The delimiter, one character.
    """
    best: tuple[float, int, int] | None = None
    chosen = None
    unused: list[str] = []
    for delimiter in DELIMITERS:
        records = _records(text, delimiter)
        if not complete and len(records) > 1:
            records.pop()
        if not records:
            return DELIMITERS[0]
        counts = [len(record) for record in records]
        if max(counts) == 1:
            unused.append(delimiter)
        width = counts[0]
        if width < 2:
            continue
        rows = counts[1:]
        credit = sum(1.0 if n == width else 0.5 if n < width else 0.0 for n in rows)
        consistency = credit / len(rows) if rows else 1.0
        score = (consistency, width, -_TIE_ORDER.index(delimiter))
        if best is None or score > best:
            best, chosen = score, delimiter
    if chosen is not None:
        return chosen
    return unused[0] if unused else DELIMITERS[0]


def unique_names(raw: Sequence[str], /) -> tuple[list[str], list[int]]:
    """Make header names usable as distinct column labels, losing no column.

    A blank name (empty or only white space) becomes ``column_<n>``, with ``n``
    the column's 1-based position; a repeated name gets ``_2``, ``_3``, ... in
    order of appearance. A generated name never collides with another header:
    ``["a", "a", "a_2"]`` gives ``["a", "a_3", "a_2"]``.

    Args:
        raw: the header cells as read.

    Returns:
        The names, and the 0-based positions of the columns that were renamed.
    """
    taken = {name for name in raw if name.strip()}
    seen: set[str] = set()
    names: list[str] = []
    renamed: list[int] = []
    for position, name in enumerate(raw):
        blank = not name.strip()
        if not blank and name not in seen:
            seen.add(name)
            names.append(name)
            continue
        base = f"column_{position + 1}" if blank else name
        candidate, suffix = base, 1
        while candidate in taken or candidate in seen:
            suffix += 1
            candidate = f"{base}_{suffix}"
        seen.add(candidate)
        names.append(candidate)
        renamed.append(position)
    return names, renamed


def scan_text(stream: BinaryIO, encoding: str, /) -> Scan:
    """Decode a whole file strictly, chunk by chunk; report where it fails and any NUL.

    Lines are counted in the decoded text (a line feed is one character in
    every encoding read here), so a NUL's line is right in UTF-16 too.

    Args:
        stream: the file, opened in binary mode (read from its current position).
        encoding: the codec to check.

    Returns:
        The first undecodable byte, the line of the first NUL character, and
        whether any character outside ASCII came before the failure.
    """
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    offset = 0
    lines = 1
    nul_line: int | None = None
    non_ascii = False
    while True:
        chunk = stream.read(_CHUNK)
        try:
            text = decoder.decode(chunk, final=not chunk)
        except UnicodeDecodeError as exc:
            # The decoder may hold back up to a few bytes of an unfinished
            # character from the previous chunk; ``start`` counts from those.
            # Everything before ``start`` decoded, so it may be judged.
            good = exc.object[: exc.start]
            pending = len(exc.object) - len(chunk)
            start = offset + exc.start - pending
            bad = BadByte(lines + good.count(b"\n"), start, exc.object[exc.start])
            return Scan(bad, nul_line, non_ascii or not good.isascii())
        if nul_line is None and "\x00" in text:
            nul_line = lines + text[: text.index("\x00")].count("\n")
        non_ascii = non_ascii or not text.isascii()
        if not chunk:
            return Scan(None, nul_line, non_ascii)
        lines += text.count("\n")
        offset += len(chunk)


def has_utf8_sequence(stream: BinaryIO, /) -> bool:
    """Whether the bytes from the stream's position hold a valid UTF-8 multi-byte sequence.

    Vectorised with numpy, chunk by chunk (a sequence cut by a chunk's end is
    seen in the next one): about as fast as reading the file.
    """
    carry = b""
    while chunk := stream.read(_CHUNK):
        data = carry + chunk
        if _holds_utf8_sequence(np.frombuffer(data, dtype=np.uint8)):
            return True
        carry = data[-(_LONGEST_SEQUENCE - 1) :]
    return False


def _holds_utf8_sequence(octets: np.ndarray[Any, np.dtype[np.uint8]]) -> bool:
    """Whether any position of ``octets`` starts a valid UTF-8 multi-byte sequence.

    A lead byte followed by a continuation byte is rare in Windows-1252 text
    (``é`` is mostly followed by a letter), so the exact ranges are checked
    at those few candidate positions only.
    """
    if len(octets) < 2:
        return False
    candidates = np.flatnonzero((octets[:-1] >= 0xC2) & ((octets[1:] & 0xC0) == 0x80))
    if not len(candidates):
        return False
    padded = np.concatenate([octets, np.zeros(_LONGEST_SEQUENCE, dtype=np.uint8)])
    for ranges in _UTF8_SEQUENCES:
        found = np.ones(len(candidates), dtype=bool)
        for offset, (low, high) in enumerate(ranges):
            at = padded[candidates + offset]
            found &= (at >= low) & (at <= high)
        if found.any():
            return True
    return False


def settle_encoding(stream: BinaryIO, /) -> tuple[str, Scan]:
    """Decide between UTF-8 and Windows-1252 on the whole file, never on a sample.

    The file is UTF-8 when all of it decodes as UTF-8. Otherwise it is
    Windows-1252 only when it holds no valid UTF-8 multi-byte sequence at all
    (before or after the first byte that is not UTF-8): a file with both is
    mixed, and reading it either way would turn some addresses into mojibake.

    Args:
        stream: the file, opened in binary mode at its start; no byte order mark.

    Returns:
        ``("utf-8", scan)`` or ``("cp1252", scan)`` with the scan of that
        encoding; for a mixed file ``("mixed", scan)``, the UTF-8 scan whose
        ``bad`` is the first byte that is not UTF-8.
    """
    utf8 = scan_text(stream, "utf-8")
    if utf8.bad is None:
        return "utf-8", utf8
    if utf8.non_ascii:
        return "mixed", utf8
    stream.seek(utf8.bad.offset)
    if has_utf8_sequence(stream):
        return "mixed", utf8
    stream.seek(0)
    return "cp1252", scan_text(stream, "cp1252")


def locate_decode_error(stream: BinaryIO, encoding: str, /) -> tuple[int, int, int] | None:
    """Find the first byte of a file that ``encoding`` cannot decode.

    Args:
        stream: the file, opened in binary mode (read from its current position).
        encoding: the codec that failed.

    Returns:
        ``(line, offset, byte)``: 1-based line number, 0-based byte offset and the
        byte's value; ``None`` if the whole stream decodes.
    """
    bad = scan_text(stream, encoding).bad
    return None if bad is None else (bad.line, bad.offset, bad.byte)


def _numbered_records(lines: Iterable[str], delimiter: str) -> Iterable[tuple[int, list[str]]]:
    """Yield ``(first physical line, fields)`` for each non-blank CSV record."""
    reader = csv.reader(lines, delimiter=delimiter, quotechar='"', doublequote=True, strict=False)
    before = 0
    for record in reader:
        start, before = before + 1, reader.line_num
        if record:
            yield start, record


def locate_ragged_record(lines: Iterable[str], delimiter: str, /) -> tuple[int, int, int] | None:
    """Find the first record with more fields than the header.

    Args:
        lines: the decoded file, split with ``newline=""`` (an open text file).
        delimiter: the delimiter in use.

    Returns:
        ``(line, fields, expected)``: the physical line the record starts on, its
        number of fields and the header's; ``None`` if there is none.
    """
    expected = None
    for line, record in _numbered_records(lines, delimiter):
        if expected is None:
            expected = len(record)
        elif len(record) > expected:
            return line, len(record), expected
    return None


def locate_unclosed_quote(lines: Iterable[str], delimiter: str, /) -> int | None:
    """Return the line on which the last record starts (an unclosed quote's line).

    When a quoted field is never closed, both pandas and the csv module read
    to the end of the file as that one field, so the last record is the culprit.

    Args:
        lines: the decoded file, split with ``newline=""`` (an open text file).
        delimiter: the delimiter in use.

    Returns:
        The 1-based physical line, or ``None`` for a file without records.
    """
    last = None
    for last, _ in _numbered_records(lines, delimiter):  # noqa: B007 - keep the last
        pass
    return last
