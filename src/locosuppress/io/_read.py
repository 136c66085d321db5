"""Read and write mailing files: CSV (sniffed) and Excel ``.xlsx``, all text.

:func:`read_mailing_file` returns every column as text, exactly as written in
the file: ``0123 AB``, ``0612345678``, ``NA`` and ``Null`` stay strings, an
empty cell is an empty string, and no value ever becomes missing (``NaN``).
What it found (format, encoding, delimiter, sheet) is kept in
``frame.attrs["locosuppress"]`` so that :func:`write_mailing_file` writes the
result back the same way, atomically.

Error messages name the file and the problem, and never contain a value from
the file (column names included: in a file without a header row they are the
first person's data). They give positions instead.
"""

from __future__ import annotations

import contextlib
import csv
import datetime
import io
import math
import os
import secrets
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO, Final, Literal

import pandas as pd

from locosuppress import _sniff
from locosuppress.errors import (
    LocosuppressError,
    MailingFileError,
    MailingFileNotFoundError,
    MissingExtraError,
    OutputExistsError,
)

__all__ = ["ATTRS_KEY", "read_mailing_file", "write_mailing_file"]

#: Key of ``DataFrame.attrs`` under which :func:`read_mailing_file` records what it found.
ATTRS_KEY: Final = "locosuppress"

Format = Literal["csv", "xlsx"]

_EXCEL_EXTRA = (
    'reading and writing .xlsx files needs the "excel" extra: pip install "locosuppress[excel]"'
)
_XLSX_SUFFIXES = frozenset({".xlsx"})
_UNSUPPORTED_EXCEL = frozenset({".xls", ".xlsm", ".xlsb", ".ods"})
_ZIP_MAGIC = b"PK\x03\x04"
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls, or a password-protected .xlsx
_LINE_TERMINATOR = "\r\n"  # RFC 4180, and what Excel writes
_EXCEL_MAX_ROWS = 1_048_576
_EXCEL_MAX_COLUMNS = 16_384
_EXCEL_MAX_CELL = 32_767


# -- reading --------------------------------------------------------------------------------------


def read_mailing_file(
    path: str | os.PathLike[str],
    /,
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet: int | str | None = None,
) -> pd.DataFrame:
    """Read a CSV or ``.xlsx`` mailing file with every column as text.

    The format comes from the content (an ``.xlsx`` file is a ZIP archive) and
    the ``.xlsx`` suffix; anything else is read as CSV. For CSV, the encoding
    is a byte order mark's (``utf-8-sig``, ``utf-16``), else ``utf-8`` if the
    first 64 KiB are valid UTF-8, else ``cp1252`` (Windows-1252). A file whose
    first 64 KiB are plain ASCII but that turns out not to be UTF-8 further on
    is read again as ``cp1252``. The delimiter (``,`` ``;`` tab ``|``) is the
    one that splits the header and the following records of that sample
    consistently, ignoring delimiters inside quoted fields.

    Values come back exactly as written: no type conversion, no missing-value
    markers, no white-space stripping. An empty field is ``""``; a record with
    fewer fields than the header is padded with ``""`` (Excel drops trailing
    empty fields); blank lines are skipped. From ``.xlsx``, numbers and dates
    become text (a whole number as ``612345678``, or zero-padded when the cell
    has a ``0000000000``-style format; a date as ``2024-01-31``), formulas their
    last computed value, rows after the last non-empty one are dropped.

    Header names are kept as written, but a blank one becomes ``column_<n>``
    (1-based position) and a repeated one gets ``_2``, ``_3``...; the
    positions of renamed columns are in the attrs.

    Args:
        path: the file.
        encoding: the CSV encoding, overriding detection (any Python codec name).
        delimiter: the CSV delimiter, overriding detection (one character).
        sheet: the ``.xlsx`` worksheet, by 0-based position or name (default: the first).

    Returns:
        A frame of string columns with a ``RangeIndex``; ``frame.attrs["locosuppress"]``
        is a dict with ``format`` (``"csv"`` or ``"xlsx"``), ``source`` (the file
        name, without folder), ``encoding`` and ``delimiter`` (CSV, else ``None``),
        ``sheet`` (0-based position for ``.xlsx``, else ``None``) and
        ``renamed_columns`` (0-based positions of renamed header names).

    Raises:
        MailingFileError: the file is missing, a folder, unreadable, empty,
            binary, not in the encoding, has a record with more fields than the
            header or an unclosed quote, is a damaged or legacy Excel file; an
            option does not fit the format; or ``.xlsx`` support (the ``excel``
            extra) is not installed.
    """
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
        if _is_xlsx(source, sample):
            if encoding is not None or delimiter is not None:
                raise MailingFileError(
                    f"{source}: encoding= and delimiter= apply to CSV files, not .xlsx"
                )
            frame, sheet_position = _read_xlsx(stream, source, sheet)
            info: dict[str, Any] = {
                "format": "xlsx",
                "encoding": None,
                "delimiter": None,
                "sheet": sheet_position,
            }
        else:
            if sheet is not None:
                raise MailingFileError(f"{source}: sheet= applies to .xlsx files, not CSV")
            frame, found_encoding, found_delimiter = _read_csv(
                stream, source, sample, complete=complete, encoding=encoding, delimiter=delimiter
            )
            info = {
                "format": "csv",
                "encoding": found_encoding,
                "delimiter": found_delimiter,
                "sheet": None,
            }
    header = [str(name) for name in frame.columns]
    names, renamed = _sniff.unique_names(header)
    frame.columns = pd.Index(names, dtype=str)
    frame.attrs[ATTRS_KEY] = {
        "format": info["format"],
        "source": source.name,
        "encoding": info["encoding"],
        "delimiter": info["delimiter"],
        "sheet": info["sheet"],
        "renamed_columns": renamed,
    }
    return frame


def _is_xlsx(source: Path, sample: bytes) -> bool:
    """Tell ``.xlsx`` from CSV by content and name; refuse formats we cannot read."""
    suffix = source.suffix.lower()
    if sample.startswith(_OLE2_MAGIC):
        raise MailingFileError(
            f"{source}: is a legacy Excel .xls file or a password-protected workbook; "
            "open it in Excel and save it as .xlsx (without password) or as CSV"
        )
    if sample.startswith(_ZIP_MAGIC):
        if suffix in _UNSUPPORTED_EXCEL:
            raise MailingFileError(
                f"{source}: {suffix} files are not supported; save the sheet as .xlsx or CSV"
            )
        return True
    if suffix in _XLSX_SUFFIXES:
        if not sample:
            raise MailingFileError(f"{source}: is empty")
        raise MailingFileError(f"{source}: is not a valid .xlsx file (not a ZIP archive)")
    return False


def _read_csv(
    stream: BinaryIO,
    source: Path,
    sample: bytes,
    *,
    complete: bool,
    encoding: str | None,
    delimiter: str | None,
) -> tuple[pd.DataFrame, str, str]:
    """Read a CSV file: detect what was not given, parse, name the header."""
    if not sample:
        raise MailingFileError(f"{source}: is empty")
    if encoding is None:
        try:
            chosen = _sniff.detect_encoding(sample, complete=complete)
        except UnicodeDecodeError as exc:
            line = sample[: exc.start].count(b"\n") + 1
            raise MailingFileError(
                f"{source}: is neither UTF-8 nor Windows-1252 (cp1252): byte "
                f"0x{sample[exc.start]:02X} on line {line} (offset {exc.start}) is undefined "
                'in cp1252; if the file is Latin-1, pass encoding="latin-1"'
            ) from None
    else:
        chosen = _encoding_option(encoding)
        if chosen == "utf-8" and sample.startswith(b"\xef\xbb\xbf"):
            chosen = "utf-8-sig"
    try:
        text = _sniff.decode_sample(sample, chosen, complete=complete)
    except UnicodeDecodeError as exc:
        line = sample[: exc.start].count(b"\n") + 1
        raise MailingFileError(
            f"{source}: is not valid {chosen}: byte 0x{sample[exc.start]:02X} on line {line} "
            f"(offset {exc.start}); {_encoding_hint(chosen)}"
        ) from None
    if "\x00" in text:
        raise MailingFileError(
            f"{source}: looks like a binary file, not CSV text (it contains NUL bytes)"
        )
    if not text.strip():
        raise MailingFileError(f"{source}: is empty (only blank lines)")
    chosen_delimiter = (
        _sniff.sniff_delimiter(text, complete=complete)
        if delimiter is None
        else _delimiter_option(delimiter)
    )
    try:
        raw = _parse_csv(stream, source, chosen, chosen_delimiter)
    except UnicodeDecodeError:
        if encoding is None and chosen == "utf-8" and sample.isascii():
            # The sample was plain ASCII; the first non-ASCII byte further on
            # shows the file is not UTF-8. Windows-1252 is the only other guess.
            chosen = "cp1252"
            try:
                raw = _parse_csv(stream, source, chosen, chosen_delimiter)
            except UnicodeDecodeError:
                stream.seek(0)
                raise _decode_error(stream, source, chosen) from None
        else:
            stream.seek(0)
            raise _decode_error(stream, source, chosen) from None
    header = raw.iloc[0].tolist() if len(raw) else []
    frame = raw.iloc[1:].reset_index(drop=True)
    frame.columns = pd.Index(header, dtype=str)
    return frame, chosen, chosen_delimiter


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


def _encoding_option(encoding: str) -> str:
    """Validate ``encoding=`` and return the codec's canonical name."""
    try:
        return _sniff.normalize_encoding(encoding)
    except LookupError:
        raise MailingFileError(f"unknown encoding {encoding!r}") from None


def _delimiter_option(delimiter: str) -> str:
    """Validate ``delimiter=``: one character, not a quote or line break."""
    if len(delimiter) != 1 or delimiter in '"\r\n':
        raise MailingFileError(
            f"delimiter must be one character other than a double quote or line break, "
            f"not {delimiter!r}"
        )
    return delimiter


def _read_xlsx(stream: BinaryIO, source: Path, sheet: int | str | None) -> tuple[pd.DataFrame, int]:
    """Read one worksheet as text; return the frame and the sheet's position."""
    openpyxl = _import_openpyxl()
    try:
        workbook = openpyxl.load_workbook(stream, read_only=True, data_only=True)
    except Exception:  # openpyxl raises zipfile, KeyError, XML and value errors
        raise MailingFileError(
            f"{source}: is not a readable .xlsx file (damaged, or not an Excel workbook)"
        ) from None
    try:
        worksheets = list(workbook.worksheets)
        position = _sheet_position(source, [ws.title for ws in worksheets], sheet)
        worksheet = worksheets[position]
        worksheet.reset_dimensions()  # stored dimensions are often wrong; read every row
        try:
            rows = _sheet_rows(source, worksheet)
        except LocosuppressError:
            raise
        except Exception:
            raise MailingFileError(
                f"{source}: sheet {position} of this .xlsx file is damaged and cannot be read"
            ) from None
    finally:
        workbook.close()
    header, width, body = rows
    columns = {str(i): [row[i] if i < len(row) else "" for row in body] for i in range(width)}
    frame = pd.DataFrame(columns, dtype=str)
    frame.columns = pd.Index(header, dtype=str)
    return frame, position


def _sheet_position(source: Path, titles: list[str], sheet: int | str | None) -> int:
    """Resolve ``sheet=`` to a position among the workbook's worksheets."""
    if not titles:
        raise MailingFileError(f"{source}: the workbook has no worksheet")
    if sheet is None:
        return 0
    if isinstance(sheet, bool) or not isinstance(sheet, int | str):
        raise MailingFileError(f"sheet must be a 0-based position or a name, not {sheet!r}")
    if isinstance(sheet, int):
        if 0 <= sheet < len(titles):
            return sheet
    elif sheet in titles:
        return titles.index(sheet)
    raise MailingFileError(
        f"{source}: has no sheet {sheet!r}; it has {len(titles)} worksheet(s), pass "
        f"sheet= a position from 0 to {len(titles) - 1} or one of their names"
    )


def _sheet_rows(source: Path, worksheet: Any) -> tuple[list[str], int, list[list[str]]]:
    """Return ``(header, width, rows)`` of text cells from a read-only worksheet.

    Rows before the header (the first non-empty row) and after the last
    non-empty row are dropped; empty rows in between are kept as rows of ``""``.
    Header cells after the last non-empty one are dropped; a value beyond the
    header's last column is an error, as a ragged CSV record is.
    """
    header: list[str] | None = None
    width = 0
    body: list[list[str]] = []
    kept = 0  # rows of ``body`` up to the last non-empty one
    for number, cells in enumerate(worksheet.iter_rows(), start=1):
        values = [_cell_text(cell) for cell in cells]
        while values and not values[-1]:
            values.pop()
        if header is None:
            if values:
                header, width = values, len(values)
            continue
        if len(values) > width:
            from openpyxl.utils import get_column_letter

            raise MailingFileError(
                f"{source}: cell {get_column_letter(len(values))}{number} has a value but its "
                f"column has no header (the header has {width} columns)"
            )
        body.append(values)
        if values:
            kept = len(body)
    if header is None:
        raise MailingFileError(f"{source}: the sheet is empty (no header row)")
    return header, width, body[:kept]


def _cell_text(cell: Any) -> str:
    """The text of a worksheet cell, close to what Excel displays."""
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        value = int(value)
    if isinstance(value, int):
        text = str(value)
        number_format = getattr(cell, "number_format", None) or ""
        if number_format and set(number_format) == {"0"} and value >= 0:
            return text.zfill(len(number_format))
        return text
    if isinstance(value, float):
        return format(value, ".15g")  # Excel shows at most 15 significant digits
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    return str(value)


def _import_openpyxl() -> Any:
    """Import openpyxl, or say which extra to install."""
    try:
        import openpyxl
    except ImportError:
        raise MissingExtraError(_EXCEL_EXTRA) from None
    return openpyxl


# -- writing --------------------------------------------------------------------------------------


def write_mailing_file(
    frame: pd.DataFrame,
    path: str | os.PathLike[str],
    /,
    *,
    overwrite: bool = False,
    encoding: str | None = None,
    delimiter: str | None = None,
) -> None:
    """Write a frame as a CSV or ``.xlsx`` mailing file, atomically.

    A name ending in ``.xlsx`` gives an Excel workbook with one sheet of text
    cells; any other name gives CSV, with the encoding and delimiter the frame
    was read with (``frame.attrs["locosuppress"]``, kept by most pandas
    operations) unless given, else UTF-8 and a comma (a tab for ``.tsv``).
    CSV lines end in CRLF; a value is quoted when it contains the delimiter, a
    double quote or a line break, and in a one-column file every value is
    quoted (else an empty or blank value would read back as a blank line).

    Every value is written as text: missing values (``None``, ``NaN``,
    ``pd.NA``) as empty cells, anything else that is not a string as
    ``str(value)``. The index is not written. The frame is not modified.

    The file is written to a temporary file in the same folder, flushed to
    disk, then renamed over ``path``; on any error the temporary file is
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
        MailingFileError: a value cannot be written in the encoding (the message
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
    if suffix in _UNSUPPORTED_EXCEL:
        raise MailingFileError(f"{target}: cannot write {suffix} files; use .xlsx or .csv")
    if isinstance(frame.columns, pd.MultiIndex):
        raise MailingFileError(f"{target}: cannot write a frame with several header rows")
    if frame.shape[1] == 0:
        raise MailingFileError(f"{target}: the frame has no columns; nothing to write")
    _check_target(target, overwrite=overwrite)  # fail before converting a million rows
    header = [str(name) for name in frame.columns]
    columns = [_text_column(frame.iloc[:, i]) for i in range(frame.shape[1])]
    write: Callable[[BinaryIO], None]
    if suffix in _XLSX_SUFFIXES:
        if encoding is not None or delimiter is not None:
            raise MailingFileError(
                f"{target}: encoding= and delimiter= apply to CSV files, not .xlsx"
            )
        openpyxl = _import_openpyxl()
        if len(frame) + 1 > _EXCEL_MAX_ROWS or len(header) > _EXCEL_MAX_COLUMNS:
            raise MailingFileError(
                f"{target}: {len(frame)} rows and {len(header)} columns do not fit in an Excel "
                f"sheet (at most {_EXCEL_MAX_ROWS - 1} rows, {_EXCEL_MAX_COLUMNS} columns); "
                "write CSV instead"
            )

        def write(stream: BinaryIO) -> None:
            _write_xlsx(openpyxl, stream, target, header, columns)

    else:
        found = _frame_info(frame)
        read_as_csv = found.get("format") == "csv"
        if encoding is None:
            encoding = (found.get("encoding") if read_as_csv else None) or "utf-8"
        if delimiter is None:
            delimiter = (found.get("delimiter") if read_as_csv else None) or (
                "\t" if suffix == ".tsv" else ","
            )
        chosen_encoding = _encoding_option(encoding)
        chosen_delimiter = _delimiter_option(delimiter)

        def write(stream: BinaryIO) -> None:
            _write_csv(stream, target, header, columns, chosen_encoding, chosen_delimiter)

    _write_atomically(target, write, overwrite=overwrite)


def _frame_info(frame: pd.DataFrame) -> dict[str, Any]:
    """What :func:`read_mailing_file` recorded in the frame's attrs, or ``{}``."""
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
    header: list[str],
    columns: list[pd.Series],
    encoding: str,
    delimiter: str,
) -> None:
    """Write CSV text to ``stream``; locate the cell an encoding error comes from."""
    text = pd.concat(columns, axis=1, ignore_index=True)
    try:
        text.to_csv(
            stream,
            mode="wb",
            sep=delimiter,
            header=header,
            index=False,
            na_rep="",
            encoding=encoding,
            errors="strict",
            lineterminator=_LINE_TERMINATOR,
            quoting=csv.QUOTE_ALL if len(header) == 1 else csv.QUOTE_MINIMAL,
            quotechar='"',
            doublequote=True,
        )
    except UnicodeEncodeError:
        raise _encode_error(target, header, columns, encoding) from None


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


def _write_xlsx(
    openpyxl: Any, stream: BinaryIO, target: Path, header: list[str], columns: list[pd.Series]
) -> None:
    """Write one sheet of text cells; a formula-like value stays text.

    openpyxl streams a sheet's XML through a scratch file before zipping it,
    by default in the system's temporary folder, where a crash would leave the
    data behind. The scratch file is put beside the target instead, under a
    random name like the target's own temporary file, and always removed.
    This uses openpyxl's ``WorksheetWriter(ws, out=...)``, stable since 2.6.
    """
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ERROR_CODES
    from openpyxl.utils.exceptions import IllegalCharacterError
    from openpyxl.worksheet import _writer as sheet_writer

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("Sheet1")
    scratch = os.fspath(_temporary_path(target.parent))
    sheet_writer.ALL_TEMP_FILES.append(scratch)  # openpyxl removes these at exit, too
    try:
        sheet._writer = sheet_writer.WorksheetWriter(sheet, out=scratch)
        sheet._writer.write_top()

        def cell(value: object, row: int | None, column: int) -> Any:
            if not isinstance(value, str) or not value:
                return None  # missing: the columns hold only strings and missing values
            where = (
                f"the name of column {column}"
                if row is None
                else f"row {row}, column {column} (0-based positions)"
            )
            if len(value) > _EXCEL_MAX_CELL:
                raise MailingFileError(
                    f"{target}: {where} has more than {_EXCEL_MAX_CELL} characters, the most an "
                    "Excel cell holds; write CSV instead"
                )
            try:
                written = WriteOnlyCell(sheet, value=value)
            except IllegalCharacterError:
                raise MailingFileError(
                    f"{target}: {where} has a control character .xlsx cannot store; "
                    "write CSV instead"
                ) from None
            if value.startswith("=") or value in ERROR_CODES:
                written.data_type = "s"  # text, not a formula or an error value
            return written

        sheet.append([cell(name, None, i) for i, name in enumerate(header)])
        values = [column.to_numpy(dtype=object) for column in columns]
        for row, record in enumerate(zip(*values, strict=True)):
            sheet.append([cell(value, row, i) for i, value in enumerate(record)])
        workbook.save(stream)  # closes the sheet and removes the scratch file
    finally:
        if not sheet.closed:
            with contextlib.suppress(Exception):  # finish openpyxl's generators quietly
                sheet.close()
        with contextlib.suppress(OSError):
            os.unlink(scratch)
        with contextlib.suppress(ValueError):
            sheet_writer.ALL_TEMP_FILES.remove(scratch)


def _temporary_path(folder: Path) -> Path:
    """A fresh hidden name in ``folder``: a random token, nothing from the data or target."""
    return folder / f".locosuppress-{secrets.token_hex(8)}.tmp"


def _write_atomically(target: Path, write: Callable[[BinaryIO], None], *, overwrite: bool) -> None:
    """Write via a temporary file in the target's folder, then rename it into place."""
    folder = target.parent
    _check_target(target, overwrite=overwrite)
    temporary = _temporary_path(folder)
    try:
        descriptor = os.open(
            temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666
        )
    except OSError as exc:
        raise MailingFileError(f"{target}: cannot write in its folder ({exc.strerror})") from None
    try:
        with os.fdopen(descriptor, "wb") as stream:
            write(stream)
            stream.flush()
            os.fsync(stream.fileno())
        if overwrite:
            with contextlib.suppress(OSError):
                shutil.copymode(target, temporary)
            os.replace(temporary, target)
        else:
            _move_without_replacing(temporary, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        if isinstance(exc, OSError) and not isinstance(exc, LocosuppressError):
            reason = exc.strerror or type(exc).__name__
            raise MailingFileError(f"{target}: cannot be written ({reason})") from None
        raise
    _fsync_folder(folder)


def _check_target(target: Path, *, overwrite: bool) -> None:
    """Refuse a folder, a missing folder, or an existing file without ``overwrite``."""
    if target.is_dir():
        raise MailingFileError(f"{target}: is a folder; give a file name")
    if not target.parent.is_dir():
        raise MailingFileError(f"{target}: the folder does not exist")
    if not overwrite and os.path.lexists(target):
        raise OutputExistsError(f"{target}: already exists; pass overwrite=True to replace it")


def _move_without_replacing(temporary: Path, target: Path) -> None:
    """Rename ``temporary`` to ``target`` unless ``target`` exists, atomically if possible."""
    try:
        os.link(temporary, target)  # fails if target exists, even if it just appeared
    except FileExistsError:
        raise OutputExistsError(
            f"{target}: already exists; pass overwrite=True to replace it"
        ) from None
    except OSError:  # a file system without hard links: check, then rename
        if os.path.lexists(target):
            raise OutputExistsError(
                f"{target}: already exists; pass overwrite=True to replace it"
            ) from None
        os.replace(temporary, target)
        return
    os.unlink(temporary)


def _fsync_folder(folder: Path) -> None:
    """Make the rename durable (POSIX); silently skipped where folders cannot be synced."""
    if os.name != "posix":  # pragma: no cover - Windows has no directory fsync
        return
    with contextlib.suppress(OSError):
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
