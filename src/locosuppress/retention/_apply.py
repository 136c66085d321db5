"""Apply a retention policy to tables: delete or anonymise what is past its period.

Per table: find the rule that governs each row, read each rule's dates once,
and mark the rows past their period. ``"anonymise"`` rows go through
:func:`locosuppress.anonymise_events` (the allow-list treatment, the same
cutoff) and are put back in place; ``"delete"`` rows are dropped last. Every
other row comes back exactly as it was. Inputs are never modified.
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from locosuppress._calendar import place, reference_time
from locosuppress.errors import InvalidOptionError, RetentionCoverageError, SchemaError
from locosuppress.events import DEFAULT_KEEP, anonymise_events
from locosuppress.retention._report import (
    MAX_POSITIONS,
    RetentionCoverageWarning,
    RetentionReport,
    RetentionResult,
    RuleOutcome,
    TableOutcome,
)
from locosuppress.retention._rules import RetentionRule
from locosuppress.retention._select import (
    check_tables,
    expiry,
    governing,
    moment,
    read_dates,
    reference_instant,
)

__all__ = ["Ungoverned", "apply_rules", "check_ungoverned"]

Ungoverned = Literal["keep", "error"]


def check_ungoverned(value: object) -> Ungoverned:
    """``"keep"`` or ``"error"``."""
    if value == "keep":
        return "keep"
    if value == "error":
        return "error"
    raise InvalidOptionError(f"ungoverned must be 'keep' or 'error', not {value!r}")


def _common_dtype(old: pd.Series, new: pd.Series) -> Any:
    """The dtype that holds the values of both columns (pandas' own rule for concat)."""
    return pd.concat([old.iloc[:0], new.iloc[:0]]).dtype


def _overlay(
    base: pd.DataFrame, treated: pd.DataFrame, positions: npt.NDArray[np.intp]
) -> pd.DataFrame:
    """``base`` with the rows at ``positions`` replaced by ``treated`` (same columns, in order)."""
    out = base.copy(deep=False)
    for i in range(base.shape[1]):
        old = base.iloc[:, i]
        new = treated.iloc[:, i]
        if old.dtype != new.dtype:
            dtype = _common_dtype(old, new)
            old = old.astype(dtype)
            new = new.astype(dtype)
        column: Any = old.copy()  # a Series keeps its dtype
        column.iloc[positions] = new.array
        out.isetitem(i, column)
    return out


def _anonymise(
    frame: pd.DataFrame,
    rule: RetentionRule,
    positions: npt.NDArray[np.intp],
    *,
    now: pd.Timestamp,
    tz: dt.tzinfo,
) -> pd.DataFrame:
    """The anonymiser's treatment of the rows at ``positions`` (all past the rule's period)."""
    chosen = frame.iloc[positions] if len(positions) != len(frame) else frame
    keep = [c for c in rule.kept_columns(frame.columns, DEFAULT_KEEP) if c != rule.date_column]
    try:
        treated = anonymise_events(
            chosen,
            now=now,
            months=rule.keep_for,
            timestamp=rule.date_column,
            keep=keep,
            identity=(),
            tz=tz,
            # This rule already chose these rows (a missing or unreadable date
            # counts as past its period, and is counted in its report).
            allow_unreadable=True,
        ).events
    except SchemaError as exc:
        raise SchemaError(f"rule {rule.name!r}: {exc}") from None
    if len(positions) == len(frame):
        return treated
    return _overlay(frame, treated, positions)


def _positions(mask: npt.NDArray[np.bool_]) -> tuple[int, ...]:
    return tuple(int(p) for p in np.flatnonzero(mask)[:MAX_POSITIONS])


def apply_rules(
    policy: str,
    version: str,
    rules: Sequence[RetentionRule],
    tables: Any,
    *,
    table: str | None,
    now: Any,
    tz: dt.tzinfo,
    ungoverned: Ungoverned,
    allow_unreadable: bool = False,
) -> RetentionResult:
    """Apply ``rules`` to ``tables`` (see :meth:`RetentionPolicy.apply`)."""
    given = check_tables(tables, table, rules)
    wall_now = reference_time(now, tz)
    at = moment(wall_now, tz)
    outcomes: dict[str, RuleOutcome] = {}
    results: dict[str, pd.DataFrame] = {}
    deleted_labels: dict[str, pd.Index] = {}
    anonymised_labels: dict[str, pd.Index] = {}
    ungoverned_labels: dict[str, pd.Index] = {}
    table_outcomes: list[TableOutcome] = []
    for name, frame in given.items():
        own = [rule for rule in rules if rule.table == name]
        size = len(frame)
        which = governing(frame, own)
        deleted = np.zeros(size, dtype=bool)
        anonymised = np.zeros(size, dtype=bool)
        out = frame
        for number, rule in enumerate(own):
            governed = which == number
            positions = None if governed.all() else np.flatnonzero(governed)
            times = read_dates(frame, rule, positions, tz, allow_unreadable=allow_unreadable)
            state = expiry(times, rule, at)
            if positions is None:
                hit = state.expired
            else:
                hit = np.zeros(size, dtype=bool)
                hit[positions[state.expired]] = True
            due = int(state.expired.sum())
            if rule.action == "delete":
                deleted |= hit
            elif due:
                anonymised |= hit
                out = _anonymise(out, rule, np.flatnonzero(hit), now=wall_now, tz=tz)
            governs = size if positions is None else len(positions)
            outcomes[rule.name] = RuleOutcome(
                rule=rule.name,
                table=name,
                action=rule.action,
                period=rule.period,
                date_column=rule.date_column,
                cutoff=state.cutoff,
                governed=governs,
                kept=governs - due,
                deleted=due if rule.action == "delete" else 0,
                anonymised=due if rule.action == "anonymise" else 0,
                missing_date=int(state.missing.sum()),
                future_date=int(state.future.sum()),
                reason=rule.reason,
            )
        free = which < 0
        gone = np.flatnonzero(deleted)
        if len(gone):
            out = out.take(np.flatnonzero(~deleted))
        elif out is frame:
            out = frame.copy(deep=False)
        results[name] = out
        deleted_labels[name] = frame.index.take(gone)
        anonymised_labels[name] = frame.index.take(np.flatnonzero(anonymised))
        ungoverned_labels[name] = frame.index.take(np.flatnonzero(free))
        counts = {"deleted": len(gone), "anonymised": int(anonymised.sum())}
        ungoverned_rows = len(ungoverned_labels[name])
        table_outcomes.append(
            TableOutcome(
                table=name,
                rows=size,
                kept=size - counts["deleted"] - counts["anonymised"] - ungoverned_rows,
                deleted=counts["deleted"],
                anonymised=counts["anonymised"],
                ungoverned=ungoverned_rows,
                ungoverned_positions=_positions(free) if ungoverned_rows else (),
            )
        )
    report = RetentionReport(
        policy=policy,
        version=version,
        now=reference_instant(now, tz) if now is not None else place(wall_now, tz),
        tz=str(tz),
        ungoverned_action=ungoverned,
        rules=tuple(outcomes[rule.name] for rule in rules if rule.name in outcomes),
        tables=tuple(table_outcomes),
    )
    _coverage(report, ungoverned)
    return RetentionResult(
        tables=results,
        deleted=deleted_labels,
        anonymised=anonymised_labels,
        ungoverned=ungoverned_labels,
        report=report,
    )


def _coverage(report: RetentionReport, ungoverned: Ungoverned) -> None:
    """Warn about (``"keep"``) or refuse (``"error"``) rows no rule governs."""
    if not report.ungoverned:
        return
    counts = ", ".join(f"{t.table}: {t.ungoverned:,}" for t in report.tables if t.ungoverned)
    if ungoverned == "error":
        raise RetentionCoverageError(
            f"rows that no rule of the policy governs ({counts}); add a rule for them, or "
            "pass ungoverned='keep' to keep them (they are then reported)",
            report=report,
        )
    warnings.warn(
        f"kept rows that no rule of the policy governs ({counts}); add a rule for them",
        RetentionCoverageWarning,
        stacklevel=4,
    )
