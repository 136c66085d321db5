"""Tests for locosuppress.io._xlsx: reading and writing real Excel workbooks."""

# STYLE.md: asserts read `expected == actual`, which ruff's SIM300 calls a Yoda condition.

from __future__ import annotations

import datetime
import os
import sys
import tempfile
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from io_support import ADDRESS, files_in, info, read_error, text_frame, write_xlsx

from locosuppress.errors import MailingFileError, MissingExtraError
from locosuppress.io import read_mailing_file, write_mailing_file

openpyxl = pytest.importorskip("openpyxl")


# -- reading xlsx ---------------------------------------------------------------------------------


class TestReadXlsx:
    """Reading Excel workbooks as text."""

    def test_text_numbers_dates_and_empty_cells(self, tmp_path: Path) -> None:
        """Cells come back as the text Excel shows; empty cells as empty strings."""
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        sheet.append(["naam", "telefoon", "postcode", "datum", "ok", "bedrag", "n"])
        sheet.append(["NA", 612345678, "0123 AB", datetime.datetime(2024, 1, 31), True, 12.5, 7])
        sheet.append(["Null", None, "", datetime.datetime(2024, 1, 31, 8, 30), False, 0.1, 7.0])
        sheet["B2"].number_format = "0000000000"
        workbook.save(tmp_path / "f.xlsx")
        expected = text_frame(
            {
                "naam": ["NA", "Null"],
                "telefoon": ["0612345678", ""],
                "postcode": ["0123 AB", ""],
                "datum": ["2024-01-31", "2024-01-31 08:30:00"],
                "ok": ["TRUE", "FALSE"],
                "bedrag": ["12.5", "0.1"],
                "n": ["7", "7"],
            }
        )
        actual = read_mailing_file(tmp_path / "f.xlsx")
        pd.testing.assert_frame_equal(expected, actual)
        assert {
            "format": "xlsx",
            "source": "f.xlsx",
            "encoding": None,
            "delimiter": None,
            "sheet": 0,
            "renamed_columns": [],
            "header": True,
        } == info(actual)

    def test_header_false_reads_every_row_as_data(self, tmp_path: Path) -> None:
        """header=False: the first non-empty row is data; rows may differ in width."""
        path = write_xlsx(tmp_path / "f.xlsx", [[None], [ADDRESS, "K1"], ["piet@example.nl"]])
        actual = read_mailing_file(path, header=False)
        expected = text_frame({"column_1": [ADDRESS, "piet@example.nl"], "column_2": ["K1", ""]})
        pd.testing.assert_frame_equal(expected, actual)
        assert info(actual)["header"] is False

    def test_empty_rows(self, tmp_path: Path) -> None:
        """Rows before the header and after the data go; empty rows between stay."""
        path = write_xlsx(
            tmp_path / "f.xlsx", [[None], ["a", "b"], ["1", "2"], [None, None], ["3"], [], [None]]
        )
        pd.testing.assert_frame_equal(
            text_frame({"a": ["1", "", "3"], "b": ["2", "", ""]}), read_mailing_file(path)
        )

    def test_formatted_empty_cells_are_ignored(self, tmp_path: Path) -> None:
        """Styled but empty cells right of the data add no columns."""
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        sheet.append(["a", "b"])
        sheet.append(["1", "2"])
        sheet["E1"].number_format = "0.00"
        sheet["E2"].number_format = "0.00"
        workbook.save(tmp_path / "f.xlsx")
        pd.testing.assert_frame_equal(
            text_frame({"a": ["1"], "b": ["2"]}), read_mailing_file(tmp_path / "f.xlsx")
        )

    def test_header_only_and_duplicates(self, tmp_path: Path) -> None:
        """A header row alone gives no rows; blank and repeated names are made unique."""
        path = write_xlsx(tmp_path / "f.xlsx", [["a", None, "a", "b"]])
        actual = read_mailing_file(path)
        assert ["a", "column_2", "a_2", "b"] == actual.columns.tolist()
        assert (0, [1, 2]) == (len(actual), info(actual)["renamed_columns"])

    def test_value_without_header(self, tmp_path: Path) -> None:
        """A value right of the header's last column names its cell."""
        path = write_xlsx(tmp_path / "f.xlsx", [["a", "b"], ["1", "2"], ["3", "4", ADDRESS]])
        assert "cell C3 has a value but its column has no header" in read_error(path)

    def test_empty_sheet(self, tmp_path: Path) -> None:
        """A workbook with nothing in its sheet is an error."""
        path = write_xlsx(tmp_path / "f.xlsx", [])
        assert "the sheet is empty" in read_error(path)

    def test_sheet_by_position_and_name(self, tmp_path: Path) -> None:
        """sheet= picks a worksheet by 0-based position or by name."""
        workbook = openpyxl.Workbook()
        workbook.active.append(["eerste"])
        second = workbook.create_sheet("Tweede")
        second.append(["tweede"])
        workbook.save(tmp_path / "f.xlsx")
        assert ["eerste"] == read_mailing_file(tmp_path / "f.xlsx").columns.tolist()
        by_position = read_mailing_file(tmp_path / "f.xlsx", sheet=1)
        assert (["tweede"], 1) == (by_position.columns.tolist(), info(by_position)["sheet"])
        by_name = read_mailing_file(tmp_path / "f.xlsx", sheet="Tweede")
        assert ["tweede"] == by_name.columns.tolist()
        assert "has no sheet 'Derde'" in read_error(tmp_path / "f.xlsx", sheet="Derde")
        assert "has no sheet 2" in read_error(tmp_path / "f.xlsx", sheet=2)

    def test_zip_bomb_is_refused_before_parsing(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A workbook unpacking to over 200x its size is refused before openpyxl reads it."""
        path = write_xlsx(tmp_path / "bomb.xlsx", [["email"], [ADDRESS]])
        with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("xl/media/padding.bin", bytes(10 * 1024 * 1024))
        assert 200 * path.stat().st_size < 10 * 1024 * 1024

        def never(*args: object, **kwargs: object) -> None:
            raise AssertionError("openpyxl must not parse a refused workbook")

        monkeypatch.setattr(openpyxl, "load_workbook", never)
        message = read_error(path)
        assert "zip bomb" in message
        assert "200" in message

    def test_declared_size_over_the_limit_is_refused(self, tmp_path: Path) -> None:
        """An archive declaring more than 2 GiB unpacked is refused (sizes read, not trusted)."""
        path = write_xlsx(tmp_path / "big.xlsx", [["email"], [ADDRESS]])
        data = bytearray(path.read_bytes())
        # Patch the central directory's uncompressed size of every member to 1 GiB.
        at = data.find(b"PK\x01\x02")
        while at != -1:
            data[at + 24 : at + 28] = (1 << 30).to_bytes(4, "little")
            at = data.find(b"PK\x01\x02", at + 4)
        path.write_bytes(bytes(data))
        assert "2 GiB" in read_error(path)

    def test_zip_content_with_csv_name(self, tmp_path: Path) -> None:
        """A workbook saved under a .csv name is still read as a workbook."""
        path = write_xlsx(tmp_path / "f.xlsx", [["a"], ["1"]]).rename(tmp_path / "f.csv")
        assert "xlsx" == info(read_mailing_file(path))["format"]

    def test_missing_extra(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """Without openpyxl the error names the extra to install."""
        path = write_xlsx(tmp_path / "f.xlsx", [["a"], ["1"]])
        monkeypatch.setitem(sys.modules, "openpyxl", None)
        with pytest.raises(MissingExtraError, match=r"locosuppress\[excel\]") as caught:
            read_mailing_file(path)
        assert isinstance(caught.value, ImportError)
        with pytest.raises(MissingExtraError, match=r"locosuppress\[excel\]"):
            write_mailing_file(text_frame({"a": ["1"]}), tmp_path / "out.xlsx")


# -- writing xlsx -------------------------------------------------------------------------------


class TestWriteXlsx:
    """Writing Excel workbooks of text cells."""

    def test_xlsx_from_the_name(self, tmp_path: Path) -> None:
        """A .xlsx name writes a workbook of text cells, even from a CSV-read frame."""
        source = tmp_path / "in.csv"
        source.write_bytes("tel;formule;fout\r\n0612345678;=1+1;#N/A\r\n".encode("cp1252"))
        write_mailing_file(read_mailing_file(source), tmp_path / "out.xlsx")
        workbook = openpyxl.load_workbook(tmp_path / "out.xlsx")
        row = [(cell.value, cell.data_type) for cell in workbook.active[2]]
        assert [("0612345678", "s"), ("=1+1", "s"), ("#N/A", "s")] == row

    def test_xlsx_refuses_control_characters(self, tmp_path: Path) -> None:
        """A control character .xlsx cannot store is reported by position."""
        frame = text_frame({"a": ["ok", "bell\x07"]})
        with pytest.raises(MailingFileError, match="row 1, column 0"):
            write_mailing_file(frame, tmp_path / "out.xlsx")
        assert [] == files_in(tmp_path)

    def test_xlsx_options_refused(self, tmp_path: Path) -> None:
        """encoding= and delimiter= make no sense for .xlsx."""
        with pytest.raises(MailingFileError, match="apply to CSV"):
            write_mailing_file(text_frame({"a": ["1"]}), tmp_path / "out.xlsx", delimiter=";")

    def test_xlsx_leaves_nothing_in_the_system_temp_folder(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """openpyxl's scratch file goes beside the target, not to /tmp, and is removed."""
        system_temp = tmp_path / "system-temp"
        out = tmp_path / "out"
        system_temp.mkdir()
        out.mkdir()
        monkeypatch.setattr(tempfile, "tempdir", os.fspath(system_temp))
        write_mailing_file(text_frame({"email": [ADDRESS]}), out / "ok.xlsx")
        with pytest.raises(MailingFileError, match="control character"):
            write_mailing_file(text_frame({"email": [ADDRESS, "\x07"]}), out / "bad.xlsx")
        assert [] == files_in(system_temp)
        assert ["ok.xlsx"] == files_in(out)
