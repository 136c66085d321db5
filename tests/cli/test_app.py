"""The command as a whole (``locosuppress.cli._app``): parsing, help, failures, the walkthrough.

The workflow test runs the whole command set in subprocesses, as the docs
show it; parsing and help texts are tested in-process.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

import locosuppress
from locosuppress.cli import _app

ROOT = Path(__file__).parent.parent.parent
Run = Callable[..., subprocess.CompletedProcess[str]]
Check = Callable[..., None]


@pytest.mark.slow
class TestWorkflow:
    """The whole command set works from the terminal, as the docs show it."""

    def test_key_list_add_filter_and_look_after(
        self,
        tmp_path: Path,
        run: Run,
        write_import: Callable[[Path], Path],
        suppressed: tuple[str, str, str],
        address: re.Pattern[str],
    ) -> None:
        """key new, init, add three ways, filter, stats, audit, verify, backup, export, merge."""
        done = run("key", "new", "list.key", cwd=tmp_path)
        assert 0 == done.returncode, done.stderr
        key = tmp_path / "list.key"
        assert 0o600 == stat.S_IMODE(key.stat().st_mode)
        fingerprint = locosuppress.SuppressionKey.load(key).fingerprint
        assert fingerprint in done.stdout

        done = run("init", "--key-file", "list.key", "list.db", cwd=tmp_path)
        assert 0 == done.returncode, done.stderr

        # Options after the positional arguments, and between them.
        done = run(
            "add", "list.db", "--reason", "erasure", suppressed[0], "--json", cwd=tmp_path, key=key
        )
        assert 0 == done.returncode, done.stderr
        assert {"added": 1, "invalid": 0} == {
            k: v for k, v in json.loads(done.stdout).items() if k in ("added", "invalid")
        }
        done = run(
            "add",
            "list.db",
            "--scope",
            "newsletter",
            cwd=tmp_path,
            key=key,
            stdin=f"{suppressed[1]}\n\n{suppressed[0]}\r\n",
        )
        assert 0 == done.returncode, done.stderr
        assert re.search(r"added\s+2\b", done.stdout)  # another scope: a new entry for jan
        (tmp_path / "posters.csv").write_text(f"Email\n{suppressed[2]}\n", encoding="utf-8")
        done = run(
            "add", "list.db", "--from", "posters.csv", "--scope", "post", cwd=tmp_path, key=key
        )
        assert 0 == done.returncode, done.stderr
        done = run("add-domain", "list.db", "Oud-Bedrijf.EXAMPLE", cwd=tmp_path, key=key)
        assert 0 == done.returncode, done.stderr

        write_import(tmp_path / "import.csv")
        done = run(
            "filter",
            "list.db",
            "import.csv",
            "-o",
            "schoon.csv",
            "--channel",
            "newsletter",
            "--report",
            "report.json",
            cwd=tmp_path,
            key=key,
        )
        assert 0 == done.returncode, done.stderr
        assert "" == done.stderr  # no progress when standard error is not a terminal
        report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
        assert (7, 2, 3, 1, 1) == (
            report["total"],
            report["kept"],
            report["suppressed"],
            report["invalid"],
            report["duplicates"],
        )
        assert re.search(r"kept\s+2\b", done.stdout)
        written = (tmp_path / "schoon.csv").read_bytes()
        assert written.startswith("Klantnummer;Naam;E-mailadres;Postcode\r\n".encode("cp1252"))
        clean = locosuppress.read_mailing_file(tmp_path / "schoon.csv")
        assert ["0003", "0004"] == clean["Klantnummer"].tolist()
        assert ("cp1252", ";") == (
            clean.attrs["locosuppress"]["encoding"],
            clean.attrs["locosuppress"]["delimiter"],
        )

        done = run("stats", "list.db", "--json", cwd=tmp_path, key=key)
        stats = json.loads(done.stdout)
        assert (4, 3, 1) == (stats["total"], stats["emails"], stats["domains"])
        done = run("audit", "list.db", "--last", "2", cwd=tmp_path, key=key)
        assert 0 == done.returncode
        assert "filter" in done.stdout
        assert address.search(done.stdout) is None
        done = run("verify", "list.db", cwd=tmp_path, key=key)
        assert 0 == done.returncode
        assert re.search(r"ok\s+yes", done.stdout)
        done = run("backup", "list.db", "backup.db", cwd=tmp_path, key=key)
        assert 0 == done.returncode
        assert (tmp_path / "backup.db").is_file()
        done = run(
            "export", "list.db", "export.txt", "--channel", "newsletter", cwd=tmp_path, key=key
        )
        assert 0 == done.returncode
        assert fingerprint in done.stdout
        run("init", "other.db", cwd=tmp_path, key=key)
        done = run("merge", "other.db", "export.txt", "--source", "partner", cwd=tmp_path, key=key)
        assert 0 == done.returncode
        assert re.search(r"added\s+4\b", done.stdout)

        done = run(
            "remove",
            "list.db",
            "-",
            "--reason",
            "resubscribed",
            cwd=tmp_path,
            key=key,
            stdin=f"{suppressed[1]}\n",
        )
        assert 0 == done.returncode
        assert "Removed" in done.stdout
        reopened = locosuppress.SuppressionKey.load(key)
        with locosuppress.SuppressionList.open(tmp_path / "list.db", reopened) as lst:
            assert suppressed[1] not in lst
            assert suppressed[0] in lst
        assert address.search(done.stdout) is None


@pytest.mark.slow
class TestFailures:
    """Failures exit 1 with one line on standard error, never a traceback or an address."""

    def test_debug_shows_the_traceback_without_addresses(
        self, world: Path, run: Run, address: re.Pattern[str]
    ) -> None:
        """--debug adds the traceback; addresses in messages stay hidden even there."""
        (world / "headerless.csv").write_text("jan.devries@example.nl;Jan\r\n", encoding="utf-8")
        done = run(
            "filter",
            "list.db",
            "headerless.csv",
            "-o",
            "o.csv",
            "--debug",
            cwd=world,
            key=world / "list.key",
        )
        assert 1 == done.returncode
        assert "Traceback" in done.stderr
        assert "SchemaError" in done.stderr
        assert address.search(done.stderr) is None
        assert done.stderr.rstrip().splitlines()[-1].startswith("locosuppress: error: ")


@pytest.mark.slow
class TestUsageErrors:
    """Wrong usage exits 2 with argparse's usage line."""

    def test_usage_errors(self, world: Path, run: Run, assert_failed: Check) -> None:
        """Unknown command, missing -o, bad choice, bad time zone, remove without --reason."""
        key = world / "list.key"
        for args in (
            ("frobnicate",),
            ("filter", "list.db", "import.csv"),
            ("filter", "list.db", "import.csv", "-o", "x.csv", "--channel", "fax"),
            ("anonymise", "import.csv", "-o", "x.csv", "--tz", "Mars/Olympus"),
            ("remove", "list.db", "jan@example.nl"),
            ("filter", "list.db", "import.csv", "-o", "x.csv", "--workers", "0"),
        ):
            done = run(*args, cwd=world, key=key)
            assert_failed(done, "usage:", code=2)

    def test_help_and_version(self, tmp_path: Path, run: Run) -> None:
        """--help lists the commands with examples; --version names the version."""
        done = run("--help", cwd=tmp_path)
        assert 0 == done.returncode
        for command in ("filter", "anonymise", "demo", "verify"):
            assert command in done.stdout
        done = run("--version", cwd=tmp_path)
        assert locosuppress.__version__ in done.stdout


class TestParsing:
    """The parser: intermixed options, every command has help with examples."""

    @pytest.mark.parametrize(
        "argv",
        [
            ["add", "list.db", "--reason", "erasure", "a@example.nl", "b@example.nl"],
            ["add", "--reason", "erasure", "list.db", "a@example.nl", "b@example.nl"],
            ["add", "list.db", "a@example.nl", "--reason", "erasure", "b@example.nl"],
            ["--debug", "add", "list.db", "a@example.nl", "b@example.nl", "--reason", "erasure"],
        ],
    )
    def test_options_before_or_after_positionals(self, argv: list[str]) -> None:
        """Every order gives the same arguments."""
        args = _app.parse(argv)
        assert (Path("list.db"), ["a@example.nl", "b@example.nl"], "erasure") == (
            args.list,
            args.addresses,
            args.reason,
        )

    def test_every_command_has_help_with_examples(self, capsys: pytest.CaptureFixture[str]) -> None:
        """``COMMAND --help`` exits 0 and shows an examples section."""
        _, parsers = _app.build_parser()
        for words in parsers:
            assert 0 == _app.main([*words, "--help"])
            out = capsys.readouterr().out
            assert "examples:" in out, words
            assert f"locosuppress {' '.join(words)}" in out

    def test_internal_errors_hide_their_message(
        self, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """An unexpected exception's text (which could hold data) is not printed."""

        def broken(args: object, console: object) -> int:
            raise RuntimeError("jan@example.nl leaked")

        monkeypatch.setattr("locosuppress.cli.maintenance.stats", broken)
        assert 1 == _app.main(["stats", "list.db"])
        err = capsys.readouterr().err
        assert "internal error (RuntimeError)" in err
        assert "@" not in err


@pytest.mark.slow
class TestCommandLinePage:
    """docs/command-line.md: the walkthrough's commands run as written."""

    def test_walkthrough_runs(self, tmp_path: Path) -> None:
        """Every ``$ `` line of the ```console blocks succeeds, in order, in a new folder."""
        page = (ROOT / "docs" / "command-line.md").read_text(encoding="utf-8")
        blocks = re.findall(r"```console\n(.*?)```", page, re.S)
        commands = [
            line[2:] for block in blocks for line in block.splitlines() if line.startswith("$ ")
        ]
        assert len(commands) >= 10
        script = "\n".join(
            [
                "set -euo pipefail",
                f'locosuppress() {{ "{sys.executable}" -m locosuppress "$@"; }}',
                *(f"echo '+ {c}' >&2\n{c}" for c in commands),
            ]
        )
        env = {k: v for k, v in os.environ.items() if k != "LOCOSUPPRESS_KEY"}
        bash = shutil.which("bash") or "/bin/bash"
        done = subprocess.run(
            [bash, "-c", script],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert 0 == done.returncode, done.stderr[-3000:]
