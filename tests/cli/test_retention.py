"""``locosuppress retention`` (``locosuppress.cli.retention``), run in a subprocess."""

from __future__ import annotations

import json
import stat
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from locosuppress import RetentionPolicy
from locosuppress.retention import LOCOMAIL

Run = Callable[..., subprocess.CompletedProcess[str]]
NOW = ("--now", "2025-03-31")
FILES = {
    "requests.csv": "kind;requested_at;naam\r\nsample;1-9-2024;Jan\r\nquote;2025-03-01;Piet\r\n",
    "purchases.csv": "purchased_at,bedrag\r\n2017-01-01,10\r\n2020-05-05,20\r\n",
    "customers.csv": "received_at,naam\r\n2022-01-01,X\r\n,Y\r\n2024-06-01,Z\r\n",
    "messages.csv": "last_contact_at,onderwerp\r\n2024-01-01,a\r\n2025-03-01,b\r\n",
    "events.csv": (
        "timestamp,email,campaign\r\n"
        "2024-01-05 10:00,a@example.nl,nb1\r\n2025-03-01 10:00,b@example.nl,nb2\r\n"
    ),
}
TABLES = [
    arg
    for name in ("requests", "purchases", "customers", "messages", "events")
    for arg in ("--table", f"{name}={name}.csv")
]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """Exported tables, and a jobs folder with its manifest: one old job, one recent."""
    for name, text in FILES.items():
        (tmp_path / name).write_text(text, encoding="utf-8", newline="")
    jobs = tmp_path / "jobs"
    (jobs / "job-old").mkdir(parents=True)
    (jobs / "job-old" / "adressen.csv").write_text("x\n")
    (jobs / "job-new").mkdir()
    (jobs / "manifest.csv").write_text(
        "path,completed_at\r\njob-old,2024-12-01\r\njob-new,2025-03-20\r\n", newline=""
    )
    return tmp_path


@pytest.mark.slow
class TestRetention:
    """One monthly run: sweep, apply, write, report."""

    def test_print_the_preset(self, tmp_path: Path, run: Run) -> None:
        """--preset locomail --print prints TOML that reads back as the preset."""
        done = run("retention", "--preset", "locomail", "--print", cwd=tmp_path)
        assert 0 == done.returncode, done.stderr
        assert LOCOMAIL == RetentionPolicy.from_toml_text(done.stdout)

    def test_a_dry_run_writes_and_deletes_nothing(self, folder: Path, run: Run) -> None:
        """--dry-run reports and leaves every file as it was."""
        done = run(
            "retention", "--preset", "locomail", *TABLES, "--manifest", "jobs/manifest.csv",
            *NOW, "--dry-run", "--json", cwd=folder,
        )  # fmt: skip
        assert 0 == done.returncode, done.stderr
        reports = json.loads(done.stdout)
        assert 1 == reports["sweep"]["counts"]["would delete"]
        assert 6 == reports["retention"]["deleted"]
        assert (folder / "jobs" / "job-old" / "adressen.csv").exists()
        assert not (folder / "out").exists()

    def test_the_monthly_run(self, folder: Path, run: Run) -> None:
        """Old files go, remaining rows are written as read, 0600; a rerun never overwrites."""
        args = ("retention", "--preset", "locomail", *TABLES, "--manifest", "jobs/manifest.csv")
        done = run(*args, *NOW, "-o", "out", cwd=folder)
        assert 0 == done.returncode, done.stderr
        assert "locosuppress retention: LocoMail" in done.stdout
        assert not (folder / "jobs" / "job-old").exists()
        assert (folder / "jobs" / "job-new").exists()
        out = folder / "out"
        names = sorted(p.name for p in out.iterdir())
        expected = ["customers.csv", "events.csv", "mailing_jobs.csv", "messages.csv"]
        assert [*expected, "purchases.csv", "requests.csv"] == names
        for file in out.iterdir():
            assert 0o600 == stat.S_IMODE(file.stat().st_mode)
        requests = (out / "requests.csv").read_bytes().decode("utf-8")
        assert "kind;requested_at;naam\r\nquote;2025-03-01;Piet\r\n" == requests
        events = (out / "events.csv").read_bytes().decode("utf-8")
        assert "a@example.nl" not in events
        assert "2025-03-01 10:00,b@example.nl,nb2" in events
        again = run(*args, *NOW, "-o", "out", cwd=folder)
        assert 1 == again.returncode
        assert "exists" in again.stderr

    def test_ungoverned_rows_fail_unless_kept(
        self, folder: Path, run: Run, assert_failed: Callable[..., None]
    ) -> None:
        """A request of a kind no rule names fails the run; --keep-ungoverned keeps it."""
        (folder / "requests.csv").write_text(
            "kind;requested_at\r\nnieuwsbrief;2020-01-01\r\n", encoding="utf-8", newline=""
        )
        args = ("retention", "--preset", "locomail", *TABLES, "--manifest", "jobs/manifest.csv")
        failed = run(*args, *NOW, "-o", "out", cwd=folder)
        assert_failed(failed, "no rule of the policy governs (requests: 1)")
        assert "1 rows no rule governs" in failed.stdout
        assert [] == list((folder / "out").iterdir())
        kept = run(*args, *NOW, "-o", "out", "--keep-ungoverned", cwd=folder)
        assert 0 == kept.returncode, kept.stderr
        assert "nieuwsbrief" in (folder / "out" / "requests.csv").read_text(encoding="utf-8")

    def test_unix_times_fail_unless_allowed(
        self, folder: Path, run: Run, assert_failed: Callable[..., None]
    ) -> None:
        """A manifest of Unix times sweeps nothing and fails; --allow-unreadable sweeps them."""
        (folder / "jobs" / "manifest.csv").write_text(
            "path,completed_at\r\njob-old,1733011200\r\njob-new,1742428800\r\n", newline=""
        )
        args = ("retention", "--preset", "locomail", *TABLES, "--manifest", "jobs/manifest.csv")
        failed = run(*args, *NOW, "-o", "out", cwd=folder)
        assert_failed(failed, "2 of 2 dates in column 'completed_at'", "--allow-unreadable")
        assert (folder / "jobs" / "job-new").exists()
        assert (folder / "jobs" / "job-old").exists()
        allowed = run(*args, *NOW, "-o", "out", "--allow-unreadable", cwd=folder)
        assert 0 == allowed.returncode, allowed.stderr
        assert not (folder / "jobs" / "job-new").exists()

    def test_a_missing_table_names_the_rule(
        self, folder: Path, run: Run, assert_failed: Callable[..., None]
    ) -> None:
        """Each rule's table must be given; the message says which option is missing."""
        failed = run("retention", "--preset", "locomail", *TABLES, *NOW, "-o", "out", cwd=folder)
        assert_failed(failed, "rule 'personalised-mailing-data'", "pass --manifest FILE")

    def test_a_policy_file(
        self, folder: Path, run: Run, assert_failed: Callable[..., None]
    ) -> None:
        """A policy file is read; a broken one is a clear error."""
        (folder / "policy.toml").write_text(
            'name = "p"\nversion = "1"\n\n[[rule]]\nname = "mail"\ntable = "messages"\n'
            'date_column = "last_contact_at"\nkeep_for = "6 months"\n',
            encoding="utf-8",
        )
        done = run(
            "retention",
            "policy.toml",
            "--table",
            "messages=messages.csv",
            *NOW,
            "-o",
            "o",
            cwd=folder,
        )
        assert 0 == done.returncode, done.stderr
        written = (folder / "o" / "messages.csv").read_bytes().decode()
        assert "last_contact_at,onderwerp\r\n2025-03-01,b\r\n" == written
        (folder / "broken.toml").write_text('name = "p"\n', encoding="utf-8")
        broken = run(
            "retention", "broken.toml", "--table", "m=messages.csv", "-o", "o2", cwd=folder
        )
        assert_failed(broken, "version is missing")

    def test_usage(self, folder: Path, run: Run, assert_failed: Callable[..., None]) -> None:
        """A policy file and a preset, or neither, is wrong usage."""
        assert_failed(run("retention", cwd=folder), "give a POLICY file or --preset", code=2)
        assert_failed(
            run("retention", "--preset", "locomail", "--table", "x", cwd=folder),
            "--table takes NAME=FILE",
            code=2,
        )
