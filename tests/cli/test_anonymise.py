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
