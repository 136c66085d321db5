"""JSON and JSON Lines mailing files: read every value as text, write text values back.

Private helper of :mod:`locosuppress.io` (layer 3). A file is JSON when its
first character, after a UTF-8 byte order mark and white space, is ``[`` (one
JSON array of objects) or ``{`` (JSON Lines: one object per line; a file that
is one object, on one line or pretty-printed, is one record). The reading is
exact: a file that is not valid JSON is refused with the line and column of
the first fault, never half read or guessed at.

Values become text as the CSV path reads them: strings as they are (leading
zeros, accents and white space kept), numbers exactly as written in the file
(``0.10`` stays ``"0.10"``, never a float), ``true``/``false`` as those
words, ``null`` and a key a record lacks as ``""`` (an empty field), nested
arrays and objects as their compact JSON text. Columns come in the order
their keys first appear. Messages give lines, columns and record numbers,
never a value from the file.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, BinaryIO, Final

import pandas as pd

from locosuppress._vocabulary import looks_like_address
from locosuppress.errors import MailingFileError

__all__ = [
    "JSON_FORMATS",
    "JSON_SUFFIXES",
    "NotJsonError",
    "json_writer",
    "looks_like_json",
    "read_json",
]

#: The ``format`` a JSON file is recorded under: one array, or one object per line.
JSON_FORMATS: Final = ("json", "jsonl")
#: File name suffixes that ask for a JSON file when writing.
JSON_SUFFIXES: Final = {".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl"}
_SPACE: Final = b" \t\r\n"


def looks_like_json(sample: bytes, /) -> bool:
    """Whether a file's first bytes start a JSON array or object (after a BOM and spaces)."""
    start = sample.removeprefix(codecs.BOM_UTF8).lstrip(_SPACE)
    return start[:1] in (b"[", b"{")


class _Number(str):
    """A JSON number, kept as the text the file has."""

    __slots__ = ()


class _RefusedError(ValueError):
    """A JSON document the reader refuses (duplicate key, NaN): a message, no position."""


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    record = dict(pairs)
    if len(record) != len(pairs):
        raise _RefusedError("an object has the same key twice")
    return record


def _constant(name: str) -> Any:
    raise _RefusedError(f"{name} is not a JSON value")


def _loads(text: str) -> Any:
    try:
        return json.loads(
            text,
            parse_int=_Number,
            parse_float=_Number,
            parse_constant=_constant,
            object_pairs_hook=_pairs,
        )
    except RecursionError:
        raise _RefusedError("its values are nested too deeply to be a mailing file") from None


def read_json(stream: BinaryIO, source: Path, *, encoding: str | None) -> tuple[pd.DataFrame, str]:
    """Read a JSON array of objects or a JSON Lines file, every value as text.

    Args:
        stream: the open file, at its start.
        source: the file, for messages.
        encoding: the text encoding (checked codec name), else UTF-8 with or without BOM.

    Returns:
        The frame (string columns, ``RangeIndex``) and the format, ``"json"`` or ``"jsonl"``.

    Raises:
        MailingFileError: not valid in the encoding, not valid JSON (line and
            column given), a record that is not an object, a key twice in a
            record, ``NaN``/``Infinity``, or no records at all.
    """
    try:
        raw = stream.read()
    except OSError as exc:
        raise MailingFileError(f"{source}: cannot be read ({exc.strerror})") from None
    chosen = encoding or "utf-8-sig"
    try:
        text = raw.decode(chosen)
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        hint = (
            "JSON files are UTF-8; pass encoding=... if this one was written in another encoding"
            if encoding is None
            else "pass the file's encoding with encoding=..."
        )
        # Not text in that encoding, so not JSON: a CSV-named file is then read as CSV.
        raise NotJsonError(
            f"{source}: is not valid {encoding or 'UTF-8'}: byte 0x{raw[exc.start]:02X} on "
            f"line {line} (offset {exc.start}); {hint}"
        ) from None
    text = text.removeprefix("\ufeff")
    if text.lstrip().startswith("["):
        document = _document(source, text)
        if not isinstance(document, list):  # pragma: no cover - a '[' starts an array
            raise MailingFileError(f"{source}: is not a JSON array of records")
        records, kind = document, "json"
    else:
        records, kind = _lines(source, text)
    for i, record in enumerate(records):
        if not isinstance(record, dict):
            raise MailingFileError(
                f"{source}: {_record_name(kind, text, i)} is not a JSON object; a mailing "
                "file holds one object per person, with the fields as keys"
            )
    if not records:
        raise MailingFileError(f"{source}: is empty (no records)")
    if kind == "object":  # one object: a one-record JSON Lines file, unless an API envelope
        _refuse_envelope(source, records[0])
        kind = "jsonl"
    return _frame(records, source), kind


class NotJsonError(MailingFileError):
    """A file that starts like JSON (``[`` or ``{``) but does not parse as JSON.

    The reader then reads a file named ``.csv`` or ``.tsv`` as CSV (its
    header may start with a bracket); for any other name it is this error.
    """


def _not_json(source: Path, exc: json.JSONDecodeError) -> NotJsonError:
    return NotJsonError(
        f"{source}: is not valid JSON: {exc.msg} on line {exc.lineno}, column {exc.colno} "
        "(if it is a CSV file, pass delimiter= / --delimiter to read it as CSV)"
    )


def _document(source: Path, text: str) -> Any:
    """One JSON document, or a message with the line and column of its first fault."""
    try:
        return _loads(text)
    except json.JSONDecodeError as exc:
        raise _not_json(source, exc) from None
    except _RefusedError as exc:
        raise MailingFileError(f"{source}: is not valid JSON for a mailing file: {exc}") from None


def _lines(source: Path, text: str) -> tuple[list[Any], str]:
    """The records of a file starting with ``{``: one object, or JSON Lines."""
    try:
        return [_loads(text)], "object"
    except json.JSONDecodeError as exc:
        if exc.msg != "Extra data":
            raise _not_json(source, exc) from None
    except _RefusedError as exc:
        raise MailingFileError(f"{source}: is not valid JSON for a mailing file: {exc}") from None
    records: list[Any] = []
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            records.append(_loads(line))
        except json.JSONDecodeError as exc:
            raise MailingFileError(
                f"{source}: line {number} is not valid JSON ({exc.msg}, column {exc.colno}); "
                "a JSON Lines file holds one JSON object per line"
            ) from None
        except _RefusedError as exc:
            raise MailingFileError(f"{source}: line {number}: {exc}") from None
    return records, "jsonl"


def _record_name(kind: str, text: str, i: int) -> str:
    """The ``i``-th record (0-based) for a message: by array position or by line."""
    if kind == "json":
        return f"record {i + 1} of the array"
    if kind == "jsonl":
        numbers = [n for n, line in enumerate(text.split("\n"), start=1) if line.strip()]
        return f"line {numbers[i]}"
    return "the object"


def _refuse_envelope(source: Path, record: dict[str, Any]) -> None:
    """Refuse one object that wraps a list of records (an API response), naming the key."""
    for key, value in record.items():
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            shown = "a key" if looks_like_address(key) else f"the key {key!r}"
            raise MailingFileError(
                f"{source}: is one JSON object holding a list of records under {shown} "
                "(an API response); save that list as a JSON array or JSON Lines, or read "
                "a provider's export with locosuppress.read_suppressions or read_events, "
                "which know these envelopes"
            )


def _text(value: Any) -> str:
    """A parsed JSON value as text: exact numbers, words for literals, JSON for nesting."""
    if isinstance(value, _Number):
        return str.__str__(value)
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return _nested(value)


def _nested(value: Any) -> str:
    """Compact JSON text of a nested value, numbers as written in the file."""
    if isinstance(value, _Number):
        return str.__str__(value)
    if isinstance(value, list):
        return "[" + ",".join(_nested(v) for v in value) + "]"
    if isinstance(value, dict):
        inner = (json.dumps(k, ensure_ascii=False) + ":" + _nested(v) for k, v in value.items())
        return "{" + ",".join(inner) + "}"
    return json.dumps(value, ensure_ascii=False)


def _frame(records: Sequence[dict[str, Any]], source: Path) -> pd.DataFrame:
    """One string column per key, in first-seen order; ``""`` where a record lacks it."""
    keys = list(dict.fromkeys(key for record in records for key in record))
    columns = {key: [_text(record.get(key)) for record in records] for key in keys}
    for position, key in enumerate(keys):
        bad = _unencodable(key, columns[key])
        if bad is not None:
            raise MailingFileError(
                f"{source}: record {bad + 1}, field {position + 1}, holds a lone surrogate "
                "(an escaped \\uD800-\\uDFFF without its pair), which is not text; "
                "fix the exporting tool or the file"
            )
    frame = pd.DataFrame(columns, dtype=str)
    frame.columns = pd.Index(keys, dtype=str)
    return frame


def _unencodable(key: str, values: list[str]) -> int | None:
    """The 0-based record whose value (or the key) is not valid Unicode text, or None."""
    try:
        key.encode("utf-8")
        "".join(values).encode("utf-8")
    except UnicodeEncodeError:
        pass
    else:
        return None
    for i, value in enumerate(values):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return i
    return 0  # the key itself


def json_writer(
    kind: str, header: Sequence[str], columns: Sequence[pd.Series]
) -> Callable[[BinaryIO], None]:
    """Write the rows as a JSON array (``kind="json"``) or JSON Lines (``"jsonl"``), UTF-8.

    Every value is written as a JSON string, a missing one as ``null``; keys
    in column order. ``columns`` hold text and missing values only.
    """
    names = list(header)
    seen: dict[str, int] = {}
    for position, name in enumerate(names):
        if name in seen:
            raise MailingFileError(
                f"columns {seen[name] + 1} and {position + 1} have the same name, and a JSON "
                "record holds each key once; rename one of them, or write CSV or .xlsx"
            )
        seen[name] = position

    def write(stream: BinaryIO) -> None:
        values = zip(*(column.to_numpy(dtype=object) for column in columns), strict=True)
        lines = (
            json.dumps(
                {
                    name: (value if isinstance(value, str) else None)
                    for name, value in zip(names, row, strict=True)
                },
                ensure_ascii=False,
            )
            for row in values
        )
        if kind == "jsonl":
            for line in lines:
                stream.write((line + "\n").encode("utf-8"))
            return
        stream.write(b"[")
        for i, line in enumerate(lines):
            stream.write(((",\n" if i else "\n") + line).encode("utf-8"))
        stream.write(b"\n]\n")

    return write
