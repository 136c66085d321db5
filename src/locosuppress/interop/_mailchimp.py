"""Mailchimp audience exports: the subscribed, unsubscribed and cleaned member files (private).

Layout (Mailchimp, "Export your audience" and the Account Exports API,
https://mailchimp.com/developer/marketing/docs/account-exports/): a ZIP with
``subscribed_members_export_*.csv``, ``unsubscribed_members_export_*.csv`` and
``cleaned_members_export_*.csv``; columns ``Email Address``, the audience's
merge fields, ``MEMBER_RATING``, ``OPTIN_TIME``, ``CONFIRM_TIME``,
``LAST_CHANGED``, ``LEID``, ``EUID`` ...; the unsubscribed file adds
``UNSUB_TIME``, ``UNSUB_CAMPAIGN_TITLE``, ``UNSUB_CAMPAIGN_ID``,
``UNSUB_REASON`` and ``UNSUB_REASON_OTHER``, the cleaned file ``CLEAN_TIME``,
``CLEAN_CAMPAIGN_TITLE`` and ``CLEAN_CAMPAIGN_ID``. Times are
``YYYY-MM-DD HH:MM:SS`` in UTC.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Final

import pandas as pd

from locosuppress.errors import SchemaError
from locosuppress.interop._layout import Layout, Parsed, Table, column, dates, email_column, text

__all__ = ["LAYOUT", "SPAM_REASON"]

_MARKERS: Final = frozenset(
    {"memberrating", "optintime", "confirmtime", "lastchanged", "leid", "euid"}
)
#: The ``UNSUB_REASON`` Mailchimp records when someone reports the mail as spam.
SPAM_REASON: Final = "The emails are spam and should be reported"


def _detect(columns: frozenset[str]) -> str | None:
    if "emailaddress" not in columns or len(columns & _MARKERS) < 2:
        return None
    if "unsubtime" in columns and "cleantime" in columns:
        raise SchemaError(
            "mixed layouts: one table has both Mailchimp's UNSUB_TIME and CLEAN_TIME "
            "columns; read the unsubscribed and cleaned member files as exported"
        )
    if "unsubtime" in columns:
        return "unsubscribed"
    if "cleantime" in columns:
        return "cleaned"
    return "subscribed"


def _resembles(columns: frozenset[str]) -> bool:
    return bool(columns & (_MARKERS | {"unsubtime", "cleantime"}))


def _parse(table: Table, kind: str, date_column: Hashable | None) -> Parsed:
    if table.hint is not None and table.hint != kind:
        raise SchemaError(
            f"{table.name}: the file name says {table.hint} members but the columns are "
            f"those of the {kind} members file; read the files as Mailchimp exported them"
        )
    email = email_column(table, "emailaddress")
    n = len(email)
    status = pd.Series([kind] * n, dtype=object)
    key = status.copy()
    if kind == "unsubscribed":
        label = column(table, "unsubreason")
        if label is not None:
            spam = text(table.frame[label]).str.casefold() == SPAM_REASON.casefold()
            key[spam.to_numpy()] = "unsubscribed-spam"
    time = {"unsubscribed": "unsubtime", "cleaned": "cleantime"}.get(kind)
    return Parsed(email, status, key, dates(table, time, "iso", date_column))


LAYOUT: Final = Layout(
    name="mailchimp",
    detect=_detect,
    resembles=_resembles,
    parse=_parse,
    reasons={
        "subscribed": None,
        "unsubscribed": "unsubscribed",
        "unsubscribed-spam": "complaint",
        "cleaned": "bounce",
    },
    soft=frozenset(),
    expected="Email Address, MEMBER_RATING, OPTIN_TIME, ... (+ UNSUB_TIME or CLEAN_TIME)",
)
