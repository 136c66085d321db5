"""Tests for sweep(): the files of jobs past their period, real files in tmp_path."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from locosuppress import InvalidOptionError, RetentionPolicy, RetentionRule, SchemaError

TZ = "Europe/Amsterdam"
NOW = "2025-03-31 12:00"
OLD = "2025-01-15"  # more than two months before NOW
RECENT = "2025-03-01"


def _policy() -> RetentionPolicy:
    return RetentionPolicy(
        name="p",
        version="1",
        rules=[
            RetentionRule(
                name="jobs",
                table="mailing_jobs",
                date_column="completed_at",
                keep_for="2 months",
                path_column="path",
            )
        ],
    )


def _manifest(*rows: tuple[object, object]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["path", "completed_at"])


@pytest.fixture
def jobs(tmp_path: Path) -> Path:
    """A folder of jobs: an old folder with files and a sub-folder, a recent file."""
    root = tmp_path / "jobs"
    (root / "old" / "deep").mkdir(parents=True)
    (root / "old" / "adressen.csv").write_text("x\n")
    (root / "old" / "deep" / "proef.pdf").write_text("x\n")
    (root / "recent.csv").write_text("x\n")
    return root


class TestSweep:
    """What is past its period goes; the rest stays; everything is reported."""

    def test_a_dry_run_lists_and_deletes_nothing(self, jobs: Path) -> None:
        """dry_run (the default) only says what would go."""
        manifest = _manifest(("old", OLD), ("recent.csv", RECENT))
        report = _policy().sweep(manifest, root=jobs, now=NOW, tz=TZ)
        assert [("old", "folder", "would delete")] == [
            (i.path, i.kind, i.outcome) for i in report.items
        ]
        assert (jobs / "old" / "deep" / "proef.pdf").exists()
        assert report.dry_run
        assert report.ok

    def test_deleting(self, jobs: Path) -> None:
        """dry_run=False deletes folders with their contents and files; recent ones stay."""
        manifest = _manifest(("old", OLD), ("recent.csv", RECENT), ("gone.csv", OLD), (None, OLD))
        report = _policy().sweep(manifest, root=jobs, now=NOW, tz=TZ, dry_run=False)
        assert not (jobs / "old").exists()
        assert (jobs / "recent.csv").exists()
        assert {"deleted": 1, "missing": 1, "no path": 1} == {
            k: v for k, v in report.counts.items() if v
        }
        assert [0, 2, 3] == [i.position for i in report.items]
        assert not report.ok  # a row without a path needs a look

    def test_a_missing_date_fails_closed(self, jobs: Path) -> None:
        """A job without a completion date is past its period."""
        report = _policy().sweep(
            _manifest(("recent.csv", None)), root=jobs, now=NOW, tz=TZ, dry_run=False
        )
        assert ["deleted"] == [i.outcome for i in report.items]
        assert not (jobs / "recent.csv").exists()

    def test_a_second_sweep_finds_them_missing(self, jobs: Path) -> None:
        """Sweeping twice deletes nothing more and reports the paths as missing."""
        manifest = _manifest(("old", OLD))
        _policy().sweep(manifest, root=jobs, now=NOW, tz=TZ, dry_run=False)
        again = _policy().sweep(manifest, root=jobs, now=NOW, tz=TZ, dry_run=False)
        assert ["missing"] == [i.outcome for i in again.items]


class TestNeverOutside:
    """A sweep never leaves the root, and never follows a symbolic link."""

    def test_dot_dot_and_absolute_paths_outside_are_refused(
        self, jobs: Path, tmp_path: Path
    ) -> None:
        """'..' and an absolute path elsewhere are refused and reported."""
        keep = tmp_path / "keep.csv"
        keep.write_text("x\n")
        manifest = _manifest(("../keep.csv", OLD), (str(keep), OLD), (".", OLD))
        report = _policy().sweep(manifest, root=jobs, now=NOW, tz=TZ, dry_run=False)
        assert ["outside", "outside", "outside"] == [i.outcome for i in report.items]
        assert keep.exists()
        assert jobs.exists()

    def test_a_link_is_removed_as_a_link(self, jobs: Path, tmp_path: Path) -> None:
        """A job path that is a link to a folder elsewhere: the link goes, the folder stays."""
        elsewhere = tmp_path / "elsewhere"
        elsewhere.mkdir()
        (elsewhere / "precious.csv").write_text("x\n")
        (jobs / "link").symlink_to(elsewhere, target_is_directory=True)
        report = _policy().sweep(_manifest(("link", OLD)), root=jobs, now=NOW, tz=TZ, dry_run=False)
        assert [("link", "deleted")] == [(i.kind, i.outcome) for i in report.items]
        assert not os.path.lexists(jobs / "link")
        assert (elsewhere / "precious.csv").exists()

    def test_links_inside_a_folder_are_not_followed(self, jobs: Path, tmp_path: Path) -> None:
        """Removing a folder removes the links in it, never what they point to."""
        elsewhere = tmp_path / "elsewhere"
        elsewhere.mkdir()
        (elsewhere / "precious.csv").write_text("x\n")
        (jobs / "old" / "to-folder").symlink_to(elsewhere, target_is_directory=True)
        (jobs / "old" / "to-file").symlink_to(elsewhere / "precious.csv")
        _policy().sweep(_manifest(("old", OLD)), root=jobs, now=NOW, tz=TZ, dry_run=False)
        assert not (jobs / "old").exists()
        assert (elsewhere / "precious.csv").exists()

    def test_a_path_through_a_linked_folder_is_refused(self, jobs: Path, tmp_path: Path) -> None:
        """A path whose folder is a link out of the root is outside."""
        elsewhere = tmp_path / "elsewhere"
        elsewhere.mkdir()
        (elsewhere / "precious.csv").write_text("x\n")
        (jobs / "door").symlink_to(elsewhere, target_is_directory=True)
        report = _policy().sweep(
            _manifest(("door/precious.csv", OLD)), root=jobs, now=NOW, tz=TZ, dry_run=False
        )
        assert ["outside"] == [i.outcome for i in report.items]
        assert (elsewhere / "precious.csv").exists()

    @pytest.mark.skipif(os.geteuid() == 0, reason="root may delete in a read-only folder")
    def test_what_cannot_be_deleted_is_reported(self, jobs: Path) -> None:
        """A file in a folder without write permission fails with the reason; the rest goes on."""
        locked = jobs / "locked"
        locked.mkdir()
        (locked / "job.csv").write_text("x\n")
        locked.chmod(0o500)
        try:
            report = _policy().sweep(
                _manifest(("locked/job.csv", OLD), ("old", OLD)),
                root=jobs,
                now=NOW,
                tz=TZ,
                dry_run=False,
            )
        finally:
            locked.chmod(0o700)
        assert [("failed", "permission denied"), ("deleted", "")] == [
            (i.outcome, i.reason) for i in report.items
        ]
        assert not report.ok


class TestErrors:
    """Sweeping needs a rule with a path column, its columns and a root folder."""

    def test_no_rule_names_files(self, jobs: Path) -> None:
        """A policy without path_column cannot sweep."""
        policy = RetentionPolicy(
            name="p",
            version="1",
            rules=[RetentionRule(name="r", table="t", date_column="d", keep_for=1)],
        )
        with pytest.raises(InvalidOptionError, match="no rule of the policy names a path_column"):
            policy.sweep(_manifest(), root=jobs)

    def test_root_must_be_a_folder(self, tmp_path: Path) -> None:
        """A missing root is an error before anything happens."""
        with pytest.raises(InvalidOptionError, match="is not a folder"):
            _policy().sweep(_manifest(), root=tmp_path / "nope")

    def test_the_path_column_must_be_there(self, jobs: Path) -> None:
        """A missing path column names the rule."""
        manifest = pd.DataFrame({"completed_at": [OLD]})
        with pytest.raises(SchemaError, match="rule 'jobs': table 'mailing_jobs' has no path"):
            _policy().sweep(manifest, root=jobs, now=NOW)

    def test_the_report_shows(self, jobs: Path) -> None:
        """Text, HTML and dict."""
        report = _policy().sweep(_manifest(("old", OLD)), root=jobs, now=NOW, tz=TZ)
        assert "1 would delete" in str(report)
        assert "<table" in report._repr_html_()
        assert 1 == report.to_dict()["counts"]["would delete"]
