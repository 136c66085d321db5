"""Tests for locosuppress.io._read: reading real CSV mailing files, and read errors."""

# STYLE.md: asserts read `expected == actual`, which ruff's SIM300 calls a Yoda condition.

from __future__ import annotations

import codecs
import os
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from io_support import ADDRESS, info, read_error, text_frame, write_xlsx

from locosuppress.errors import LocosuppressError
from locosuppress.io import ATTRS_KEY, read_mailing_file

openpyxl = pytest.importorskip("openpyxl")

# read_mailing_file's docstring: detection looks at the first 64 KiB of a file.
SAMPLE_SIZE = 64 * 1024


# -- reading CSV ----------------------------------------------------------------------------------


class TestReadCsv:
    """Reading CSV files as text, with detection and overrides."""

    def test_dutch_excel_file(self, tmp_path: Path) -> None:
        """Excel's Dutch CSV (semicolons, Windows-1252, CRLF) reads back exactly."""
        path = tmp_path / "klanten.csv"
        path.write_bytes(
            "Naam;Postcode;Telefoon;Opmerking\r\n"
            "René Müller;0123 AB;0612345678;NA\r\n"
            '"Jansen; P.";1234 AB;;"regel 1\r\nregel 2"\r\n'
            "Zoë Brontë;9999 ZZ;+31 6 1;€ 12,50\r\n".encode("cp1252")
        )
        expected = text_frame(
            {
                "Naam": ["René Müller", "Jansen; P.", "Zoë Brontë"],
                "Postcode": ["0123 AB", "1234 AB", "9999 ZZ"],
                "Telefoon": ["0612345678", "", "+31 6 1"],
                "Opmerking": ["NA", "regel 1\r\nregel 2", "€ 12,50"],
            }
        )
        actual = read_mailing_file(path)
        pd.testing.assert_frame_equal(expected, actual)
        assert {
            "format": "csv",
            "source": "klanten.csv",
            "encoding": "cp1252",
            "delimiter": ";",
            "sheet": None,
            "renamed_columns": [],
            "header": True,
        } == info(actual)

    @pytest.mark.parametrize(
        ("encoding", "expected_encoding"),
        [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("utf-16", "utf-16")],
    )
    def test_unicode_files(self, tmp_path: Path, encoding: str, expected_encoding: str) -> None:
        """UTF-8, UTF-8 with BOM (no BOM left in the header) and UTF-16 with BOM."""
        path = tmp_path / "f.csv"
        path.write_bytes("email,naam\nx@y.nl,Ĳsbrand Cœur\n".encode(encoding))
        actual = read_mailing_file(path)
        pd.testing.assert_frame_equal(
            text_frame({"email": ["x@y.nl"], "naam": ["Ĳsbrand Cœur"]}), actual
        )
        assert expected_encoding == info(actual)["encoding"]

    @pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
    def test_each_delimiter(self, tmp_path: Path, delimiter: str) -> None:
        """Comma, semicolon, tab and pipe files are detected and split."""
        others = "".join(d for d in ",;\t|" if d != delimiter)
        path = tmp_path / "f.txt"
        path.write_text(
            f'a{delimiter}b\n"x{delimiter}y"{delimiter}{others}\n', encoding="utf-8", newline=""
        )
        actual = read_mailing_file(path)
        pd.testing.assert_frame_equal(text_frame({"a": [f"x{delimiter}y"], "b": [others]}), actual)
        assert delimiter == info(actual)["delimiter"]

    def test_values_are_never_converted(self, tmp_path: Path) -> None:
        """Leading zeros, NA-like words, white space and numbers stay as written."""
        values = ["0123", "NA", "Null", "nan", "None", "N/A", "#N/A", "-", " 1 ", "1e5", "TRUE"]
        path = tmp_path / "f.csv"
        path.write_text("v,w\n" + "".join(f"{v},x\n" for v in values), encoding="utf-8")
        assert values == read_mailing_file(path)["v"].tolist()

    def test_no_missing_values(self, tmp_path: Path) -> None:
        """Empty fields and fields missing from short records are empty strings."""
        path = tmp_path / "f.csv"
        path.write_text("a;b;c\n1;;\n2\n;;\n", encoding="utf-8")
        actual = read_mailing_file(path)
        pd.testing.assert_frame_equal(
            text_frame({"a": ["1", "2", ""], "b": ["", "", ""], "c": ["", "", ""]}), actual
        )
        assert not actual.isna().any().any()

    def test_blank_lines_are_skipped(self, tmp_path: Path) -> None:
        """Blank lines (before the header or between records) are not records."""
        path = tmp_path / "f.csv"
        path.write_text("\n\na;b\n1;2\n\n   \n3;4\n", encoding="utf-8")
        pd.testing.assert_frame_equal(
            text_frame({"a": ["1", "3"], "b": ["2", "4"]}), read_mailing_file(path)
        )

    def test_quoted_newlines_and_quotes(self, tmp_path: Path) -> None:
        """Quoted fields keep line breaks (CRLF, LF, CR), delimiters and doubled quotes."""
        path = tmp_path / "f.csv"
        path.write_bytes(b'a,b\r\n"1\r\n2","say ""hi"", ok"\r\n"x\ry","p\nq"\r\n')
        pd.testing.assert_frame_equal(
            text_frame({"a": ["1\r\n2", "x\ry"], "b": ['say "hi", ok', "p\nq"]}),
            read_mailing_file(path),
        )

    def test_header_only(self, tmp_path: Path) -> None:
        """A file with only a header gives an empty frame with its columns."""
        path = tmp_path / "f.csv"
        path.write_text("email;naam\r\n", encoding="utf-8")
        pd.testing.assert_frame_equal(
            text_frame({"email": [], "naam": []}), read_mailing_file(path)
        )

    def test_duplicate_and_empty_header_names(self, tmp_path: Path) -> None:
        """Repeated and blank names are made unique; every column is kept."""
        path = tmp_path / "f.csv"
        path.write_text("email;email;;naam\n1;2;3;4\n", encoding="utf-8")
        actual = read_mailing_file(path)
        assert ["email", "email_2", "column_3", "naam"] == actual.columns.tolist()
        assert ["1", "2", "3", "4"] == actual.iloc[0].tolist()
        assert [1, 2] == info(actual)["renamed_columns"]

    def test_encoding_override(self, tmp_path: Path) -> None:
        """encoding= replaces detection (Latin-1 is valid cp1252 too, but differs at 0x80)."""
        path = tmp_path / "f.csv"
        path.write_bytes(b"a\n\x80\n")
        assert ["€"] == read_mailing_file(path)["a"].tolist()
        actual = read_mailing_file(path, encoding="latin-1")
        assert ["\x80"] == actual["a"].tolist()
        assert "iso8859-1" == info(actual)["encoding"]

    def test_encoding_override_keeps_bom_out(self, tmp_path: Path) -> None:
        """encoding="utf-8" on a file with a BOM does not put the BOM in the header."""
        path = tmp_path / "f.csv"
        path.write_bytes(codecs.BOM_UTF8 + b"email\nx\n")
        actual = read_mailing_file(path, encoding="UTF8")
        assert ["email"] == actual.columns.tolist()
        assert "utf-8-sig" == info(actual)["encoding"]

    def test_delimiter_override(self, tmp_path: Path) -> None:
        """delimiter= replaces detection, here for a one-column file with commas."""
        path = tmp_path / "f.csv"
        path.write_text("naam,plaats\nJansen, P.,Delft\n", encoding="utf-8")
        actual = read_mailing_file(path, delimiter="\t")
        pd.testing.assert_frame_equal(text_frame({"naam,plaats": ["Jansen, P.,Delft"]}), actual)
        assert "\t" == info(actual)["delimiter"]

    def test_ascii_start_then_cp1252(self, tmp_path: Path) -> None:
        """A file plain ASCII for its first 64 KiB and cp1252 later is read as cp1252."""
        path = tmp_path / "f.csv"
        path.write_bytes(b"a;b\n" + b"jan;delft\n" * 10_000 + "zoë;€\n".encode("cp1252"))
        actual = read_mailing_file(path)
        assert "cp1252" == info(actual)["encoding"]
        assert ["zoë", "€"] == actual.iloc[-1].tolist()
        assert 10_001 == len(actual)

    def test_detection_reads_only_a_sample(self, tmp_path: Path) -> None:
        """A large file is detected from its start and read whole."""
        path = tmp_path / "f.csv"
        path.write_text("a|b\n" + "x|y\n" * 100_000, encoding="utf-8")
        actual = read_mailing_file(path)
        assert (100_000, "|") == (len(actual), info(actual)["delimiter"])

    def test_quoted_fields_across_the_sample_end(self, tmp_path: Path) -> None:
        """Long quoted fields full of other delimiters and line breaks, cut by the sample."""
        value = "Jansen, P.\r\nt.a.v. |x|\t; " * 40
        path = tmp_path / "f.csv"
        path.write_text(
            "opmerking;email\r\n" + f'"{value}";x@y.nl\r\n' * 200, encoding="utf-8", newline=""
        )
        assert path.stat().st_size > SAMPLE_SIZE
        actual = read_mailing_file(path)
        assert (200, ";") == (len(actual), info(actual)["delimiter"])
        assert {value} == set(actual["opmerking"])

    def test_header_false_reads_every_row_as_data(self, tmp_path: Path) -> None:
        """header=False: the first row is data, the columns are column_1, column_2, ..."""
        path = tmp_path / "bounces.csv"
        path.write_text(f"{ADDRESS};K1\npiet@example.nl;K2\n", encoding="utf-8")
        actual = read_mailing_file(path, header=False)
        expected = text_frame({"column_1": [ADDRESS, "piet@example.nl"], "column_2": ["K1", "K2"]})
        pd.testing.assert_frame_equal(expected, actual)
        assert info(actual)["header"] is False
        assert info(read_mailing_file(path))["header"] is True

    def test_header_false_one_column(self, tmp_path: Path) -> None:
        """A one-column list of addresses without a header keeps its first address."""
        path = tmp_path / "bounces.txt"
        path.write_text(f"{ADDRESS}\npiet@example.nl\n", encoding="utf-8")
        actual = read_mailing_file(path, header=False)
        assert [ADDRESS, "piet@example.nl"] == actual["column_1"].tolist()

    def test_attrs_hold_no_content_and_no_folder(self, tmp_path: Path) -> None:
        """attrs name the file only, and hold nothing from its rows or header."""
        path = tmp_path / "klanten.csv"
        path.write_text(f"{ADDRESS}\n{ADDRESS}\n", encoding="utf-8")
        attrs = read_mailing_file(os.fspath(path)).attrs
        assert ADDRESS not in repr(attrs)
        assert str(tmp_path) not in repr(attrs)
        assert "klanten.csv" == attrs[ATTRS_KEY]["source"]


# -- reading errors -------------------------------------------------------------------------------


class TestReadErrors:
    """Files that cannot be read give a clear MailingFileError naming the file."""

    @pytest.mark.parametrize(
        ("name", "content", "expected"),
        [
            ("empty.csv", b"", "is empty"),
            ("blank.csv", b"\r\n\r\n  \r\n", "is empty"),
            ("junk.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
            ("bom.csv", codecs.BOM_UTF8, "is empty"),
            ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "legacy Excel"),
            ("fake.xlsx", b"email\nx@y.nl\n", "not a valid .xlsx"),
            ("empty.xlsx", b"", "is empty"),
            ("damaged.xlsx", b"PK\x03\x04" + os.urandom(200), "not a readable .xlsx"),
            ("undefined.csv", b"a\n\x81\n", "undefined in cp1252"),
        ],
    )
    def test_unreadable_content(
        self, tmp_path: Path, name: str, content: bytes, expected: str
    ) -> None:
        """Empty, blank, binary, legacy Excel and damaged files are refused clearly."""
        path = tmp_path / name
        path.write_bytes(content)
        message = read_error(path)
        assert str(path) in message
        assert expected in message

    def test_truncated_xlsx(self, tmp_path: Path) -> None:
        """A real workbook cut in half is reported as damaged."""
        good = write_xlsx(tmp_path / "good.xlsx", [["email"], [ADDRESS]])
        path = tmp_path / "cut.xlsx"
        path.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
        assert "not a readable .xlsx" in read_error(path)

    def test_missing_file(self, tmp_path: Path) -> None:
        """A missing file is a LocosuppressError saying so."""
        path = tmp_path / "nope.csv"
        with pytest.raises(LocosuppressError, match="file not found"):
            read_mailing_file(path)

    def test_folder(self, tmp_path: Path) -> None:
        """A folder passed as the path is refused."""
        assert "is a folder" in read_error(tmp_path)

    def test_permission_denied(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """An unreadable file says why (simulated: the tests may run as root)."""
        path = tmp_path / "f.csv"
        path.write_text("a\n1\n", encoding="utf-8")

        def denied(self: Path, *args: Any, **kwargs: Any) -> Any:
            raise PermissionError(13, "Permission denied", os.fspath(self))

        monkeypatch.setattr(Path, "open", denied)
        assert "cannot be opened (Permission denied)" in read_error(path)

    def test_ragged_record(self, tmp_path: Path) -> None:
        """A record with more fields than the header names its physical line."""
        path = tmp_path / "f.csv"
        path.write_text(f'a;b\n1;2\n"x\ny";3\n{ADDRESS};4;5\n6;7\n', encoding="utf-8")
        message = read_error(path)
        assert "line 5 has 3 fields but the header has 2" in message

    def test_ragged_first_record(self, tmp_path: Path) -> None:
        """Extra fields in the first record are an error too, not an index column."""
        path = tmp_path / "f.csv"
        path.write_text(f"a,b\n{ADDRESS},2,3\n", encoding="utf-8")
        assert "line 2 has 3 fields" in read_error(path)

    def test_unclosed_quote(self, tmp_path: Path) -> None:
        """A quote that is never closed names the line it opens on."""
        path = tmp_path / "f.csv"
        path.write_text(f'a,b\n1,2\n"{ADDRESS},3\n4,5\n', encoding="utf-8")
        assert "starting on line 3 is never closed" in read_error(path)

    def test_not_utf8_when_told(self, tmp_path: Path) -> None:
        """encoding="utf-8" on a cp1252 file names the byte and line and suggests cp1252."""
        path = tmp_path / "f.csv"
        path.write_bytes(b"a\nx\n" + "René\n".encode("cp1252"))
        message = read_error(path, encoding="utf-8")
        assert "byte 0xE9 on line 3" in message
        assert 'encoding="cp1252"' in message

    def test_mixed_encodings(self, tmp_path: Path) -> None:
        """UTF-8 at the start and cp1252 later is not guessed around: the line is named."""
        path = tmp_path / "f.csv"
        path.write_bytes("a\nRené\n".encode() + b"x\n" * 40_000 + "Zoë\n".encode("cp1252"))
        assert "byte 0xEB on line 40003" in read_error(path)

    def test_mixed_encodings_cp1252_first(self, tmp_path: Path) -> None:
        """cp1252 at the start and UTF-8 later is refused with the line, not read as cp1252."""
        path = tmp_path / "f.csv"
        path.write_bytes(
            "email\nRené\n".encode("cp1252") + b"x\n" * 10 + "jürgen@example.de\n".encode()
        )
        message = read_error(path)
        assert "mixes encodings" in message
        assert "byte 0xE9 on line 2" in message

    def test_mixed_encodings_after_an_ascii_sample(self, tmp_path: Path) -> None:
        """Plain ASCII for 64 KiB, then UTF-8 and cp1252 lines: refused, not read as cp1252."""
        path = tmp_path / "f.csv"
        head = b"email\n" + b"x@example.nl\n" * 6_000
        assert len(head) > SAMPLE_SIZE
        path.write_bytes(
            head + "jürgen@example.de\n".encode() + "zoë@example.nl\n".encode("cp1252")
        )
        message = read_error(path)
        assert "mixes encodings" in message
        assert "byte 0xEB on line 6003" in message

    def test_mixed_encodings_with_cp1252_before_utf8_after_the_sample(self, tmp_path: Path) -> None:
        """An ASCII sample, then cp1252, then UTF-8: the UTF-8 later in the file counts too."""
        path = tmp_path / "f.csv"
        head = b"email\n" + b"x@example.nl\n" * 6_000
        path.write_bytes(head + "zoë@example.nl\n".encode("cp1252") + "jürgen@x.de\n".encode())
        assert "byte 0xEB on line 6002" in read_error(path)

    def test_cp1252_file_without_utf8_sequences_is_still_cp1252(self, tmp_path: Path) -> None:
        """A file that is only cp1252 (no valid UTF-8 multi-byte sequence) reads as cp1252."""
        path = tmp_path / "f.csv"
        path.write_bytes("naam;bedrag\r\nRené;€ 5\r\nZoë;½\r\n".encode("cp1252"))
        actual = read_mailing_file(path)
        assert "cp1252" == info(actual)["encoding"]
        assert ["René", "Zoë"] == actual["naam"].tolist()

    @pytest.mark.parametrize("encoding", ["utf-8", "cp1252", "utf-16"])
    def test_nul_bytes_after_the_sample(self, tmp_path: Path, encoding: str) -> None:
        """A NUL character anywhere, also after the first 64 KiB, is refused with its line."""
        path = tmp_path / "f.csv"
        head = "email\n" + "x@example.nl\n" * 6_000
        path.write_bytes((head + "a\x00b@example.nl\nz@example.nl\n").encode(encoding))
        message = read_error(path)
        assert "NUL" in message
        assert "line 6002" in message

    def test_nul_bytes_with_an_explicit_encoding(self, tmp_path: Path) -> None:
        """encoding= does not skip the NUL check of the whole file."""
        path = tmp_path / "f.csv"
        path.write_bytes(b"email\n" + b"x@example.nl\n" * 6_000 + b"a\x00\n")
        assert "NUL" in read_error(path, encoding="utf-8")

    def test_options_that_do_not_fit(self, tmp_path: Path) -> None:
        """sheet= on CSV, encoding= on .xlsx, bad delimiters and encodings are refused."""
        csv_path = tmp_path / "f.csv"
        csv_path.write_text("a\n1\n", encoding="utf-8")
        xlsx_path = write_xlsx(tmp_path / "f.xlsx", [["a"], ["1"]])
        assert "sheet=" in read_error(csv_path, sheet=0)
        assert "encoding=" in read_error(xlsx_path, encoding="cp1252")
        assert "delimiter must be one character" in read_error(csv_path, delimiter=";;")
        assert "delimiter must be one character" in read_error(csv_path, delimiter='"')
        assert "unknown encoding" in read_error(csv_path, encoding="klingon")

    def test_is_also_a_value_error(self, tmp_path: Path) -> None:
        """Generic ``except ValueError`` code keeps working."""
        path = tmp_path / "empty.csv"
        path.write_bytes(b"")
        with pytest.raises(ValueError, match="is empty"):
            read_mailing_file(path)
