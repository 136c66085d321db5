"""``locosuppress anonymise`` (``locosuppress.cli.anonymise``), run in a subprocess."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

import locosuppress

Run = Callable[..., subprocess.CompletedProcess[str]]
EVENTS = (
    "timestamp;email;klant_id;campaign;event;url\r\n"
    "2024-01-05 10:00:00;a@example.nl;1;nb-01;click;https://www.example.nl/?utm_source=nb&uid=1\r\n"
    "31-1-2024 14:05;b@example.nl;2;nb-01;open;\r\n"
    "2025-06-01T10:00:00+02:00;c@example.nl;3;nb-06;open;\r\n"
    ";d@example.nl;4;nb-06;open;\r\n"
    "gisteren;e@example.nl;5;nb-06;open;\r\n"
)


@pytest.mark.slow
class TestAnonymise:
    """Events files are read, anonymised and written back as the docs say."""

    def test_anonymise_reads_text_times_and_writes_iso(self, tmp_path: Path, run: Run) -> None:
        """ISO, day-first and offset times are read; old rows emptied; ISO 8601 written back."""
        (tmp_path / "events.csv").write_text(EVENTS, encoding="utf-8", newline="")
        done = run(
            "anonymise",
            "events.csv",
            "-o",
            "anoniem.csv",
            "--now",
            "2025-07-01",
            "--tz",
            "Europe/Amsterdam",
            "--aggregates",
            "groepen.csv",
            "--json",
            cwd=tmp_path,
        )
        assert 0 == done.returncode, done.stderr
        report = json.loads(done.stdout)
        assert (5, 4, 2) == (
            report["rows_seen"],
            report["rows_selected"],
            report["rows_missing_timestamp"],
        )
        out = locosuppress.read_mailing_file(tmp_path / "anoniem.csv")
        assert [
            "2024-01-05T00:00:00+01:00",
            "2024-01-31T00:00:00+01:00",
            "2025-06-01T10:00:00+02:00",
            "",
            "",
        ] == out["timestamp"].tolist()
        assert ["", "", "c@example.nl", "", ""] == out["email"].tolist()
        assert "https://www.example.nl/?utm_source=nb" == out["url"][0]
        assert ";" == out.attrs["locosuppress"]["delimiter"]
        groups = locosuppress.read_mailing_file(tmp_path / "groepen.csv")
        assert ["timestamp", "campaign", "event", "url", "events", "people"] == list(groups.columns)


# SendGrid/Brevo style: Unix seconds. 1704462300 = 2024-01-05 13:45 UTC (old),
# 1751270400 = 2025-06-30 08:00 UTC (recent), 253402214400 = 9999-12-31 (a sentinel).
UNIX_EVENTS = (
    "timestamp,email,event,url\n"
    "1704462300,a@example.nl,click,https://x.nl/?uid=1\n"
    "1751270400,b@example.nl,open,\n"
    "1751270400,c@example.nl,open,\n"
)


@pytest.mark.slow
class TestAnonymiseTimestamps:
    """Unix times, unreadable and future timestamps, and --now: refused or read exactly."""

    def test_unix_times_refused_without_unit(
        self, tmp_path: Path, run: Run, assert_failed: Callable[..., None]
    ) -> None:
        """Unix seconds without --timestamp-unit: exit 1 naming the option, nothing written."""
        (tmp_path / "events.csv").write_text(UNIX_EVENTS, encoding="utf-8")
        done = run("anonymise", "events.csv", "-o", "out.csv", "--now", "2025-07-01", cwd=tmp_path)
        assert_failed(done, "Unix times", "--timestamp-unit")
        assert not (tmp_path / "out.csv").exists()

    def test_unix_times_with_unit_and_us_spelling(self, tmp_path: Path, run: Run) -> None:
        """`anonymize --timestamp-unit s` reads them: old rows anonymised, times floored in kind."""
        (tmp_path / "events.csv").write_text(UNIX_EVENTS, encoding="utf-8")
        done = run(
            "anonymize",
            "events.csv",
            "-o",
            "out.csv",
            "--now",
            "2025-07-01",
            "--timestamp-unit",
            "s",
            "--json",
            cwd=tmp_path,
        )
        assert 0 == done.returncode, done.stderr
        report = json.loads(done.stdout)
        assert (3, 1, 0) == (
            report["rows_seen"],
            report["rows_selected"],
            report["rows_missing_timestamp"],
        )
        out = locosuppress.read_mailing_file(tmp_path / "out.csv")
        assert ["1704412800", "1751270400", "1751270400"] == out["timestamp"].tolist()
        assert ["", "b@example.nl", "c@example.nl"] == out["email"].tolist()

    def test_mostly_unreadable_and_future(
        self, tmp_path: Path, run: Run, assert_failed: Callable[..., None]
    ) -> None:
        """Mostly unreadable or future times: exit 1; --allow-unreadable anonymises and counts."""
        (tmp_path / "events.csv").write_text(
            "timestamp,email\n"
            "gisteren,a@example.nl\n"
            "9999-12-31,b@example.nl\n"
            "2025-06-30 10:00,c@example.nl\n",
            encoding="utf-8",
        )
        refused = run(
            "anonymise", "events.csv", "-o", "out.csv", "--now", "2025-07-01", cwd=tmp_path
        )
        assert_failed(refused, "2 of 3 timestamps", "--allow-unreadable")
        assert not (tmp_path / "out.csv").exists()
        done = run(
            "anonymise",
            "events.csv",
            "-o",
            "out.csv",
            "--now",
            "2025-07-01",
            "--allow-unreadable",
            "--json",
            cwd=tmp_path,
        )
        assert 0 == done.returncode, done.stderr
        report = json.loads(done.stdout)
        assert (2, 1, 1) == (
            report["rows_selected"],
            report["rows_unreadable_timestamp"],
            report["rows_future_timestamp"],
        )
        out = locosuppress.read_mailing_file(tmp_path / "out.csv")
        assert ["", "", "c@example.nl"] == out["email"].tolist()
        assert ["", "", "2025-06-30T10:00:00"] == out["timestamp"].tolist()

    def test_now_month_first_refused(
        self, tmp_path: Path, run: Run, assert_failed: Callable[..., None]
    ) -> None:
        """--now 01-07-2025 is not guessed: a usage error asking for ISO 8601."""
        (tmp_path / "events.csv").write_text(EVENTS, encoding="utf-8", newline="")
        done = run("anonymise", "events.csv", "-o", "out.csv", "--now", "01-07-2025", cwd=tmp_path)
        assert_failed(done, "ISO 8601", code=2)
        assert not (tmp_path / "out.csv").exists()
