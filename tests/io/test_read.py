"""Tests for locosuppress.io: reading and writing real mailing files."""

# STYLE.md: asserts read `expected == actual`, which ruff's SIM300 calls a Yoda condition.

from __future__ import annotations

import codecs
import datetime
import os
import stat
import sys
import tempfile
from pathlib import Path
from typing import Any

import hypothesis.extra.pandas as hpd
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from locosuppress import _sniff
from locosuppress import io as lio
from locosuppress.errors import (
    LocosuppressError,
    MailingFileError,
    MissingExtraError,
    OutputExistsError,
)
from locosuppress.io import ATTRS_KEY, read_mailing_file, write_mailing_file

openpyxl = pytest.importorskip("openpyxl")

ADDRESS = "jan.de.vries@example.nl"  # must never appear in a message


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


def files_in(folder: Path) -> list[str]:
    """Names in a folder, hidden ones included."""
    return sorted(p.name for p in folder.iterdir())


# -- strategies -----------------------------------------------------------------------------------

NASTY = [
    "0123 AB",
    "0612345678",
    "NA",
    "Null",
    "NULL",
    "nan",
    "None",
    "",
    " ",
    '"',
    '""',
    ";",
    ",",
    "\t",
    "|",
    "\n",
    "\r\n",
    "\r",
    " lead",
    "trail ",
    "Ĳsbrand",
    "Müller",
    "Cœur",
    "€ 12,50",
    "=1+1",
    "#N/A",
    "+31 6 1234 5678",
    "-",
    "Jansen, P.",
    '"quoted"',
]

# Characters every format here can hold (no NUL: a NUL byte means "binary").
_CHARS = st.characters(codec="utf-8", exclude_characters="\x00")
_CP1252_CHARS = st.characters(codec="cp1252", exclude_characters="\x00")
# Characters an .xlsx cell can hold (XML 1.0 forbids most C0 controls).
_XLSX_CHARS = st.characters(
    codec="utf-8",
    exclude_categories=("Cs",),
    exclude_characters="".join(chr(c) for c in range(32) if chr(c) not in "\t\n\r"),
)


def cells(chars: st.SearchStrategy[str], codec: str) -> st.SearchStrategy[str]:
    """Cell values: nasty known ones ``codec`` can encode, and arbitrary text from ``chars``."""
    known = [
        value for value in NASTY if value.encode(codec, errors="replace").decode(codec) == value
    ]
    return st.one_of(st.sampled_from(known), st.text(chars, max_size=12))


def header_names(chars: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Header names: non-blank, without delimiters, quotes or line breaks."""
    return st.text(
        chars.filter(lambda c: c not in ',;\t|"\r\n\ufeff'), min_size=1, max_size=8
    ).filter(lambda name: bool(name.strip()))


@st.composite
def text_frames(
    draw: st.DrawFn, chars: st.SearchStrategy[str] = _CHARS, codec: str = "utf-8"
) -> pd.DataFrame:
    """Frames of text with unique header names, as read_mailing_file returns them."""
    names = draw(st.lists(header_names(chars), min_size=1, max_size=4, unique=True))
    frame = draw(
        hpd.data_frames(
            columns=hpd.columns(names, elements=cells(chars, codec), dtype=object),
            index=hpd.range_indexes(max_size=6),
        )
    )
    frame = frame.astype(str)
    frame.columns = pd.Index(names, dtype=str)
    return frame


def xlsx_expected(frame: pd.DataFrame) -> pd.DataFrame:
    """What an .xlsx round trip gives: \\n line breaks, no trailing empty rows."""
    expected = frame.apply(lambda c: c.str.replace("\r\n", "\n").str.replace("\r", "\n"))
    expected = expected.astype(str) if len(expected.columns) else expected
    non_empty = [i for i in range(len(expected)) if (expected.iloc[i] != "").any()]
    expected = expected.iloc[: (non_empty[-1] + 1 if non_empty else 0)].reset_index(drop=True)
    expected.columns = frame.columns
    return expected


# -- detection ------------------------------------------------------------------------------------


class TestDetectEncoding:
    """The encoding guessed from a file's first bytes."""

    @pytest.mark.parametrize(
        ("sample", "expected"),
        [
            (b"naam;plaats\r\nJan;Delft\r\n", "utf-8"),
            ("naam\r\nRené\r\n".encode(), "utf-8"),
            (codecs.BOM_UTF8 + "naam\r\nRené\r\n".encode(), "utf-8-sig"),
            ("naam\r\nRené\r\n".encode("utf-16"), "utf-16"),
            ("naam;bedrag\r\nRené;€ 5\r\n".encode("cp1252"), "cp1252"),
            (b"", "utf-8"),
        ],
    )
    def test_known_encodings(self, sample: bytes, expected: str) -> None:
        """BOMs win, then valid UTF-8, then Windows-1252."""
        assert expected == _sniff.detect_encoding(sample, complete=True)

    def test_character_cut_by_the_sample_end(self) -> None:
        """A UTF-8 character cut in two at the end of a partial sample is still UTF-8."""
        sample = "naam\nRené".encode()[:-1]
        assert "utf-8" == _sniff.detect_encoding(sample, complete=False)

    def test_undefined_cp1252_byte(self) -> None:
        """A byte Windows-1252 leaves undefined is an error, not a Latin-1 guess."""
        with pytest.raises(UnicodeDecodeError):
            _sniff.detect_encoding(b"naam\n\x81\n", complete=True)


class TestSniffDelimiter:
    """The delimiter chosen from a decoded sample."""

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("naam,plaats\nJan,Delft\n", ","),
            ("naam;plaats\nJan;Delft\n", ";"),
            ("naam\tplaats\nJan\tDelft\n", "\t"),
            ("naam|plaats\nJan|Delft\n", "|"),
            # commas inside values of a semicolon file, unquoted (Excel only quotes ;)
            ("naam;adres\nJansen, P.;Laan 1, Delft\nBos, A.;Weg 2\n", ";"),
            # semicolons and line breaks inside quoted fields of a comma file
            ('naam,opm\n"a;b;c","x\ny;z"\n"d;e;f",g\n', ","),
            # tabs inside quotes of a pipe file
            ('a|b|c\n"1\t2\t3"|x|y\n', "|"),
            # a short record (Excel drops trailing empty fields) does not break detection
            ("a;b;c\n1;2\n3;4;5\n", ";"),
            # one column: the first candidate that never appears outside quotes
            ("email\njan@example.nl\n", ","),
            ('naam\n"Jansen, P."\n', ","),
            ("naam\nJansen, P.\n", ";"),
            # equal evidence: the character rarer in prose wins
            ("a;b,c\n", ";"),
        ],
    )
    def test_table(self, text: str, expected: str) -> None:
        """Delimiters are counted outside quotes and must split records consistently."""
        assert expected == _sniff.sniff_delimiter(text, complete=True)

    def test_cut_last_record_is_ignored(self) -> None:
        """A record cut off by the sample's end does not count against a delimiter."""
        text = "a;b;c\n1;2;3\n4;5;6\n" * 3 + '7;"8'
        assert ";" == _sniff.sniff_delimiter(text, complete=False)


class TestUniqueNames:
    """Header names made distinct without losing a column."""

    @pytest.mark.parametrize(
        ("raw", "expected_names", "expected_renamed"),
        [
            (["a", "b"], ["a", "b"], []),
            (["a", "a", "a"], ["a", "a_2", "a_3"], [1, 2]),
            (["a", "a", "a_2"], ["a", "a_3", "a_2"], [1]),
            (["", "b", " "], ["column_1", "b", "column_3"], [0, 2]),
            (["column_2", ""], ["column_2", "column_2_2"], [1]),
            ([" a ", "a"], [" a ", "a"], []),
        ],
    )
    def test_table(
        self, raw: list[str], expected_names: list[str], expected_renamed: list[int]
    ) -> None:
        """Blank names get their position, repeats a counter; nothing collides."""
        assert (expected_names, expected_renamed) == _sniff.unique_names(raw)

    @given(st.lists(st.sampled_from(["", " ", "a", "a_2", "b", "column_1", "column_2"])))
    def test_always_unique_and_same_length(self, raw: list[str]) -> None:
        """Whatever the header, one distinct non-blank name per column."""
        names, _ = _sniff.unique_names(raw)
        assert len(raw) == len(names)
        assert len(names) == len(set(names))
        assert all(name.strip() for name in names)


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
        assert path.stat().st_size > _sniff.SAMPLE_SIZE
        actual = read_mailing_file(path)
        assert (200, ";") == (len(actual), info(actual)["delimiter"])
        assert {value} == set(actual["opmerking"])

    def test_attrs_hold_no_content_and_no_folder(self, tmp_path: Path) -> None:
        """attrs name the file only, and hold nothing from its rows or header."""
        path = tmp_path / "klanten.csv"
        path.write_text(f"{ADDRESS}\n{ADDRESS}\n", encoding="utf-8")
        attrs = read_mailing_file(os.fspath(path)).attrs
        assert ADDRESS not in repr(attrs)
        assert str(tmp_path) not in repr(attrs)
        assert "klanten.csv" == attrs[ATTRS_KEY]["source"]


# -- reading errors -------------------------------------------------------------------------------


def read_error(path: Path, **options: Any) -> str:
    """Read ``path``, expecting a MailingFileError; return its message."""
    with pytest.raises(MailingFileError) as caught:
        read_mailing_file(path, **options)
    message = str(caught.value)
    assert ADDRESS not in message
    assert caught.value.__cause__ is None  # no pandas traceback chained on
    return message


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
        } == info(actual)

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


# -- writing --------------------------------------------------------------------------------------


class TestWrite:
    """Writing CSV and .xlsx files the way they were read."""

    def test_writes_back_as_read(self, tmp_path: Path) -> None:
        """By default a frame is written with the encoding and delimiter it was read with."""
        source = tmp_path / "in.csv"
        source.write_bytes("naam;plaats\r\nRené;Den Haag\r\n".encode("cp1252"))
        frame = read_mailing_file(source)
        write_mailing_file(frame, tmp_path / "out.csv")
        assert source.read_bytes() == (tmp_path / "out.csv").read_bytes()

    def test_attrs_survive_filtering(self, tmp_path: Path) -> None:
        """A filtered frame still writes in its source's format (pandas keeps attrs)."""
        source = tmp_path / "in.csv"
        source.write_bytes("naam\tplaats\r\nRené\tDelft\r\nZoë\tEde\r\n".encode("utf-8-sig"))
        frame = read_mailing_file(source)
        write_mailing_file(frame[frame["plaats"] == "Ede"], tmp_path / "out.csv")
        expected = "naam\tplaats\r\nZoë\tEde\r\n".encode("utf-8-sig")
        assert expected == (tmp_path / "out.csv").read_bytes()

    def test_defaults_without_attrs(self, tmp_path: Path) -> None:
        """A frame from elsewhere is written as UTF-8 with commas (tabs for .tsv)."""
        frame = pd.DataFrame({"a": ["é", None], "b": [1, 2.5]})
        write_mailing_file(frame, tmp_path / "out.csv")
        write_mailing_file(frame, tmp_path / "out.tsv")
        assert "a,b\r\né,1.0\r\n,2.5\r\n".encode() == (tmp_path / "out.csv").read_bytes()
        assert "a\tb\r\né\t1.0\r\n\t2.5\r\n".encode() == (tmp_path / "out.tsv").read_bytes()

    def test_mixed_object_column(self, tmp_path: Path) -> None:
        """Missing values of any kind are empty; other non-strings are ``str(value)``."""
        values = ["x", None, 1, pd.NA, float("nan"), pd.NaT, pd.Timestamp("2024-01-31")]
        frame = pd.DataFrame({"v": pd.Series(values, dtype=object), "w": range(7)})
        write_mailing_file(frame, tmp_path / "out.csv")
        write_mailing_file(frame, tmp_path / "out.xlsx")
        expected = ["x", "", "1", "", "", "", "2024-01-31 00:00:00"]
        assert expected == read_mailing_file(tmp_path / "out.csv")["v"].tolist()
        assert expected == read_mailing_file(tmp_path / "out.xlsx")["v"].tolist()

    def test_options_override_attrs(self, tmp_path: Path) -> None:
        """encoding= and delimiter= win over what the frame was read with."""
        source = tmp_path / "in.csv"
        source.write_bytes("a;b\r\né;€\r\n".encode("cp1252"))
        frame = read_mailing_file(source)
        write_mailing_file(frame, tmp_path / "out.csv", encoding="utf-8", delimiter="|")
        assert "a|b\r\né|€\r\n".encode() == (tmp_path / "out.csv").read_bytes()

    def test_xlsx_from_the_name(self, tmp_path: Path) -> None:
        """A .xlsx name writes a workbook of text cells, even from a CSV-read frame."""
        source = tmp_path / "in.csv"
        source.write_bytes("tel;formule;fout\r\n0612345678;=1+1;#N/A\r\n".encode("cp1252"))
        write_mailing_file(read_mailing_file(source), tmp_path / "out.xlsx")
        workbook = openpyxl.load_workbook(tmp_path / "out.xlsx")
        row = [(cell.value, cell.data_type) for cell in workbook.active[2]]
        assert [("0612345678", "s"), ("=1+1", "s"), ("#N/A", "s")] == row

    def test_input_not_modified(self, tmp_path: Path) -> None:
        """The frame, its dtypes and its attrs are the same after writing."""
        frame = pd.DataFrame({"a": [1, None], "b": ["x", pd.NA]}, index=[5, 7])
        frame.attrs[ATTRS_KEY] = {"format": "csv", "encoding": "cp1252", "delimiter": ";"}
        before = frame.copy(deep=True)
        attrs_before = {k: dict(v) for k, v in frame.attrs.items()}
        write_mailing_file(frame, tmp_path / "out.csv")
        write_mailing_file(frame, tmp_path / "out.xlsx")
        pd.testing.assert_frame_equal(before, frame)
        assert attrs_before == frame.attrs

    def test_refuses_to_overwrite(self, tmp_path: Path) -> None:
        """An existing file is left alone unless overwrite=True."""
        target = tmp_path / "out.csv"
        target.write_text("keep me", encoding="utf-8")
        with pytest.raises(OutputExistsError, match="overwrite=True"):
            write_mailing_file(text_frame({"a": ["1"]}), target)
        assert "keep me" == target.read_text(encoding="utf-8")
        assert ["out.csv"] == files_in(tmp_path)

    def test_refuses_a_file_that_appears_while_writing(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A file created by someone else during the write is not replaced."""
        target = tmp_path / "out.csv"
        real_fsync = os.fsync

        def fsync_and_race(descriptor: int) -> None:
            real_fsync(descriptor)
            if not target.exists():
                target.write_text("theirs", encoding="utf-8")

        monkeypatch.setattr(os, "fsync", fsync_and_race)
        with pytest.raises(OutputExistsError):
            write_mailing_file(text_frame({"a": ["1"]}), target)
        assert "theirs" == target.read_text(encoding="utf-8")
        assert ["out.csv"] == files_in(tmp_path)

    def test_overwrite_keeps_permissions(self, tmp_path: Path) -> None:
        """overwrite=True replaces the content and keeps the old file's mode."""
        target = tmp_path / "out.csv"
        target.write_text("old", encoding="utf-8")
        target.chmod(0o640)
        write_mailing_file(text_frame({"a": ["1"]}), target, overwrite=True)
        assert b'"a"\r\n"1"\r\n' == target.read_bytes()
        if os.name == "posix":
            assert 0o640 == stat.S_IMODE(target.stat().st_mode)

    def test_unencodable_value(self, tmp_path: Path) -> None:
        """A character cp1252 lacks gives its position, never the value, and a hint."""
        frame = text_frame({"naam": ["René", "Jan"], "email": [ADDRESS, f"Ĳsbrand.{ADDRESS}"]})
        frame.attrs[ATTRS_KEY] = {"format": "csv", "encoding": "cp1252", "delimiter": ";"}
        with pytest.raises(MailingFileError) as caught:
            write_mailing_file(frame, tmp_path / "out.csv")
        message = str(caught.value)
        assert "row 1, column 1 (0-based positions)" in message
        assert 'encoding="utf-8"' in message
        assert ADDRESS not in message
        assert "Ĳ" not in message
        assert [] == files_in(tmp_path)

    def test_unencodable_header(self, tmp_path: Path) -> None:
        """A header name cp1252 lacks is reported by position."""
        frame = text_frame({"Ĳ": ["x"]})
        with pytest.raises(MailingFileError, match="the name of column 0"):
            write_mailing_file(frame, tmp_path / "out.csv", encoding="cp1252")

    def test_xlsx_refuses_control_characters(self, tmp_path: Path) -> None:
        """A control character .xlsx cannot store is reported by position."""
        frame = text_frame({"a": ["ok", "bell\x07"]})
        with pytest.raises(MailingFileError, match="row 1, column 0"):
            write_mailing_file(frame, tmp_path / "out.xlsx")
        assert [] == files_in(tmp_path)

    @pytest.mark.parametrize(
        ("frame", "name", "expected"),
        [
            (pd.DataFrame(index=[0, 1]), "out.csv", "no columns"),
            (
                pd.DataFrame([[1, 2]], columns=pd.MultiIndex.from_tuples([("a", "b"), ("a", "c")])),
                "out.csv",
                "several header rows",
            ),
            (text_frame({"a": ["1"]}), "out.xls", "cannot write .xls"),
            (text_frame({"a": ["1"]}), "missing/out.csv", "folder does not exist"),
        ],
    )
    def test_refused_frames_and_paths(
        self, tmp_path: Path, frame: pd.DataFrame, name: str, expected: str
    ) -> None:
        """Frames and paths that cannot give a readable file are refused up front."""
        with pytest.raises(MailingFileError, match=expected):
            write_mailing_file(frame, tmp_path / name)

    def test_refuses_a_folder(self, tmp_path: Path) -> None:
        """A folder as the target is refused, even with overwrite=True."""
        (tmp_path / "sub").mkdir()
        with pytest.raises(MailingFileError, match="is a folder"):
            write_mailing_file(text_frame({"a": ["1"]}), tmp_path / "sub", overwrite=True)

    def test_xlsx_options_refused(self, tmp_path: Path) -> None:
        """encoding= and delimiter= make no sense for .xlsx."""
        with pytest.raises(MailingFileError, match="apply to CSV"):
            write_mailing_file(text_frame({"a": ["1"]}), tmp_path / "out.xlsx", delimiter=";")

    @pytest.mark.parametrize(
        ("options", "expected"),
        [
            ({"delimiter": ""}, "delimiter must be one character"),
            ({"delimiter": "\n"}, "delimiter must be one character"),
            ({"encoding": "klingon"}, "unknown encoding"),
        ],
    )
    def test_bad_csv_options(self, tmp_path: Path, options: dict[str, str], expected: str) -> None:
        """Invalid CSV options are refused before anything is written."""
        with pytest.raises(MailingFileError, match=expected):
            write_mailing_file(text_frame({"a": ["1"]}), tmp_path / "out.csv", **options)
        assert [] == files_in(tmp_path)

    def test_not_a_frame(self, tmp_path: Path) -> None:
        """Only DataFrames are written."""
        with pytest.raises(TypeError, match="DataFrame"):
            write_mailing_file([["a"]], tmp_path / "out.csv")  # type: ignore[arg-type]


class TestAtomicWrite:
    """A write either completes or leaves nothing behind."""

    @pytest.mark.parametrize("name", ["out.csv", "out.xlsx"])
    def test_failure_mid_write(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
    ) -> None:
        """An error after half the bytes are written leaves no file and no temp file."""
        real_write = lio._write_atomically

        def half_then_fail(target: Path, write: Any, *, overwrite: bool) -> None:
            def broken(stream: Any) -> None:
                stream.write(b"half a file")
                raise RuntimeError("disk pulled out")

            real_write(target, broken, overwrite=overwrite)

        monkeypatch.setattr(lio, "_write_atomically", half_then_fail)
        with pytest.raises(RuntimeError, match="disk pulled out"):
            write_mailing_file(text_frame({"a": ["1"]}), tmp_path / name)
        assert [] == files_in(tmp_path)

    def test_failure_keeps_the_old_file(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """With overwrite=True, a failed rename leaves the old file whole."""
        target = tmp_path / "out.csv"
        target.write_text("old", encoding="utf-8")

        def no_replace(src: Any, dst: Any) -> None:
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(os, "replace", no_replace)
        with pytest.raises(MailingFileError, match="No space left on device"):
            write_mailing_file(text_frame({"a": ["1"]}), target, overwrite=True)
        assert "old" == target.read_text(encoding="utf-8")
        assert ["out.csv"] == files_in(tmp_path)

    def test_interrupt_removes_the_temp_file(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Ctrl-C during the write leaves no temp file either."""

        def interrupted(descriptor: int) -> None:
            raise KeyboardInterrupt

        monkeypatch.setattr(os, "fsync", interrupted)
        with pytest.raises(KeyboardInterrupt):
            write_mailing_file(text_frame({"a": ["1"]}), tmp_path / "out.csv")
        assert [] == files_in(tmp_path)

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
        with pytest.raises(MailingFileError):
            write_mailing_file(text_frame({"email": [ADDRESS, "\x07"]}), out / "bad.xlsx")
        assert [] == files_in(system_temp)
        assert ["ok.xlsx"] == files_in(out)

    def test_temp_file_name_holds_nothing_personal(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The temporary file sits in the target's folder under a random name."""
        seen: list[str] = []
        real_fsync = os.fsync

        def spy(descriptor: int) -> None:
            seen.extend(files_in(tmp_path))
            real_fsync(descriptor)

        monkeypatch.setattr(os, "fsync", spy)
        write_mailing_file(text_frame({"email": [ADDRESS]}), tmp_path / f"{ADDRESS}.csv")
        temporary = [name for name in seen if name.endswith(".tmp")]
        assert 1 == len(temporary)
        assert temporary[0].startswith(".locosuppress-")
        assert "jan" not in temporary[0]
        assert [f"{ADDRESS}.csv"] == files_in(tmp_path)


# -- round trips ----------------------------------------------------------------------------------

CSV_FORMATS = st.sampled_from(
    [
        ("utf-8", ","),
        ("utf-8", ";"),
        ("utf-8-sig", ";"),
        ("utf-8-sig", "\t"),
        ("utf-16", "\t"),
        ("utf-8", "|"),
    ]
)
_ROUND_TRIP = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])


class TestRoundTrip:
    """read -> write -> read gives the same frame and the same format."""

    @_ROUND_TRIP
    @given(text_frames(), CSV_FORMATS)
    def test_csv_unicode(self, frame: pd.DataFrame, fmt: tuple[str, str]) -> None:
        """Any text frame survives CSV in the Unicode encodings, detected back."""
        encoding, delimiter = fmt
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "f.csv"
            write_mailing_file(frame, path, encoding=encoding, delimiter=delimiter)
            actual = read_mailing_file(path)
        pd.testing.assert_frame_equal(frame, actual)
        assert encoding == info(actual)["encoding"]
        if len(frame.columns) > 1:
            assert delimiter == info(actual)["delimiter"]

    @_ROUND_TRIP
    @given(text_frames(_CP1252_CHARS, "cp1252"), st.sampled_from([";", ",", "\t", "|"]))
    def test_csv_cp1252(self, frame: pd.DataFrame, delimiter: str) -> None:
        """Any cp1252 text frame survives a cp1252 CSV (read with encoding= given:
        some cp1252 byte pairs are also valid UTF-8, so detection cannot be sure)."""
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "f.csv"
            write_mailing_file(frame, path, encoding="cp1252", delimiter=delimiter)
            actual = read_mailing_file(path, encoding="cp1252")
        pd.testing.assert_frame_equal(frame, actual)
        if len(frame.columns) > 1:
            assert delimiter == info(actual)["delimiter"]

    @_ROUND_TRIP
    @given(text_frames(_CP1252_CHARS, "cp1252"), st.sampled_from([";", ","]))
    def test_read_write_read_is_stable(self, frame: pd.DataFrame, delimiter: str) -> None:
        """Reading, writing with defaults and reading again changes nothing, detection included."""
        with tempfile.TemporaryDirectory() as folder:
            first_path = Path(folder) / "first.csv"
            write_mailing_file(frame, first_path, encoding="cp1252", delimiter=delimiter)
            first = read_mailing_file(first_path)
            write_mailing_file(first, Path(folder) / "second.csv")
            second = read_mailing_file(Path(folder) / "second.csv")
        pd.testing.assert_frame_equal(first, second)
        keys = ("format", "encoding", "delimiter", "sheet", "renamed_columns")
        assert {k: info(first)[k] for k in keys} == {k: info(second)[k] for k in keys}

    @_ROUND_TRIP
    @given(text_frames(_XLSX_CHARS))
    def test_xlsx(self, frame: pd.DataFrame) -> None:
        """Any frame survives .xlsx, but for Excel's \\n line breaks and trailing empty rows."""
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "f.xlsx"
            write_mailing_file(frame, path)
            actual = read_mailing_file(path)
            write_mailing_file(actual, Path(folder) / "again.xlsx")
            again = read_mailing_file(Path(folder) / "again.xlsx")
        pd.testing.assert_frame_equal(xlsx_expected(frame), actual)
        pd.testing.assert_frame_equal(actual, again)
        assert "xlsx" == info(again)["format"]

    def test_one_column_of_blank_values(self, tmp_path: Path) -> None:
        """In a one-column file, empty and blank values are not mistaken for blank lines."""
        frame = text_frame({"email": ["", " ", "\t", "x"]})
        write_mailing_file(frame, tmp_path / "f.csv")
        pd.testing.assert_frame_equal(frame, read_mailing_file(tmp_path / "f.csv"))
