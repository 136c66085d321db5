"""The ``df.locosuppress`` pandas accessor.

Registered when :mod:`locosuppress` is imported, so a notebook can write::

    result = df.locosuppress.filter(lst, channel="newsletter")
    canonical = df.locosuppress.normalize()          # the address column
    anonymous = events.locosuppress.anonymise(now=now)

Each method is a thin shim over the module-level function of the same job.

Layer 5: may import everything below it (store, filtering, events, ...),
never the command line.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import TYPE_CHECKING, Any

import pandas as pd

from locosuppress.events import anonymise_events, erase_contact
from locosuppress.filtering import find_address_column
from locosuppress.normalize import normalize_emails

if TYPE_CHECKING:
    from locosuppress.filtering import FilterResult
    from locosuppress.store import SuppressionList

__all__ = ["LocosuppressAccessor"]


@pd.api.extensions.register_dataframe_accessor("locosuppress")
class LocosuppressAccessor:
    """locosuppress jobs on a DataFrame: ``df.locosuppress.<job>(...)``."""

    def __init__(self, frame: pd.DataFrame) -> None:
        if not isinstance(frame, pd.DataFrame):  # pragma: no cover - pandas guarantees it
            raise AttributeError("df.locosuppress works on pandas DataFrames only")
        self._frame = frame

    def address_column(self, column: Hashable | None = None) -> Hashable:
        """The label of the address column (named, or found by its name).

        Raises:
            SchemaError: none or several address-like columns.
        """
        return find_address_column(self._frame, column)

    def normalize(self, column: Hashable | None = None) -> pd.Series:
        """Canonical forms of the address column (NA where invalid); see normalize_emails."""
        return normalize_emails(self._frame[self.address_column(column)])

    def filter(self, suppression_list: SuppressionList, /, **options: Any) -> FilterResult:
        """Filter against a suppression list; same options as ``SuppressionList.filter``."""
        return suppression_list.filter(self._frame, **options)

    def anonymise(self, **options: Any) -> Any:
        """Anonymise old events; same options as :func:`locosuppress.anonymise_events`."""
        return anonymise_events(self._frame, **options)

    def erase_contact(self, **options: Any) -> Any:
        """Anonymise one person's events now; see :func:`locosuppress.erase_contact`."""
        return erase_contact(self._frame, **options)
