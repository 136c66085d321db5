"""Brevo (Sendinblue) blocked and unsubscribed contacts (private).

Layout (Brevo API, "Get the list of blocked or unsubscribed transactional
contacts", ``GET /v3/smtp/blockedContacts``,
https://developers.brevo.com/reference/get-transac-blocked-contacts):
``{"contacts": [{"email", "senderEmail", "reason": {"code", "message"},
"blockedAt"}], "count"}``; ``reason.code`` is one of ``unsubscribedViaMA``,
``unsubscribedViaEmail``, ``adminBlocked``, ``unsubscribedViaApi``,
``hardBounce``, ``contactFlaggedAsSpam``; ``blockedAt`` is ISO 8601. A CSV
with ``email``, ``reason`` (the code) and ``blockedAt`` is read the same way.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Final

from locosuppress.interop._layout import Layout, Parsed, Table, column, dates, email_column, text

__all__ = ["LAYOUT"]


def _detect(columns: frozenset[str]) -> str | None:
    if {"email", "blockedat"} <= columns and columns & {"reason", "reasoncode"}:
        return "blocked_contacts"
    return None


def _resembles(columns: frozenset[str]) -> bool:
    return bool(columns & {"blockedat", "senderemail", "reasoncode"})


def _parse(table: Table, kind: str, date_column: Hashable | None) -> Parsed:
    email = email_column(table, "email")
    label = column(table, "reasoncode")
    if label is None:
        label = column(table, "reason")
    assert label is not None
    status = text(table.frame[label])
    return Parsed(
        email, status, status.str.casefold(), dates(table, "blockedat", "iso", date_column)
    )


LAYOUT: Final = Layout(
    name="brevo",
    detect=_detect,
    resembles=_resembles,
    parse=_parse,
    reasons={
        "hardbounce": "bounce",
        "contactflaggedasspam": "complaint",
        "unsubscribedviaemail": "unsubscribed",
        "unsubscribedviama": "unsubscribed",
        "unsubscribedviaapi": "unsubscribed",
        "adminblocked": "manual",
    },
    soft=frozenset(),
    expected="email, reason (code), blockedAt",
)
