"""Mailgun suppressions: bounces, unsubscribes, complaints (private).

Layout (Mailgun API, Suppressions: Bounces, Unsubscribes, Complaints,
https://documentation.mailgun.com/docs/mailgun/api-reference/send/mailgun/bounces):
``GET /v3/{domain}/bounces`` answers ``{"items": [{"address", "code",
"error", "created_at"}], "paging": {...}}``, unsubscribes carry ``tags``
instead of ``code``/``error``, complaints only ``address`` and
``created_at``; the CSV the import endpoints take (and the app exports) has
the same columns. ``created_at`` is RFC 2822 text (``Fri, 21 Oct 2011
11:02:55 GMT``). A bounce whose ``code`` is 4xx is a soft bounce.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Final

import numpy as np
import pandas as pd

from locosuppress.interop._layout import Layout, Parsed, Table, column, dates, email_column, text

__all__ = ["LAYOUT"]


def _detect(columns: frozenset[str]) -> str | None:
    if not {"address", "createdat"} <= columns or "email" in columns:
        return None
    if columns & {"code", "error"}:
        return "bounces"
    if "tags" in columns:
        return "unsubscribes"
    return "complaints"


def _resembles(columns: frozenset[str]) -> bool:
    return "address" in columns or "createdat" in columns


def _parse(table: Table, kind: str, date_column: Hashable | None) -> Parsed:
    email = email_column(table, "address")
    n = len(email)
    if kind == "bounces":
        label = column(table, "code")
        code = text(table.frame[label]) if label is not None else pd.Series([""] * n, dtype=object)
        status = pd.Series(
            np.where(code.str.startswith("4"), "soft_bounce", "bounce"), dtype=object
        )
    else:
        word = "unsubscribe" if kind == "unsubscribes" else "complaint"
        status = pd.Series([word] * n, dtype=object)
    return Parsed(email, status, status, dates(table, "createdat", "rfc2822", date_column))


LAYOUT: Final = Layout(
    name="mailgun",
    detect=_detect,
    resembles=_resembles,
    parse=_parse,
    reasons={
        "bounce": "bounce",
        "soft_bounce": "bounce",
        "unsubscribe": "unsubscribed",
        "complaint": "complaint",
    },
    soft=frozenset({"soft_bounce"}),
    expected="address, created_at (+ code, error | tags)",
)
