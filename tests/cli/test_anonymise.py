"""``locosuppress anonymise`` (``locosuppress.cli.anonymise``), run in a subprocess."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from interop_support import EVENT_FILES, NOW, event_files

import locosuppress
from locosuppress import read_events
from locosuppress.cli import main

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


class TestAnonymiseFormat:
    """``anonymise --format F``: each provider's event export anonymised with one command."""

    @pytest.mark.parametrize("name", sorted(EVENT_FILES))
    def test_provider_export(
        self,
        tmp_path: Path,
        name: str,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """Recent rows as read_events reads them; old rows keep event, campaign, url only."""
        path = event_files(tmp_path)[name]
        monkeypatch.chdir(tmp_path)
        now = NOW.isoformat()
        for fmt in (EVENT_FILES[name], "auto"):
            args = ["anonymise", path.name, "-o", f"out-{fmt}.csv", "--format", fmt, "--now", now]
            assert 0 == main([*args, "--json"])
            report = json.loads(capsys.readouterr().out)
            assert (2, 1) == (report["rows_seen"], report["rows_selected"])
            out = locosuppress.read_mailing_file(tmp_path / f"out-{fmt}.csv")
            shape = read_events(path)
            assert list(shape.columns) == list(out.columns)
            recent = {c: "" if pd.isna(v) else str(v) for c, v in shape.iloc[1].items()}
            del recent["timestamp"]
            assert recent == out.drop(columns="timestamp").iloc[1].to_dict()
            assert shape["timestamp"].iloc[1] == pd.Timestamp(out["timestamp"].iloc[1])
            old = out.iloc[0].to_dict()
            assert "" == old["email"]
            assert [shape["event"].iloc[0], shape["campaign"].iloc[0]] == [
                old["event"],
                old["campaign"],
            ]
            assert "jan@example.nl" not in old["url"]
            person = set(out.columns) - {"timestamp", "event", "campaign", "url"}
            assert {""} == {old[c] for c in person}
            assert pd.Timestamp("2023-01-10", tz="UTC") == pd.Timestamp(old["timestamp"])

    def test_json_output_and_tz(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """A .json output is a JSON array in the one shape; times in --tz as ISO 8601."""
        event_files(tmp_path)
        monkeypatch.chdir(tmp_path)
        args = ["anonymise", "sendgrid-events", "-o", "out.json", "--format", "sendgrid"]
        assert 0 == main([*args, "--now", "2025-06-01", "--tz", "Europe/Amsterdam"])
        rows = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
        assert ["2023-01-10T00:00:00+01:00", "2025-05-20T10:00:00+02:00"] == [
            r["timestamp"] for r in rows
        ]
        assert [None, "jan@example.nl"] == [r["email"] for r in rows]

    @pytest.mark.parametrize(
        ("extra", "phrase"),
        [
            (["--timestamp", "date_event"], "--timestamp applies without --format"),
            (["--delimiter", ";"], "--delimiter applies without --format"),
        ],
    )
    def test_options_that_do_not_fit(
        self,
        tmp_path: Path,
        extra: list[str],
        phrase: str,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """--timestamp and --delimiter do not go with --format: exit 1, nothing written."""
        event_files(tmp_path)
        monkeypatch.chdir(tmp_path)
        assert 1 == main(["anonymise", "brevo.csv", "-o", "o.csv", "--format", "brevo", *extra])
        assert phrase in capsys.readouterr().err
        assert not (tmp_path / "o.csv").exists()

    def test_wrong_format_and_unknown_layout(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A file that is not the named provider's, or fits none: a clear error naming format."""
        event_files(tmp_path)
        monkeypatch.chdir(tmp_path)
        assert 1 == main(["anonymise", "brevo.csv", "-o", "o.csv", "--format", "mailgun"])
        assert "not a mailgun event export" in capsys.readouterr().err
        (tmp_path / "x.csv").write_text("when,who\r\n2024-01-01,a@example.nl\r\n", "utf-8")
        assert 1 == main(["anonymise", "x.csv", "-o", "o.csv", "--format", "auto"])
        err = capsys.readouterr().err
        assert "cannot tell the event layout" in err
        assert "@" not in err
        assert not (tmp_path / "o.csv").exists()

    def test_unknown_format_is_usage(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """--format hotmail: a usage error listing the formats."""
        monkeypatch.chdir(tmp_path)
        assert 2 == main(["anonymise", "x.csv", "-o", "o.csv", "--format", "hotmail"])
        assert "sendgrid" in capsys.readouterr().err


class TestAnonymiseJson:
    """Without --format, a JSON or JSON Lines events file is read by content too."""

    def test_json_lines_events_without_suffix(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """ISO times in JSON Lines: old row emptied, output JSON Lines as read."""
        (tmp_path / "events").write_text(
            '{"timestamp": "2024-01-05 10:00", "email": "a@example.nl", "event": "open"}\n'
            '{"timestamp": "2025-06-01 10:00", "email": "zoë@example.nl", "event": "click"}\n',
            encoding="utf-8",
        )
        monkeypatch.chdir(tmp_path)
        assert 0 == main(["anonymise", "events", "-o", "out", "--now", "2025-07-01"])
        rows = [json.loads(line) for line in (tmp_path / "out").read_text("utf-8").splitlines()]
        assert [None, "zoë@example.nl"] == [r["email"] for r in rows]
        assert ["open", "click"] == [r["event"] for r in rows]
