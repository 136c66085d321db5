"""Delete the files of jobs past their period: the sweep of a manifest.

A manifest is a table of jobs, one row each, with the path of the job's file
or folder and the date its period runs from (for personalised mailings: the
completion date). The rule that governs it names the path column
(``path_column``). :func:`sweep_files` lists, and unless ``dry_run`` deletes,
what is past its period, and reports every row's outcome.

Safety: every path must lie inside ``root`` (relative paths are taken from
there), judged by the real location of its folder, so neither ``..`` nor a
symbolic link to a folder elsewhere can lead out of it. A path that is itself a
symbolic link is removed as a link; its target is never touched. Folders are
removed from the bottom up without following the symbolic links in them.
"""

from __future__ import annotations

import datetime as dt
import html
import os
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import attrs
import numpy as np
import pandas as pd

from locosuppress.errors import InvalidOptionError, SchemaError
from locosuppress.retention._report import html_table, iso_text, text_table
from locosuppress.retention._rules import RetentionRule
from locosuppress.retention._select import (
    column_of,
    expiry,
    governing,
    moment,
    read_dates,
    reference_instant,
)

__all__ = ["OUTCOMES", "SweepItem", "SweepReport", "sweep_files"]

#: Every outcome of a swept row, in report order.
OUTCOMES = ("deleted", "would delete", "missing", "failed", "outside", "no path")
_PROBLEMS = frozenset({"failed", "outside", "no path"})


@attrs.frozen(kw_only=True)
class SweepItem:
    """One manifest row past its period, and what became of its path.

    Attributes:
        rule: the rule that governs the row.
        position: the row's 0-based position in the manifest.
        path: the path as the manifest gives it ("" when it gives none).
        kind: ``"file"``, ``"folder"``, ``"link"`` or None (not there).
        outcome: ``"deleted"``, ``"would delete"`` (a dry run), ``"missing"``
            (nothing there), ``"failed"`` (see ``reason``), ``"outside"``
            (not inside the root: refused) or ``"no path"``.
        reason: why it failed or was refused.
    """

    rule: str
    position: int
    path: str
    kind: str | None
    outcome: str
    reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values."""
        return attrs.asdict(self)


@attrs.frozen(kw_only=True)
class SweepReport:
    """What a sweep of a manifest found and did.

    Attributes:
        policy: the policy's name.
        now: the reference time.
        root: the folder every path must lie in.
        dry_run: whether nothing was deleted.
        rows: rows in the manifest.
        items: one :class:`SweepItem` per row past its period, in manifest order.
    """

    policy: str
    now: pd.Timestamp
    root: str
    dry_run: bool
    rows: int
    items: tuple[SweepItem, ...]

    @property
    def counts(self) -> dict[str, int]:
        """Rows per outcome (every outcome, zeros included)."""
        found = Counter(item.outcome for item in self.items)
        return {outcome: found.get(outcome, 0) for outcome in OUTCOMES}

    @property
    def ok(self) -> bool:
        """Whether nothing failed or was refused."""
        return not any(item.outcome in _PROBLEMS for item in self.items)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values."""
        return {
            "policy": self.policy,
            "now": iso_text(self.now),
            "root": self.root,
            "dry_run": self.dry_run,
            "rows": self.rows,
            "counts": self.counts,
            "ok": self.ok,
            "items": [item.to_dict() for item in self.items],
        }

    @property
    def _title(self) -> str:
        what = "dry run: nothing deleted" if self.dry_run else "files deleted"
        return f"locosuppress retention sweep under {self.policy} ({what})"

    def _rows(self) -> list[list[Any]]:
        return [
            [item.rule, item.position, item.kind or "-", item.outcome, item.reason, item.path]
            for item in self.items
        ]

    _HEADER = ("rule", "row", "kind", "outcome", "reason", "path")

    def __str__(self) -> str:
        title = self._title
        counts = ", ".join(f"{n:,} {o}" for o, n in self.counts.items() if n)
        lines = [title, "-" * len(title), f"root {self.root}, now {iso_text(self.now)}"]
        lines.append(f"{self.rows:,} rows, {len(self.items):,} past their period: {counts or '-'}")
        if self.items:
            lines += ["", *text_table(list(self._HEADER), self._rows())]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return f"<p>{html.escape(str(self.counts))}</p>" + html_table(
            list(self._HEADER), self._rows(), caption=self._title
        )


def _inside(path: Path, root: Path) -> bool:
    """Whether ``path``'s real folder is ``root`` or below it, and its name a real name."""
    if path.name in ("", ".", ".."):
        return False
    folder = path.parent.resolve()
    return folder == root or root in folder.parents


def _kind(path: Path) -> str | None:
    if path.is_symlink():
        return "link"
    if path.is_dir():
        return "folder"
    if os.path.lexists(path):
        return "file"
    return None


def _remove_tree(folder: Path) -> None:
    """Remove a folder and everything in it, never following a symbolic link.

    Raises:
        OSError: the first entry that could not be removed.
    """
    errors: list[OSError] = []
    for current, folders, files in os.walk(folder, topdown=False, onerror=errors.append):
        for name in files:
            os.unlink(os.path.join(current, name))
        for name in folders:  # links to folders are listed here but never entered
            entry = os.path.join(current, name)
            if os.path.islink(entry):
                os.unlink(entry)
            else:
                os.rmdir(entry)
    if errors:
        raise errors[0]
    os.rmdir(folder)


def _reason(error: OSError) -> str:
    if isinstance(error, PermissionError):
        return "permission denied"
    return error.strerror or type(error).__name__


def _sweep_one(rule: str, position: int, value: Any, root: Path, *, dry_run: bool) -> SweepItem:
    if not isinstance(value, str | os.PathLike) or not os.fspath(value).strip():
        return SweepItem(rule=rule, position=position, path="", kind=None, outcome="no path")
    text = os.fspath(value)
    path = Path(text) if Path(text).is_absolute() else root / text
    if not _inside(path, root):
        return SweepItem(
            rule=rule,
            position=position,
            path=text,
            kind=None,
            outcome="outside",
            reason=f"not inside {root}: refused",
        )
    kind = _kind(path)
    if kind is None:
        return SweepItem(rule=rule, position=position, path=text, kind=None, outcome="missing")
    if dry_run:
        return SweepItem(rule=rule, position=position, path=text, kind=kind, outcome="would delete")
    try:
        if kind == "folder":
            _remove_tree(path)
        else:
            path.unlink()
    except OSError as error:
        return SweepItem(
            rule=rule,
            position=position,
            path=text,
            kind=kind,
            outcome="failed",
            reason=_reason(error),
        )
    return SweepItem(rule=rule, position=position, path=text, kind=kind, outcome="deleted")


def _file_rules(rules: Sequence[RetentionRule], table: str | None) -> list[RetentionRule]:
    chosen = [rule for rule in rules if rule.path_column is not None]
    if table is not None:
        chosen = [rule for rule in chosen if rule.table == table]
    tables = sorted({rule.table for rule in chosen})
    if not tables:
        where = f" for table {table!r}" if table is not None else ""
        raise InvalidOptionError(
            f"no rule of the policy names a path_column{where}; add path_column to the rule "
            "that governs the manifest of jobs"
        )
    if len(tables) > 1:
        raise InvalidOptionError(
            f"rules of several tables name files ({', '.join(tables)}); pass table= "
            "with the manifest's table"
        )
    return chosen


def sweep_files(
    policy: str,
    rules: Sequence[RetentionRule],
    manifest: Any,
    *,
    root: str | os.PathLike[str],
    table: str | None,
    now: Any,
    tz: dt.tzinfo,
    dry_run: bool,
    allow_unreadable: bool = False,
) -> SweepReport:
    """List, and unless ``dry_run`` delete, the files of jobs past their period.

    Raises:
        TypeError: ``manifest`` is not a DataFrame.
        InvalidOptionError: no rule names a path column (or several tables do).
        SchemaError: a column the rules need is missing.
        InvalidOptionError: also when ``root`` is not a folder.
    """
    if not isinstance(manifest, pd.DataFrame):
        raise TypeError(f"manifest must be a pandas DataFrame, not {type(manifest).__name__}")
    if not manifest.columns.is_unique:
        raise SchemaError("the manifest's column names must be unique")
    chosen = _file_rules(rules, table)
    name = chosen[0].table
    own = [rule for rule in rules if rule.table == name]
    folder = Path(os.fspath(root))
    if not folder.is_dir():
        raise InvalidOptionError(f"root {folder} is not a folder; give the folder of the job files")
    real_root = folder.resolve()
    instant = reference_instant(now, tz)
    which = governing(manifest, own)
    at = moment(instant, tz)
    items: list[SweepItem] = []
    for number, rule in enumerate(own):
        if rule.path_column is None:
            continue
        positions = np.flatnonzero(which == number)
        paths = column_of(manifest, rule, rule.path_column, "path")
        dates = read_dates(manifest, rule, positions, tz, allow_unreadable=allow_unreadable)
        state = expiry(dates, rule, at)
        for position in positions[state.expired]:
            value = paths.iloc[position]
            items.append(_sweep_one(rule.name, int(position), value, real_root, dry_run=dry_run))
    items.sort(key=lambda item: item.position)
    return SweepReport(
        policy=policy,
        now=instant,
        root=str(real_root),
        dry_run=dry_run,
        rows=len(manifest),
        items=tuple(items),
    )
