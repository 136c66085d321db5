"""Tests for policy files: TOML read with tomllib, written by our own serializer."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given

from locosuppress import PolicyError, PolicyFileNotFoundError, RetentionPolicy
from locosuppress.retention import LOCOMAIL
from locosuppress.testing import retention_policies

_GOOD = """\
name = "Test"
version = "1"

[[rule]]
name = "requests"
table = "requests"
where = { kind = ["sample", "quote"] }
date_column = "requested_at"
keep_for = "6 months"
action = "delete"
"""


class TestRoundTrip:
    """Every policy written reads back equal."""

    @given(retention_policies())
    def test_to_toml_reads_back_equal(self, policy: RetentionPolicy) -> None:
        """from_toml_text(to_toml()) is the same policy (quotes, line breaks, any Unicode)."""
        assert policy == RetentionPolicy.from_toml_text(policy.to_toml())

    def test_the_preset_through_a_file(self, tmp_path: Path) -> None:
        """The preset survives a file on disk."""
        path = tmp_path / "policy.toml"
        path.write_text(LOCOMAIL.to_toml(), encoding="utf-8")
        assert LOCOMAIL == RetentionPolicy.from_toml(path)

    def test_a_hand_written_file(self, tmp_path: Path) -> None:
        """A file as a privacy officer writes it (bare keys, comments) reads."""
        path = tmp_path / "policy.toml"
        path.write_text("# bewaartermijnen\n" + _GOOD, encoding="utf-8")
        policy = RetentionPolicy.from_toml(path)
        assert (("kind", ("sample", "quote")),) == policy.rules[0].where
        assert 6 == policy.rules[0].keep_for


class TestErrors:
    """A malformed file is a clear error naming the rule or the line."""

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            ("name = ", "is not valid TOML"),
            (_GOOD + "colour = 1\n", r"unknown key\(s\) colour"),
            (
                _GOOD.replace('keep_for = "6 months"', 'keep_four = "6 months"'),
                r"rule 'requests': unknown key\(s\) keep_four",
            ),
            (_GOOD.replace('keep_for = "6 months"\n', ""), "rule 'requests': keep_for is missing"),
            (
                _GOOD.replace('"6 months"', '"0 months"'),
                "rule 'requests': keep_for must be at least 1 month",
            ),
            (_GOOD.replace('"delete"', '"archive"'), "rule 'requests': action must be"),
            (_GOOD.replace('name = "Test"\n', ""), "name is missing"),
            (
                _GOOD
                + _GOOD[_GOOD.index("[[rule]]") :].replace('"requests"\ntable', '"again"\ntable'),
                "rules 'requests' and 'again' can govern the same rows",
            ),
            ('name = "x"\nversion = "1"\nrule = 3\n', r"write each rule as a \[\[rule\]\] table"),
        ],
    )
    def test_bad_text(self, text: str, message: str) -> None:
        """Each mistake gets its own message."""
        with pytest.raises(PolicyError, match=message):
            RetentionPolicy.from_toml_text(text)

    def test_a_missing_file(self, tmp_path: Path) -> None:
        """A missing file is PolicyFileNotFoundError (also a FileNotFoundError)."""
        with pytest.raises(PolicyFileNotFoundError, match="no policy file at"):
            RetentionPolicy.from_toml(tmp_path / "nope.toml")
        assert issubclass(PolicyFileNotFoundError, FileNotFoundError)

    def test_not_utf8(self, tmp_path: Path) -> None:
        """A file in another encoding says to save it as UTF-8."""
        path = tmp_path / "policy.toml"
        path.write_bytes(_GOOD.replace("Test", "Tést").encode("cp1252"))
        with pytest.raises(PolicyError, match="is not UTF-8 text"):
            RetentionPolicy.from_toml(path)
