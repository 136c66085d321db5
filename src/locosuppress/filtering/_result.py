"""What a filter run gives back: the report (counts only) and the result (kept and removed rows)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import attrs
import pandas as pd

from locosuppress.errors import SchemaError
from locosuppress.reports import render_html, render_text

__all__ = ["REJECTED_OUTCOMES", "FilterReport", "FilterResult"]


@attrs.frozen(kw_only=True)
class FilterReport:
    """What a filter run removed and why: counts only, never an address."""

    total: int
    kept: int
    suppressed: int
    suppressed_by_scope: Mapping[str, int]
    suppressed_by_entry: Mapping[str, int]
    invalid: int
    missing: int
    invalid_excluded: bool
    duplicates: int
    channel: str | None
    column: str
    list_fingerprint: str | None = None
    audited: bool = False
    dedupe: bool = True

    def __attrs_post_init__(self) -> None:
        counted = self.kept + self.suppressed + self.duplicates
        counted += self.invalid if self.invalid_excluded else 0
        if counted != self.total:  # pragma: no cover - guarded by property tests
            raise AssertionError("filter report does not add up")

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict of every field."""
        d = attrs.asdict(self)
        d["suppressed_by_scope"] = dict(self.suppressed_by_scope)
        d["suppressed_by_entry"] = dict(self.suppressed_by_entry)
        return d

    def __add__(self, other: FilterReport) -> FilterReport:
        """Sum two reports of the same kind of run (used for partitions)."""
        if not isinstance(other, FilterReport):
            return NotImplemented
        return attrs.evolve(
            self,
            total=self.total + other.total,
            kept=self.kept + other.kept,
            suppressed=self.suppressed + other.suppressed,
            suppressed_by_scope=_add(self.suppressed_by_scope, other.suppressed_by_scope),
            suppressed_by_entry=_add(self.suppressed_by_entry, other.suppressed_by_entry),
            invalid=self.invalid + other.invalid,
            missing=self.missing + other.missing,
            duplicates=self.duplicates + other.duplicates,
            audited=self.audited and other.audited,
        )

    def _rows(self) -> list[tuple[str, Any]]:
        invalid_label = "invalid (excluded)" if self.invalid_excluded else "invalid (kept)"
        return [
            ("rows in", self.total),
            ("kept", self.kept),
            ("suppressed", self.suppressed),
            ("  by scope", dict(self.suppressed_by_scope)),
            ("  by entry", dict(self.suppressed_by_entry)),
            (invalid_label, self.invalid),
            ("  of which missing", self.missing),
            ("duplicates removed", self.duplicates if self.dedupe else "not checked"),
            ("channel", self.channel or "any"),
            ("address column", self.column),
            ("list key", self.list_fingerprint),
        ]

    def _notes(self) -> list[str]:
        if self.audited:
            return []
        return [
            "this run is not in the list's audit log "
            "(the list was opened read-only, or the run did not go through a list)"
        ]

    def __str__(self) -> str:
        return render_text("locosuppress filter report", self._rows(), notes=self._notes())

    def _repr_html_(self) -> str:
        return render_html("locosuppress filter report", self._rows(), notes=self._notes())


def _add(a: Mapping[str, int], b: Mapping[str, int]) -> dict[str, int]:
    return {k: a.get(k, 0) + b.get(k, 0) for k in dict.fromkeys([*a, *b])}


#: The outcome of each removed row, as :attr:`FilterResult.rejected_outcomes` names it.
REJECTED_OUTCOMES: Final = ("suppressed", "invalid", "duplicate")


@attrs.frozen(kw_only=True, repr=False)
class FilterResult:
    """The kept rows, the report, the removed rows with their outcome, and their index labels.

    Every input row is in exactly one of ``kept`` and ``rejected``, each in
    input order with the input's columns, index labels and ``attrs``.
    ``rejected_outcomes`` gives, position by position, why each removed row
    was removed: ``"suppressed"``, ``"invalid"`` (no usable address; only
    with ``on_invalid="exclude"``) or ``"duplicate"``, so that
    ``report.suppressed``, ``report.duplicates`` and (when excluded)
    ``report.invalid`` count its values. :meth:`rejected_rows` joins the two
    for a review file.
    """

    kept: pd.DataFrame
    report: FilterReport
    suppressed_index: pd.Index
    invalid_index: pd.Index
    duplicate_index: pd.Index
    rejected: pd.DataFrame
    rejected_outcomes: pd.Series

    def __repr__(self) -> str:
        return f"FilterResult(kept={len(self.kept)} rows, report=...)\n{self.report}"

    def rejected_rows(self, *, column: str = "outcome") -> pd.DataFrame:
        """The removed rows with their outcome in a last column named ``column``.

        A new frame (``rejected`` is not modified) with the input's columns,
        index labels and ``attrs``, so :func:`~locosuppress.io.write_mailing_file`
        writes it in the input's format.

        Raises:
            SchemaError: the input already has a column named ``column``
                (choose another name with ``column=``).
        """
        if column in self.rejected.columns:
            raise SchemaError(
                f"the input already has a column named {column!r}; name the outcome column "
                "with column=..."
            )
        out = self.rejected.copy()
        out.insert(out.shape[1], column, self.rejected_outcomes.to_numpy(dtype=object))
        out.attrs = dict(self.rejected.attrs)
        return out

    def _repr_html_(self) -> str:
        return self.report._repr_html_()

    def to_dict(self) -> dict[str, Any]:
        """The report as a dict (the frames are not included)."""
        return self.report.to_dict()
