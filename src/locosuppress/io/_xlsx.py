"""Excel ``.xlsx`` mailing files: telling them from CSV, reading and writing text cells.

Private helper of :mod:`locosuppress.io` (layer 3). openpyxl comes with the
``excel`` extra, so it is imported inside the functions that need it, and its
absence is a :class:`~locosuppress.errors.MissingExtraError` naming the extra.
Messages give cell positions, never a value from the workbook.
"""

from __future__ import annotations

import contextlib
import datetime
import os
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

import pandas as pd

from locosuppress import _fs
from locosuppress.errors import LocosuppressError, MailingFileError, MissingExtraError

__all__ = [
    "UNSUPPORTED_EXCEL",
    "XLSX_SUFFIXES",
    "is_xlsx",
    "read_xlsx",
    "xlsx_writer",
]

#: Names written and read as workbooks.
XLSX_SUFFIXES = frozenset({".xlsx"})
#: Other spreadsheet formats, refused with a hint to save as ``.xlsx`` or CSV.
UNSUPPORTED_EXCEL = frozenset({".xls", ".xlsm", ".xlsb", ".ods"})

_EXCEL_EXTRA = (
    'reading and writing .xlsx files needs the "excel" extra: pip install "locosuppress[excel]"'
)
_ZIP_MAGIC = b"PK\x03\x04"
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls, or a password-protected .xlsx
_EXCEL_MAX_ROWS = 1_048_576
_EXCEL_MAX_COLUMNS = 16_384
_EXCEL_MAX_CELL = 32_767
_SCRATCH_PREFIX = ".locosuppress"
# A workbook is a ZIP archive: refuse, before parsing, one that would unpack to
# more than this many times its own size or more than this many bytes (a zip
# bomb). Real sheets of text compress about 5 to 20 times.
MAX_UNPACK_RATIO = 200
MAX_UNPACKED = 2 * 1024**3  # a hidden name holding nothing from the data or the target


def _import_openpyxl() -> Any:
    """Import openpyxl, or say which extra to install."""
    try:
        import openpyxl
    except ImportError:
        raise MissingExtraError(_EXCEL_EXTRA) from None
    return openpyxl


# -- reading --------------------------------------------------------------------------------------


def is_xlsx(source: Path, sample: bytes) -> bool:
    """Tell ``.xlsx`` from CSV by content and name; refuse formats we cannot read.

    Args:
        source: the file, for its suffix and for messages.
        sample: the file's first bytes.

    Returns:
        Whether the file is a workbook (a ZIP archive).

    Raises:
        MailingFileError: a legacy or password-protected workbook, an
            unsupported spreadsheet format, or an ``.xlsx`` name on a file
            that is not a ZIP archive.
    """
    suffix = source.suffix.lower()
    if sample.startswith(_OLE2_MAGIC):
        raise MailingFileError(
            f"{source}: is a legacy Excel .xls file or a password-protected workbook; "
            "open it in Excel and save it as .xlsx (without password) or as CSV"
        )
    if sample.startswith(_ZIP_MAGIC):
        if suffix in UNSUPPORTED_EXCEL:
            raise MailingFileError(
                f"{source}: {suffix} files are not supported; save the sheet as .xlsx or CSV"
            )
        return True
    if suffix in XLSX_SUFFIXES:
        if not sample:
            raise MailingFileError(f"{source}: is empty")
        raise MailingFileError(f"{source}: is not a valid .xlsx file (not a ZIP archive)")
    return False


def read_xlsx(
    stream: BinaryIO, source: Path, sheet: int | str | None, *, header: bool = True
) -> tuple[pd.DataFrame, int]:
    """Read one worksheet as text; return the frame and the sheet's position.

    Args:
        stream: the open workbook file.
        source: the file, for messages.
        sheet: the worksheet by 0-based position or name, or ``None`` for the first.
        header: whether the first non-empty row names the columns; if not, it
            is data, and the columns get positions as names.

    Returns:
        ``(frame, position)``: string columns named by the header row as
        written, and the worksheet's 0-based position.

    Raises:
        MailingFileError: the workbook is damaged, would unpack to more than
            200 times its size or 2 GiB, has no such sheet, or the sheet is
            empty or has a value without a header.
        MissingExtraError: openpyxl (the ``excel`` extra) is not installed.
    """
    openpyxl = _import_openpyxl()
    _check_unpacked_size(stream, source)
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
            rows = _sheet_rows(source, worksheet, header=header)
        except LocosuppressError:
            raise
        except Exception:
            raise MailingFileError(
                f"{source}: sheet {position} of this .xlsx file is damaged and cannot be read"
            ) from None
    finally:
        workbook.close()
    names, width, body = rows
    columns = {str(i): [row[i] if i < len(row) else "" for row in body] for i in range(width)}
    frame = pd.DataFrame(columns, dtype=str)
    frame.columns = pd.Index(names, dtype=str)
    return frame, position


def _check_unpacked_size(stream: BinaryIO, source: Path) -> None:
    """Refuse an archive that would unpack past the limits, from its directory alone.

    The sizes come from the archive's central directory; :mod:`zipfile` never
    unpacks a member past its recorded size, so a lying directory cannot get
    more bytes through openpyxl than it declares.

    Raises:
        MailingFileError: not a readable archive, or too large when unpacked.
    """
    try:
        size = os.fstat(stream.fileno()).st_size
        with zipfile.ZipFile(stream) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise MailingFileError(
            f"{source}: is not a readable .xlsx file (damaged, or not an Excel workbook)"
        ) from None
    finally:
        stream.seek(0)
    if unpacked > MAX_UNPACKED:
        limit = f"more than {MAX_UNPACKED // 1024**3} GiB"
    elif unpacked > MAX_UNPACK_RATIO * max(size, 1):
        limit = f"more than {MAX_UNPACK_RATIO} times its size of {size:,} bytes"
    else:
        return
    raise MailingFileError(
        f"{source}: would unpack to {unpacked:,} bytes, {limit}; refused before reading as "
        "a possible zip bomb. If the workbook is genuine, save the sheet as CSV"
    )


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


def _sheet_rows(
    source: Path, worksheet: Any, *, header: bool = True
) -> tuple[list[str], int, list[list[str]]]:
    """Return ``(header, width, rows)`` of text cells from a read-only worksheet.

    Rows before the header (the first non-empty row) and after the last
    non-empty row are dropped; empty rows in between are kept as rows of ``""``.
    Header cells after the last non-empty one are dropped; a value beyond the
    header's last column is an error, as a ragged CSV record is. Without a
    header the first non-empty row is data and the widest row sets the width
    (the names are then placeholders, renamed by the caller).
    """
    names: list[str] | None = None
    width = 0
    body: list[list[str]] = []
    kept = 0  # rows of ``body`` up to the last non-empty one
    for number, cells in enumerate(worksheet.iter_rows(), start=1):
        values = [_cell_text(cell) for cell in cells]
        while values and not values[-1]:
            values.pop()
        if not header:
            if names is None and not values:
                continue
            names = []
            width = max(width, len(values))
            body.append(values)
            if values:
                kept = len(body)
            continue
        if names is None:
            if values:
                names, width = values, len(values)
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
    if names is None:
        raise MailingFileError(f"{source}: the sheet is empty (no header row)")
    return [str(i) for i in range(width)] if not header else names, width, body[:kept]


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


# -- writing --------------------------------------------------------------------------------------


def xlsx_writer(
    target: Path, header: list[str], columns: list[pd.Series], *, header_row: bool = True
) -> Callable[[BinaryIO], None]:
    """Check that the data fits a sheet; return the function that writes the workbook.

    Args:
        target: the file being written, for messages and the scratch file's folder.
        header: the column names.
        header_row: write the names as the first row (else the sheet has only data).
        columns: the columns, holding only strings and missing values.

    Returns:
        A function writing the workbook to an open binary stream.

    Raises:
        MissingExtraError: openpyxl (the ``excel`` extra) is not installed.
        MailingFileError: more rows or columns than an Excel sheet holds.
    """
    openpyxl = _import_openpyxl()
    rows = len(columns[0]) if columns else 0
    if rows + header_row > _EXCEL_MAX_ROWS or len(header) > _EXCEL_MAX_COLUMNS:
        raise MailingFileError(
            f"{target}: {rows} rows and {len(header)} columns do not fit in an Excel "
            f"sheet (at most {_EXCEL_MAX_ROWS - 1} rows, {_EXCEL_MAX_COLUMNS} columns); "
            "write CSV instead"
        )

    def write(stream: BinaryIO) -> None:
        _write_xlsx(openpyxl, stream, target, header if header_row else None, columns)

    return write


def _write_xlsx(
    openpyxl: Any,
    stream: BinaryIO,
    target: Path,
    header: list[str] | None,
    columns: list[pd.Series],
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
    scratch = os.fspath(_fs.temp_beside(target, prefix=_SCRATCH_PREFIX))
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

        if header is not None:
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
