"""Hypothesis strategies for providers' suppression exports (re-exported by ``testing``).

Layer 5, just below :mod:`locosuppress.testing`: imports Hypothesis and the
layers below it. :func:`provider_exports` draws an export of one provider
in that provider's documented layout (docs/interop.md names each page), as
records with the provider's own column names and value formats, together
with what each row must become: our reason (None when the row is not a
suppression) and its date. :class:`ProviderExport` writes itself as the
bytes of a CSV, JSON or JSON Lines file, and several Mailchimp member files
as Mailchimp's audience ``.zip``.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any, Final

import attrs
import pandas as pd
from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

__all__ = ["PROVIDER_FORMATS", "ProviderExport", "mailchimp_zip", "provider_exports"]

#: The provider layouts :func:`provider_exports` draws.
PROVIDER_FORMATS: Final = ("mailchimp", "sendgrid", "ses", "mailgun", "brevo", "listmonk")
_MAILCHIMP_BASE: Final = (
    "Email Address", "Voornaam", "Achternaam", "MEMBER_RATING", "OPTIN_TIME", "OPTIN_IP",
    "CONFIRM_TIME", "CONFIRM_IP", "LATITUDE", "LONGITUDE", "GMTOFF", "DSTOFF", "TIMEZONE",
    "CC", "REGION", "LAST_CHANGED", "LEID", "EUID", "NOTES", "TAGS",
)  # fmt: skip
_MAILCHIMP_EXTRA: Final = {
    "subscribed": (),
    "unsubscribed": (
        "UNSUB_TIME", "UNSUB_CAMPAIGN_TITLE", "UNSUB_CAMPAIGN_ID", "UNSUB_REASON",
        "UNSUB_REASON_OTHER",
    ),
    "cleaned": ("CLEAN_TIME", "CLEAN_CAMPAIGN_TITLE", "CLEAN_CAMPAIGN_ID"),
}  # fmt: skip
_UNSUB_REASONS: Final = (
    "I no longer want to receive these emails",
    "I never signed up for this mailing list",
    "The emails are inappropriate",
    "The emails are spam and should be reported",
    "Other (fill in reason below)",
)
_KINDS: Final = {
    "mailchimp": ("subscribed", "unsubscribed", "cleaned"),
    "sendgrid": ("bounces", "spam_reports", "invalid_emails", "unsubscribes"),
    "ses": ("suppressed_destinations",),
    "mailgun": ("bounces", "unsubscribes", "complaints"),
    "brevo": ("blocked_contacts",),
    "listmonk": ("subscribers",),
}
_BREVO: Final = {
    "hardBounce": "bounce",
    "contactFlaggedAsSpam": "complaint",
    "unsubscribedViaEmail": "unsubscribed",
    "unsubscribedViaMA": "unsubscribed",
    "unsubscribedViaApi": "unsubscribed",
    "adminBlocked": "manual",
}
_START: Final = datetime(2015, 1, 1, tzinfo=UTC)
#: How people's addresses are written in exports (all normalise alike).
_MESSY: Final = ("{}", "{}", " {} ", "Zoë Jansen <{}>")


@attrs.frozen
class ProviderExport:
    """One drawn export: its rows in the provider's layout, and what each must become.

    Attributes:
        format: the provider (``read_suppressions``' ``format=``).
        kind: which list of the provider (``bounces``, ``unsubscribed``, ...).
        records: the rows, with the provider's column names and value formats
            (numbers where the provider's JSON has numbers).
        reasons: per row, our reason, or None when the row is not a suppression.
        dates: per row, the suppression date (None when the layout has none).
    """

    format: str
    kind: str
    records: tuple[dict[str, Any], ...]
    reasons: tuple[str | None, ...]
    dates: tuple[datetime | None, ...]

    @property
    def columns(self) -> list[str]:
        """The layout's columns, in order."""
        return list(self.records[0]) if self.records else []

    def frame(self) -> pd.DataFrame:
        """The rows as a DataFrame of text, as a CSV reader gives them."""
        rows = [{k: _cell(v) for k, v in r.items()} for r in self.records]
        return pd.DataFrame(rows, columns=self.columns, dtype=object)

    def csv_bytes(self, *, encoding: str = "utf-8", delimiter: str = ",") -> bytes:
        """The export as a CSV file (nested values flattened as the provider's CSV does)."""
        out = io.StringIO()
        writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
        writer.writerow(self.columns)
        writer.writerows([_cell(v) for v in r.values()] for r in self.records)
        return out.getvalue().encode(encoding)

    def json_bytes(self, *, lines: bool = False) -> bytes:
        """The export as the provider's API JSON (or JSON Lines, one record per line)."""
        if lines:
            return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in self.records).encode()
        records = list(self.records)
        document: Any = {
            "ses": {"SuppressedDestinationSummaries": records, "NextToken": None},
            "mailgun": {"items": records, "paging": {"next": "", "previous": ""}},
            "brevo": {"contacts": records, "count": len(records)},
            "listmonk": {"data": {"results": records, "total": len(records)}},
        }.get(self.format, records)
        return json.dumps(document, ensure_ascii=False, indent=1).encode()


def _cell(value: Any) -> str:
    """One value as a CSV cell: a nested reason as its code, lists as JSON."""
    if isinstance(value, dict):
        return str(value.get("code", json.dumps(value)))
    if isinstance(value, list):
        return json.dumps(value)
    return "" if value is None else str(value)


def mailchimp_zip(exports: Sequence[ProviderExport]) -> bytes:
    """Mailchimp member files (one per kind) as the audience ``.zip`` Mailchimp hands out."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for export in exports:
            archive.writestr(f"{export.kind}_members_export_1a2b3c.csv", export.csv_bytes())
    return out.getvalue()


def _moment(seconds: int) -> datetime:
    return _START + timedelta(seconds=seconds)


@st.composite
def _row(
    draw: st.DrawFn, fmt: str, kind: str, address: str
) -> tuple[dict[str, Any], str | None, datetime | None]:
    when = _moment(draw(st.integers(0, 10 * 365 * 86400)))
    iso = when.strftime("%Y-%m-%d %H:%M:%S")
    if fmt == "mailchimp":
        row: dict[str, Any] = dict.fromkeys(_MAILCHIMP_BASE + _MAILCHIMP_EXTRA[kind], "")
        row.update({"Email Address": address, "Voornaam": "José", "MEMBER_RATING": "2"})
        row.update({"OPTIN_TIME": "2014-03-01 10:00:00", "LEID": "12", "EUID": "ab12"})
        if kind == "subscribed":
            return row, None, None
        if kind == "cleaned":
            row["CLEAN_TIME"] = iso
            return row, "bounce", when
        why = draw(st.sampled_from(_UNSUB_REASONS))
        row.update({"UNSUB_TIME": iso, "UNSUB_REASON": why})
        return row, ("complaint" if why == _UNSUB_REASONS[3] else "unsubscribed"), when
    if fmt == "sendgrid":
        row = {"created": int(when.timestamp()), "email": address}
        if kind == "bounces":
            status = draw(st.sampled_from(["5.1.1", "5.0.0", "4.0.0", "4.2.2"]))
            row |= {"reason": f"{status.replace('.', '')} mailbox problem", "status": status}
            return row, (None if status.startswith("4") else "bounce"), when
        if kind == "spam_reports":
            return row | {"ip": "10.0.0.1"}, "complaint", when
        if kind == "invalid_emails":
            return (
                row | {"reason": "Mail domain mentioned in email address is unknown"},
                "bounce",
                when,
            )
        return row, "unsubscribed", when
    if fmt == "ses":
        word = draw(st.sampled_from(["BOUNCE", "COMPLAINT"]))
        stamp: Any = draw(st.sampled_from([when.isoformat(), when.timestamp()]))
        row = {"EmailAddress": address, "Reason": word, "LastUpdateTime": stamp}
        return row, word.lower(), when
    if fmt == "mailgun":
        row = {"address": address}
        reason: str | None
        if kind == "bounces":
            code = draw(st.sampled_from(["550", "554", "421"]))
            row |= {"code": code, "error": "mailbox unavailable"}
            reason = None if code.startswith("4") else "bounce"
        elif kind == "unsubscribes":
            row["tags"] = ["*"]
            reason = "unsubscribed"
        else:
            reason = "complaint"
        row["created_at"] = format_datetime(when, usegmt=True)
        return row, reason, when
    if fmt == "brevo":
        code = draw(st.sampled_from(sorted(_BREVO)))
        row = {
            "email": address,
            "senderEmail": "nieuwsbrief@example.com",
            "reason": {"code": code, "message": "blocked"},
            "blockedAt": when.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        }
        return row, _BREVO[code], when
    status = draw(st.sampled_from(["enabled", "disabled", "blocklisted"]))
    stamp = when.strftime("%Y-%m-%dT%H:%M:%S.000000+00:00")
    row = {
        "uuid": "6d4b8f2e-3a1c-4e55-9a0b-1c2d3e4f5a6b",
        "email": address,
        "name": "Zoë",
        "attributes": "{}",
        "status": status,
        "created_at": "2014-03-01T10:00:00.000000+00:00",
        "updated_at": stamp,
    }
    return row, ("unsubscribed" if status == "blocklisted" else None), when


@st.composite
def _exports(
    draw: st.DrawFn, formats: Sequence[str], addresses: SearchStrategy[str], max_rows: int
) -> ProviderExport:
    fmt = draw(st.sampled_from(list(formats)))
    kind = draw(st.sampled_from(_KINDS[fmt]))
    people = draw(st.lists(addresses, min_size=1, max_size=max_rows))
    rows = [draw(_row(fmt, kind, person)) for person in people]
    return ProviderExport(
        format=fmt,
        kind=kind,
        records=tuple(r for r, _, _ in rows),
        reasons=tuple(why for _, why, _ in rows),
        dates=tuple(when if why is not None else None for _, why, when in rows),
    )


def provider_exports(
    *,
    formats: Sequence[str] = PROVIDER_FORMATS,
    addresses: SearchStrategy[str] | None = None,
    max_rows: int = 12,
) -> SearchStrategy[ProviderExport]:
    """Suppression exports in a provider's documented layout, with the expected outcome per row.

    Args:
        formats: the providers to draw from (:data:`PROVIDER_FORMATS`).
        addresses: the address strategy (default: ASCII addresses of
            :func:`locosuppress.testing.emails`, some written messily).
        max_rows: the most rows per export (at least one).
    """
    unknown = set(formats) - set(PROVIDER_FORMATS)
    if unknown or not formats:
        raise ValueError(f"formats must be some of {PROVIDER_FORMATS}")
    if addresses is None:
        plain = st.from_regex(r"\A[a-z][a-z0-9]{0,5}(\.[a-z0-9]{1,4})?@[a-z]{1,8}\.(nl|com|be)\Z")
        addresses = st.tuples(plain, st.sampled_from(_MESSY)).map(lambda p: p[1].format(p[0]))
    return _exports(tuple(formats), addresses, max_rows)
