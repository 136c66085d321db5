"""One rule of a retention schedule, and the periods it is written in.

A :class:`RetentionRule` says which rows of which table it governs (the
table, optionally narrowed by ``where``), from which date their period runs,
how long they are kept, and what happens afterwards (``"delete"`` or
``"anonymise"``). Every value is checked when the rule is built; what depends
on the data (is the column there) is checked at ``apply``, naming the rule.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterable, Mapping
from typing import Any, Literal

import attrs

from locosuppress.errors import PolicyError

__all__ = [
    "ACTIONS",
    "Action",
    "RetentionRule",
    "WhereValue",
    "format_period",
    "parse_period",
]

Action = Literal["delete", "anonymise"]
#: What a rule does to a row whose period has passed.
ACTIONS: tuple[Action, ...] = ("delete", "anonymise")
#: The values ``where`` may select (what a TOML file can hold, without floats).
WhereValue = str | int | bool

_PERIOD = re.compile(r"^\s*(\d+)\s*(months?|years?)\s*$", re.IGNORECASE)


def parse_period(value: object, /, *, what: str = "keep_for", allow_zero: bool = False) -> int:
    """A period as whole calendar months: an int of months, ``"6 months"`` or ``"7 years"``.

    Raises:
        PolicyError: anything else, or a period below one month (below zero
            with ``allow_zero``).
    """
    least = 0 if allow_zero else 1
    if isinstance(value, bool):
        months = None
    elif isinstance(value, int):
        months = value
    elif isinstance(value, str) and (match := _PERIOD.match(value)):
        number = int(match[1])
        months = number * 12 if match[2].lower().startswith("year") else number
    else:
        months = None
    if months is None:
        raise PolicyError(
            f"{what} must be calendar months or years, such as 6, '6 months' or '7 years', "
            f"not {value!r}"
        )
    if months < least:
        raise PolicyError(
            f"{what} must be at least {least} month{'' if least == 1 else 's'}, not {value!r}"
        )
    return months


def format_period(months: int, /) -> str:
    """A period in words: ``"7 years"``, ``"6 months"``, ``"1 month"``."""
    if months and months % 12 == 0:
        years = months // 12
        return f"{years} year{'' if years == 1 else 's'}"
    return f"{months} month{'' if months == 1 else 's'}"


def _text(value: object, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise PolicyError(f"{what} must be non-empty text, not {value!r}")
    return value


def _optional_text(value: object, what: str) -> str | None:
    return None if value is None else _text(value, what)


def _rule_name(value: object) -> str:
    return _text(value, "a rule's name")


def _table(value: object) -> str:
    return _text(value, "table")


def _date_column(value: object) -> str:
    return _text(value, "date_column")


def _path_column(value: object) -> str | None:
    return _optional_text(value, "path_column")


def _where(value: object) -> tuple[tuple[str, tuple[WhereValue, ...]], ...]:
    """``{"kind": ["sample", "quote"]}`` as sorted ``(column, values)`` pairs."""
    if value is None:
        return ()
    if not isinstance(value, Mapping):
        raise PolicyError(
            f"where must map a column to the values it selects, such as "
            f"{{'kind': ['sample', 'quote']}}, not {value!r}"
        )
    pairs = []
    for column, values in value.items():
        _text(column, "a where column")
        chosen = [values] if isinstance(values, str | int | bool) else values
        if not isinstance(chosen, Iterable) or isinstance(chosen, Mapping):
            raise PolicyError(f"where[{column!r}] must be a value or a list of values")
        checked = tuple(chosen)
        if not checked:
            raise PolicyError(f"where[{column!r}] selects no values; name at least one")
        for item in checked:
            if isinstance(item, int) and not -(2**63) <= item < 2**63:
                raise PolicyError(f"where[{column!r}] numbers must fit in 64 bits, as in TOML")
            if not isinstance(item, str | int):  # bool is an int
                raise PolicyError(
                    f"where[{column!r}] values must be text, whole numbers or true/false, "
                    f"not {item!r}"
                )
        pairs.append((column, tuple(dict.fromkeys(checked))))
    return tuple(sorted(pairs, key=lambda pair: pair[0]))


def _keep(value: object) -> tuple[str, ...] | None:
    if value is None:
        return None
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, Iterable):
        raise PolicyError(f"keep must be a list of column names, not {value!r}")
    return tuple(_text(item, "a keep column") for item in items)


@attrs.frozen(kw_only=True)
class RetentionRule:
    """One period of a retention schedule, for the rows of one table.

    Attributes:
        name: what the rule is called in reports (unique within a policy).
        table: the table it governs.
        date_column: the column holding the date the period runs from (a
            request, purchase, completion or last-contact date).
        keep_for: the period in calendar months (given as an int of months,
            ``"6 months"`` or ``"7 years"``).
        action: ``"delete"`` (drop the row) or ``"anonymise"`` (the
            anonymiser's allow-list treatment, see
            :func:`locosuppress.anonymise_events`).
        where: which rows of the table it governs, as ``(column, values)``
            pairs (given as a mapping such as ``{"kind": ["sample", "quote"]}``);
            empty: every row. A row is governed when each column holds one of
            its values.
        keep: for ``"anonymise"``: the columns kept on treated rows (besides
            the date column and the ``where`` columns, which are always kept);
            None: the anonymiser's defaults.
        path_column: the column naming each row's files or folders (a manifest
            of jobs); :meth:`RetentionPolicy.sweep` deletes them.
        reason: why: the sentence of the policy the rule comes from.

    Raises:
        PolicyError: a value is missing or impossible.
    """

    name: str = attrs.field(converter=_rule_name)
    table: str = attrs.field(converter=_table)
    date_column: str = attrs.field(converter=_date_column)
    keep_for: int = attrs.field(converter=parse_period)
    action: Action = "delete"
    where: tuple[tuple[str, tuple[WhereValue, ...]], ...] = attrs.field(
        default=None, converter=_where
    )
    keep: tuple[str, ...] | None = attrs.field(default=None, converter=_keep)
    path_column: str | None = attrs.field(default=None, converter=_path_column)
    reason: str = attrs.field(default="", validator=attrs.validators.instance_of(str))

    def __attrs_post_init__(self) -> None:
        name = self.name
        if self.action not in ACTIONS:
            raise PolicyError(
                f"rule {name!r}: action must be 'delete' or 'anonymise', not {self.action!r}"
            )
        if self.keep is not None and self.action != "anonymise":
            raise PolicyError(f"rule {name!r}: keep applies to action 'anonymise' only")
        if self.path_column is not None and self.action != "delete":
            raise PolicyError(
                f"rule {name!r}: a rule with path_column deletes files; its action must be 'delete'"
            )
        if self.date_column in self.where_columns:
            raise PolicyError(f"rule {name!r}: the date column cannot also be a where column")

    @property
    def period(self) -> str:
        """``keep_for`` in words: ``"7 years"``, ``"6 months"``."""
        return format_period(self.keep_for)

    @property
    def where_columns(self) -> tuple[str, ...]:
        """The columns ``where`` looks at."""
        return tuple(column for column, _ in self.where)

    def kept_columns(self, columns: Iterable[Hashable], default: Iterable[str]) -> list[Hashable]:
        """The columns an ``"anonymise"`` rule keeps, among ``columns`` (in their order).

        ``default`` holds the casefolded names kept when ``keep`` is None.
        """
        wanted = set(self.where_columns)
        if self.keep is None:
            names = set(default)
            return [
                c for c in columns if c in wanted or (isinstance(c, str) and c.casefold() in names)
            ]
        wanted |= set(self.keep)
        return [c for c in columns if c in wanted]

    def to_dict(self) -> dict[str, Any]:
        """Plain values (``where`` as a mapping of lists), as in a policy file."""
        out: dict[str, Any] = {
            "name": self.name,
            "table": self.table,
            "date_column": self.date_column,
            "keep_for": self.period,
            "action": self.action,
        }
        if self.where:
            out["where"] = {column: list(values) for column, values in self.where}
        if self.keep is not None:
            out["keep"] = list(self.keep)
        if self.path_column is not None:
            out["path_column"] = self.path_column
        if self.reason:
            out["reason"] = self.reason
        return out

    def __str__(self) -> str:
        where = "".join(
            f" where {column} in ({', '.join(map(str, values))})" for column, values in self.where
        )
        return (
            f"{self.name}: {self.table}{where}: {self.action} {self.period} "
            f"after {self.date_column}"
        )
