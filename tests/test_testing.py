"""Tests for locosuppress.testing: Hypothesis is an optional extra."""

# STYLE.md: asserts read `expected == actual`, which ruff's SIM300 calls a Yoda condition.

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

# Run in a fresh interpreter where ``import hypothesis`` fails as if it were not
# installed: a meta-path finder placed first refuses it and its submodules.
_WITHOUT_HYPOTHESIS = textwrap.dedent(
    """
    import json
    import sys

    class HideHypothesis:
        def find_spec(self, name, path=None, target=None):
            if name == "hypothesis" or name.startswith("hypothesis."):
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)
            return None

    sys.meta_path.insert(0, HideHypothesis())
    result = {}
    import locosuppress
    result["hypothesis_loaded_by_locosuppress"] = "hypothesis" in sys.modules
    result["normalized"] = locosuppress.normalize_email(" Jan@Example.NL ")
    try:
        import locosuppress.testing
    except ImportError as error:
        result["error"] = type(error).__name__
        result["message"] = str(error)
        result["is_missing_extra"] = isinstance(error, locosuppress.MissingExtraError)
    print(json.dumps(result))
    """
)


@pytest.fixture(scope="module")
def without_hypothesis() -> dict[str, object]:
    """Run the script above once in a subprocess and return what it printed."""
    completed = subprocess.run(
        [sys.executable, "-c", _WITHOUT_HYPOTHESIS],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    result: dict[str, object] = json.loads(completed.stdout.strip().splitlines()[-1])
    return result


class TestWithoutHypothesis:
    """Without the ``testing`` extra, the library works and the strategies say what to install."""

    def test_import_names_the_extra(self, without_hypothesis: dict[str, object]) -> None:
        """Importing locosuppress.testing raises MissingExtraError naming the extra."""
        result = without_hypothesis
        assert "MissingExtraError" == result.get("error")
        assert True is result["is_missing_extra"]
        assert "pip install 'locosuppress[testing]'" in str(result["message"])

    def test_library_works(self, without_hypothesis: dict[str, object]) -> None:
        """``import locosuppress`` neither needs nor loads Hypothesis."""
        result = without_hypothesis
        assert False is result["hypothesis_loaded_by_locosuppress"]
        assert "jan@example.nl" == result["normalized"]


class TestWithHypothesis:
    """With the extra installed, the strategies import."""

    def test_strategies_import(self) -> None:
        """The public strategies are there."""
        from locosuppress.testing import emails, mailing_frames, messy_variants

        assert all(callable(f) for f in (emails, mailing_frames, messy_variants))


class TestListedValues:
    """listed_values draws only values the list must catch."""

    LISTED = ("Jan.de.Vries@Example.NL", "zoë@bücher.example", "john.doe@gmail.com")
    DOMAINS = ("Spamtrap.Example", "münchen.example")

    def test_every_value_is_listed(self) -> None:
        """Each value normalises to a listed address or to an address at a listed domain."""
        from hypothesis import given, settings

        from locosuppress import normalize_domain, normalize_email
        from locosuppress.testing import listed_values

        addresses = {normalize_email(a) for a in self.LISTED}
        domains = {normalize_domain(d) for d in self.DOMAINS}

        @settings(max_examples=200, deadline=None)
        @given(listed_values(self.LISTED, domains=self.DOMAINS))
        def check(value: str) -> None:
            canonical = normalize_email(value)
            assert canonical in addresses or canonical.rsplit("@", 1)[1] in domains

        check()

    def test_needs_something(self) -> None:
        """Neither addresses nor domains: a clear ValueError."""
        from locosuppress.testing import listed_values

        with pytest.raises(ValueError, match="at least one address or domain"):
            listed_values()


class TestRetentionStrategies:
    """retention_policies() and retention_tables() reach what the retention tests need."""

    def test_tables_follow_the_policy(self) -> None:
        """Every table of a drawn policy gets a frame with the columns its rules use."""
        from hypothesis import find

        from locosuppress.testing import retention_policies, retention_tables

        policy = find(retention_policies(), lambda p: len(p.rules) >= 3)
        tables = find(
            retention_tables(policy, now="2025-03-31"),
            lambda t: sum(len(frame) for frame in t.values()) >= 3,
        )
        assert set(policy.tables) == set(tables)
        for frame in tables.values():
            assert ["kind", "date", "note", "n"] == list(frame.columns)

    def test_options_are_checked(self) -> None:
        """Unknown date kinds and repeated tables are refused."""
        from locosuppress.retention import LOCOMAIL
        from locosuppress.testing import retention_policies, retention_tables

        with pytest.raises(ValueError, match="date_kinds must be among"):
            retention_tables(LOCOMAIL, now="2025-03-31", date_kinds=["epoch"])
        with pytest.raises(ValueError, match="tables must be distinct"):
            retention_policies(tables=("a", "a"))
