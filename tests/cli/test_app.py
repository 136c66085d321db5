"""The ``locosuppress`` command, run for real in a subprocess, failures included.

Each subprocess starts a Python with pandas (about half a second), so the
assertions are grouped: one workflow test walks the whole command set, and the
failure tests check exit status, the one-line message and that no address
ever reaches standard error. Parsing, help texts, the progress indicator and
the demo data are tested in-process.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import locosuppress
from locosuppress import cli
from locosuppress._cli_progress import Progress
from locosuppress.demo import make_demo_data

ROOT = Path(__file__).parent.parent
ADDRESS = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
SUPPRESSED = ("jan.devries@example.nl", "nieuws.lezer@example.nl", "post.only@example.nl")
IMPORT_ROWS = [
    ("Klantnummer", "Naam", "E-mailadres", "Postcode"),
    ("0001", "Jan de Vries", "Jan de Vries <JAN.DEVRIES@Example.NL>", "01067"),
    ("0002", "Zoë Lezer", "  nieuws.lezer+nb@example.nl ", "1012 AB"),
    ("0003", "Noël Post", "post.only@example.nl", "0123"),
    ("0004", "Piet", "piet@example.nl", "2000"),
    ("0005", "Piet nog eens", "PIET@example.nl ", "2000"),
    ("0006", "Oud", "iemand@oud-bedrijf.example", "3000"),
    ("0007", "Geen", "n.v.t.", "4000"),
]
EVENTS = (
    "timestamp;email;klant_id;campaign;event;url\r\n"
    "2024-01-05 10:00:00;a@example.nl;1;nb-01;click;https://www.example.nl/?utm_source=nb&uid=1\r\n"
    "31-1-2024 14:05;b@example.nl;2;nb-01;open;\r\n"
    "2025-06-01T10:00:00+02:00;c@example.nl;3;nb-06;open;\r\n"
    ";d@example.nl;4;nb-06;open;\r\n"
    "gisteren;e@example.nl;5;nb-06;open;\r\n"
)


def run(
    *args: str | Path,
    cwd: Path,
    key: Path | None = None,
    stdin: str | None = None,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m locosuppress ARGS`` with the key file in the environment, if given."""
    environment = {k: v for k, v in os.environ.items() if k != "LOCOSUPPRESS_KEY"}
    environment["PYTHONIOENCODING"] = "utf-8"
    if key is not None:
        environment["LOCOSUPPRESS_KEY"] = key.read_text(encoding="ascii").strip()
    environment |= env or {}
    return subprocess.run(
        [sys.executable, "-m", "locosuppress", *map(str, args)],
        cwd=cwd,
        env=environment,
        input=stdin if stdin is not None else "",
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=180,
        check=False,
    )


def assert_failed(result: subprocess.CompletedProcess[str], *phrases: str, code: int = 1) -> None:
    """Exit status ``code``, one ``error:`` line naming ``phrases``, no traceback, no address."""
    assert code == result.returncode, result.stderr
    assert "Traceback" not in result.stderr
    assert ADDRESS.search(result.stderr) is None, result.stderr
    if code == 1:
        lines = result.stderr.strip().splitlines()
        assert 1 == len(lines), result.stderr
        assert lines[0].startswith("locosuppress: error: ")
    for phrase in phrases:
        assert phrase in result.stderr


def write_import(path: Path) -> Path:
    """The messy import, as Dutch Excel saves it: ';', Windows-1252, CRLF."""
    text = "".join(";".join(row) + "\r\n" for row in IMPORT_ROWS)
    path.write_bytes(text.encode("cp1252"))
    return path


@pytest.fixture
def world(tmp_path: Path) -> Path:
    """A folder with list.key, a list of three people and a domain, and import.csv."""
    key = locosuppress.SuppressionKey.generate()
    key.save(tmp_path / "list.key")
    with locosuppress.SuppressionList.open(tmp_path / "list.db", key) as lst:
        lst.add(SUPPRESSED[0], reason="erasure")
        lst.add(SUPPRESSED[1], scope="newsletter")
        lst.add(SUPPRESSED[2], scope="post")
        lst.add_domain("oud-bedrijf.example")
    write_import(tmp_path / "import.csv")
    return tmp_path


@pytest.mark.slow
class TestWorkflow:
    """The whole command set works from the terminal, as the docs show it."""

    def test_key_list_add_filter_and_look_after(self, tmp_path: Path) -> None:
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
            "add", "list.db", "--reason", "erasure", SUPPRESSED[0], "--json", cwd=tmp_path, key=key
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
            stdin=f"{SUPPRESSED[1]}\n\n{SUPPRESSED[0]}\r\n",
        )
        assert 0 == done.returncode, done.stderr
        assert re.search(r"added\s+2\b", done.stdout)  # another scope: a new entry for jan
        (tmp_path / "posters.csv").write_text(f"Email\n{SUPPRESSED[2]}\n", encoding="utf-8")
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
        assert ADDRESS.search(done.stdout) is None
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
            stdin=f"{SUPPRESSED[1]}\n",
        )
        assert 0 == done.returncode
        assert "Removed" in done.stdout
        reopened = locosuppress.SuppressionKey.load(key)
        with locosuppress.SuppressionList.open(tmp_path / "list.db", reopened) as lst:
            assert SUPPRESSED[1] not in lst
            assert SUPPRESSED[0] in lst
        assert ADDRESS.search(done.stdout) is None

    def test_anonymise_reads_text_times_and_writes_iso(self, tmp_path: Path) -> None:
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


@pytest.mark.slow
class TestFailures:
    """Failures exit 1 with one line on standard error, never a traceback or an address."""

    def test_key_missing_wrong_insecure_or_given_as_argument(self, world: Path) -> None:
        """No key, another list's key, a key file others can read, and --key (usage)."""
        assert_failed(run("stats", "list.db", cwd=world), "--key-file", "LOCOSUPPRESS_KEY")
        other = locosuppress.SuppressionKey.generate()
        other.save(world / "other.key")
        assert_failed(
            run(
                "filter",
                "list.db",
                "import.csv",
                "-o",
                "out.csv",
                cwd=world,
                key=world / "other.key",
            ),
            other.fingerprint,
        )
        assert not (world / "out.csv").exists()
        (world / "other.key").chmod(0o644)
        assert_failed(run("stats", "list.db", "--key-file", "other.key", cwd=world), "chmod 600")
        text = (world / "list.key").read_text(encoding="ascii").strip()
        done = run("stats", "list.db", "--key", text, cwd=world)  # not --key-file abbreviated
        assert_failed(done, "--key", code=2)
        assert text.split(":")[1] not in done.stderr
        done = run("stats", "list.db", "--key-file", text, cwd=world)  # the text as a path
        assert_failed(done)
        assert text.split(":")[1] not in done.stderr

    def test_output_is_the_input(self, world: Path) -> None:
        """The same name, another spelling, a hard link, a symlink and the list are all refused."""
        key = world / "list.key"
        before = (world / "import.csv").read_bytes()
        os.link(world / "import.csv", world / "hard.csv")
        (world / "soft.csv").symlink_to(world / "import.csv")
        (world / "sub").mkdir()
        for output in ("import.csv", "sub/../import.csv", "hard.csv", "soft.csv"):
            assert_failed(
                run("filter", "list.db", "import.csv", "-o", output, "--force", cwd=world, key=key),
                "is the input file",
            )
        assert_failed(
            run("filter", "list.db", "import.csv", "-o", "list.db", "--force", cwd=world, key=key),
            "is the list file",
        )
        assert before == (world / "import.csv").read_bytes()

    def test_output_exists_needs_force(self, world: Path) -> None:
        """An existing output is kept unless --force; with it, it is replaced."""
        key = world / "list.key"
        (world / "out.csv").write_text("keep me", encoding="utf-8")
        assert_failed(
            run("filter", "list.db", "import.csv", "-o", "out.csv", cwd=world, key=key), "--force"
        )
        assert "keep me" == (world / "out.csv").read_text(encoding="utf-8")
        done = run(
            "filter", "list.db", "import.csv", "-o", "out.csv", "--force", cwd=world, key=key
        )
        assert 0 == done.returncode, done.stderr
        assert "0004" in (world / "out.csv").read_text(encoding="cp1252")

    def test_bad_input_files(self, world: Path) -> None:
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

    def test_missing_list_and_invalid_addresses(self, world: Path) -> None:
        """A mistyped list path is not created; invalid inputs fail unless --allow-invalid."""
        key = world / "list.key"
        assert_failed(run("add", "lijst.db", "a@example.nl", cwd=world, key=key), "init")
        assert not (world / "lijst.db").exists()
        done = run("add", "list.db", "nieuw@example.nl", "geen-adres", cwd=world, key=key)
        assert_failed(done, "1 of 2 inputs", "--allow-invalid")
        assert re.search(r"added\s+1\b", done.stdout)
        done = run("add", "list.db", "geen-adres", "--allow-invalid", cwd=world, key=key)
        assert 0 == done.returncode
        assert_failed(run("add", "list.db", cwd=world, key=key, stdin=""), "standard input")

    def test_debug_shows_the_traceback_without_addresses(self, world: Path) -> None:
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
        assert ADDRESS.search(done.stderr) is None
        assert done.stderr.rstrip().splitlines()[-1].startswith("locosuppress: error: ")

    def test_verify_exits_1_for_a_damaged_list(self, world: Path) -> None:
        """A truncated list file fails verification (or opening) with status 1."""
        data = (world / "list.db").read_bytes()
        (world / "broken.db").write_bytes(data[: len(data) // 2])
        assert_failed(run("verify", "broken.db", cwd=world, key=world / "list.key"), "broken.db")


@pytest.mark.slow
class TestUsageErrors:
    """Wrong usage exits 2 with argparse's usage line."""

    def test_usage_errors(self, world: Path) -> None:
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

    def test_workers_option_is_deprecated(self, world: Path) -> None:
        """--workers 2 is accepted for one release: a note on stderr, the same output."""
        key = world / "list.key"
        one = run("filter", "list.db", "import.csv", "-o", "one.csv", cwd=world, key=key)
        two = run(
            "filter", "list.db", "import.csv", "-o", "two.csv", "--workers", "2", cwd=world, key=key
        )
        assert (0, 0) == (one.returncode, two.returncode), two.stderr
        assert "--workers is deprecated" in two.stderr
        assert "--workers" not in one.stderr
        assert (world / "one.csv").read_bytes() == (world / "two.csv").read_bytes()
        added = run(
            "add", "list.db", "--workers", "2", stdin="nieuw@example.nl\n", cwd=world, key=key
        )
        assert 0 == added.returncode, added.stderr
        assert "locosuppress.dask" in added.stderr

    def test_help_and_version(self, tmp_path: Path) -> None:
        """--help lists the commands with examples; --version names the version."""
        done = run("--help", cwd=tmp_path)
        assert 0 == done.returncode
        for command in ("filter", "anonymise", "demo", "verify"):
            assert command in done.stdout
        done = run("--version", cwd=tmp_path)
        assert locosuppress.__version__ in done.stdout


@pytest.mark.slow
class TestDemo:
    """``locosuppress demo`` runs the whole job on sample data and says where it is."""

    def test_demo_in_a_new_temporary_folder(self, tmp_path: Path) -> None:
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
        args = cli._parse(argv)
        assert (Path("list.db"), ["a@example.nl", "b@example.nl"], "erasure") == (
            args.list,
            args.addresses,
            args.reason,
        )

    def test_every_command_has_help_with_examples(self, capsys: pytest.CaptureFixture[str]) -> None:
        """``COMMAND --help`` exits 0 and shows an examples section."""
        _, parsers = cli.build_parser()
        for words in parsers:
            assert 0 == cli.main([*words, "--help"])
            out = capsys.readouterr().out
            assert "examples:" in out, words
            assert f"locosuppress {' '.join(words)}" in out

    def test_add_without_input_on_a_terminal_is_usage(
        self, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """No address, no --from and a terminal on standard input: exit 2, nothing waits."""

        class Terminal(io.StringIO):
            def isatty(self) -> bool:
                return True

        monkeypatch.setattr(sys, "stdin", Terminal())
        monkeypatch.setenv("LOCOSUPPRESS_KEY", locosuppress.SuppressionKey.generate().to_text())
        assert 2 == cli.main(["add", "list.db"])
        assert "standard input" in capsys.readouterr().err

    def test_internal_errors_hide_their_message(
        self, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """An unexpected exception's text (which could hold data) is not printed."""

        def broken(args: object, console: object) -> int:
            raise RuntimeError("jan@example.nl leaked")

        monkeypatch.setattr("locosuppress._cli_commands.stats", broken)
        assert 1 == cli.main(["stats", "list.db"])
        err = capsys.readouterr().err
        assert "internal error (RuntimeError)" in err
        assert "@" not in err


class TestProgress:
    """Progress shows on a terminal for long steps only, and never elsewhere."""

    def test_terminal_shows_long_steps(self) -> None:
        """With a terminal and no delay, a step draws and ends with its time."""
        stream = io.StringIO()
        progress = Progress(stream, enabled=True, delay=0.0)
        with progress.step("Filtering", total=10) as step:
            step.advance(5)
            import time

            time.sleep(0.25)
        assert "Filtering [" in stream.getvalue()
        assert "Filtering: done in" in stream.getvalue()

    def test_quiet_when_not_a_terminal_or_short(self) -> None:
        """A pipe gets nothing; a quick step on a terminal gets nothing either."""
        pipe = io.StringIO()
        with Progress(pipe).step("Reading"):
            pass
        terminal = io.StringIO()
        with Progress(terminal, enabled=True, delay=5.0).step("Reading"):
            pass
        assert ("", "") == (pipe.getvalue(), terminal.getvalue())


class TestDemoData:
    """The demo's sample data: deterministic, messy as promised, no real domains."""

    def test_same_seed_same_files(self, tmp_path: Path) -> None:
        """The same seed, rows and time give byte-identical files."""
        a, b = tmp_path / "a", tmp_path / "b"
        a.mkdir()
        b.mkdir()
        one = make_demo_data(a, rows=300, seed=5, now="2025-07-01")
        two = make_demo_data(b, rows=300, seed=5, now="2025-07-01")
        for name in ("unsubscribes", "mailing", "events"):
            assert getattr(one, name).read_bytes() == getattr(two, name).read_bytes()

    def test_messy_dutch_import(self, tmp_path: Path) -> None:
        """';', cp1252, leading zeros, other spellings, and example domains only."""
        data = make_demo_data(tmp_path, rows=1_000, seed=1, now="2025-07-01")
        mailing = locosuppress.read_mailing_file(data.mailing)
        assert ("cp1252", ";") == (
            mailing.attrs["locosuppress"]["encoding"],
            mailing.attrs["locosuppress"]["delimiter"],
        )
        addresses = mailing["E-mailadres"]
        assert addresses.str.contains("<").any()
        assert addresses.str.contains(r"\+").any()
        assert (addresses != addresses.str.lower()).any()
        assert mailing["Postcode"].str.match(r"^0\d{4}$").any()
        assert mailing["Klantnummer"].str.startswith("0").all()
        canonical = locosuppress.normalize_emails(
            pd.concat([addresses, locosuppress.read_mailing_file(data.events)["email"]])
        ).dropna()
        domains = set(canonical.str.rpartition("@")[2])
        assert all(
            d.endswith((".example", "example.nl", "example.com", "example.org", "example.net"))
            for d in domains
        ), domains

    def test_rows_must_be_sensible(self, tmp_path: Path) -> None:
        """Fewer than ten rows is refused."""
        with pytest.raises(ValueError, match="at least 10"):
            make_demo_data(tmp_path, rows=3)


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
