"""Writing mailing files: the entry point, CSV text and the atomic write.

Private helper of :mod:`locosuppress.io` (layer 3). :func:`write_mailing_file`
turns a frame into text columns, writes CSV here or a workbook with
:mod:`locosuppress.io._xlsx`, and puts the file in place through
:mod:`locosuppress._fs`: written beside the target under a random hidden name,
fsynced, then linked (or, with ``overwrite=True``, renamed) into place.
Messages give positions, never a value from the frame.
"""

from __future__ import annotations

import contextlib
import csv
import math
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

import pandas as pd

from locosuppress import _fs
from locosuppress.errors import LocosuppressError, MailingFileError, OutputExistsError
from locosuppress.io._json import JSON_FORMATS, JSON_SUFFIXES, json_writer
from locosuppress.io._read import ATTRS_KEY, delimiter_option, encoding_option
from locosuppress.io._xlsx import UNSUPPORTED_EXCEL, XLSX_SUFFIXES, xlsx_writer
from locosuppress.keys import KEY_FILE_PREFIX, RING_FILE_PREFIX

__all__ = ["protected_content", "write_atomically", "write_mailing_file"]

_LINE_TERMINATOR = "\r\n"  # RFC 4180, and what Excel writes
_TEMP_PREFIX = ".locosuppress"  # a hidden name holding nothing from the data or the target
# Mailing files hold personal data: owner-only from the moment the temporary
# file exists (set at creation, never chmod-ed after), like lists and keys.
_FILE_MODE = 0o600
# How files that a mailing file must never replace begin: losing one loses
# the key, the list or its committed changes.
_PROTECTED_CONTENT = (
    (KEY_FILE_PREFIX.encode("ascii"), "a locosuppress key file"),
    (RING_FILE_PREFIX.encode("ascii"), "a locosuppress key ring file"),
    (b"SQLite format 3\x00", "a SQLite database (a suppression list?)"),
    (b"\x37\x7f\x06\x82", "a SQLite write-ahead log"),
    (b"\x37\x7f\x06\x83", "a SQLite write-ahead log"),
    (b"\xd9\xd5\x05\xf9\x20\xa1\x63\xd7", "a SQLite journal"),
)


def write_mailing_file(
    frame: pd.DataFrame,
    path: str | os.PathLike[str],
    /,
    *,
    overwrite: bool = False,
    encoding: str | None = None,
    delimiter: str | None = None,
) -> None:
    """Write a frame as a CSV, ``.xlsx`` or JSON mailing file, atomically.

    A name ending in ``.xlsx`` gives an Excel workbook with one sheet of text
    cells; ``.json`` a JSON array of objects and ``.jsonl`` or ``.ndjson``
    JSON Lines (UTF-8, every value a string, a missing one ``null``), as does
    a name with another suffix (not ``.csv`` or ``.tsv``) for a frame read
    from JSON (``frame.attrs["locosuppress"]["format"]``); any other name
    gives CSV, with the encoding and delimiter the frame
    was read with (``frame.attrs["locosuppress"]``, kept by most pandas
    operations) unless given, else UTF-8 and a comma (a tab for ``.tsv``).
    CSV lines end in CRLF; a value is quoted when it contains the delimiter, a
    double quote or a line break, and in a one-column file every value is
    quoted (else an empty or blank value would read back as a blank line).

    A frame read with ``header=False`` (``frame.attrs["locosuppress"]["header"]``)
    is written without a header row, as it was read.

    Every value is written as text: missing values (``None``, ``NaN``,
    ``pd.NA``) as empty cells, anything else that is not a string as
    ``str(value)``. The index is not written. The frame is not modified.

    A new file is created with mode 0600 (owner only: it holds personal
    data), whatever the umask. The file is written to a temporary file (also
    0600 from its creation) in the same folder, flushed to disk, then renamed
    over ``path``; on any error the temporary file is
    removed and ``path`` is untouched. Without ``overwrite=True`` an existing
    ``path`` is never replaced, even if it appears while writing.

    Args:
        frame: the data; column names become the header.
        path: the file to create.
        overwrite: replace ``path`` if it exists (keeping its permissions).
        encoding: CSV encoding (any Python codec name, e.g. ``"utf-8-sig"`` for Excel).
        delimiter: CSV delimiter, one character.

    Raises:
        OutputExistsError: ``path`` exists and ``overwrite`` is false.
        MailingFileError: ``path`` is a key file, a SQLite database or its
            log (even with ``overwrite``); a value cannot be written in the encoding (the message
            gives its row and column position), or in ``.xlsx``; the folder does
            not exist or cannot be written; ``path`` is a folder or an
            unsupported Excel format; an option does not fit the format; or
            ``.xlsx`` support (the ``excel`` extra) is not installed.
        TypeError: ``frame`` is not a DataFrame.
    """
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"write_mailing_file needs a pandas DataFrame, not {type(frame).__name__}")
    target = Path(os.fspath(path))
    suffix = target.suffix.lower()
    if suffix in UNSUPPORTED_EXCEL:
        raise MailingFileError(f"{target}: cannot write {suffix} files; use .xlsx or .csv")
    if isinstance(frame.columns, pd.MultiIndex):
        raise MailingFileError(f"{target}: cannot write a frame with several header rows")
    if frame.shape[1] == 0:
        raise MailingFileError(f"{target}: the frame has no columns; nothing to write")
    _check_target(target, overwrite=overwrite)  # fail before converting a million rows
    header = [str(name) for name in frame.columns]
    columns = [_text_column(frame.iloc[:, i]) for i in range(frame.shape[1])]
    found = _frame_info(frame)
    header_row = found.get("header") is not False
    write: Callable[[BinaryIO], None]
    json_kind = _json_kind(suffix, found)
    if json_kind is not None:
        if encoding is not None or delimiter is not None:
            raise MailingFileError(
                f"{target}: encoding= and delimiter= apply to CSV files, not JSON (always UTF-8)"
            )
        write = json_writer(json_kind, header, columns)
    elif suffix in XLSX_SUFFIXES:
        if encoding is not None or delimiter is not None:
            raise MailingFileError(
                f"{target}: encoding= and delimiter= apply to CSV files, not .xlsx"
            )
        write = xlsx_writer(target, header, columns, header_row=header_row)
    else:
        read_as_csv = found.get("format") == "csv"
        if encoding is None:
            encoding = (found.get("encoding") if read_as_csv else None) or "utf-8"
        if delimiter is None:
            delimiter = (found.get("delimiter") if read_as_csv else None) or (
                "\t" if suffix == ".tsv" else ","
            )
        chosen_encoding = encoding_option(encoding)
        chosen_delimiter = delimiter_option(delimiter)

        def write(stream: BinaryIO) -> None:
            _write_csv(
                stream,
                target,
                header if header_row else None,
                columns,
                chosen_encoding,
                chosen_delimiter,
            )

    write_atomically(target, write, overwrite=overwrite)


def _json_kind(suffix: str, found: dict[str, Any]) -> str | None:
    """``"json"`` or ``"jsonl"`` when the file is to be JSON: by its suffix, else as read."""
    if suffix in JSON_SUFFIXES:
        return JSON_SUFFIXES[suffix]
    if suffix in (*XLSX_SUFFIXES, ".csv", ".tsv"):
        return None
    kind = found.get("format")
    return kind if kind in JSON_FORMATS else None


def _frame_info(frame: pd.DataFrame) -> dict[str, Any]:
    """What :func:`~locosuppress.io.read_mailing_file` recorded in the frame's attrs, or ``{}``."""
    info = frame.attrs.get(ATTRS_KEY)
    return info if isinstance(info, dict) else {}


def _text_column(column: pd.Series) -> pd.Series:
    """A column as strings and missing values, without touching the original."""
    if isinstance(column.dtype, pd.StringDtype):
        return column
    return column.map(_to_text).astype(object)


def _to_text(value: object) -> str | None:
    """One value as text; ``None`` for a missing value."""
    if isinstance(value, str):
        return value
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    return str(value)


def _write_csv(
    stream: BinaryIO,
    target: Path,
    header: list[str] | None,
    columns: list[pd.Series],
    encoding: str,
    delimiter: str,
) -> None:
    """Write CSV text to ``stream`` (without a header row for ``header=None``).

    Locates the cell an encoding error comes from.
    """
    text = pd.concat(columns, axis=1, ignore_index=True)
    try:
        text.to_csv(
            stream,
            mode="wb",
            sep=delimiter,
            header=header if header is not None else False,
            index=False,
            na_rep="",
            encoding=encoding,
            errors="strict",
            lineterminator=_LINE_TERMINATOR,
            quoting=csv.QUOTE_ALL if len(columns) == 1 else csv.QUOTE_MINIMAL,
            quotechar='"',
            doublequote=True,
        )
    except UnicodeEncodeError:
        raise _encode_error(target, header or [], columns, encoding) from None


def _encode_error(
    target: Path, header: list[str], columns: list[pd.Series], encoding: str
) -> MailingFileError:
    """Name the first cell (by position, never by value) ``encoding`` cannot hold."""
    hint = 'pass encoding="utf-8" (or "utf-8-sig" for Excel) to keep every character'
    for position, name in enumerate(header):
        if not _encodable(name, encoding):
            return MailingFileError(
                f"{target}: the name of column {position} (0-based) has a character "
                f"{encoding} cannot encode; {hint}"
            )
    first: tuple[int, int] | None = None
    for position, column in enumerate(columns):
        for row, value in enumerate(column.to_numpy(dtype=object)):
            if first is not None and row >= first[0]:
                break
            if isinstance(value, str) and not _encodable(value, encoding):
                first = (row, position)
                break
    where = f"row {first[0]}, column {first[1]} (0-based positions)" if first else "a value"
    return MailingFileError(f"{target}: {where} has a character {encoding} cannot encode; {hint}")


def _encodable(value: str, encoding: str) -> bool:
    """Whether ``value`` can be written in ``encoding``."""
    try:
        value.encode(encoding)
    except UnicodeEncodeError:
        return False
    return True


# -- putting the file in place --------------------------------------------------------------------


def write_atomically(target: Path, write: Callable[[BinaryIO], None], *, overwrite: bool) -> None:
    """Write via a temporary file in the target's folder, then put it in place.

    The temporary file gets a random hidden name (nothing from the data or
    the target) and mode 0600 from its creation; it is fsynced, then linked
    into place (never replacing a file, even one that appeared meanwhile) or,
    with ``overwrite``, renamed over the target after taking its permissions.
    On any error, an interrupt included, the temporary file is removed and the
    target is untouched.

    Args:
        target: the file to create.
        write: writes the whole content to the open binary stream it is given.
        overwrite: replace ``target`` if it exists.

    Raises:
        OutputExistsError: ``target`` exists and ``overwrite`` is false.
        MailingFileError: the target is a folder, its folder is missing or
            cannot be written, or the file system fails.
    """
    _check_target(target, overwrite=overwrite)
    started = False
    try:
        with _fs.new_file(
            target,
            mode=_FILE_MODE,
            prefix=_TEMP_PREFIX,
            replace=overwrite,
            exists=f"{target}: already exists; pass overwrite=True to replace it",
        ) as temporary:
            started = True
            with temporary.open("wb") as stream:
                write(stream)
            if overwrite:
                with contextlib.suppress(OSError):
                    shutil.copymode(target, temporary)
    except OSError as exc:
        if isinstance(exc, LocosuppressError):
            raise
        reason = exc.strerror or type(exc).__name__
        if not started:
            raise MailingFileError(f"{target}: cannot write in its folder ({reason})") from None
        raise MailingFileError(f"{target}: cannot be written ({reason})") from None


def protected_content(path: Path) -> str | None:
    """What an existing file is, when its first bytes show it must never be replaced.

    Returns:
        ``"a locosuppress key file"``, ``"a SQLite database ..."``, a SQLite
        log, or ``None`` (also for a missing or unreadable file).
    """
    try:
        with path.open("rb") as stream:
            start = stream.read(64)
    except OSError:
        return None
    for prefix, what in _PROTECTED_CONTENT:
        if start.startswith(prefix):
            return what
    return None


def _check_target(target: Path, *, overwrite: bool) -> None:
    """Refuse a folder, a missing folder, a key or list, an existing file without ``overwrite``."""
    if target.is_dir():
        raise MailingFileError(f"{target}: is a folder; give a file name")
    if not target.parent.is_dir():
        raise MailingFileError(f"{target}: the folder does not exist")
    if not overwrite and os.path.lexists(target):
        raise OutputExistsError(f"{target}: already exists; pass overwrite=True to replace it")
    found = protected_content(target)
    if found is not None:
        raise MailingFileError(
            f"{target}: is {found}; a mailing file never replaces it, not even with "
            "overwrite=True: choose another name"
        )
