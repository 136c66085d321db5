"""SendGrid suppression lists: bounces, blocks, spam reports, invalid, unsubscribes (private).

Layout (Twilio SendGrid v3 API, ``GET /v3/suppression/bounces`` and its
siblings, https://www.twilio.com/docs/sendgrid/api-reference/bounces-api;
the Suppressions pages of the app download the same fields as CSV): records
with ``email`` and ``created`` (Unix seconds; older exports write
``YYYY-MM-DD HH:MM:SS`` text, read as UTC) and, per list:

* bounces and blocks: ``reason`` and ``status`` (the enhanced SMTP status:
  ``5.x.x`` a hard bounce, ``4.x.x`` a block or soft bounce);
* spam reports: ``ip``;
* invalid e-mails: ``reason``;
* global unsubscribes: nothing more.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Final

import numpy as np
import pandas as pd

from locosuppress.interop._layout import Layout, Parsed, Table, column, dates, email_column

__all__ = ["LAYOUT"]

_OTHERS: Final = frozenset({"emailaddress", "address", "uuid", "blockedat", "lastupdatetime"})


def _detect(columns: frozenset[str]) -> str | None:
    if not {"email", "created"} <= columns or columns & _OTHERS:
        return None
    if {"reason", "status"} <= columns:
        return "bounces"
    if "ip" in columns:
        return "spam_reports"
    if "reason" in columns:
        return "invalid_emails"
    return "unsubscribes"


def _resembles(columns: frozenset[str]) -> bool:
    return "created" in columns or ("email" in columns and "status" in columns)


def _parse(table: Table, kind: str, date_column: Hashable | None) -> Parsed:
    email = email_column(table, "email")
    n = len(email)
    if kind == "bounces":
        label = column(table, "status")
        assert label is not None
        code = table.frame[label].astype("string[pyarrow]").str.strip().str.startswith("4")
        soft = code.fillna(False).to_numpy(dtype=bool)
        status = pd.Series(np.where(soft, "block", "bounce"), dtype=object)
    else:
        word = {"spam_reports": "spam_report", "invalid_emails": "invalid_email"}.get(
            kind, "unsubscribe"
        )
        status = pd.Series([word] * n, dtype=object)
    return Parsed(email, status, status, dates(table, "created", "iso_or_epoch", date_column))


LAYOUT: Final = Layout(
    name="sendgrid",
    detect=_detect,
    resembles=_resembles,
    parse=_parse,
    reasons={
        "bounce": "bounce",
        "invalid_email": "bounce",
        "spam_report": "complaint",
        "unsubscribe": "unsubscribed",
        "block": "bounce",
    },
    soft=frozenset({"block"}),
    expected="email, created (+ reason, status | ip | reason)",
)
