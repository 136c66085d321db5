"""Tests for locosuppress.io._sniff: encoding, delimiter and header-name detection."""

# STYLE.md: asserts read `expected == actual`, which ruff's SIM300 calls a Yoda condition.

from __future__ import annotations

import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from locosuppress.io._sniff import (
    has_utf8_sequence,
    settle_encoding,
    sniff_delimiter,
    unique_names,
)


def _one_multibyte_character(data: bytes) -> bool:
    """Whether ``data`` is exactly one character outside ASCII in strict UTF-8."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return 1 == len(text) and not text.isascii()


# -- detection ------------------------------------------------------------------------------------


class TestSettleEncoding:
    """The encoding settled on a whole file (no byte order mark)."""

    @pytest.mark.parametrize(
        ("content", "expected"),
        [
            (b"naam;plaats\r\nJan;Delft\r\n", "utf-8"),
            ("naam\r\nRené\r\n".encode(), "utf-8"),
            ("naam;bedrag\r\nRené;€ 5\r\n".encode("cp1252"), "cp1252"),
            (b"", "utf-8"),
            ("René\n".encode() + "Zoë\n".encode("cp1252"), "mixed"),
            ("Zoë\n".encode("cp1252") + "René\n".encode(), "mixed"),
        ],
    )
    def test_known_encodings(self, content: bytes, expected: str) -> None:
        """Valid UTF-8, then Windows-1252 without any UTF-8 sequence, else mixed."""
        assert expected == settle_encoding(io.BytesIO(content))[0]

    def test_sequence_cut_by_a_chunk_end_is_found(self) -> None:
        """A UTF-8 sequence split over two 1 MiB chunks still makes the file mixed."""
        content = b"\xe9\n" + b"x" * (1024 * 1024 - 3) + "é\n".encode()
        assert b"\xc3" == content[1024 * 1024 - 1 : 1024 * 1024]
        assert "mixed" == settle_encoding(io.BytesIO(content))[0]

    @given(
        st.lists(
            st.one_of(st.integers(0, 255), st.integers(0x80, 0xBF), st.integers(0xC0, 0xF7)),
            max_size=12,
        ).map(bytes)
    )
    def test_utf8_sequence_found_exactly(self, data: bytes) -> None:
        """A valid UTF-8 multi-byte sequence is found wherever one starts, and only then."""
        expected = any(
            _one_multibyte_character(data[start : start + size])
            for start in range(len(data))
            for size in (2, 3, 4)
        )
        assert expected == has_utf8_sequence(io.BytesIO(data))

    def test_undefined_cp1252_byte(self) -> None:
        """A byte Windows-1252 leaves undefined is reported with its line, not guessed."""
        encoding, scan = settle_encoding(io.BytesIO(b"naam\n\x81\n"))
        assert ("cp1252", (2, 5, 0x81)) == (encoding, scan.bad)


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
        assert expected == sniff_delimiter(text, complete=True)

    def test_cut_last_record_is_ignored(self) -> None:
        """A record cut off by the sample's end does not count against a delimiter."""
        text = "a;b;c\n1;2;3\n4;5;6\n" * 3 + '7;"8'
        assert ";" == sniff_delimiter(text, complete=False)


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
        assert (expected_names, expected_renamed) == unique_names(raw)

    @given(st.lists(st.sampled_from(["", " ", "a", "a_2", "b", "column_1", "column_2"])))
    def test_always_unique_and_same_length(self, raw: list[str]) -> None:
        """Whatever the header, one distinct non-blank name per column."""
        names, _ = unique_names(raw)
        assert len(raw) == len(names)
        assert len(names) == len(set(names))
        assert all(name.strip() for name in names)
