"""``read_suppressions``: a provider's export in, our suppressions out (private).

Layer: interop. The keywords are checked once into :class:`ReadOptions`;
the source is read into tables (:mod:`~locosuppress.interop._tables`), each
table's layout found (:mod:`~locosuppress.interop._detect`) and read by the
provider's module; the provider's words are then mapped to our reasons by
the layout's table, overridden by ``reason_map=``. Soft bounces and blocks
are suppressions only with ``include_soft=True``; a word the table does not
know is an error (never silently dropped, never silently suppressed).
"""

from __future__ import annotations

import os
from collections.abc import Hashable, Mapping
from pathlib import Path
from typing import Any

import attrs
import numpy as np
import pandas as pd

from locosuppress._vocabulary import REASONS, check_source, shown
from locosuppress.errors import InvalidOptionError, SchemaError
from locosuppress.interop._dates import positions_text
from locosuppress.interop._detect import FORMATS, LAYOUTS, detect
from locosuppress.interop._export import COLUMNS, SuppressionExport, SuppressionExportReport
from locosuppress.interop._generic import NO_REASON
from locosuppress.interop._layout import Layout, Parsed
from locosuppress.interop._tables import read_tables

__all__ = ["ReadOptions", "read_suppressions"]


def _check_map(value: Mapping[str, str | None] | None) -> Mapping[str, str | None]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise TypeError("reason_map must be a mapping of provider words to our reasons")
    out: dict[str, str | None] = {}
    for word, reason in value.items():
        if not isinstance(word, str):
            raise InvalidOptionError(f"reason_map keys are provider words, not {shown(word)}")
        if reason is not None and reason not in REASONS:
            raise InvalidOptionError(
                f"reason_map maps {shown(word)} to an unknown reason ({shown(reason)}); use one "
                f"of {', '.join(map(repr, REASONS))}, or None for 'not a suppression'"
            )
        out[word.strip().casefold()] = reason
    return out


@attrs.frozen(kw_only=True)
class ReadOptions:
    """The keywords of :func:`read_suppressions`, checked once."""

    format: str = attrs.field()
    encoding: str | None = None
    sheet: int | str | None = None
    include_soft: bool = False
    reason_map: Mapping[str, str | None] = attrs.field(factory=dict, converter=_check_map)
    reason_column: Hashable | None = None
    date_column: Hashable | None = None

    @format.validator
    def _format(self, attribute: Any, value: object) -> None:
        if not (isinstance(value, str) and value in FORMATS):
            raise InvalidOptionError(
                f"unknown format ({shown(value)}); use one of {', '.join(map(repr, FORMATS))}"
            )

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.include_soft, bool):
            raise TypeError("include_soft must be True or False")
        if self.reason_column is not None and self.format != "generic":
            raise InvalidOptionError(
                "reason_column= applies to format='generic'; a provider's layout has its own "
                "status column (override its words with reason_map=)"
            )


def read_suppressions(
    source: str | os.PathLike[str] | pd.DataFrame,
    /,
    *,
    format: str = "auto",
    encoding: str | None = None,
    sheet: int | str | None = None,
    include_soft: bool = False,
    reason_map: Mapping[str, str | None] | None = None,
    reason_column: Hashable | None = None,
    date_column: Hashable | None = None,
) -> SuppressionExport:
    """Read a suppression export of Mailchimp, SendGrid, SES, Mailgun, Brevo or listmonk.

    Args:
        source: a path (CSV, TSV, ``.xlsx``, JSON array, JSON Lines, or
            Mailchimp's audience ``.zip``) or a DataFrame.
        format: ``"auto"`` (by the layout's documented columns or JSON keys),
            or one of ``"mailchimp"``, ``"sendgrid"``, ``"ses"``, ``"mailgun"``,
            ``"brevo"``, ``"listmonk"``, ``"generic"``.
        encoding: the file's encoding, overriding detection (CSV and JSON).
        sheet: the ``.xlsx`` worksheet.
        include_soft: soft bounces and blocks become ``bounce`` suppressions
            (they are counted in the report either way).
        reason_map: provider words (statuses, reason codes; case-insensitive)
            to our reasons, or None for "not a suppression"; overrides the
            layout's table (docs/interop.md).
        reason_column: ``generic`` only: the column holding each row's reason word.
        date_column: a column of ISO 8601 dates to use instead of the layout's own.

    Returns:
        A :class:`SuppressionExport`: the suppressions in our words, and a report.

    Raises:
        SchemaError: unknown, ambiguous or mixed layout; an unreadable date; a
            provider word the reason table does not know (positions given).
        MailingFileError: the file cannot be read.
        InvalidOptionError: an unknown format, or a bad ``reason_map``.
    """
    options = ReadOptions(
        format=format,
        encoding=encoding,
        sheet=sheet,
        include_soft=include_soft,
        reason_map=reason_map,
        reason_column=reason_column,
        date_column=date_column,
    )
    tables = read_tables(source, encoding=options.encoding, sheet=options.sheet)
    parts: list[Parsed] = []
    layout: Layout | None = None
    for table in tables:
        if options.format == "generic":
            found, kind = LAYOUTS["generic"], _generic_kind(table.name, table.frame, options)
        else:
            found, kind = detect(table, options.format)
        if layout is not None and found is not layout:
            raise SchemaError(
                f"{table.name}: mixed layouts ({layout.name} and {found.name}) in one export"
            )
        layout = found
        parts.append(found.parse(table, kind, options.date_column))
    assert layout is not None
    label = None if isinstance(source, pd.DataFrame) else _label(Path(os.fspath(source)).name)
    return _export(layout, parts, options, tuple(t.name for t in tables), label)


def _label(name: str) -> str | None:
    """The file name as an audit label, when it can be one (no ``@``, printable, short)."""
    try:
        return check_source(name)
    except InvalidOptionError:
        return None


def _generic_kind(name: str, frame: pd.DataFrame, options: ReadOptions) -> str:
    column = options.reason_column
    if column is None:
        return NO_REASON
    if column not in frame.columns:
        raise SchemaError(f"{name}: reason_column {shown(column)} is not a column")
    return str(column)


def _export(
    layout: Layout,
    parts: list[Parsed],
    options: ReadOptions,
    names: tuple[str, ...],
    label: str | None,
) -> SuppressionExport:
    """Map the provider's words to our reasons and build the value."""
    email = pd.concat([p.email for p in parts], ignore_index=True)
    status = pd.concat([p.status for p in parts], ignore_index=True).astype("category")
    key = pd.concat([p.key for p in parts], ignore_index=True).astype("category")
    when = pd.concat([p.date for p in parts], ignore_index=True)
    table: dict[str, str | None] = {k.casefold(): v for k, v in layout.reasons.items()}
    soft_keys = {k.casefold() for k in layout.soft}
    if not options.include_soft:
        table.update(dict.fromkeys(soft_keys))
    table.update(options.reason_map)
    unknown = ~key.isin(list(table))
    if unknown.any():
        words = sorted({shown(w) for w in key[unknown].astype(object).unique()})
        raise SchemaError(
            f"{int(unknown.sum()):,} row(s) carry a {layout.name} status or reason that has no "
            f"mapping ({', '.join(words[:10])}) at row positions "
            f"{positions_text(np.flatnonzero(unknown.to_numpy()))} (0-based); map it with "
            "reason_map={'word': 'bounce'} (--reason-map 'word=bounce'), or None to skip it"
        )
    reason = key.map(table).astype(object)
    suppression = reason.notna().to_numpy()
    soft = int(key.isin(list(soft_keys)).sum())
    frame = pd.DataFrame(
        {
            "email": email[suppression],
            "reason": reason[suppression].astype(object),
            "scope": "all",
            "suppressed_at": when[suppression],
            "status": status[suppression].astype(object),
        },
        columns=list(COLUMNS),
    )
    by_status = {str(k): int(v) for k, v in status.value_counts(sort=False).items() if v}
    not_suppressed = {
        str(k): int(v) for k, v in status[~suppression].value_counts(sort=False).items() if v
    }
    by_reason = {name: n for name in REASONS if (n := int((frame["reason"] == name).sum()))}
    report = SuppressionExportReport(
        format=layout.name,
        rows=len(email),
        suppressions=len(frame),
        by_status=by_status,
        by_reason=by_reason,
        not_suppressed=not_suppressed,
        soft=soft,
        parts=names,
        source=label,
    )
    return SuppressionExport(frame=frame, format=layout.name, report=report)
