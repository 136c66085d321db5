"""``locosuppress filter`` (``locosuppress.cli.filter``): bad input files fail cleanly."""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import locosuppress
from locosuppress.cli import main
from locosuppress.io import read_mailing_file, write_mailing_file
from locosuppress.testing import emails, listed_values, mailing_frames, messy_variants

Run = Callable[..., subprocess.CompletedProcess[str]]
Check = Callable[..., None]


@pytest.mark.slow
class TestFilterFailures:
    """A file that cannot be read fails with one line, and no output is written."""

    def test_bad_input_files(self, world: Path, run: Run, assert_failed: Check) -> None:
        """Missing, a folder, unreadable, empty, binary, without an address column (headerless)."""
        key = world / "list.key"
        (world / "empty.csv").write_bytes(b"")
        (world / "binary.csv").write_bytes(b"\x00\x01\x02PK\x00" * 50)
        (world / "folder.csv").mkdir()
        (world / "headerless.csv").write_text(
            "jan.devries@example.nl;Jan\r\npiet@example.nl;Piet\r\n", encoding="utf-8"
        )
        cases = {
            "missing.csv": "not found",
            "folder.csv": "folder",
            "empty.csv": "empty",
            "binary.csv": "binary",
            "headerless.csv": "--column",
        }
        for name, phrase in cases.items():
            assert_failed(
                run("filter", "list.db", name, "-o", f"out-{name}", cwd=world, key=key), phrase
            )
            assert not (world / f"out-{name}").exists()
        if Path("/proc/self/mem").exists():  # Linux: opens, then fails to read, even for root
            assert_failed(
                run("filter", "list.db", "/proc/self/mem", "-o", "o.csv", cwd=world, key=key),
                "cannot be read",
            )
        if os.name == "posix" and os.geteuid() != 0:  # root reads everything
            locked = shutil.copy(world / "import.csv", world / "locked.csv")
            Path(locked).chmod(0)
            assert_failed(
                run("filter", "list.db", "locked.csv", "-o", "o.csv", cwd=world, key=key),
                "cannot be opened",
            )


class TestNoHeader:
    """``filter --no-header``: every row is data, and the output has no header row either."""

    def test_headerless_file_filtered_and_written_back_without_header(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The first row is checked like any other, and no header row is invented."""
        key = locosuppress.SuppressionKey.generate()
        with locosuppress.SuppressionList.open(tmp_path / "list.db", key) as lst:
            lst.add("jan@example.nl")
        (tmp_path / "in.csv").write_bytes(b"jan@example.nl\r\npiet@example.nl\r\n")
        monkeypatch.setenv("LOCOSUPPRESS_KEY", key.to_text())
        monkeypatch.chdir(tmp_path)
        assert 0 == main(["filter", "list.db", "in.csv", "-o", "out.csv", "--no-header"])
        assert b'"piet@example.nl"\r\n' == (tmp_path / "out.csv").read_bytes()


def _in_world(world: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run ``main`` in ``world`` with its key in the environment."""
    monkeypatch.setenv("LOCOSUPPRESS_KEY", (world / "list.key").read_text("ascii").strip())
    monkeypatch.chdir(world)


class TestRejected:
    """``filter --rejected FILE``: the removed rows with their outcome, written like the output."""

    def test_removed_rows_written_as_the_input_was(
        self,
        world: Path,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
        address: re.Pattern[str],
    ) -> None:
        """cp1252 and ';' as read, 0600, every removed row once, counts as in the JSON report."""
        _in_world(world, monkeypatch)
        args = ["filter", "list.db", "import.csv", "-o", "kept.csv", "--rejected", "weg.csv"]
        assert 0 == main([*args, "--json"])
        shown = capsys.readouterr()
        report = json.loads(shown.out)
        assert address.search(shown.out + shown.err) is None
        rejected = read_mailing_file(world / "weg.csv")
        assert ("cp1252", ";") == (
            rejected.attrs["locosuppress"]["encoding"],
            rejected.attrs["locosuppress"]["delimiter"],
        )
        assert ["Klantnummer", "Naam", "E-mailadres", "Postcode", "outcome"] == list(
            rejected.columns
        )
        expected = [
            ("0001", "suppressed"),
            ("0002", "suppressed"),
            ("0003", "suppressed"),
            ("0005", "duplicate"),
            ("0006", "suppressed"),
            ("0007", "invalid"),
        ]
        assert expected == list(zip(rejected["Klantnummer"], rejected["outcome"], strict=True))
        assert ["Noël Post", "01067"] == [rejected["Naam"][2], rejected["Postcode"][0]]
        kept = read_mailing_file(world / "kept.csv")
        assert report["total"] == len(kept) + len(rejected)
        words = list(rejected["outcome"])
        assert (report["suppressed"], report["invalid"], report["duplicates"]) == (
            words.count("suppressed"),
            words.count("invalid"),
            words.count("duplicate"),
        )
        if os.name == "posix":
            assert 0o600 == stat.S_IMODE((world / "weg.csv").stat().st_mode)

    def test_keep_invalid_keeps_them_out_of_the_rejected_file(
        self, world: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """--keep-invalid: the invalid row is in the output, not among the removed rows."""
        _in_world(world, monkeypatch)
        args = ["filter", "list.db", "import.csv", "-o", "k.csv", "--rejected", "r.csv"]
        assert 0 == main([*args, "--keep-invalid"])
        rejected = read_mailing_file(world / "r.csv")
        assert "0007" not in set(rejected["Klantnummer"])
        assert "0007" in set(read_mailing_file(world / "k.csv")["Klantnummer"])

    def test_xlsx(self, world: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """A .xlsx name gives a workbook of the removed rows, as for the output."""
        _in_world(world, monkeypatch)
        assert 0 == main(
            ["filter", "list.db", "import.csv", "-o", "k.xlsx", "--rejected", "r.xlsx"]
        )
        rejected = read_mailing_file(world / "r.xlsx")
        assert "xlsx" == rejected.attrs["locosuppress"]["format"]
        assert ["0001", "0002", "0003", "0005", "0006", "0007"] == list(rejected["Klantnummer"])

    def test_existing_file_needs_force(
        self, world: Path, run: Run, assert_failed: Check, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """An existing rejected file is refused before anything is written; --force replaces it."""
        (world / "r.csv").write_bytes(b"oud\r\n")
        args = ("filter", "list.db", "import.csv", "-o", "k.csv", "--rejected", "r.csv")
        assert_failed(run(*args, cwd=world, key=world / "list.key"), "exists", "--force")
        assert not (world / "k.csv").exists()
        assert b"oud\r\n" == (world / "r.csv").read_bytes()
        _in_world(world, monkeypatch)
        assert 0 == main([*args, "--force"])
        assert 6 == len(read_mailing_file(world / "r.csv"))

    @pytest.mark.parametrize("name", ["import.csv", "k.csv", "list.db", "list.db-wal"])
    def test_rejected_file_cannot_be_an_input_or_the_output(
        self,
        world: Path,
        name: str,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """The input, the output, the list and its log are refused as the rejected file."""
        _in_world(world, monkeypatch)
        before = (world / "import.csv").read_bytes()
        args = ["filter", "list.db", "import.csv", "-o", "k.csv", "--rejected", name, "--force"]
        assert 1 == main(args)
        assert "rejected file" in capsys.readouterr().err
        assert before == (world / "import.csv").read_bytes()
        assert not (world / "k.csv").exists()

    def test_outcome_column_in_the_input_is_refused(
        self, world: Path, run: Run, assert_failed: Check
    ) -> None:
        """An input that has an 'outcome' column: a clear error, and no file written."""
        (world / "in.csv").write_text(
            "email,outcome\r\njan.devries@example.nl,x\r\npiet@example.nl,y\r\n", encoding="utf-8"
        )
        args = ("filter", "list.db", "in.csv", "-o", "k.csv", "--rejected", "r.csv")
        assert_failed(run(*args, cwd=world, key=world / "list.key"), "--outcome-column")
        assert not (world / "k.csv").exists()
        assert not (world / "r.csv").exists()
        audit = run("audit", "list.db", "--json", cwd=world, key=world / "list.key")
        assert "filter" not in {row["operation"] for row in json.loads(audit.stdout)}

    def test_outcome_column_named(self, world: Path, run: Run) -> None:
        """--outcome-column names the column when the input has an 'outcome' of its own."""
        (world / "in.csv").write_text(
            "email,outcome\r\njan.devries@example.nl,x\r\npiet@example.nl,y\r\n",
            encoding="utf-8",
        )
        args = ("filter", "list.db", "in.csv", "-o", "k.csv", "--rejected", "r.csv")
        done = run(*args, "--outcome-column", "reden", cwd=world, key=world / "list.key")
        assert 0 == done.returncode, done.stderr
        rejected = read_mailing_file(world / "r.csv")
        assert ["email", "outcome", "reden"] == list(rejected.columns)
        assert [("x", "suppressed")] == list(
            zip(rejected["outcome"], rejected["reden"], strict=True)
        )


_LISTED = listed_values(["jan.devries@example.nl"], domains=["oud-bedrijf.example"])
#: What a CSV file can hold (no NUL, no lone surrogate): good, messy, listed and bad values.
_WRITABLE = st.one_of(emails(), emails().flatmap(messy_variants), _LISTED, st.just("geen")).filter(
    lambda value: "\x00" not in value and value.encode("utf-8", "replace").decode() == value
)


class TestRejectedProperty:
    """For any import, the output and the rejected file together hold every input row once."""

    @settings(
        max_examples=25,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(frame=mailing_frames(values=_WRITABLE, min_rows=1, max_rows=15))
    def test_kept_plus_rejected_is_the_input(
        self,
        world: Path,
        frame: pd.DataFrame,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """Kept + rejected rows are the input rows, each once, and the JSON report counts them."""
        _in_world(world, monkeypatch)
        capsys.readouterr()
        with tempfile.TemporaryDirectory(dir=world) as folder:
            here = Path(folder)
            write_mailing_file(frame.reset_index(drop=True), here / "in.csv")
            args = ["filter", "list.db", str(here / "in.csv"), "-o", str(here / "k.csv")]
            assert 0 == main([*args, "--rejected", str(here / "r.csv"), "--json"])
            report = json.loads(capsys.readouterr().out)
            kept = read_mailing_file(here / "k.csv")
            rejected = read_mailing_file(here / "r.csv")
        numbers = [int(n) for n in kept["klantnummer"]] + [int(n) for n in rejected["klantnummer"]]
        assert list(range(len(frame))) == sorted(numbers)
        assert (report["total"], report["kept"]) == (len(frame), len(kept))
        words = list(rejected["outcome"])
        assert (report["suppressed"], report["invalid"], report["duplicates"]) == (
            words.count("suppressed"),
            words.count("invalid"),
            words.count("duplicate"),
        )


class TestJsonInput:
    """``filter`` reads JSON and JSON Lines by content, and writes the kept rows as read."""

    def test_json_array_in_a_txt_file(self, world: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """A .txt JSON array: leading zeros and accents kept; output and rejected rows as JSON."""
        records = read_mailing_file(world / "import.csv").to_dict("records")
        (world / "export.txt").write_text(json.dumps(records, ensure_ascii=False), "utf-8")
        _in_world(world, monkeypatch)
        args = ["filter", "list.db", "export.txt", "-o", "kept.txt", "--rejected", "weg.txt"]
        assert 0 == main(args)
        kept = json.loads((world / "kept.txt").read_text(encoding="utf-8"))
        assert [records[3]] == kept
        weg = json.loads((world / "weg.txt").read_text(encoding="utf-8"))
        assert ["0001", "0002", "0003", "0005", "0006", "0007"] == [r["Klantnummer"] for r in weg]
        assert "Noël Post" == weg[2]["Naam"]
        assert "duplicate" == weg[3]["outcome"]

    def test_malformed_json_is_one_line(self, world: Path, run: Run, assert_failed: Check) -> None:
        """A broken JSON Lines file: exit 1, the line named, no address, nothing written."""
        (world / "export").write_bytes(
            b'{"email": "jan.devries@example.nl"}\n{"email": "piet@example.nl",}\n'
        )
        done = run("filter", "list.db", "export", "-o", "k.csv", cwd=world, key=world / "list.key")
        assert_failed(done, "line 2 is not valid JSON")
        assert not (world / "k.csv").exists()
