"""Helpers shared by the mailing-file tests (tests/io/), importable as ``io_support``.

pytest puts ``tests/support`` on ``sys.path`` (``pythonpath`` in pyproject.toml).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest

from locosuppress import MailingFileError, read_mailing_file
from locosuppress.io import ATTRS_KEY

#: An address that must never appear in an error message.
ADDRESS = "jan.de.vries@example.nl"


def text_frame(data: dict[str, list[str]]) -> pd.DataFrame:
    """A frame as read_mailing_file returns it: string columns, RangeIndex."""
    frame = pd.DataFrame(data, dtype=str)
    frame.columns = pd.Index(list(data), dtype=str)
    return frame


def info(frame: pd.DataFrame) -> dict[str, Any]:
    """The attrs read_mailing_file recorded."""
    result: dict[str, Any] = frame.attrs[ATTRS_KEY]
    return result


def write_xlsx(path: Path, rows: list[list[Any]], *, title: str = "Blad1") -> Path:
    """Write rows to a workbook with openpyxl, as a user's Excel file."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def read_error(path: Path, **options: Any) -> str:
    """Read ``path``, expecting a MailingFileError; return its message.

    Every caller asserts on the phrases it expects in the returned message;
    here any message qualifies, as long as it names no address.
    """
    with pytest.raises(MailingFileError, match=r"\w") as caught:
        read_mailing_file(path, **options)
    message = str(caught.value)
    assert ADDRESS not in message
    assert caught.value.__cause__ is None  # no pandas traceback chained on
    return message


def files_in(folder: Path) -> list[str]:
    """Names in a folder, hidden ones included."""
    return sorted(p.name for p in folder.iterdir())
