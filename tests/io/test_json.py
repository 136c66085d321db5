"""Tests for locosuppress.io._json: JSON and JSON Lines mailing files, read by content."""

from __future__ import annotations

import codecs
import json
import os
import stat
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from io_support import ADDRESS, info, read_error, text_frame

from locosuppress.errors import MailingFileError
from locosuppress.io import read_mailing_file, write_mailing_file

ROWS = [
    {"E-mailadres": ADDRESS, "Naam": "René Brontë", "Postcode": "0123 AB", "Klant": "007"},
    {"E-mailadres": "zoë@example.nl", "Naam": "Zoë", "Postcode": "1012 AB", "Klant": "008"},
]


class TestReadByContent:
    """A file starting with ``[`` or ``{`` is read as JSON, whatever its name."""

    @pytest.mark.parametrize("name", ["export.txt", "export", "export.json", "export.csv"])
    def test_array_of_objects(self, tmp_path: Path, name: str) -> None:
        """A JSON array: keys are columns, values text as written, accents and zeros kept."""
        path = tmp_path / name
        path.write_text(json.dumps(ROWS, ensure_ascii=False, indent=2), encoding="utf-8")
        actual = read_mailing_file(path)
        pd.testing.assert_frame_equal(
            text_frame({k: [r[k] for r in ROWS] for k in ROWS[0]}), actual
        )
        assert ("json", "utf-8", None) == (
            info(actual)["format"],
            info(actual)["encoding"],
            info(actual)["delimiter"],
        )

    def test_json_lines_without_suffix(self, tmp_path: Path) -> None:
        """JSON Lines: one object per line; CRLF and blank lines are fine; a missing key is ''."""
        path = tmp_path / "events"
        path.write_bytes(
            b'{"email": "a@example.nl", "klant": "0001"}\r\n\r\n{"email": "b@example.nl"}\r\n'
        )
        actual = read_mailing_file(path)
        expected = text_frame({"email": ["a@example.nl", "b@example.nl"], "klant": ["0001", ""]})
        pd.testing.assert_frame_equal(expected, actual)
        assert "jsonl" == info(actual)["format"]

    def test_values_as_text_exactly(self, tmp_path: Path) -> None:
        """Numbers as written, true/false as words, null as '', nesting as its JSON text."""
        path = tmp_path / "x.txt"
        path.write_bytes(
            b'[{"n": 0.10, "big": 12345678901234567890, "e": 1E5, "t": true, "f": false,'
            b' "z": null, "tags": ["nieuws", 2], "geo": {"land": "NL", "x": 1.50}}]'
        )
        row = read_mailing_file(path).iloc[0].to_dict()
        expected = {
            "n": "0.10",
            "big": "12345678901234567890",
            "e": "1E5",
            "t": "true",
            "f": "false",
            "z": "",
            "tags": '["nieuws",2]',
            "geo": '{"land":"NL","x":1.50}',
        }
        assert expected == row

    def test_byte_order_mark_and_leading_space(self, tmp_path: Path) -> None:
        """A UTF-8 byte order mark and white space before the ``[`` are fine."""
        path = tmp_path / "bom.txt"
        path.write_bytes(codecs.BOM_UTF8 + b"\n  " + json.dumps(ROWS).encode("utf-8"))
        assert list(ROWS[0]) == list(read_mailing_file(path).columns)

    def test_one_pretty_printed_object_is_one_record(self, tmp_path: Path) -> None:
        """One object over several lines is one record."""
        path = tmp_path / "one.json"
        path.write_text(json.dumps(ROWS[0], indent=2), encoding="utf-8")
        assert [ROWS[0]] == read_mailing_file(path).to_dict("records")

    def test_cp1252_with_encoding(self, tmp_path: Path) -> None:
        """encoding= reads a JSON file written in another encoding."""
        path = tmp_path / "oud.json"
        path.write_bytes(json.dumps(ROWS, ensure_ascii=False).encode("cp1252"))
        frame = read_mailing_file(path, encoding="cp1252")
        assert ["René Brontë", "Zoë"] == list(frame["Naam"])
        assert "cp1252" == info(frame)["encoding"]

    def test_delimiter_reads_as_csv(self, tmp_path: Path) -> None:
        """delimiter= says the file is CSV, even when it starts with a bracket."""
        path = tmp_path / "rare.csv"
        path.write_text("[code];email\r\n1;a@example.nl\r\n", encoding="utf-8")
        frame = read_mailing_file(path, delimiter=";")
        assert ["[code]", "email"] == list(frame.columns)
        assert "csv" == info(frame)["format"]

    @pytest.mark.parametrize("first", ["[code]", "{", "{id}"])
    @pytest.mark.parametrize("name", ["leden.csv", "leden.TSV"])
    def test_csv_name_with_bracket_header(self, tmp_path: Path, first: str, name: str) -> None:
        """A file named as CSV whose header starts with a bracket is CSV, not a JSON error."""
        sep = "\t" if name.lower().endswith(".tsv") else ";"
        path = tmp_path / name
        path.write_text(f"{first}{sep}email\r\n0012{sep}{ADDRESS}\r\n", encoding="utf-8")
        frame = read_mailing_file(path)
        assert [first, "email"] == list(frame.columns)
        assert ["0012"] == list(frame[first])
        assert "csv" == info(frame)["format"]

    def test_csv_name_with_bracket_header_in_cp1252(self, tmp_path: Path) -> None:
        """Not UTF-8 is not JSON either: a cp1252 CSV with a bracket header is read as CSV."""
        path = tmp_path / "leden.csv"
        path.write_bytes("[\u00a0code];email\r\nRené;x@example.nl\r\n".encode("cp1252"))
        frame = read_mailing_file(path)
        assert ["[\u00a0code]", "email"] == list(frame.columns)
        assert ("csv", "cp1252") == (info(frame)["format"], info(frame)["encoding"])

    def test_csv_name_holding_json_is_json(self, tmp_path: Path) -> None:
        """A file named .csv whose whole content is JSON is read as the JSON it is."""
        path = tmp_path / "export.csv"
        path.write_text(json.dumps(ROWS), encoding="utf-8")
        assert "json" == info(read_mailing_file(path))["format"]


class TestReadErrors:
    """A file that is not exactly JSON is refused with a position, never a value."""

    @pytest.mark.parametrize(
        ("content", "phrases"),
        [
            (
                f'[{{"email": "{ADDRESS}"}},\n{{"email": }}]',
                ["not valid JSON", "line 2, column 11"],
            ),
            (f'[{{"email": "{ADDRESS}"}}', ["not valid JSON", "line 1"]),
            (f'[{{"email": "{ADDRESS}"}}] x', ["not valid JSON", "Extra data"]),
            (f'{{"email": "{ADDRESS}"}}\n{{"email": "x",}}\n', ["line 2 is not valid JSON"]),
            (f'{{"email": "{ADDRESS}"\n', ["not valid JSON", "line 2, column 1"]),
            (
                f'[{{"email": "{ADDRESS}"}}, "{ADDRESS}"]',
                ["record 2 of the array", "not a JSON object"],
            ),
            (f'{{"email": "{ADDRESS}"}}\n\n[1]\n', ["line 3 is not a JSON object"]),
            (f'[{{"email": "{ADDRESS}", "email": "b@c.nl"}}]', ["same key twice"]),
            (f'{{"email": "{ADDRESS}"}}\n{{"a": 1, "a": 2}}\n', ["line 2", "same key twice"]),
            (f'[{{"email": "{ADDRESS}", "n": NaN}}]', ["NaN is not a JSON value"]),
            ("[]", ["is empty"]),
            (f'{{"items": [{{"email": "{ADDRESS}"}}]}}', ["'items'", "API response"]),
        ],
    )
    def test_malformed(self, tmp_path: Path, content: str, phrases: list[str]) -> None:
        """Each fault is a MailingFileError naming where, and no value from the file."""
        path = tmp_path / "fout.txt"
        path.write_text(content, encoding="utf-8")
        message = read_error(path)
        for phrase in phrases:
            assert phrase in message
        assert "@" not in message

    def test_other_name_with_bracket_header(self, tmp_path: Path) -> None:
        """Not named as CSV, a bracket header that is not JSON is an error saying what to pass."""
        path = tmp_path / "leden.txt"
        path.write_text(f"{{;email\r\n1;{ADDRESS}\r\n", encoding="utf-8")
        message = read_error(path)
        assert "not valid JSON" in message
        assert "--delimiter" in message

    def test_not_utf8(self, tmp_path: Path) -> None:
        """Windows-1252 bytes without encoding=: the byte and its line, and what to pass."""
        path = tmp_path / "oud.json"
        path.write_bytes(b'[\n{"naam": "Ren\xe9"}]')
        message = read_error(path)
        assert "byte 0xE9 on line 2" in message
        assert "encoding=" in message

    @pytest.mark.parametrize(
        ("options", "phrase"),
        [({"sheet": 0}, "sheet= applies to .xlsx"), ({"header": False}, "header=False")],
    )
    def test_options_that_do_not_fit(
        self, tmp_path: Path, options: dict[str, object], phrase: str
    ) -> None:
        """sheet= and header=False are refused for a JSON file."""
        path = tmp_path / "x.json"
        path.write_text(json.dumps(ROWS), encoding="utf-8")
        assert phrase in read_error(path, **options)


class TestWriteJson:
    """JSON out: by suffix, or as the frame was read; every value a string."""

    def test_suffixes(self, tmp_path: Path) -> None:
        """.json gives an array, .jsonl and .ndjson JSON Lines; mode 0600; missing is null."""
        frame = pd.DataFrame({"email": ["a@example.nl", None], "naam": ["Zoë", "0012"]})
        write_mailing_file(frame, tmp_path / "a.json")
        write_mailing_file(frame, tmp_path / "b.jsonl")
        write_mailing_file(frame, tmp_path / "c.ndjson")
        records = [{"email": "a@example.nl", "naam": "Zoë"}, {"email": None, "naam": "0012"}]
        assert records == json.loads((tmp_path / "a.json").read_text(encoding="utf-8"))
        for name in ("b.jsonl", "c.ndjson"):
            lines = (tmp_path / name).read_text(encoding="utf-8").splitlines()
            assert records == [json.loads(line) for line in lines]
        if os.name == "posix":
            assert 0o600 == stat.S_IMODE((tmp_path / "a.json").stat().st_mode)

    @pytest.mark.parametrize("kind", ["json", "jsonl"])
    def test_written_back_as_read(self, tmp_path: Path, kind: str) -> None:
        """A frame read from JSON is written back as the same kind under another suffix."""
        path = tmp_path / "in.txt"
        if kind == "json":
            path.write_text(json.dumps(ROWS, ensure_ascii=False), encoding="utf-8")
        else:
            path.write_text("\n".join(json.dumps(r) for r in ROWS), encoding="utf-8")
        frame = read_mailing_file(path)
        write_mailing_file(frame.iloc[1:], tmp_path / "out.txt")
        again = read_mailing_file(tmp_path / "out.txt")
        assert kind == info(again)["format"]
        assert ROWS[1:] == again.to_dict("records")

    def test_csv_suffix_wins(self, tmp_path: Path) -> None:
        """A frame read from JSON written to a .csv name is CSV."""
        path = tmp_path / "in.json"
        path.write_text(json.dumps(ROWS), encoding="utf-8")
        write_mailing_file(read_mailing_file(path), tmp_path / "out.csv")
        assert "csv" == info(read_mailing_file(tmp_path / "out.csv"))["format"]

    def test_encoding_refused(self, tmp_path: Path) -> None:
        """encoding= and delimiter= do not apply to JSON (always UTF-8)."""
        frame = pd.DataFrame({"email": ["a@example.nl"]})
        with pytest.raises(MailingFileError, match="not JSON"):
            write_mailing_file(frame, tmp_path / "a.json", encoding="cp1252")

    @settings(max_examples=50, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(
        data=st.dictionaries(
            st.text(min_size=1, max_size=8).filter(str.strip),
            st.lists(st.text(max_size=12), min_size=3, max_size=3),
            min_size=1,
            max_size=4,
        ),
        suffix=st.sampled_from([".json", ".jsonl"]),
    )
    def test_round_trip(self, tmp_path: Path, data: dict[str, list[str]], suffix: str) -> None:
        """Any text frame written as JSON reads back equal, cell by cell."""
        frame = pd.DataFrame(data)
        path = tmp_path / f"rt{suffix}"
        try:
            write_mailing_file(frame, path, overwrite=True)
        except MailingFileError:  # a lone surrogate cannot be UTF-8
            return
        actual = read_mailing_file(path)
        assert list(data) == list(actual.columns)
        assert [list(v) for v in data.values()] == [list(actual[c]) for c in actual.columns]


class TestReaderLimits:
    """Inputs that json or pyarrow would throw their own errors on are MailingFileErrors."""

    def test_nested_too_deeply(self, tmp_path: Path) -> None:
        """A pathologically nested file is refused, not a RecursionError."""
        path = tmp_path / "diep.json"
        path.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
        assert "nested too deeply" in read_error(path)

    def test_lone_surrogate(self, tmp_path: Path) -> None:
        """An escaped lone surrogate is refused with its record and field, never its value."""
        path = tmp_path / "kapot.json"
        path.write_text(f'[{{"email": "{ADDRESS}", "naam": "x\\ud800y"}}]', encoding="utf-8")
        message = read_error(path)
        assert "record 1, field 2" in message
        assert "@" not in message


class TestWriterLimits:
    """A frame JSON cannot hold exactly is refused, never written with a column lost."""

    def test_repeated_column_names(self, tmp_path: Path) -> None:
        """Two columns of the same name would be one JSON key: refused, nothing written."""
        frame = pd.DataFrame([[ADDRESS, "Jan", "Piet"]], columns=["email", "naam", "naam"])
        with pytest.raises(MailingFileError, match="columns 2 and 3 have the same name"):
            write_mailing_file(frame, tmp_path / "uit.json")
        assert not (tmp_path / "uit.json").exists()
