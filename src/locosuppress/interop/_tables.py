"""Reading an export into tables: CSV/TSV/.xlsx, JSON, JSON Lines, Mailchimp's ZIP (private).

Layer: interop. CSV, TSV and ``.xlsx`` go through
:func:`locosuppress.io.read_mailing_file`, so encodings, delimiters and
Excel's rules are one implementation. JSON and JSON Lines are told by content
(the first character ``[`` or ``{``), whatever the suffix; the records are
taken from the array or from the envelope the provider's API wraps them in.
A Mailchimp audience ZIP is read in memory (nothing is unpacked to disk):
its ``subscribed_``, ``unsubscribed_`` and ``cleaned_members_export`` files,
UTF-8 CSV as Mailchimp writes them. Messages give positions, never values.
"""

from __future__ import annotations

import io
import json
import os
import re
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

import pandas as pd

from locosuppress.errors import MailingFileError, MailingFileNotFoundError, SchemaError
from locosuppress.interop._layout import Table, squashed
from locosuppress.io import read_mailing_file

__all__ = ["read_tables"]

_ZIP_MAGIC: Final = b"PK\x03\x04"
_MAILCHIMP_MEMBER: Final = re.compile(r"(?:^|/)(subscribed|unsubscribed|cleaned)_members_export")
#: Where providers' APIs put the records in a JSON object (SES, Mailgun, Brevo, listmonk).
_ENVELOPES: Final = ("SuppressedDestinationSummaries", "items", "contacts", "results", "data")


def read_tables(
    source: str | os.PathLike[str] | pd.DataFrame,
    *,
    encoding: str | None,
    sheet: int | str | None,
) -> list[Table]:
    """The tables of ``source``.

    Raises:
        MailingFileError: the file is missing or unreadable.
        SchemaError: JSON without records, or a ZIP without Mailchimp's member files.
    """
    if isinstance(source, pd.DataFrame):
        if encoding is not None or sheet is not None:
            raise MailingFileError("encoding= and sheet= apply to files, not DataFrames")
        frame = source.reset_index(drop=True)
        return [Table("the DataFrame", frame, (squashed(frame.columns),))]
    if not isinstance(source, str | os.PathLike):
        raise TypeError(
            f"read_suppressions takes a path or a DataFrame, not {type(source).__name__}"
        )
    path = Path(os.fspath(source))
    try:
        with path.open("rb") as stream:
            head = stream.read(4096)
    except FileNotFoundError:
        raise MailingFileNotFoundError(f"{path}: file not found; check the path") from None
    except IsADirectoryError:
        raise MailingFileError(f"{path}: is a folder, not an export file") from None
    except OSError as exc:
        raise MailingFileError(f"{path}: cannot be opened ({exc.strerror})") from None
    if head.startswith(_ZIP_MAGIC) and not _is_workbook(path):
        if sheet is not None:
            raise MailingFileError(f"{path}: sheet= applies to .xlsx files, not a .zip")
        return _zip_tables(path)
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if start[:1] in (b"[", b"{"):
        if sheet is not None:
            raise MailingFileError(f"{path}: sheet= applies to .xlsx files, not JSON")
        return [_json_table(path, encoding)]
    frame = read_mailing_file(path, encoding=encoding, sheet=sheet)
    return [Table(path.name, frame, (squashed(frame.columns),))]


def _is_workbook(path: Path) -> bool:
    """Whether a ZIP file is an ``.xlsx`` workbook."""
    if path.suffix.lower() == ".xlsx":
        return True
    try:
        with zipfile.ZipFile(path) as archive:
            return "[Content_Types].xml" in archive.namelist()
    except (zipfile.BadZipFile, OSError):
        return False


def _zip_tables(path: Path) -> list[Table]:
    """The member files of a Mailchimp audience export, read in memory."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        raise MailingFileError(f"{path}: is not a readable .zip file (damaged?)") from None
    tables: list[Table] = []
    with archive:
        for info in archive.infolist():
            found = _MAILCHIMP_MEMBER.search(info.filename)
            if info.is_dir() or found is None or not info.filename.lower().endswith(".csv"):
                continue
            name = f"{path.name}:{info.filename}"
            try:
                data = archive.read(info)
            except (zipfile.BadZipFile, OSError, RuntimeError):
                raise MailingFileError(
                    f"{name}: cannot be unpacked (damaged or encrypted)"
                ) from None
            frame = _member_frame(name, data)
            tables.append(Table(name, frame, (squashed(frame.columns),), hint=found.group(1)))
    if not tables:
        raise SchemaError(
            f"{path}: a .zip without Mailchimp's subscribed_, unsubscribed_ or "
            "cleaned_members_export CSV files; unpack it and read the CSV file instead"
        )
    return tables


def _member_frame(name: str, data: bytes) -> pd.DataFrame:
    """One CSV member of a Mailchimp ZIP: UTF-8, comma-separated, every value text."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise MailingFileError(
            f"{name}: is not UTF-8 (byte offset {exc.start}); Mailchimp writes UTF-8, "
            "so the file was changed after the export"
        ) from None
    if not text.strip():
        return pd.DataFrame({"Email Address": pd.Series([], dtype=object)})
    try:
        return pd.read_csv(
            io.StringIO(text),
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            engine="c",
        )
    except pd.errors.ParserError as exc:
        reason = str(exc).replace("Error tokenizing data. C error: ", "")
        raise MailingFileError(f"{name}: cannot be parsed as CSV ({reason})") from None


def _json_table(path: Path, encoding: str | None) -> Table:
    """The records of a JSON array, a provider's JSON envelope, or JSON Lines."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise MailingFileError(f"{path}: cannot be read ({exc.strerror})") from None
    try:
        content = raw.decode(encoding or "utf-8-sig")
    except (UnicodeDecodeError, LookupError) as exc:
        where = f" (byte offset {exc.start})" if isinstance(exc, UnicodeDecodeError) else ""
        raise MailingFileError(
            f"{path}: is not valid {encoding or 'UTF-8'}{where}; pass encoding=... "
            "if the JSON file was written in another encoding"
        ) from None
    try:
        document: Any = json.loads(content)
        records = _records(path, document)
    except json.JSONDecodeError as exc:
        if exc.msg != "Extra data":
            raise MailingFileError(
                f"{path}: is not valid JSON (line {exc.lineno}, column {exc.colno})"
            ) from None
        records = _json_lines(path, content)
    flat = [_flatten(path, i, record) for i, record in enumerate(records)]
    signatures = tuple(dict.fromkeys(squashed(r) for r in flat))
    frame = pd.DataFrame.from_records(flat) if flat else pd.DataFrame()
    return Table(path.name, frame.astype(object), signatures or (frozenset(),))


def _json_lines(path: Path, content: str) -> list[Any]:
    """JSON Lines: one record per non-blank line."""
    records: list[Any] = []
    for number, line in enumerate(content.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError as exc:
            raise MailingFileError(
                f"{path}: line {number} is not valid JSON (column {exc.colno}); "
                "a JSON Lines file holds one JSON object per line"
            ) from None
    return records


def _records(path: Path, document: Any) -> list[Any]:
    """The list of records in a parsed JSON document."""
    if isinstance(document, list):
        return document
    if isinstance(document, Mapping):
        for key in _ENVELOPES:
            inner = document.get(key)
            if isinstance(inner, list):
                return inner
            if isinstance(inner, Mapping) and isinstance(inner.get("results"), list):
                return list(inner["results"])
        if "SuppressedDestination" in document:
            return [document["SuppressedDestination"]]
        return [document]
    raise SchemaError(f"{path}: JSON that is neither a list of records nor an object")


def _flatten(path: Path, position: int, record: Any) -> dict[str, Any]:
    """One record with nested objects one level flattened (``reason.code``)."""
    if not isinstance(record, Mapping):
        raise SchemaError(
            f"{path}: record {position} (0-based) is not a JSON object; "
            "an export holds one object per row"
        )
    flat: dict[str, Any] = {}
    for key, value in record.items():
        if isinstance(value, Mapping):
            for inner, item in value.items():
                flat[f"{key}.{inner}"] = item
        else:
            flat[str(key)] = value
    return flat
