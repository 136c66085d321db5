"""listmonk subscriber exports (private).

Layout (listmonk, Subscribers: "Export" in the admin and ``GET
/api/subscribers``, https://listmonk.app/docs/apis/subscribers/): the CSV
export has ``uuid``, ``email``, ``name``, ``attributes``, ``status``,
``created_at``, ``updated_at``; the API answers ``{"data": {"results":
[{"id", "uuid", "email", "name", "attribs", "status", "lists", "created_at",
"updated_at"}]}}``. ``status`` is ``enabled``, ``disabled`` or
``blocklisted``; only ``blocklisted`` people are suppressions, dated by
``updated_at`` (listmonk records no separate blocklisting time). Times are
RFC 3339.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Final

from locosuppress.interop._layout import Layout, Parsed, Table, column, dates, email_column, text

__all__ = ["LAYOUT"]

_COLUMNS: Final = frozenset({"uuid", "email", "status", "createdat", "updatedat"})


def _detect(columns: frozenset[str]) -> str | None:
    return "subscribers" if _COLUMNS <= columns else None


def _resembles(columns: frozenset[str]) -> bool:
    return bool(columns & {"uuid", "updatedat", "attribs", "attributes"})


def _parse(table: Table, kind: str, date_column: Hashable | None) -> Parsed:
    email = email_column(table, "email")
    label = column(table, "status")
    assert label is not None
    status = text(table.frame[label])
    return Parsed(
        email, status, status.str.casefold(), dates(table, "updatedat", "iso", date_column)
    )


LAYOUT: Final = Layout(
    name="listmonk",
    detect=_detect,
    resembles=_resembles,
    parse=_parse,
    reasons={"enabled": None, "disabled": None, "blocklisted": "unsubscribed"},
    soft=frozenset(),
    expected="uuid, email, name, attributes, status, created_at, updated_at",
)
