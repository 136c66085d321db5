"""Tests for RetentionRule and its periods: checked when built."""

from __future__ import annotations

import pytest

from locosuppress import PolicyError, RetentionRule


def _rule(**changes: object) -> RetentionRule:
    values: dict[str, object] = {"name": "r", "table": "t", "date_column": "d", "keep_for": 6}
    values.update(changes)
    return RetentionRule(**values)  # type: ignore[arg-type]


class TestPeriods:
    """keep_for: calendar months or years."""

    @pytest.mark.parametrize(
        ("given", "months"),
        [
            (6, 6),
            ("6 months", 6),
            ("1 month", 1),
            ("7 years", 84),
            ("2 Years", 24),
            ("12 months", 12),
        ],
    )
    def test_periods_read_as_months(self, given: object, months: int) -> None:
        """Ints are months; text names months or years."""
        assert months == _rule(keep_for=given).keep_for

    @pytest.mark.parametrize("given", [0, -1, "0 months", "0 years"])
    def test_a_zero_or_negative_period_is_refused(self, given: object) -> None:
        """A period below one month is an error."""
        with pytest.raises(PolicyError, match="keep_for must be at least 1 month"):
            _rule(keep_for=given)

    @pytest.mark.parametrize("given", ["half a year", "6 weeks", 1.5, True, None, "six months"])
    def test_other_periods_are_refused(self, given: object) -> None:
        """Anything but months or years is an error with an example."""
        with pytest.raises(
            PolicyError, match=r"keep_for must be calendar months or years, such as 6"
        ):
            _rule(keep_for=given)

    @pytest.mark.parametrize(
        ("months", "text"), [(84, "7 years"), (6, "6 months"), (1, "1 month"), (12, "1 year")]
    )
    def test_period_in_words(self, months: int, text: str) -> None:
        """period says the months in words, in years when whole."""
        assert text == _rule(keep_for=months).period


class TestChecks:
    """Impossible rules are refused, naming the rule."""

    def test_unknown_action(self) -> None:
        """Only delete and anonymise."""
        with pytest.raises(
            PolicyError, match="rule 'r': action must be 'delete' or 'anonymise', not 'archive'"
        ):
            _rule(action="archive")

    def test_keep_is_for_anonymise(self) -> None:
        """keep with delete makes no sense."""
        with pytest.raises(PolicyError, match="keep applies to action 'anonymise' only"):
            _rule(keep=["campaign"])

    def test_files_are_deleted(self) -> None:
        """A rule with a path column deletes."""
        with pytest.raises(PolicyError, match="its action must be 'delete'"):
            _rule(path_column="path", action="anonymise")

    def test_the_date_column_cannot_select(self) -> None:
        """where cannot look at the date column."""
        with pytest.raises(PolicyError, match="the date column cannot also be a where column"):
            _rule(where={"d": "x"})

    @pytest.mark.parametrize(
        ("where", "message"),
        [
            (["kind"], "where must map a column"),
            ({"kind": []}, "selects no values"),
            ({"kind": [1.5]}, "values must be text, whole numbers or true/false"),
            ({"kind": {"a": 1}}, "must be a value or a list of values"),
            ({"kind": [2**70]}, "must fit in 64 bits"),
            ({"": ["a"]}, "a where column must be non-empty text"),
        ],
    )
    def test_bad_where(self, where: object, message: str) -> None:
        """where maps columns to non-empty lists of plain values."""
        with pytest.raises(PolicyError, match=message):
            _rule(where=where)

    @pytest.mark.parametrize("field", ["name", "table", "date_column"])
    def test_names_are_text(self, field: str) -> None:
        """Blank names are refused."""
        with pytest.raises(PolicyError, match="must be non-empty text"):
            _rule(**{field: " "})


class TestValues:
    """A rule is a value: where sorted, to_dict as in a file."""

    def test_where_is_sorted_pairs_and_one_value_is_a_list(self) -> None:
        """where is stored as sorted (column, values) pairs; duplicates go."""
        rule = _rule(where={"z": "a", "kind": ["x", "y", "x"]})
        assert (("kind", ("x", "y")), ("z", ("a",))) == rule.where
        assert ("kind", "z") == rule.where_columns
        assert rule == _rule(where={"kind": ["x", "y"], "z": ["a"]})

    def test_kept_columns(self) -> None:
        """An anonymise rule keeps its where columns besides keep (or the defaults)."""
        rule = _rule(action="anonymise", where={"kind": "x"}, keep=["note"])
        assert ["kind", "note"] == rule.kept_columns(["email", "kind", "note"], {"campaign"})
        default = _rule(action="anonymise", where={"kind": "x"})
        assert ["Campaign", "kind"] == default.kept_columns(
            ["Campaign", "kind", "note"], {"campaign"}
        )

    def test_to_dict(self) -> None:
        """to_dict holds what a policy file holds."""
        rule = _rule(where={"kind": "x"}, keep_for=24, reason="omdat")
        assert {
            "name": "r",
            "table": "t",
            "date_column": "d",
            "keep_for": "2 years",
            "action": "delete",
            "where": {"kind": ["x"]},
            "reason": "omdat",
        } == rule.to_dict()
