"""Tests for locosuppress.io._write: writing mailing files atomically, and round trips."""

# STYLE.md: asserts read `expected == actual`, which ruff's SIM300 calls a Yoda condition.

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path
from typing import Any

import hypothesis.extra.pandas as hpd
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from io_support import ADDRESS, files_in, info, text_frame

import locosuppress
import locosuppress.io._write as write_module
from locosuppress.errors import MailingFileError, OutputExistsError
from locosuppress.io import ATTRS_KEY, read_mailing_file, write_mailing_file

openpyxl = pytest.importorskip("openpyxl")


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

    @pytest.mark.parametrize("name", ["out.csv", "out.xlsx"])
    def test_headerless_file_is_written_back_without_a_header(
        self, tmp_path: Path, name: str
    ) -> None:
        """A file read with header=False is written without a header row, as it was."""
        source = tmp_path / "in.csv"
        source.write_bytes(f"{ADDRESS};K1\r\npiet@example.nl;K2\r\n".encode())
        frame = read_mailing_file(source, header=False)
        write_mailing_file(frame, tmp_path / name)
        again = read_mailing_file(tmp_path / name, header=False)
        pd.testing.assert_frame_equal(frame, again)
        if name.endswith(".csv"):
            assert source.read_bytes() == (tmp_path / name).read_bytes()

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
        with pytest.raises(OutputExistsError, match="already exists"):
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

    def test_overwrite_never_replaces_a_key_or_a_list(self, tmp_path: Path) -> None:
        """overwrite=True does not replace a key file, a key ring or a SQLite list (or its log)."""
        key = locosuppress.SuppressionKey.generate()
        key.save(tmp_path / "list.key")
        locosuppress.SuppressionList.open(tmp_path / "list.db", key).close()
        locosuppress.KeyRing([key, locosuppress.SuppressionKey.generate()]).save(
            tmp_path / "list.ring"
        )
        for name, what in (
            ("list.key", "key file"),
            ("list.ring", "key ring file"),
            ("list.db", "SQLite database"),
        ):
            before = (tmp_path / name).read_bytes()
            with pytest.raises(MailingFileError, match=what):
                write_mailing_file(text_frame({"a": ["1"]}), tmp_path / name, overwrite=True)
            assert before == (tmp_path / name).read_bytes()

    def test_unencodable_value(self, tmp_path: Path) -> None:
        """A character cp1252 lacks gives its position, never the value, and a hint."""
        frame = text_frame({"naam": ["René", "Jan"], "email": [ADDRESS, f"Ĳsbrand.{ADDRESS}"]})
        frame.attrs[ATTRS_KEY] = {"format": "csv", "encoding": "cp1252", "delimiter": ";"}
        with pytest.raises(MailingFileError, match="cannot encode") as caught:
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
        real_write = write_module.write_atomically

        def half_then_fail(target: Path, write: Any, *, overwrite: bool) -> None:
            def broken(stream: Any) -> None:
                stream.write(b"half a file")
                raise RuntimeError("disk pulled out")

            real_write(target, broken, overwrite=overwrite)

        monkeypatch.setattr(write_module, "write_atomically", half_then_fail)
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
            raise KeyboardInterrupt("stopped by the test")

        monkeypatch.setattr(os, "fsync", interrupted)
        with pytest.raises(KeyboardInterrupt, match="stopped by the test"):
            write_mailing_file(text_frame({"a": ["1"]}), tmp_path / "out.csv")
        assert [] == files_in(tmp_path)

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
        assert temporary[0].startswith(".locosuppress.")
        assert "jan" not in temporary[0]
        assert [f"{ADDRESS}.csv"] == files_in(tmp_path)

    @pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
    @pytest.mark.parametrize("name", ["out.csv", "out.xlsx"])
    def test_new_file_is_owner_only(self, tmp_path: Path, name: str) -> None:
        """A new mailing file holds personal data: mode 0600 whatever the umask."""
        previous = os.umask(0o002)
        try:
            write_mailing_file(text_frame({"a": ["1"]}), tmp_path / name)
        finally:
            os.umask(previous)
        assert 0o600 == stat.S_IMODE((tmp_path / name).stat().st_mode)

    @pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
    @pytest.mark.parametrize("name", ["out.csv", "out.xlsx"])
    def test_temp_file_is_owner_only_from_creation(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
    ) -> None:
        """The temporary file a kill would leave behind is 0600 from the moment it exists."""
        modes: list[int] = []
        real_fsync = os.fsync

        def spy(descriptor: int) -> None:
            modes.extend(
                stat.S_IMODE(path.stat().st_mode)
                for path in tmp_path.iterdir()
                if path.name.endswith(".tmp")
            )
            real_fsync(descriptor)

        monkeypatch.setattr(os, "fsync", spy)
        previous = os.umask(0)
        try:
            write_mailing_file(text_frame({"email": [ADDRESS]}), tmp_path / name)
        finally:
            os.umask(previous)
        assert modes
        assert {0o600} == set(modes)


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
        """Reading, writing with defaults and reading again changes nothing, detection included.

        cp1252 text can hold byte pairs that are also valid UTF-8 (``"Â\xa0"``)
        beside bytes that are not: detection refuses such a file as mixed, and
        must refuse the rewritten file alike; both then read with encoding= given.
        """
        with tempfile.TemporaryDirectory() as folder:
            first_path = Path(folder) / "first.csv"
            second_path = Path(folder) / "second.csv"
            write_mailing_file(frame, first_path, encoding="cp1252", delimiter=delimiter)
            told: dict[str, str] = {}
            refused = "mixes encodings"
            try:
                first = read_mailing_file(first_path)
            except MailingFileError as exc:
                refused = str(exc)
                told = {"encoding": "cp1252"}
                first = read_mailing_file(first_path, **told)
            assert "mixes encodings" in refused
            write_mailing_file(first, second_path)
            if told:
                with pytest.raises(MailingFileError, match="mixes encodings"):
                    read_mailing_file(second_path)
            second = read_mailing_file(second_path, **told)
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
