"""Any other export: an address column found by name, optional reason and date columns (private).

Never chosen by ``format="auto"``: a file is read as generic only when asked.
The address column is found as the filter finds it
(:func:`locosuppress.filtering.find_address_column`). Without
``reason_column=`` every row is a suppression with the reason ``import``;
with it, the column's words are mapped by the table below (our own reason
names, and the words providers use), overridden by ``reason_map=``.
Dates (``date_column=``) are ISO 8601 text; Unix seconds are never guessed.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Final

import pandas as pd

from locosuppress._vocabulary import REASONS
from locosuppress.filtering import find_address_column
from locosuppress.interop._layout import Layout, Parsed, Table, dates, text

__all__ = ["LAYOUT", "NO_REASON"]

#: The mapping key of rows when no reason column is given.
NO_REASON: Final = ""


def _detect(columns: frozenset[str]) -> str | None:
    return None


def _resembles(columns: frozenset[str]) -> bool:
    return False


def _parse(table: Table, kind: str, date_column: Hashable | None) -> Parsed:
    label = find_address_column(table.frame)
    email = table.frame[label].reset_index(drop=True)
    if kind == NO_REASON:
        status = pd.Series([NO_REASON] * len(email), dtype=object)
    else:
        status = text(table.frame[kind])
    return Parsed(email, status, status.str.casefold(), dates(table, None, "iso", date_column))


LAYOUT: Final = Layout(
    name="generic",
    detect=_detect,
    resembles=_resembles,
    parse=_parse,
    reasons={
        NO_REASON: "import",
        **{name: name for name in REASONS},
        "bounced": "bounce",
        "hard bounce": "bounce",
        "hard_bounce": "bounce",
        "hardbounce": "bounce",
        "cleaned": "bounce",
        "invalid": "bounce",
        "complained": "complaint",
        "spam": "complaint",
        "spam report": "complaint",
        "spam_report": "complaint",
        "abuse": "complaint",
        "unsubscribe": "unsubscribed",
        "global unsubscribe": "unsubscribed",
        "blocklisted": "unsubscribed",
        "soft bounce": "bounce",
        "soft_bounce": "bounce",
        "block": "bounce",
        "blocked": "bounce",
    },
    soft=frozenset({"soft bounce", "soft_bounce", "block", "blocked"}),
    expected="an address column (email, e-mailadres, ...)",
)
