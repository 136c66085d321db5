"""The docs do not rot: their examples run and their tables match the code."""

from __future__ import annotations

import ast
import doctest
import json
import re
import shlex
import shutil
from pathlib import Path
from typing import ClassVar

import pytest
from interop_support import event_files

import locosuppress
from locosuppress.cli import main

ROOT = Path(__file__).parent.parent
DOC_FILES = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md")])
_BLOCK = re.compile(r"```python\n(.*?)```", re.S)


def _doctest_blocks(path: Path) -> list[str]:
    return [b for b in _BLOCK.findall(path.read_text(encoding="utf-8")) if ">>>" in b]


class TestDocExamples:
    """Every ``>>>`` example in README.md and docs/*.md runs as written."""

    @pytest.mark.parametrize("path", DOC_FILES, ids=lambda p: p.name)
    def test_examples_run(
        self, path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Doctest blocks pass (run in a temporary working directory)."""
        monkeypatch.chdir(tmp_path)
        blocks = _doctest_blocks(path)
        if not blocks:
            pytest.skip("no >>> examples on this page")
        parser = doctest.DocTestParser()
        runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
        globs: dict[str, object] = {"locosuppress": locosuppress}
        for i, block in enumerate(blocks):
            test = parser.get_doctest(block, globs, f"{path.name}[{i}]", str(path), 0)
            test.globs = globs  # one namespace per page: later blocks see earlier names
            runner.run(test, clear_globs=False)
        assert 0 == runner.failures, f"{runner.failures} failing example(s) in {path.name}"


class TestHashContractPage:
    """docs/hash-contract.md states the same vectors as the frozen JSON."""

    def test_tables_match_vectors(self, vectors_path: Path) -> None:
        """Each table row (input, canonical, hash) is a frozen vector."""
        vectors = json.loads(vectors_path.read_text(encoding="utf-8"))
        frozen = {c["input"]: (c["canonical"], c["hmac_sha256"]) for c in vectors["emails"]}
        frozen |= {c["input"]: (c["canonical"], c["hmac_sha256"]) for c in vectors["domains"]}
        text = (ROOT / "docs" / "hash-contract.md").read_text(encoding="utf-8")
        rows = re.findall(r"^\| `(.+?)` \| `(.+?)` \| `([0-9a-f]{64})` \|$", text, re.M)
        assert len(rows) >= 10
        for literal, canonical, digest in rows:
            assert frozen[ast.literal_eval(literal)] == (canonical, digest)
        assert vectors["fingerprint"] in text
        for subkey in vectors["subkeys"].values():
            assert subkey in text


class TestInteropPage:
    """docs/interop.md: each provider's command to anonymise its events runs as written."""

    #: The provider file (tests/support/interop_support.py) behind each format's command.
    FILES: ClassVar[dict[str, str]] = {
        "sendgrid": "sendgrid.txt",
        "mailgun": "mailgun.json",
        "brevo": "brevo.csv",
        "mailchimp": "mailchimp.csv",
        "listmonk": "listmonk.csv",
    }

    def test_anonymise_commands_run(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """One ``bash`` command per provider; each anonymises that provider's export."""
        text = (ROOT / "docs" / "interop.md").read_text(encoding="utf-8")
        blocks = re.findall(r"```bash\n(.*?)```", text, re.S)
        commands = [
            line
            for block in blocks
            for line in block.splitlines()
            if line.startswith("locosuppress anonymise")
        ]
        files = event_files(tmp_path)
        monkeypatch.chdir(tmp_path)
        formats = []
        for command in commands:
            words = shlex.split(command)[1:]
            fmt = words[words.index("--format") + 1]
            formats.append(fmt)
            shutil.copyfile(files[self.FILES[fmt]], tmp_path / words[1])
            assert 0 == main(words), command
            assert (tmp_path / words[words.index("-o") + 1]).is_file()
        assert sorted(self.FILES) == sorted(formats)
