"""Tests for RetentionPolicy: checked when it is built, its helpers, and how it shows."""

from __future__ import annotations

import pytest

from locosuppress import PolicyError, RetentionPolicy, RetentionRule


def _rule(name: str = "r", **changes: object) -> RetentionRule:
    values: dict[str, object] = {
        "name": name,
        "table": "t",
        "date_column": "date",
        "keep_for": "6 months",
    }
    values.update(changes)
    return RetentionRule(**values)  # type: ignore[arg-type]


class TestChecks:
    """A policy that would make a row's fate unclear is refused when it is built."""

    def test_two_rules_for_all_rows_of_a_table_overlap(self) -> None:
        """Two rules without where on one table are refused, naming both."""
        with pytest.raises(PolicyError, match=r"rules 'a' and 'b' can govern the same rows"):
            RetentionPolicy(name="p", version="1", rules=[_rule("a"), _rule("b")])

    def test_a_rule_for_all_rows_overlaps_a_narrower_one(self) -> None:
        """A rule without where overlaps any other rule of its table."""
        with pytest.raises(PolicyError, match="can govern the same rows of table 't'"):
            RetentionPolicy(
                name="p", version="1", rules=[_rule("a"), _rule("b", where={"kind": "x"})]
            )

    def test_shared_values_overlap(self) -> None:
        """Two where lists on one column that share a value overlap."""
        with pytest.raises(PolicyError, match="can govern the same rows"):
            RetentionPolicy(
                name="p",
                version="1",
                rules=[_rule("a", where={"kind": ["x", "y"]}), _rule("b", where={"kind": "y"})],
            )

    def test_where_on_different_columns_overlaps(self) -> None:
        """Rules that select on different columns can meet on one row."""
        with pytest.raises(PolicyError, match="can govern the same rows"):
            RetentionPolicy(
                name="p",
                version="1",
                rules=[_rule("a", where={"kind": "x"}), _rule("b", where={"source": "web"})],
            )

    def test_disjoint_values_and_other_tables_do_not_overlap(self) -> None:
        """Different values of one column, or different tables, are fine."""
        policy = RetentionPolicy(
            name="p",
            version=3,
            rules=[
                _rule("a", where={"kind": "x"}),
                _rule("b", where={"kind": ["y", "z"]}),
                _rule("c", table="u"),
            ],
        )
        assert ("t", "u") == policy.tables
        assert "3" == policy.version

    def test_names_are_unique(self) -> None:
        """Two rules of one name are refused."""
        with pytest.raises(PolicyError, match="two rules are named 'a'"):
            RetentionPolicy(name="p", version="1", rules=[_rule("a"), _rule("a", table="u")])

    def test_a_policy_needs_rules(self) -> None:
        """No rules, no policy."""
        with pytest.raises(PolicyError, match="at least one rule"):
            RetentionPolicy(name="p", version="1", rules=[])

    def test_rules_must_be_rules(self) -> None:
        """Anything else in rules is refused."""
        with pytest.raises(PolicyError, match="RetentionRule values, not dict"):
            RetentionPolicy(name="p", version="1", rules=[{"name": "a"}])

    @pytest.mark.parametrize("version", ["", True, 1.5, None])
    def test_version_must_be_text_or_a_number(self, version: object) -> None:
        """A version is non-empty text or a whole number."""
        with pytest.raises(PolicyError, match="version must"):
            RetentionPolicy(name="p", version=version, rules=[_rule()])  # type: ignore[arg-type]


class TestHelpers:
    """Looking rules up and narrowing a policy to some tables."""

    def test_rule_by_name(self) -> None:
        """rule() finds a rule, or raises KeyError listing the names."""
        policy = RetentionPolicy(name="p", version="1", rules=[_rule("a")])
        assert "a" == policy.rule("a").name
        with pytest.raises(KeyError, match="no rule named 'b'"):
            policy.rule("b")

    def test_for_tables(self) -> None:
        """for_tables keeps the rules of the tables named, in order."""
        policy = RetentionPolicy(
            name="p", version="1", rules=[_rule("a"), _rule("b", table="u"), _rule("c", table="v")]
        )
        assert ["a", "c"] == [r.name for r in policy.for_tables("t", "v").rules]
        with pytest.raises(PolicyError, match="governs w"):
            policy.for_tables("w")


class TestShow:
    """The policy reads well in a terminal and a notebook."""

    def test_text_and_html(self) -> None:
        """The text lists each rule; the HTML is a table with the reasons."""
        policy = RetentionPolicy(
            name="p", version="1", rules=[_rule("a", where={"kind": "x"}, reason="<omdat>")]
        )
        assert "a: t where kind in (x): delete 6 months after date" in str(policy)
        html = policy._repr_html_()
        assert "<table" in html
        assert "&lt;omdat&gt;" in html
        assert {
            "name": "p",
            "version": "1",
            "rules": [policy.rules[0].to_dict()],
        } == policy.to_dict()
