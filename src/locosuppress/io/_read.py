"""Reading mailing files: the entry point, CSV parsing and its error messages.

Private helper of :mod:`locosuppress.io` (layer 3). :func:`read_mailing_file`
tells ``.xlsx`` from CSV (the workbook itself is read by
:mod:`locosuppress.io._xlsx`), detects a CSV file's encoding and delimiter
with :mod:`locosuppress.io._sniff` and parses it with pandas' C engine, every
value as text. Error messages name the file and give positions, never a value
from the file (column names included: in a file without a header row they are
the first person's data).
"""

from __future__ import annotations

import codecs
import io
import os
from pathlib import Path
from typing import Any, BinaryIO, Final

import pandas as pd

from locosuppress.errors import MailingFileError, MailingFileNotFoundError
from locosuppress.io import _sniff
from locosuppress.io._json import NotJsonError, looks_like_json, read_json
from locosuppress.io._xlsx import is_xlsx, read_xlsx

__all__ = ["ATTRS_KEY", "delimiter_option", "encoding_option", "read_mailing_file"]

#: Key of ``DataFrame.attrs`` under which :func:`read_mailing_file` records what it found.
ATTRS_KEY: Final = "locosuppress"


def read_mailing_file(
    path: str | os.PathLike[str],
    /,
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet: int | str | None = None,
    header: bool = True,
) -> pd.DataFrame:
    """Read a CSV or ``.xlsx`` mailing file with every column as text.

    The format comes from the content (an ``.xlsx`` file is a ZIP archive) and
    the ``.xlsx`` suffix, whatever the name otherwise: a file whose first
    character (after a byte order mark and white space) is ``[`` is a JSON
    array of objects, ``{`` JSON Lines (one object per line), unless
    ``delimiter=`` is given; anything else is read as CSV. For CSV, the encoding
    is a byte order mark's (``utf-8-sig``, ``utf-16``), else ``utf-8`` if the
    whole file is valid UTF-8, else ``cp1252`` (Windows-1252) if the file
    holds no valid UTF-8 multi-byte sequence at all; a file that mixes the two
    is refused, never decoded one way. Every byte is checked, and a NUL
    character anywhere is refused. The delimiter (``,`` ``;`` tab ``|``) is
    the one that splits the header and the following records of the first
    64 KiB consistently, ignoring delimiters inside quoted fields.

    Values come back exactly as written: no type conversion, no missing-value
    markers, no white-space stripping. An empty field is ``""``; a record with
    fewer fields than the header is padded with ``""`` (Excel drops trailing
    empty fields); blank lines are skipped. From ``.xlsx``, numbers and dates
    become text (a whole number as ``612345678``, or zero-padded when the cell
    has a ``0000000000``-style format; a date as ``2024-01-31``), formulas their
    last computed value, rows after the last non-empty one are dropped.

    From JSON (UTF-8 unless ``encoding=``), the keys are the columns, in the
    order they first appear; numbers come back exactly as written (``0.10``),
    ``true``/``false`` as those words, ``null`` and a key a record lacks as
    ``""``, nested arrays and objects as their JSON text. A file that is not
    valid JSON (or has a key twice in a record, ``NaN``, a record that is not
    an object) is refused with the line and column, never read in part.

    Header names are kept as written, but a blank one becomes ``column_<n>``
    (1-based position) and a repeated one gets ``_2``, ``_3``...; the
    positions of renamed columns are in the attrs. With ``header=False`` the
    file has no header row: every row is data and the columns are named
    ``column_1``, ``column_2``, ... (and :func:`write_mailing_file` writes
    such a frame back without a header row).

    Args:
        path: the file.
        encoding: the CSV encoding, overriding detection (any Python codec name).
        delimiter: the CSV delimiter, overriding detection (one character).
        sheet: the ``.xlsx`` worksheet, by 0-based position or name (default: the first).
        header: whether the first row names the columns (default) or is data.

    Returns:
        A frame of string columns with a ``RangeIndex``; ``frame.attrs["locosuppress"]``
        is a dict with ``format`` (``"csv"``, ``"xlsx"``, ``"json"`` or ``"jsonl"``),
        ``source`` (the file name, without folder), ``encoding`` (CSV and JSON,
        else ``None``) and ``delimiter`` (CSV, else ``None``),
        ``sheet`` (0-based position for ``.xlsx``, else ``None``),
        ``renamed_columns`` (0-based positions of renamed header names) and
        ``header`` (``False`` when read with ``header=False``).

    Raises:
        MailingFileError: the file is missing, a folder, unreadable, empty,
            binary (a NUL byte anywhere), not in the encoding or mixing UTF-8
            with another encoding, has a record with more fields than the
            header or an unclosed quote, is not valid JSON (line and column
            given), is a damaged, legacy or
            oversized-when-unpacked Excel file; an option does not fit the
            format; or ``.xlsx`` support (the ``excel`` extra) is not installed.
    """
    if not isinstance(header, bool):
        raise TypeError(f"header must be True or False, not {type(header).__name__}")
    source = Path(os.fspath(path))
    if source.is_dir():
        raise MailingFileError(f"{source}: is a folder, not a mailing file")
    try:
        stream = source.open("rb")
    except FileNotFoundError:
        raise MailingFileNotFoundError(f"{source}: file not found; check the path") from None
    except OSError as exc:
        raise MailingFileError(f"{source}: cannot be opened ({exc.strerror})") from None
    with stream:
        try:
            sample = stream.read(_sniff.SAMPLE_SIZE)
            complete = len(sample) < _sniff.SAMPLE_SIZE or not stream.read(1)
        except OSError as exc:
            raise MailingFileError(f"{source}: cannot be read ({exc.strerror})") from None
        stream.seek(0)
        if is_xlsx(source, sample):
            if encoding is not None or delimiter is not None:
                raise MailingFileError(
                    f"{source}: encoding= and delimiter= apply to CSV files, not .xlsx"
                )
            frame, sheet_position = read_xlsx(stream, source, sheet, header=header)
            info: dict[str, Any] = {
                "format": "xlsx",
                "encoding": None,
                "delimiter": None,
                "sheet": sheet_position,
            }
        elif (
            delimiter is None
            and looks_like_json(sample)
            and (json_read := _read_json_or_none(stream, source, encoding, sheet, header))
        ):
            frame, info = json_read
        else:
            if sheet is not None:
                raise MailingFileError(f"{source}: sheet= applies to .xlsx files, not CSV")
            frame, found_encoding, found_delimiter = _read_csv(
                stream,
                source,
                sample,
                complete=complete,
                encoding=encoding,
                delimiter=delimiter,
                header=header,
            )
            info = {
                "format": "csv",
                "encoding": found_encoding,
                "delimiter": found_delimiter,
                "sheet": None,
            }
    if header:
        names, renamed = _sniff.unique_names([str(name) for name in frame.columns])
    else:
        names, renamed = [f"column_{i + 1}" for i in range(frame.shape[1])], []
    frame.columns = pd.Index(names, dtype=str)
    frame.attrs[ATTRS_KEY] = {
        "format": info["format"],
        "source": source.name,
        "encoding": info["encoding"],
        "delimiter": info["delimiter"],
        "sheet": info["sheet"],
        "renamed_columns": renamed,
        "header": header,
    }
    return frame


#: Names that say CSV: such a file is read as JSON only when all of it parses as JSON.
_CSV_SUFFIXES: Final = frozenset({".csv", ".tsv"})


def _read_json_or_none(
    stream: BinaryIO, source: Path, encoding: str | None, sheet: int | str | None, header: bool
) -> tuple[pd.DataFrame, dict[str, Any]] | None:
    """The file read as JSON; None when a file named as CSV does not parse as JSON.

    A CSV file's header may start with ``[`` or ``{``; its name then decides,
    never a guess: ``.csv``/``.tsv`` is read as CSV, any other name is an
    error that says how to read it as CSV.
    """
    named_csv = source.suffix.lower() in _CSV_SUFFIXES
    if named_csv and not header:
        return None  # header=False is a CSV option: read the CSV-named file as asked
    try:
        return _read_json(stream, source, encoding=encoding, sheet=sheet, header=header)
    except NotJsonError:
        if not named_csv:
            raise
        stream.seek(0)
        return None


def _read_json(
    stream: BinaryIO,
    source: Path,
    *,
    encoding: str | None,
    sheet: int | str | None,
    header: bool,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Read a JSON array or JSON Lines file (the options that do not fit are refused)."""
    if sheet is not None:
        raise MailingFileError(f"{source}: sheet= applies to .xlsx files, not JSON")
    if not header:
        raise MailingFileError(
            f"{source}: header=False applies to CSV files; a JSON record names its fields "
            "(to read the file as CSV, pass delimiter=...)"
        )
    chosen = encoding_option(encoding) if encoding is not None else None
    frame, kind = read_json(stream, source, encoding=chosen)
    info = {"format": kind, "encoding": chosen or "utf-8", "delimiter": None, "sheet": None}
    return frame, info


def _read_csv(
    stream: BinaryIO,
    source: Path,
    sample: bytes,
    *,
    complete: bool,
    encoding: str | None,
    delimiter: str | None,
    header: bool,
) -> tuple[pd.DataFrame, str, str]:
    """Read a CSV file: detect what was not given, parse, name the header."""
    if not sample:
        raise MailingFileError(f"{source}: is empty")
    chosen = _choose_encoding(stream, source, sample, encoding=encoding)
    try:
        text = _sniff.decode_sample(sample, chosen, complete=complete)
    except UnicodeDecodeError:  # pragma: no cover - the whole file was checked
        stream.seek(0)
        raise _decode_error(stream, source, chosen) from None
    if not text.strip():
        raise MailingFileError(f"{source}: is empty (only blank lines)")
    chosen_delimiter = (
        _sniff.sniff_delimiter(text, complete=complete)
        if delimiter is None
        else delimiter_option(delimiter)
    )
    try:
        raw = _parse_csv(stream, source, chosen, chosen_delimiter)
    except UnicodeDecodeError:  # pragma: no cover - the whole file was checked
        stream.seek(0)
        raise _decode_error(stream, source, chosen) from None
    if not header:
        return raw, chosen, chosen_delimiter
    names = raw.iloc[0].tolist() if len(raw) else []
    frame = raw.iloc[1:].reset_index(drop=True)
    frame.columns = pd.Index(names, dtype=str)
    return frame, chosen, chosen_delimiter


def _choose_encoding(stream: BinaryIO, source: Path, sample: bytes, *, encoding: str | None) -> str:
    """The encoding to read with, checked on every byte of the file.

    A byte order mark or ``encoding=`` decides; otherwise
    :func:`~locosuppress.io._sniff.settle_encoding` picks UTF-8 or
    Windows-1252 from the whole file and refuses a file mixing the two. Either
    way the whole file must decode strictly and hold no NUL character.
    """
    if encoding is not None:
        chosen = encoding_option(encoding)
        if chosen == "utf-8" and sample.startswith(codecs.BOM_UTF8):
            chosen = "utf-8-sig"
    elif sample.startswith(codecs.BOM_UTF8):
        chosen = "utf-8-sig"
    elif sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        chosen = "utf-16"
    else:
        chosen = ""
    try:
        if chosen:
            scan = _sniff.scan_text(stream, chosen)
        else:
            chosen, scan = _sniff.settle_encoding(stream)
    except OSError as exc:
        raise MailingFileError(f"{source}: cannot be read ({exc.strerror})") from None
    finally:
        stream.seek(0)
    bad = scan.bad
    if chosen == "mixed" and bad is not None:
        raise MailingFileError(
            f"{source}: mixes encodings: it holds UTF-8 text, but byte 0x{bad.byte:02X} on "
            f"line {bad.line} (offset {bad.offset}) is not UTF-8 (Windows-1252 rows pasted "
            "into a UTF-8 file, or files of both kinds joined); read either way, some "
            "addresses would be garbled and never match. Save the whole file as UTF-8 "
            "(e.g. open it in Excel and save as 'CSV UTF-8'), or pass encoding=... if you "
            "know it is all one encoding"
        )
    if bad is not None:
        if encoding is None and chosen == "cp1252":
            raise MailingFileError(
                f"{source}: is neither UTF-8 nor Windows-1252 (cp1252): byte "
                f"0x{bad.byte:02X} on line {bad.line} (offset {bad.offset}) is undefined "
                'in cp1252; if the file is Latin-1, pass encoding="latin-1"'
            )
        raise MailingFileError(
            f"{source}: is not valid {chosen}: byte 0x{bad.byte:02X} on line {bad.line} "
            f"(offset {bad.offset}); {_encoding_hint(chosen)}"
        )
    if scan.nul_line is not None:
        raise MailingFileError(
            f"{source}: looks like a binary file, not CSV text: it contains NUL bytes "
            f"(first on line {scan.nul_line}); export the data again as CSV"
        )
    return chosen


def _parse_csv(stream: BinaryIO, source: Path, encoding: str, delimiter: str) -> pd.DataFrame:
    """Parse with pandas' C engine, header as row 0, and translate its errors.

    With ``header=None`` the header row fixes the number of fields, so the C
    engine raises for any later record with more fields (with a header, pandas
    would silently turn extra fields of the first record into an index).

    pandas gets the absolute path rather than ``stream``: it reads a path
    about 30% faster than a Python file object. The path is absolute so that
    pandas' own path handling (``~`` expansion, URLs) cannot apply; compression
    inference is switched off. ``stream`` (the same file, open) serves to
    locate errors.
    """
    try:
        return pd.read_csv(
            Path(os.path.abspath(source)),
            sep=delimiter,
            header=None,
            index_col=False,
            dtype=str,
            na_filter=False,
            keep_default_na=False,
            quotechar='"',
            doublequote=True,
            escapechar=None,
            skipinitialspace=False,
            skip_blank_lines=True,
            comment=None,
            encoding=encoding,
            encoding_errors="strict",
            compression=None,
            engine="c",
        )
    except pd.errors.EmptyDataError:
        raise MailingFileError(f"{source}: is empty (no header row)") from None
    except pd.errors.ParserError as exc:
        stream.seek(0)
        raise _parser_error(stream, source, encoding, delimiter, str(exc)) from None


def _parser_error(
    stream: BinaryIO, source: Path, encoding: str, delimiter: str, message: str
) -> MailingFileError:
    """Rephrase a pandas ParserError with the physical line it concerns."""
    lines = io.TextIOWrapper(stream, encoding=encoding, errors="replace", newline="")
    try:
        if "EOF inside string" in message:
            line = _sniff.locate_unclosed_quote(lines, delimiter)
            where = f" starting on line {line}" if line is not None else ""
            return MailingFileError(
                f"{source}: a quoted field{where} is never closed; "
                'check for a stray double quote (")'
            )
        ragged = _sniff.locate_ragged_record(lines, delimiter)
    finally:
        lines.detach()
    if ragged is not None:
        line, fields, expected = ragged
        return MailingFileError(
            f"{source}: line {line} has {fields} fields but the header has {expected} "
            f"(delimiter {delimiter!r}); quote values containing the delimiter, or pass "
            "delimiter=... if it was detected wrongly"
        )
    return MailingFileError(
        f"{source}: cannot be parsed as CSV with delimiter {delimiter!r} and encoding "
        f"{encoding} (pandas: {_pandas_reason(message)})"
    )


def _pandas_reason(message: str) -> str:
    """The C engine's error text, which gives positions and counts, never values."""
    return message.replace("Error tokenizing data. C error: ", "").strip()


def _decode_error(stream: BinaryIO, source: Path, encoding: str) -> MailingFileError:
    """Describe where a file stops being valid in ``encoding``."""
    found = _sniff.locate_decode_error(stream, encoding)
    where = (
        f": byte 0x{found[2]:02X} on line {found[0]} (offset {found[1]})"
        if found is not None
        else ""
    )
    return MailingFileError(f"{source}: is not valid {encoding}{where}; {_encoding_hint(encoding)}")


def _encoding_hint(encoding: str) -> str:
    """What to try when a file is not valid in ``encoding``."""
    if encoding.startswith("utf"):
        return 'pass encoding="cp1252" if Excel on Windows saved it'
    if encoding == "cp1252":
        return 'pass encoding="latin-1" if that is what it is'
    return "pass the file's encoding with encoding=..."


def encoding_option(encoding: str) -> str:
    """Validate ``encoding=`` and return the codec's canonical name.

    Raises:
        MailingFileError: Python knows no such encoding.
    """
    try:
        return _sniff.normalize_encoding(encoding)
    except LookupError:
        raise MailingFileError(f"unknown encoding {encoding!r}") from None


def delimiter_option(delimiter: str) -> str:
    """Validate ``delimiter=``: one character, not a quote or line break.

    Raises:
        MailingFileError: anything else.
    """
    if len(delimiter) != 1 or delimiter in '"\r\n':
        raise MailingFileError(
            f"delimiter must be one character other than a double quote or line break, "
            f"not {delimiter!r}"
        )
    return delimiter
