"""The value :func:`~locosuppress.interop.read_suppressions` returns, and its report (private).

A :class:`SuppressionExport` holds the rows of a provider's export that are
suppressions, already in our words (reason and scope names of
:mod:`locosuppress._vocabulary`), with the provider's own status word beside
them, and a :class:`SuppressionExportReport` that counts every row read. The
report holds counts and status words, never an address.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import attrs
import pandas as pd

from locosuppress._vocabulary import SCOPES, option_code
from locosuppress.reports import render_html, render_text

__all__ = ["COLUMNS", "SuppressionExport", "SuppressionExportReport"]

#: The columns of :attr:`SuppressionExport.frame`, in order.
COLUMNS: Final = ("email", "reason", "scope", "suppressed_at", "status")


@attrs.frozen(kw_only=True)
class SuppressionExportReport:
    """What was read from a provider's export: every row counted once.

    Attributes:
        format: the provider layout (``"sendgrid"``, ``"mailchimp"``, ...).
        rows: rows read (every file of a Mailchimp ``.zip`` together).
        suppressions: rows that are suppressions (the rows of the frame).
        by_status: rows per provider status word, suppressions or not.
        by_reason: suppressions per reason of ours.
        not_suppressed: rows that are not suppressions, per provider status
            (subscribed members, listmonk ``enabled``, soft bounces and blocks
            unless ``include_soft=True``).
        soft: rows that are soft bounces or blocks (counted whether or not
            ``include_soft=True`` made them suppressions).
        parts: the files or tables read (file names of a ``.zip``, else one).
        source: the file's name (the audit label ``add_export`` uses), None for a DataFrame.
    """

    format: str
    rows: int
    suppressions: int
    by_status: Mapping[str, int]
    by_reason: Mapping[str, int]
    not_suppressed: Mapping[str, int]
    soft: int = 0
    parts: tuple[str, ...] = ()
    source: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the counts as plain Python values."""
        return {
            "format": self.format,
            "rows": self.rows,
            "suppressions": self.suppressions,
            "by_status": dict(self.by_status),
            "by_reason": dict(self.by_reason),
            "not_suppressed": dict(self.not_suppressed),
            "soft": self.soft,
            "parts": list(self.parts),
            "source": self.source,
        }

    def _rows(self) -> list[tuple[str, Any]]:
        rows: list[tuple[str, Any]] = [
            ("format", self.format),
            ("rows read", self.rows),
            ("suppressions", self.suppressions),
            ("not suppressions", sum(self.not_suppressed.values())),
            ("soft bounces and blocks", self.soft),
        ]
        rows += [(f"status {k}", v) for k, v in self.by_status.items()]
        rows += [(f"reason {k}", v) for k, v in self.by_reason.items()]
        return rows

    def _notes(self) -> list[str]:
        if not self.not_suppressed:
            return []
        parts = ", ".join(f"{k} {v:,}" for k, v in self.not_suppressed.items())
        return [f"not suppressions (not added): {parts}"]

    def __str__(self) -> str:
        return render_text("Provider export: read", self._rows(), notes=self._notes())

    def _repr_html_(self) -> str:
        return render_html("Provider export: read", self._rows(), notes=self._notes())


def _check_frame(instance: object, attribute: object, frame: pd.DataFrame) -> None:
    if not isinstance(frame, pd.DataFrame) or tuple(frame.columns) != COLUMNS:
        raise TypeError(f"a SuppressionExport frame has exactly the columns {', '.join(COLUMNS)}")


@attrs.frozen(kw_only=True)
class SuppressionExport:
    """The suppressions of a provider's export, in our words.

    Attributes:
        frame: one row per suppression, with the columns ``email`` (as written
            in the export), ``reason`` (one of our reasons), ``scope`` (one of
            our scopes), ``suppressed_at`` (tz-aware UTC, ``NaT`` when the
            export has no date for the row) and ``status`` (the provider's own
            word). Its index is the row's 0-based position among the rows read.
        format: the provider layout read.
        report: every row read, counted by provider status and by reason.
    """

    frame: pd.DataFrame = attrs.field(validator=_check_frame, repr=False)
    format: str
    report: SuppressionExportReport

    def with_scope(self, scope: str, /) -> SuppressionExport:
        """The same export with every suppression for ``scope`` (``all``, ``newsletter``, ``post``).

        Raises:
            InvalidOptionError: an unknown scope.
        """
        option_code(scope, SCOPES, "scope")
        frame = self.frame.copy()
        frame["scope"] = scope
        return attrs.evolve(self, frame=frame)

    def to_dict(self) -> dict[str, Any]:
        """The report as plain Python values (never the addresses)."""
        return self.report.to_dict()

    def __str__(self) -> str:
        return str(self.report)

    def _repr_html_(self) -> str:
        return self.report._repr_html_()

    def __len__(self) -> int:
        return len(self.frame)
