"""``locosuppress demo`` (``locosuppress.cli.demo``), run in a subprocess."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

import locosuppress

Run = Callable[..., subprocess.CompletedProcess[str]]
Check = Callable[..., None]


@pytest.mark.slow
class TestDemo:
    """``locosuppress demo`` runs the whole job on sample data and says where it is."""

    def test_demo_in_a_new_temporary_folder(
        self, tmp_path: Path, run: Run, assert_failed: Check
    ) -> None:
        """Both reports printed; the files are there; the import is messy Dutch Excel."""
        done = run(
            "demo",
            "--rows",
            "400",
            "--now",
            "2025-07-01T12:00",
            cwd=tmp_path,
            env={"TMPDIR": str(tmp_path)},
        )
        assert 0 == done.returncode, done.stderr
        assert "locosuppress filter report" in done.stdout
        assert "locosuppress anonymisation" in done.stdout
        folder = Path(re.search(r"locosuppress demo in (\S+)", done.stdout)[1])  # type: ignore[index]
        assert tmp_path == folder.parent
        for name in (
            "demo.key",
            "suppression.db",
            "import-clean.csv",
            "events-anonymised.csv",
            "event-aggregates.csv",
            "filter-report.json",
        ):
            assert (folder / name).is_file(), name
        mailing = locosuppress.read_mailing_file(folder / "import.csv")
        assert ("cp1252", ";") == (
            mailing.attrs["locosuppress"]["encoding"],
            mailing.attrs["locosuppress"]["delimiter"],
        )
        done = run("demo", "--dir", str(folder), cwd=tmp_path)
        assert_failed(done, "already holds demo files")
