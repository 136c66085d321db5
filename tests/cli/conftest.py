"""Fixtures for the command-line tests: run ``python -m locosuppress`` for real, check failures.

Each subprocess starts a Python with pandas (about half a second), so the
assertions are grouped: one workflow test walks the whole command set, and the
failure tests check exit status, the one-line message and that no address
ever reaches standard error.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

import locosuppress

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


def _run(
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


def _assert_failed(result: subprocess.CompletedProcess[str], *phrases: str, code: int = 1) -> None:
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


def _write_import(path: Path) -> Path:
    """The messy import, as Dutch Excel saves it: ';', Windows-1252, CRLF."""
    text = "".join(";".join(row) + "\r\n" for row in IMPORT_ROWS)
    path.write_bytes(text.encode("cp1252"))
    return path


@pytest.fixture
def run() -> Callable[..., subprocess.CompletedProcess[str]]:
    """``run(*args, cwd=, key=None, stdin=None, env=None)``: the command in a subprocess."""
    return _run


@pytest.fixture
def assert_failed() -> Callable[..., None]:
    """``assert_failed(result, *phrases, code=1)``: a clean failure naming ``phrases``."""
    return _assert_failed


@pytest.fixture
def write_import() -> Callable[[Path], Path]:
    """``write_import(path)``: the messy Dutch Excel import, written to ``path``."""
    return _write_import


@pytest.fixture
def address() -> re.Pattern[str]:
    """Anything that looks like an e-mail address (none may reach a message)."""
    return ADDRESS


@pytest.fixture
def suppressed() -> tuple[str, str, str]:
    """Three people: suppressed for all, for the newsletter, for post (in ``world``)."""
    return SUPPRESSED


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
    _write_import(tmp_path / "import.csv")
    return tmp_path
