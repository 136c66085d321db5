"""A retention schedule as data: :class:`RetentionPolicy`, checked when it is built.

The policy holds ordered rules and refuses, when it is built, anything that
would make a row's fate unclear: two rules that can govern the same rows,
two rules of one name, no rules. Its methods are the jobs done with it:
``apply`` (delete and anonymise), ``due`` (plan), ``sweep`` (files of
manifests) and the TOML file a privacy officer edits.
"""

from __future__ import annotations

import datetime as dt
import html
import itertools
import os
from collections.abc import Iterable
from typing import Any

import attrs
import pandas as pd

from locosuppress.errors import PolicyError
from locosuppress.events._times import resolve_tz
from locosuppress.retention import _toml
from locosuppress.retention._apply import apply_rules, check_ungoverned
from locosuppress.retention._due import RetentionDue, due_rows
from locosuppress.retention._report import RetentionResult, html_table
from locosuppress.retention._rules import RetentionRule, parse_period
from locosuppress.retention._sweep import SweepReport, sweep_files

__all__ = ["DEFAULT_TZ", "RetentionPolicy", "overlap"]

#: The zone the months of a policy are counted in unless told otherwise.
DEFAULT_TZ = "Europe/Amsterdam"


def overlap(first: RetentionRule, second: RetentionRule) -> bool:
    """Whether two rules can govern the same row.

    Rules of different tables never do. Rules of one table do, unless both
    select on a common ``where`` column with values that have nothing in common.
    """
    if first.table != second.table:
        return False
    mine = dict(first.where)
    for column, values in second.where:
        if column in mine and not set(mine[column]) & set(values):
            return False
    return True


def _version(value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise PolicyError(f"version must be text or a whole number, not {value!r}")
    text = str(value)
    if not text.strip():
        raise PolicyError("version must not be empty")
    return text


def _name(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise PolicyError(f"a policy's name must be non-empty text, not {value!r}")
    return value


def _rules(value: object) -> tuple[RetentionRule, ...]:
    if isinstance(value, RetentionRule) or not isinstance(value, Iterable):
        raise PolicyError("rules must be a list of RetentionRule values")
    rules = tuple(value)
    if not rules:
        raise PolicyError("a policy needs at least one rule")
    for rule in rules:
        if not isinstance(rule, RetentionRule):
            raise PolicyError(f"rules must be RetentionRule values, not {type(rule).__name__}")
    seen: set[str] = set()
    for rule in rules:
        if rule.name in seen:
            raise PolicyError(f"two rules are named {rule.name!r}; give each rule its own name")
        seen.add(rule.name)
    for first, second in itertools.combinations(rules, 2):
        if overlap(first, second):
            raise PolicyError(
                f"rules {first.name!r} and {second.name!r} can govern the same rows of table "
                f"{first.table!r}; give both a where on one column with different values"
            )
    return rules


@attrs.frozen(kw_only=True)
class RetentionPolicy:
    """A retention schedule: ordered rules, each a period for some rows of one table.

    Attributes:
        name: the policy's name (in reports).
        version: its version (text; an int is taken as text).
        rules: the rules, in order; no two may govern the same rows.

    Raises:
        PolicyError: no rules, two rules of one name, or two rules that can
            govern the same rows (each rule checks its own values: a period
            below one month, an unknown action, ...).
    """

    name: str = attrs.field(converter=_name)
    version: str = attrs.field(converter=_version)
    rules: tuple[RetentionRule, ...] = attrs.field(converter=_rules)

    @property
    def tables(self) -> tuple[str, ...]:
        """The tables the rules govern, in the order of their first rule."""
        return tuple(dict.fromkeys(rule.table for rule in self.rules))

    def rule(self, name: str, /) -> RetentionRule:
        """The rule called ``name``.

        Raises:
            KeyError: no such rule.
        """
        for rule in self.rules:
            if rule.name == name:
                return rule
        raise KeyError(f"no rule named {name!r}; the rules are {[r.name for r in self.rules]}")

    def for_tables(self, *tables: str) -> RetentionPolicy:
        """The same policy with only the rules of ``tables`` (to run on part of the data).

        Raises:
            PolicyError: no rule governs any of ``tables``.
        """
        chosen = [rule for rule in self.rules if rule.table in tables]
        if not chosen:
            raise PolicyError(f"no rule of {self.name!r} governs {', '.join(tables) or 'nothing'}")
        return attrs.evolve(self, rules=chosen)

    # -- the jobs -------------------------------------------------------------------------

    def apply(
        self,
        tables: Any,
        /,
        *,
        table: str | None = None,
        now: pd.Timestamp | dt.datetime | str | None = None,
        tz: str | dt.tzinfo = DEFAULT_TZ,
        ungoverned: str = "error",
        allow_unreadable: bool = False,
    ) -> RetentionResult:
        """Delete or anonymise the rows past their period; every other row stays as it was.

        A row's period has passed when its date is strictly before ``now``
        minus the rule's months (calendar months on the wall clock of ``tz``,
        as :func:`~locosuppress.anonymise_events` counts them). A missing or
        unreadable date counts as passed (fail closed) and is counted; a date
        after ``now`` is kept and counted. Applying twice equals applying once.

        Args:
            tables: a mapping of table name to DataFrame, or one DataFrame
                with ``table=``; never modified.
            table: the name of the one DataFrame given.
            now: the reference time (aware: an instant; naive: a wall time in
                ``tz``); default the current time. Pass it for reproducible runs.
            tz: the zone of the wall clock.
            ungoverned: what to do with rows that no rule governs (every row of
                a table without rules, too): ``"error"`` (default) raises
                :class:`~locosuppress.errors.RetentionCoverageError` carrying
                the report; ``"keep"`` keeps them unchanged, reports them and
                warns with :class:`RetentionCoverageWarning`.
            allow_unreadable: a rule's date column of which more than half
                of the present values are no date raises ``SchemaError``
                (the column was most likely read the wrong way); True treats
                them as past their period, like a stray unreadable date.

        Returns:
            The remaining tables, the labels deleted, anonymised and
            ungoverned, and the :class:`RetentionReport`.

        Raises:
            SchemaError: a rule's table or column is missing (naming the rule),
                or a date column holds no dates, or mostly values that are no
                date (unless ``allow_unreadable``).
            RetentionCoverageError: rows no rule governs, with ``"error"``.
            InvalidOptionError: ``now``, ``tz`` or ``ungoverned`` is impossible.
        """
        return apply_rules(
            self.name,
            self.version,
            self.rules,
            tables,
            table=table,
            now=now,
            tz=resolve_tz(tz),
            ungoverned=check_ungoverned(ungoverned),
            allow_unreadable=bool(allow_unreadable),
        )

    def due(
        self,
        tables: Any,
        /,
        *,
        table: str | None = None,
        now: pd.Timestamp | dt.datetime | str | None = None,
        within: int | str = "1 month",
        tz: str | dt.tzinfo = DEFAULT_TZ,
        allow_unreadable: bool = False,
    ) -> RetentionDue:
        """What falls due now or within a period, per rule and per day: for planning.

        ``within=0`` selects exactly the rows :meth:`apply` would delete or
        anonymise at ``now``. Nothing is changed.

        Args:
            tables, table, now, tz, allow_unreadable: as for :meth:`apply`.
            within: how far ahead: calendar months (an int) or ``"2 months"``,
                ``"1 year"``.

        Raises:
            SchemaError, InvalidOptionError: as for :meth:`apply`.
            PolicyError: ``within`` is not a period.
        """
        months = parse_period(within, what="within", allow_zero=True)
        return due_rows(
            self.name,
            self.rules,
            tables,
            table=table,
            now=now,
            within=months,
            tz=resolve_tz(tz),
            allow_unreadable=bool(allow_unreadable),
        )

    def sweep(
        self,
        manifest: pd.DataFrame,
        /,
        *,
        root: str | os.PathLike[str],
        table: str | None = None,
        now: pd.Timestamp | dt.datetime | str | None = None,
        tz: str | dt.tzinfo = DEFAULT_TZ,
        dry_run: bool = True,
        allow_unreadable: bool = False,
    ) -> SweepReport:
        """List, and with ``dry_run=False`` delete, the files of jobs past their period.

        The manifest is the table of the rule(s) with a ``path_column``: one
        row per job, with its file or folder and the date its period runs
        from. Paths are taken relative to ``root`` and must lie inside it: a
        path that leads out (``..``, or through a symbolic link to a folder
        elsewhere) is refused and reported; a symbolic link is removed as a
        link, never its target.

        Args:
            manifest: the jobs; never modified.
            root: the folder every job's files lie in.
            table: which table's rules to use when rules of several tables
                name a path column.
            now, tz, allow_unreadable: as for :meth:`apply` (a manifest whose
                dates mostly do not read would otherwise sweep every job).
            dry_run: only list (the default); False deletes.

        Returns:
            A :class:`SweepReport`: per row past its period, the path and what
            became of it (deleted, missing, failed with the reason, refused).

        Raises:
            InvalidOptionError: no rule names a path column, or ``root`` is not
                a folder.
            SchemaError: a column the rules need is missing.
        """
        return sweep_files(
            self.name,
            self.rules,
            manifest,
            root=root,
            table=table,
            now=now,
            tz=resolve_tz(tz),
            dry_run=bool(dry_run),
            allow_unreadable=bool(allow_unreadable),
        )

    # -- the file ---------------------------------------------------------------------------

    @classmethod
    def from_toml(cls, path: str | os.PathLike[str], /) -> RetentionPolicy:
        """Read a policy from a TOML file (schema: docs/retention.md).

        Raises:
            PolicyFileNotFoundError: no such file.
            PolicyError: not TOML, not the schema, or a policy that cannot be built.
        """
        name, version, rules = _toml.read(path)
        return cls(name=name, version=version, rules=rules)

    @classmethod
    def from_toml_text(cls, text: str, /) -> RetentionPolicy:
        """Read a policy from TOML text (as :meth:`from_toml`).

        Raises:
            PolicyError: not TOML, not the schema, or a policy that cannot be built.
        """
        name, version, rules = _toml.loads(text)
        return cls(name=name, version=version, rules=rules)

    def to_toml(self) -> str:
        """The policy as TOML text; :meth:`from_toml_text` reads it back equal."""
        return _toml.dumps(self.name, self.version, self.rules)

    # -- showing ----------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values, as in a policy file."""
        return {
            "name": self.name,
            "version": self.version,
            "rules": [rule.to_dict() for rule in self.rules],
        }

    def _rows(self) -> list[list[Any]]:
        return [
            [
                rule.name,
                rule.table,
                "; ".join(f"{c} in {', '.join(map(str, v))}" for c, v in rule.where) or "all rows",
                rule.date_column,
                rule.period,
                rule.action,
            ]
            for rule in self.rules
        ]

    _HEADER = ("rule", "table", "rows", "from", "kept for", "then")

    def __str__(self) -> str:
        title = f"retention policy {self.name} (version {self.version})"
        return "\n".join([title, "-" * len(title), *(str(rule) for rule in self.rules)])

    def _repr_html_(self) -> str:
        caption = f"retention policy {self.name} (version {self.version})"
        return html_table(list(self._HEADER), self._rows(), caption=caption) + "".join(
            f"<p><b>{html.escape(rule.name)}</b>: {html.escape(rule.reason)}</p>"
            for rule in self.rules
            if rule.reason
        )
