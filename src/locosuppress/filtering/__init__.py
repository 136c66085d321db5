"""Filter an imported mailing database against a suppression list.

The flow goes one way: find the address column, normalise it (vectorised),
hash the canonical forms with the list's e-mail subkey, look the hashes up in
the list's compact index (plus the domain entries), decide one outcome per
row, take the kept rows, and count everything in a :class:`FilterReport`.

Each row gets exactly one outcome, decided in this order: *invalid* (missing
or not an address), *suppressed*, *duplicate* (a later row whose canonical
address equals that of an earlier kept row), *kept*. Always::

    total == kept + suppressed + invalid (when excluded) + duplicates

A pure engine (layer 3): a frame, an index and hashing material in, a
:class:`FilterResult` out. It writes nothing and never imports the store;
``SuppressionList.filter`` calls it and writes its own audit row (counts,
never an address).
"""

from __future__ import annotations

from typing import Final

from locosuppress._vocabulary import ADDRESS_COLUMN_NAMES, channel_mask
from locosuppress._vocabulary import CHANNELS as _CHANNEL_SCOPES
from locosuppress.filtering._columns import find_address_column, is_address_column_name
from locosuppress.filtering._engine import (
    DUPLICATE,
    INVALID_MALFORMED,
    INVALID_MISSING,
    KEPT,
    KEPT_MALFORMED,
    KEPT_MISSING,
    N_CODES,
    N_ENTRIES,
    SUPPRESSED,
    check_address_values,
    check_frame_types,
    check_options,
    duplicated_digests,
    filter_frame,
    outcome_codes,
    report_from_counts,
)
from locosuppress.filtering._result import REJECTED_OUTCOMES, FilterReport, FilterResult

__all__ = [
    "ADDRESS_COLUMN_NAMES",
    "CHANNELS",
    "DUPLICATE",
    "INVALID_MALFORMED",
    "INVALID_MISSING",
    "KEPT",
    "KEPT_MALFORMED",
    "KEPT_MISSING",
    "N_CODES",
    "N_ENTRIES",
    "REJECTED_OUTCOMES",
    "SUPPRESSED",
    "FilterReport",
    "FilterResult",
    "channel_mask",
    "check_address_values",
    "check_frame_types",
    "check_options",
    "duplicated_digests",
    "filter_frame",
    "find_address_column",
    "is_address_column_name",
    "outcome_codes",
    "report_from_counts",
]

#: The channels a filter run can be for: ``None`` (any scope), ``"newsletter"``, ``"post"``.
CHANNELS: Final = tuple(_CHANNEL_SCOPES)
