"""``locosuppress import``: a provider's export loaded with reasons and dates, or a dry run."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from locosuppress import SuppressionKey, SuppressionList
from locosuppress.cli import main
from locosuppress.cli.imports import reason_map
from locosuppress.errors import KeyMismatchError

Run = Callable[..., subprocess.CompletedProcess[str]]

SES = {
    "SuppressedDestinationSummaries": [
        {"EmailAddress": "jan@example.nl", "Reason": "BOUNCE", "LastUpdateTime": 1546300800.5},
        {
            "EmailAddress": "Zoë <ZOE@example.nl>",
            "Reason": "COMPLAINT",
            "LastUpdateTime": "2020-06-01T12:00:00.000000+02:00",
        },
    ]
}


class TestImport:
    """The import command."""

    def test_dry_run_then_import(self, run: Run, world: Path, address: object) -> None:
        """--dry-run writes nothing; the import adds with the providers' dates; no address shown."""
        key = world / "list.key"
        (world / "ses.json").write_text(json.dumps(SES), encoding="utf-8")
        dry = run("import", "list.db", "ses.json", "--dry-run", cwd=world, key=key)
        assert 0 == dry.returncode, dry.stderr
        assert "format                   ses" in dry.stdout
        assert "Dry run: 2 suppressions read; nothing was written." in dry.stdout
        with SuppressionList.open(world / "list.db", SuppressionKey.load(key)) as lst:
            assert "jan@example.nl" not in lst
        done = run(
            "import", "list.db", "ses.json", "--json", "--scope", "newsletter", cwd=world, key=key
        )
        assert 0 == done.returncode, done.stderr
        data = json.loads(done.stdout)
        assert {"bounce": 1, "complaint": 1} == data["read"]["by_reason"]
        assert 2 == data["added"]["added"]
        assert None is address.search(done.stdout)  # type: ignore[attr-defined]
        with SuppressionList.open(world / "list.db", SuppressionKey.load(key)) as lst:
            stats = lst.stats()
            assert 1 == stats.by_month["2019-01"]
            assert 1 == stats.by_month["2020-06"]
            assert lst.is_suppressed("zoe@example.nl", channel="newsletter")
            assert not lst.is_suppressed("zoe@example.nl", channel="post")

    @pytest.mark.slow
    def test_into_postgres(self, run: Run, world: Path, postgres_server) -> None:
        """LIST may be a postgresql:// URL: the export lands there with its dates."""
        key = world / "list.key"
        url = postgres_server.url(postgres_server.new_database())
        (world / "ses.json").write_text(json.dumps(SES), encoding="utf-8")
        assert 0 == run("init", url, cwd=world, key=key).returncode
        done = run("import", url, "ses.json", "--json", cwd=world, key=key)
        assert 0 == done.returncode, done.stderr
        assert 2 == json.loads(done.stdout)["added"]["added"]
        with SuppressionList.open(url, SuppressionKey.load(key)) as lst:
            assert {"2019-01": 1, "2020-06": 1} == {
                k: v for k, v in lst.stats().by_month.items() if v
            }

    def test_unknown_layout_fails_cleanly(
        self, run: Run, world: Path, assert_failed: Callable[..., None]
    ) -> None:
        """An unknown layout is one error line naming --format; nothing is added."""
        result = run("import", "list.db", "import.csv", cwd=world, key=world / "list.key")
        assert_failed(result, "unknown layout", "format")

    def test_bad_reason_map(
        self, run: Run, world: Path, assert_failed: Callable[..., None]
    ) -> None:
        """A malformed --reason-map is a usage error."""
        result = run(
            "import", "list.db", "import.csv", "--reason-map", "spam", cwd=world,
            key=world / "list.key",
        )  # fmt: skip
        assert_failed(result, "WORD=REASON", code=2)


def test_reason_map() -> None:
    """--reason-map pairs become a mapping; 'none' means not a suppression."""
    assert {"spam": "complaint", "soft": None} == reason_map("spam=complaint, soft=none")


class TestDryRunKey:
    """``import --dry-run`` checks the key against the list, as the import does."""

    @pytest.mark.parametrize("dry_run", [True, False])
    def test_wrong_key_fails_before_anything_is_printed(
        self,
        world: Path,
        dry_run: bool,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """Another key: exit 1 with the key-mismatch message, nothing on standard output."""
        (world / "ses.json").write_text(json.dumps(SES), encoding="utf-8")
        other = SuppressionKey.generate()
        monkeypatch.setenv("LOCOSUPPRESS_KEY", other.to_text())
        monkeypatch.chdir(world)
        before = (world / "list.db").read_bytes()
        assert 1 == main(["import", "list.db", "ses.json", *(["--dry-run"] if dry_run else [])])
        shown = capsys.readouterr()
        assert "" == shown.out
        assert "@" not in shown.err
        assert before == (world / "list.db").read_bytes()
        with pytest.raises(KeyMismatchError, match="key") as caught:
            SuppressionList.open(world / "list.db", other, read_only=True)
        words = " ".join(str(caught.value).split())  # the library's message, unwrapped
        assert words.partition(" was made with ")[2] in " ".join(shown.err.split())

    def test_dry_run_needs_the_list(
        self, world: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A dry run against a list that does not exist fails, naming init; nothing is created."""
        (world / "ses.json").write_text(json.dumps(SES), encoding="utf-8")
        monkeypatch.setenv("LOCOSUPPRESS_KEY", (world / "list.key").read_text("ascii").strip())
        monkeypatch.chdir(world)
        assert 1 == main(["import", "nieuw.db", "ses.json", "--dry-run"])
        assert "locosuppress init" in capsys.readouterr().err
        assert not (world / "nieuw.db").exists()
