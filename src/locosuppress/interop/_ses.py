"""Amazon SES account-level suppression list (private).

Layout (Amazon SES API v2, ``ListSuppressedDestinations``,
https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_SuppressedDestinationSummary.html):
``aws sesv2 list-suppressed-destinations`` prints
``{"SuppressedDestinationSummaries": [{"EmailAddress", "Reason", "LastUpdateTime"}]}``;
``Reason`` is ``BOUNCE`` or ``COMPLAINT``; ``LastUpdateTime`` is ISO 8601
text (the CLI) or Unix seconds (the API's own JSON). A CSV with the same
three column names is read the same way.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Final

from locosuppress.interop._layout import Layout, Parsed, Table, column, dates, email_column, text

__all__ = ["LAYOUT"]

_COLUMNS: Final = frozenset({"emailaddress", "reason", "lastupdatetime"})


def _detect(columns: frozenset[str]) -> str | None:
    return "suppressed_destinations" if _COLUMNS <= columns else None


def _resembles(columns: frozenset[str]) -> bool:
    return bool(columns & {"lastupdatetime", "emailaddress"})


def _parse(table: Table, kind: str, date_column: Hashable | None) -> Parsed:
    email = email_column(table, "emailaddress")
    label = column(table, "reason")
    assert label is not None
    status = text(table.frame[label])
    return Parsed(
        email,
        status,
        status.str.casefold(),
        dates(table, "lastupdatetime", "iso_or_epoch", date_column),
    )


LAYOUT: Final = Layout(
    name="ses",
    detect=_detect,
    resembles=_resembles,
    parse=_parse,
    reasons={"bounce": "bounce", "complaint": "complaint"},
    soft=frozenset(),
    expected="EmailAddress, Reason, LastUpdateTime",
)
